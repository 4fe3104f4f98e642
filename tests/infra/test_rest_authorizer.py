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
