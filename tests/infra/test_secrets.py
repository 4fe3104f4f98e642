"""Who may read which secret: the token signing key is the authorizers' alone (with an HS256
key, whoever reads it can mint a token for anyone); pagination cursors are signed with a key
of their own that only the functions handing out cursors can read.

Each stage has one secret of each kind, in its Identity stack, replicated to every other
region of the stage; a replica has the secret's ARN but for the region field. Every granted
ARN is evaluated (:mod:`tests.infra.resolve`), so a grant on any region's replica counts.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest

from tests.infra.fixed_stages import STAGES as FIXED_STAGES
from tests.infra.resolve import Resolver, Unresolved

if TYPE_CHECKING:
    from tests.infra.templates import StackTemplates

STAGES = sorted(FIXED_STAGES)
AUTHORIZER = "handlers.authorizer.handler"
#: Functions whose responses carry a signed pagination cursor (GET /rooms, GET /partner/rooms).
PAGINATING = ("handlers.rest.rooms.handler",)
NOT_PAGINATING = (
    "handlers.rest.report.handler",
    "handlers.rest.admin.handler",
    "handlers.rest.ingest_consumer.handler",
    "handlers.rest.internal_service.handler",
)
#: Each secret's generated field, and what its description says it signs.
DESCRIPTIONS = [("signing_key", "access tokens only"), ("cursor_key", "pagination cursors")]


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def _secret(stacks: StackTemplates, stage: str, field: str) -> tuple[str, dict[str, Any]]:
    """The ARN (primary region) and resource of the stage's secret generating ``field``."""
    path = f"{stage}/Identity"
    ((logical_id, secret),) = (
        (k, s)
        for k, s in stacks.resources(path, "AWS::SecretsManager::Secret").items()
        if s["Properties"]["GenerateSecretString"]["GenerateStringKey"] == field
    )
    return Resolver(stacks).ref(path, logical_id), secret


def _same_secret(arn: str, secret_arn: str) -> bool:
    """Whether ``arn`` names ``secret_arn`` or one of its replicas (any region)."""
    ours, theirs = arn.split(":"), secret_arn.split(":")
    return len(ours) == len(theirs) and ours[:3] + ours[4:] == theirs[:3] + theirs[4:]


def _statements(stacks: StackTemplates) -> list[tuple[str, dict[str, Any]]]:
    """``(stack/role, statement)`` of every policy statement of the app."""
    return [
        (f"{path}/{role.get('Ref', role)}", statement)
        for path in stacks
        for policy in stacks.resources(path, "AWS::IAM::Policy").values()
        for role in policy["Properties"]["Roles"]
        for statement in policy["Properties"]["PolicyDocument"]["Statement"]
    ]


def _named(stacks: StackTemplates, path: str, statement: dict[str, Any]) -> list[str]:
    resolver = Resolver(stacks)
    names = []
    for resource in _list(statement["Resource"]):
        try:
            names.append(resolver.text(path, resource))
        except Unresolved:
            names.append(str(resource))
    return names


def _readers(stacks: StackTemplates, secret_arn: str) -> set[str]:
    """``stack/role`` of every role, in any stack, with a statement naming the secret or one
    of its replicas."""
    return {
        role
        for role, statement in _statements(stacks)
        if any(
            _same_secret(a, secret_arn) for a in _named(stacks, role.rsplit("/", 1)[0], statement)
        )
    }


def _role(stacks: StackTemplates, stack: str, handler: str) -> str:
    function = stacks.function(stack, handler)[1]["Properties"]
    return f"{stack}/{function['Role']['Fn::GetAtt'][0]}"


def _rest_stacks(stacks: StackTemplates, stage: str) -> list[str]:
    return [p for p in stacks if p.startswith(f"{stage}/") and p.endswith("/RestApi")]


def _variables(stacks: StackTemplates, stack: str, handler: str) -> dict[str, Any]:
    function = stacks.function(stack, handler)[1]["Properties"]
    variables: dict[str, Any] = function.get("Environment", {}).get("Variables", {})
    return variables


@pytest.mark.parametrize("stage", STAGES)
def test_only_the_authorizers_can_read_the_token_signing_secret(
    stacks: StackTemplates, stage: str
) -> None:
    # Given the secret the authorizers verify tokens with
    token, _ = _secret(stacks, stage, "signing_key")

    # Then the authorizers' roles (one per region) are the only roles of the whole app that
    # may read it or any replica of it
    rest = _rest_stacks(stacks, stage)
    assert _readers(stacks, token) == {_role(stacks, s, AUTHORIZER) for s in rest}
    # ... and no other function is told where it is
    for stack in rest:
        for handler in (*PAGINATING, *NOT_PAGINATING):
            assert "TOKEN_SECRET_ARN" not in _variables(stacks, stack, handler), handler


@pytest.mark.parametrize("stage", STAGES)
def test_paginating_functions_alone_read_the_cursor_secret(
    stacks: StackTemplates, stage: str
) -> None:
    # Given the cursor secret
    cursor, _ = _secret(stacks, stage, "cursor_key")

    # Then exactly the functions that hand out cursors may read it, and know where it is
    rest = _rest_stacks(stacks, stage)
    assert _readers(stacks, cursor) == {_role(stacks, s, h) for s in rest for h in PAGINATING}
    for stack in rest:
        for handler in PAGINATING:
            told = Resolver(stacks).text(
                stack, _variables(stacks, stack, handler)["CURSOR_SECRET_ARN"]
            )
            assert _same_secret(told, cursor)
        for handler in (AUTHORIZER, *NOT_PAGINATING):
            assert "CURSOR_SECRET_ARN" not in _variables(stacks, stack, handler), handler


@pytest.mark.parametrize("stage", STAGES)
@pytest.mark.parametrize(("field", "describes"), DESCRIPTIONS)
def test_each_secret_is_a_generated_json_key_kept_on_stack_deletion(
    stacks: StackTemplates, stage: str, field: str, describes: str
) -> None:
    _, secret = _secret(stacks, stage, field)
    generate = secret["Properties"]["GenerateSecretString"]
    assert generate["SecretStringTemplate"] == "{}"
    assert generate["GenerateStringKey"] == field
    assert generate["PasswordLength"] == 64
    assert generate["ExcludePunctuation"] is True
    assert describes in secret["Properties"]["Description"]
    assert secret["DeletionPolicy"] == "Retain"
    assert secret["UpdateReplacePolicy"] == "Retain"
    # The AWS-managed key: readers need no KMS grant for it
    assert "KmsKeyId" not in secret["Properties"]


@pytest.mark.parametrize("stage", STAGES)
def test_reading_a_secret_is_all_a_reader_may_do_with_it(
    stacks: StackTemplates, stage: str
) -> None:
    for field in ("signing_key", "cursor_key"):
        secret, _ = _secret(stacks, stage, field)
        for role, statement in _statements(stacks):
            if any(
                _same_secret(a, secret) for a in _named(stacks, role.rsplit("/", 1)[0], statement)
            ):
                assert set(_list(statement["Action"])) == {"secretsmanager:GetSecretValue"}, role
