"""Least privilege of the direct integrations and functions; the ingest queue's safety nets."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest

from tests.infra.rest_methods import DEV, PROD, PROD_REPLICA, REST_STACKS, method

if TYPE_CHECKING:
    from tests.infra.templates import StackTemplates


def _actions(statement: dict[str, Any]) -> set[str]:
    actions = statement["Action"]
    return {actions} if isinstance(actions, str) else set(actions)


def _integration_role(stacks: StackTemplates, stack: str, verb: str, path: str) -> str:
    role: str = method(stacks, stack, verb, path)["Integration"]["Credentials"]["Fn::GetAtt"][0]
    return role


@pytest.mark.parametrize("stack", REST_STACKS)
def test_messages_role_may_only_query_the_table_and_decrypt_with_its_key(
    stacks: StackTemplates, stack: str
) -> None:
    role = _integration_role(stacks, stack, "GET", "/rooms/{room_id}/messages")
    statements = stacks.role_statements(stack, role)
    assert {frozenset(_actions(s)) for s in statements} == {
        frozenset({"dynamodb:Query"}),
        frozenset({"kms:Decrypt"}),
    }
    for statement in statements:
        assert statement["Effect"] == "Allow"
        assert not isinstance(statement["Resource"], list) or len(statement["Resource"]) == 1
        assert "*" not in str(statement["Resource"])
    role_properties = stacks[stack]["Resources"][role]["Properties"]
    principal = role_properties["AssumeRolePolicyDocument"]["Statement"][0]["Principal"]
    assert principal == {"Service": "apigateway.amazonaws.com"}


@pytest.mark.parametrize("stack", REST_STACKS)
def test_ingest_role_may_only_send_to_the_ingest_queue(stacks: StackTemplates, stack: str) -> None:
    role = _integration_role(stacks, stack, "POST", "/ingest")
    statements = stacks.role_statements(stack, role)
    queues = stacks.resources(stack, "AWS::SQS::Queue")
    (ingest,) = (k for k, q in queues.items() if "RedrivePolicy" in q["Properties"])
    (key,) = stacks.resources(stack, "AWS::KMS::Key").keys() & {
        q["Properties"]["KmsMasterKeyId"]["Fn::GetAtt"][0] for q in queues.values()
    }
    by_actions = {frozenset(_actions(s)): s for s in statements}
    assert set(by_actions) == {
        frozenset({"sqs:SendMessage"}),
        frozenset({"kms:GenerateDataKey", "kms:Decrypt"}),
    }
    assert by_actions[frozenset({"sqs:SendMessage"})]["Resource"] == {"Fn::GetAtt": [ingest, "Arn"]}
    assert by_actions[frozenset({"kms:GenerateDataKey", "kms:Decrypt"})]["Resource"] == {
        "Fn::GetAtt": [key, "Arn"]
    }


def test_ingest_queue_has_an_encrypted_ssl_only_dead_letter_queue(stacks: StackTemplates) -> None:
    queues = stacks.resources(DEV, "AWS::SQS::Queue")
    (ingest,) = (q["Properties"] for q in queues.values() if "RedrivePolicy" in q["Properties"])
    assert ingest["RedrivePolicy"]["maxReceiveCount"] == 3
    for queue in queues.values():
        assert "KmsMasterKeyId" in queue["Properties"]
    policies = stacks.resources(DEV, "AWS::SQS::QueuePolicy").values()
    assert len(policies) == 2
    for policy in policies:
        (statement,) = policy["Properties"]["PolicyDocument"]["Statement"]
        assert statement["Effect"] == "Deny"
        assert statement["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}


def test_consumer_reports_partial_batch_failures(stacks: StackTemplates) -> None:
    (mapping,) = stacks.resources(DEV, "AWS::Lambda::EventSourceMapping").values()
    assert mapping["Properties"]["FunctionResponseTypes"] == ["ReportBatchItemFailures"]


@pytest.mark.parametrize(
    # The primary region first in every region: writes go there, reads fail over in order
    ("stack", "regions"),
    [(DEV, "eu-west-1"), (PROD_REPLICA, "eu-west-1,us-east-1")],
)
def test_functions_know_the_table_its_regions_and_the_cursor_secret(
    stacks: StackTemplates, stack: str, regions: str
) -> None:
    rooms = stacks.function(stack, "handlers.rest.rooms.handler")[1]["Properties"]
    variables = rooms["Environment"]["Variables"]
    assert variables["TABLE_REGIONS"] == regions
    assert "TABLE_NAME" in variables
    assert "CURSOR_SECRET_ARN" in variables
    assert "TOKEN_SECRET_ARN" not in variables


@pytest.mark.parametrize(("stack", "origins"), [(DEV, "*"), (PROD, "https://app.example.com")])
def test_lambda_routes_answer_cors_for_the_stage_origins(
    stacks: StackTemplates, stack: str, origins: str
) -> None:
    rooms = stacks.function(stack, "handlers.rest.rooms.handler")[1]["Properties"]
    assert rooms["Environment"]["Variables"]["CORS_ALLOW_ORIGINS"] == origins


@pytest.mark.parametrize("handler", ["handlers.rest.report.handler", "handlers.rest.admin.handler"])
def test_read_only_functions_cannot_write_the_table(stacks: StackTemplates, handler: str) -> None:
    function = stacks.function(DEV, handler)[1]["Properties"]
    role = function["Role"]["Fn::GetAtt"][0]
    actions = set().union(*(_actions(s) for s in stacks.role_statements(DEV, role)))
    assert "dynamodb:Query" in actions
    assert not actions & {"dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem"}
    assert not actions & {"kms:Encrypt", "kms:GenerateDataKey"}


def test_the_internal_service_gets_no_table_or_secret_access(stacks: StackTemplates) -> None:
    internal = stacks.function(DEV, "handlers.rest.internal_service.handler")[1]["Properties"]
    assert "TABLE_NAME" not in internal.get("Environment", {}).get("Variables", {})
    role = internal["Role"]["Fn::GetAtt"][0]
    actions = set().union(*(_actions(s) for s in stacks.role_statements(DEV, role)))
    assert not any(a.startswith(("dynamodb:", "secretsmanager:", "kms:")) for a in actions)
