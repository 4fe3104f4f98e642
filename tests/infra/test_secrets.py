"""Who may read which secret: the token signing key is the authorizer's alone (with an HS256
key, whoever reads it can mint a token for anyone); pagination cursors are signed with a key
of their own that only the functions handing out cursors can read."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest

from tests.infra.rest_methods import REST_STACKS

if TYPE_CHECKING:
    from tests.infra.templates import StackTemplates

AUTHORIZER = "handlers.authorizer.handler"
#: Functions whose responses carry a signed pagination cursor (GET /rooms, GET /partner/rooms).
PAGINATING = ("handlers.rest.rooms.handler",)
NOT_PAGINATING = (
    "handlers.rest.report.handler",
    "handlers.rest.admin.handler",
    "handlers.rest.ingest_consumer.handler",
    "handlers.rest.internal_service.handler",
)


def _variables(stacks: StackTemplates, stack: str, handler: str) -> dict[str, Any]:
    function = stacks.function(stack, handler)[1]["Properties"]
    variables: dict[str, Any] = function.get("Environment", {}).get("Variables", {})
    return variables


def _secret_ids(stacks: StackTemplates, stack: str) -> tuple[str, str]:
    """Logical ids of the token secret (the authorizer's) and the cursor secret (Rooms')."""
    token = _variables(stacks, stack, AUTHORIZER)["TOKEN_SECRET_ARN"]["Ref"]
    cursor = _variables(stacks, stack, PAGINATING[0])["CURSOR_SECRET_ARN"]["Ref"]
    assert token != cursor
    return token, cursor


def _names(statement: dict[str, Any], stack: str, path: str, secret: str) -> bool:
    """Whether ``statement`` (in stack ``path``) names ``secret`` of stack ``stack``: by
    ``Ref`` in its own stack, through a cross-stack output (whose name carries the logical
    id) anywhere else."""
    resource = str(statement.get("Resource"))
    if path == stack:
        return str({"Ref": secret}) in resource
    return "GetStackOutput" in resource and secret in resource


def _readers(stacks: StackTemplates, stack: str, secret: str) -> set[str]:
    """``stack/role`` of every role, in any stack, with a statement naming ``secret``."""
    readers: set[str] = set()
    for path in stacks:
        for policy in stacks.resources(path, "AWS::IAM::Policy").values():
            document = policy["Properties"]["PolicyDocument"]["Statement"]
            if any(_names(s, stack, path, secret) for s in document):
                readers.update(f"{path}/{role['Ref']}" for role in policy["Properties"]["Roles"])
    return readers


def _role(stacks: StackTemplates, stack: str, handler: str) -> str:
    function = stacks.function(stack, handler)[1]["Properties"]
    return f"{stack}/{function['Role']['Fn::GetAtt'][0]}"


@pytest.mark.parametrize("stack", REST_STACKS)
def test_only_the_authorizer_can_read_the_token_signing_secret(
    stacks: StackTemplates, stack: str
) -> None:
    # Given the secret the authorizer verifies tokens with
    token, _ = _secret_ids(stacks, stack)

    # Then the authorizer's role is the only role of the whole app that may read it
    assert _readers(stacks, stack, token) == {_role(stacks, stack, AUTHORIZER)}
    # ... and no other function is told where it is
    for handler in (*PAGINATING, *NOT_PAGINATING):
        assert "TOKEN_SECRET_ARN" not in _variables(stacks, stack, handler), handler


@pytest.mark.parametrize("stack", REST_STACKS)
def test_paginating_functions_alone_read_the_cursor_secret(
    stacks: StackTemplates, stack: str
) -> None:
    # Given the cursor secret
    _, cursor = _secret_ids(stacks, stack)

    # Then exactly the functions that hand out cursors may read it, and know where it is
    assert _readers(stacks, stack, cursor) == {_role(stacks, stack, h) for h in PAGINATING}
    for handler in PAGINATING:
        assert _variables(stacks, stack, handler)["CURSOR_SECRET_ARN"] == {"Ref": cursor}
    for handler in (AUTHORIZER, *NOT_PAGINATING):
        assert "CURSOR_SECRET_ARN" not in _variables(stacks, stack, handler), handler


@pytest.mark.parametrize("stack", REST_STACKS)
def test_cursor_secret_is_a_generated_json_key_kept_on_stack_deletion(
    stacks: StackTemplates, stack: str
) -> None:
    _, cursor = _secret_ids(stacks, stack)
    secret = stacks[stack]["Resources"][cursor]
    generate = secret["Properties"]["GenerateSecretString"]
    assert generate["SecretStringTemplate"] == "{}"
    assert generate["GenerateStringKey"] == "cursor_key"
    assert generate["PasswordLength"] == 64
    assert generate["ExcludePunctuation"] is True
    assert secret["DeletionPolicy"] == "Retain"
    assert secret["UpdateReplacePolicy"] == "Retain"


@pytest.mark.parametrize("stack", REST_STACKS)
def test_reading_a_secret_is_all_a_reader_may_do_with_it(
    stacks: StackTemplates, stack: str
) -> None:
    for secret in _secret_ids(stacks, stack):
        for path in stacks:
            for policy in stacks.resources(path, "AWS::IAM::Policy").values():
                for statement in policy["Properties"]["PolicyDocument"]["Statement"]:
                    if _names(statement, stack, path, secret):
                        actions = statement["Action"]
                        actions = [actions] if isinstance(actions, str) else actions
                        assert set(actions) <= {
                            "secretsmanager:GetSecretValue",
                            "secretsmanager:DescribeSecret",
                        }
