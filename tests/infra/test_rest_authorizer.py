"""The token secret and Lambda REQUEST authorizer shared by the REST and WebSocket APIs."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest

from tests.infra.resolve import Resolver

if TYPE_CHECKING:
    from tests.infra.templates import StackTemplates

REST_STACKS = ["Dev/EuWest1/RestApi", "Prod/EuWest1/RestApi", "Prod/UsEast1/RestApi"]


def _actions(statement: dict[str, Any]) -> list[str]:
    actions = statement["Action"]
    return [actions] if isinstance(actions, str) else list(actions)


@pytest.mark.parametrize("stack", REST_STACKS)
def test_authorizer_function_reads_the_secret_arn_from_its_environment(
    stacks: StackTemplates, stack: str
) -> None:
    # The stage's token secret lives in its Identity stack (its generation, retention and
    # readers: tests/infra/test_secrets.py); the authorizer is told its region's replica.
    authorizer = stacks.function(stack, "handlers.authorizer.handler")[1]["Properties"]
    told = Resolver(stacks).text(stack, authorizer["Environment"]["Variables"]["TOKEN_SECRET_ARN"])
    assert told.startswith(f"arn:aws:secretsmanager:{stacks.region(stack)}:")
    assert ":secret:" in told


def test_authorizer_role_may_read_only_the_token_secret(stacks: StackTemplates) -> None:
    # Given the Dev REST API stack's authorizer function and its role policy
    stack = "Dev/EuWest1/RestApi"
    authorizer = stacks.function(stack, "handlers.authorizer.handler")[1]["Properties"]
    secret = authorizer["Environment"]["Variables"]["TOKEN_SECRET_ARN"]
    secret_statements = [
        statement
        for statement in stacks.function_statements(stack, "handlers.authorizer.handler")
        if any(a.startswith("secretsmanager:") for a in _actions(statement))
    ]

    # Then every statement that reads a secret names exactly the token secret
    assert secret_statements
    for statement in secret_statements:
        assert statement["Resource"] == secret


@pytest.mark.parametrize("stack", REST_STACKS)
def test_authorizer_knows_nothing_of_the_table(stacks: StackTemplates, stack: str) -> None:
    # Given the authorizer function, which verifies tokens with the signing secret alone
    authorizer = "handlers.authorizer.handler"
    variables = stacks.function(stack, authorizer)[1]["Properties"]["Environment"]["Variables"]
    statements = stacks.function_statements(stack, authorizer)
    # Then it is told nothing about the table and may do nothing with it
    assert not [name for name in variables if name.startswith("TABLE_")]
    actions = [a for s in statements for a in _actions(s)]
    assert actions
    assert not [a for a in actions if a.startswith("dynamodb:")]
