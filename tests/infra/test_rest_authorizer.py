"""The token secret and Lambda REQUEST authorizer shared by the REST and WebSocket APIs."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest
from aws_cdk.assertions import Match

if TYPE_CHECKING:
    from collections.abc import Callable

    from aws_cdk.assertions import Template

    from tests.infra.templates import StackTemplates

REST_STACKS = ["Dev/EuWest1/RestApi", "Prod/EuWest1/RestApi", "Prod/UsEast1/RestApi"]


@pytest.mark.parametrize("stack", REST_STACKS)
def test_token_secret_holds_a_generated_signing_key_and_is_retained(
    template: Callable[[str], Template], stack: str
) -> None:
    template(stack).has_resource(
        "AWS::SecretsManager::Secret",
        {
            "Properties": {
                "GenerateSecretString": {
                    "SecretStringTemplate": "{}",
                    "GenerateStringKey": "signing_key",
                    "PasswordLength": 64,
                    "ExcludePunctuation": True,
                }
            },
            "DeletionPolicy": "Retain",
        },
    )


@pytest.mark.parametrize("stack", REST_STACKS)
def test_authorizer_function_reads_the_secret_arn_from_its_environment(
    template: Callable[[str], Template], stack: str
) -> None:
    template(stack).has_resource_properties(
        "AWS::Lambda::Function",
        {
            "Handler": "handlers.authorizer.handler",
            "Environment": {
                "Variables": Match.object_like({"TOKEN_SECRET_ARN": {"Ref": Match.any_value()}})
            },
        },
    )


def test_authorizer_role_may_read_only_the_token_secret(stacks: StackTemplates) -> None:
    # Given the Dev REST API stack's token secret and the authorizer function's role policy
    stack = "Dev/EuWest1/RestApi"
    authorizer = stacks.function(stack, "handlers.authorizer.handler")[1]["Properties"]
    secret_id = authorizer["Environment"]["Variables"]["TOKEN_SECRET_ARN"]["Ref"]
    secret_statements = [
        statement
        for statement in stacks.function_statements(stack, "handlers.authorizer.handler")
        if "secretsmanager:GetSecretValue" in statement["Action"]
    ]

    # Then every statement that reads a secret names exactly the token secret
    assert secret_statements
    for statement in secret_statements:
        assert statement["Resource"] == {"Ref": secret_id}


@pytest.mark.parametrize("stack", REST_STACKS)
def test_authorizer_knows_nothing_of_the_table(stacks: StackTemplates, stack: str) -> None:
    # Given the authorizer function, which verifies tokens with the signing secret alone
    authorizer = "handlers.authorizer.handler"
    variables = stacks.function(stack, authorizer)[1]["Properties"]["Environment"]["Variables"]
    statements = stacks.function_statements(stack, authorizer)
    # Then it is told nothing about the table and may do nothing with it
    assert not [name for name in variables if name.startswith("TABLE_")]
    actions = [
        a
        for s in statements
        for a in ([s["Action"]] if isinstance(s["Action"], str) else s["Action"])
    ]
    assert actions
    assert not [a for a in actions if a.startswith("dynamodb:")]


@pytest.mark.parametrize("stack", REST_STACKS)
def test_token_secret_says_it_signs_access_tokens_only(stacks: StackTemplates, stack: str) -> None:
    authorizer = stacks.function(stack, "handlers.authorizer.handler")[1]["Properties"]
    secret_id = authorizer["Environment"]["Variables"]["TOKEN_SECRET_ARN"]["Ref"]
    description = stacks[stack]["Resources"][secret_id]["Properties"]["Description"]
    assert "access tokens only" in description
