"""TokenRequestAuthorizer: the signing secret (new or existing) and the function reading it."""

from __future__ import annotations

from typing import Any

import aws_cdk as cdk
import pytest
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_secretsmanager as secretsmanager
from aws_cdk.assertions import Match, Template
from construct_testkit import OTHER_REGION, RETENTION, inline_code, new_stack, refused, template_of

from serverless_api_constructs import TokenRequestAuthorizer

PRIMARY_SECRET_ARN = (
    f"arn:aws:secretsmanager:{OTHER_REGION}:123456789012:secret:token-signing-key-AbCdEf"
)


def _authorizer(stack: cdk.Stack, **kwargs: Any) -> TokenRequestAuthorizer:
    return TokenRequestAuthorizer(
        stack,
        "Authorizer",
        code=inline_code(),
        handler="index.handler",
        log_retention=RETENTION,
        service="svc",
        metrics_namespace="Svc",
        **kwargs,
    )


def _policy_statements(template: Template) -> list[dict[str, Any]]:
    statements: list[dict[str, Any]] = []
    for policy in template.find_resources("AWS::IAM::Policy").values():
        statements.extend(policy["Properties"]["PolicyDocument"]["Statement"])
    return statements


def test_by_default_a_retained_signing_secret_is_generated_and_read_by_the_function_only() -> None:
    # Given an authorizer without an existing secret
    stack = new_stack()
    authorizer = _authorizer(stack)
    template = template_of(stack)
    # Then one secret is generated under "signing_key" and kept when the stack is deleted
    template.resource_count_is("AWS::SecretsManager::Secret", 1)
    template.has_resource(
        "AWS::SecretsManager::Secret",
        {
            "Properties": {
                "GenerateSecretString": Match.object_like(
                    {"GenerateStringKey": "signing_key", "PasswordLength": 64}
                )
            },
            "DeletionPolicy": "Retain",
        },
    )
    # And the function may read its value (and nothing else of it)
    reads = [s for s in _policy_statements(template) if "secretsmanager" in str(s["Action"])]
    assert reads == [
        {
            "Action": "secretsmanager:GetSecretValue",
            "Effect": "Allow",
            "Resource": {"Ref": _logical_id(stack, authorizer.secret)},
        }
    ]


def test_an_existing_secret_from_another_region_is_used_and_no_secret_is_created() -> None:
    # Given the primary region's secret, imported by its complete ARN into another region
    stack = new_stack()
    secret = secretsmanager.Secret.from_secret_complete_arn(stack, "Primary", PRIMARY_SECRET_ARN)
    # When the authorizer is given it
    authorizer = _authorizer(stack, existing_secret=secret)
    template = template_of(stack)
    # Then no secret is created, the function reads that one by ARN, and only the function may
    assert authorizer.secret is secret
    template.resource_count_is("AWS::SecretsManager::Secret", 0)
    template.has_resource_properties(
        "AWS::Lambda::Function",
        {"Environment": {"Variables": Match.object_like({"TOKEN_SECRET_ARN": PRIMARY_SECRET_ARN})}},
    )
    reads = [s for s in _policy_statements(template) if "secretsmanager" in str(s["Action"])]
    assert reads == [
        {
            "Action": "secretsmanager:GetSecretValue",
            "Effect": "Allow",
            "Resource": PRIMARY_SECRET_ARN,
        }
    ]
    assert len(template.find_resources("AWS::IAM::Role")) == 1


def test_a_secret_imported_by_name_is_granted_with_the_random_suffix_of_its_arn() -> None:
    # Given a secret known only by name (its ARN ends in a random 6-character suffix)
    stack = new_stack()
    secret = secretsmanager.Secret.from_secret_name_v2(stack, "ByName", "token-signing-key")
    # When the authorizer is given it
    _authorizer(stack, existing_secret=secret)
    # Then the grant matches the real ARN, suffix included
    reads = [
        s for s in _policy_statements(template_of(stack)) if "secretsmanager" in str(s["Action"])
    ]
    assert len(reads) == 1
    assert "token-signing-key-??????" in str(reads[0]["Resource"])


def test_an_existing_secret_with_its_own_key_is_decryptable_by_the_function() -> None:
    # Given a secret encrypted with a customer-managed key
    stack = new_stack()
    key = kms.Key(stack, "Key")
    secret = secretsmanager.Secret.from_secret_attributes(
        stack, "Encrypted", secret_complete_arn=PRIMARY_SECRET_ARN, encryption_key=key
    )
    # When the authorizer is given it
    _authorizer(stack, existing_secret=secret)
    # Then the function may decrypt with that key
    decrypts = [s for s in _policy_statements(template_of(stack)) if s["Action"] == "kms:Decrypt"]
    assert len(decrypts) == 1


def _logical_id(stack: cdk.Stack, construct: secretsmanager.ISecret) -> str:
    resource = construct.node.default_child
    assert isinstance(resource, cdk.CfnElement)
    return stack.get_logical_id(resource)


def test_the_authorizer_needs_its_code_and_handler_and_passes_function_settings_through() -> None:
    # Given an authorizer with a handler of the caller's and other function settings
    stack = new_stack()
    _authorizer(
        stack,
        secret_arn_variable="SIGNING_SECRET",
        function_props={"memory_size": 256, "runtime": lambda_.Runtime.PYTHON_3_13},
    )
    # Then the function has them, and the secret's ARN under the variable asked for
    template_of(stack).has_resource_properties(
        "AWS::Lambda::Function",
        {
            "Handler": "index.handler",
            "MemorySize": 256,
            "Runtime": "python3.13",
            "Environment": {"Variables": Match.object_like({"SIGNING_SECRET": Match.any_value()})},
        },
    )


def test_an_authorizer_without_a_handler_is_a_type_error() -> None:
    stack = new_stack()
    kwargs: dict[str, Any] = {
        "code": inline_code(),
        "log_retention": RETENTION,
        "service": "svc",
        "metrics_namespace": "Svc",
    }
    with pytest.raises(TypeError, match="handler"):
        TokenRequestAuthorizer(stack, "Authorizer", **kwargs)


def test_secret_props_shape_the_new_secret_and_are_refused_with_an_existing_one() -> None:
    stack = new_stack()
    _authorizer(stack, secret_props={"description": "ours"})
    template_of(stack).has_resource_properties(
        "AWS::SecretsManager::Secret", {"Description": "ours"}
    )
    other = new_stack()
    secret = secretsmanager.Secret.from_secret_complete_arn(other, "S", PRIMARY_SECRET_ARN)
    with refused("TokenRequestAuthorizer: pass either existing_secret or secret_props, not both"):
        _authorizer(other, existing_secret=secret, secret_props={"description": "ours"})


def test_function_props_cannot_restate_the_authorizers_own_settings() -> None:
    with refused(
        "TokenRequestAuthorizer: function_props cannot set ['handler']; use the construct's "
        "own keyword arguments (or, for what wires the resource to the construct, nothing)"
    ):
        _authorizer(new_stack(), function_props={"handler": "other.handler"})
