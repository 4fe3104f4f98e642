"""TokenRequestAuthorizer: the signing secret (new or existing) and the function reading it."""

from __future__ import annotations

from typing import Any

import aws_cdk as cdk
from aws_cdk import aws_kms as kms
from aws_cdk import aws_secretsmanager as secretsmanager
from aws_cdk.assertions import Match, Template
from construct_testkit import OTHER_REGION, RETENTION, inline_code, new_stack, template_of

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
