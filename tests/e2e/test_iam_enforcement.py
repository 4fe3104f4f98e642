"""IAM enforced by execution on this app's Dev stage: each function's worker calls the local AWS
with its own role's session, and a call outside that role's policy is denied as AWS denies it
(AccessDeniedException) and reported with the function, the action and the resource.

The rest of the end-to-end suite runs with the same enforcement, so every call the app makes
there is one its policies allow (conftest.py fails a test during which anything was denied).
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import boto3
import botocore.config
import pytest
from botocore.exceptions import ClientError

if TYPE_CHECKING:
    from cdk_local_gateway.assembly import Stack
    from cdk_local_gateway.lambdas.workers import FunctionSpec
    from cdk_local_gateway.pytest_plugin import RunningGateway

pytestmark = pytest.mark.iam_denials_expected

KEY = {"pk": {"S": "iam-enforcement"}, "sk": {"S": "probe"}}


@dataclass(frozen=True)
class Outside:
    """A call the function's role does not allow: service, operation, the resource it targets
    (a logical id prefix in the Dev stage and the attribute naming it), and the IAM action."""

    service: str
    operation: str
    target: str
    action: str


# One case per function of the stage: a neighbour of what its role grants, never the grant.
OUTSIDE: dict[str, Outside] = {
    "TokenAuthorizerFunction": Outside(
        "secretsmanager", "get_secret_value", "CursorSecret", "secretsmanager:GetSecretValue"
    ),
    "Rooms": Outside("dynamodb", "scan", "Table", "dynamodb:Scan"),
    "Report": Outside("dynamodb", "put_item", "Table", "dynamodb:PutItem"),
    "Admin": Outside("dynamodb", "get_item", "Table", "dynamodb:GetItem"),
    "IngestConsumer": Outside("dynamodb", "delete_item", "Table", "dynamodb:DeleteItem"),
    "InternalService": Outside("dynamodb", "get_item", "Table", "dynamodb:GetItem"),
    "Connect": Outside("dynamodb", "get_item", "Table", "dynamodb:GetItem"),
    "Disconnect": Outside("dynamodb", "put_item", "Table", "dynamodb:PutItem"),
    "Join": Outside("dynamodb", "delete_item", "Table", "dynamodb:DeleteItem"),
    "Leave": Outside("dynamodb", "put_item", "Table", "dynamodb:PutItem"),
    "Send": Outside("sqs", "send_message", "PublishQueue", "sqs:SendMessage"),
    "PublishConsumer": Outside("sqs", "send_message", "PublishQueue", "sqs:SendMessage"),
}


def _stacks(running: RunningGateway) -> list[Stack]:
    services = running.runtime.services
    assert services is not None
    return [s for s in services.assembly.select("Dev", None) if s.region in (None, "eu-west-1")]


def _function(running: RunningGateway, prefix: str) -> FunctionSpec:
    services = running.runtime.services
    assert services is not None
    # CDK's logical ids are the construct path plus an 8-character hash.
    (spec,) = [s for s in services.functions.values() if s.logical_id[:-8] == prefix]
    return spec


def _resource(running: RunningGateway, prefix: str) -> tuple[str, str]:
    """(Ref, Arn) of the one resource of the stage whose logical id is ``prefix`` + hash."""
    services = running.runtime.services
    assert services is not None
    found = [
        (stack, logical_id)
        for stack in _stacks(running)
        for logical_id in stack.resources
        if logical_id[:-8] == prefix
    ]
    ((stack, logical_id),) = found
    resolver = services.resolver
    ref = resolver.ref(stack, logical_id)
    if stack.resources[logical_id]["Type"] == "AWS::SecretsManager::Secret":
        return ref, ref  # a secret's Ref is its ARN
    return ref, str(resolver.get_att(stack, logical_id, "Arn"))


def _worker_client(running: RunningGateway, spec: FunctionSpec, service: str) -> Any:
    """A client made from exactly the environment a new worker of ``spec`` gets."""
    lambdas = running.runtime.lambdas
    assert lambdas is not None
    env = asyncio.run_coroutine_threadsafe(lambdas.environment_of(spec), running.loop).result(60)
    return boto3.Session(
        aws_access_key_id=env["AWS_ACCESS_KEY_ID"],
        aws_secret_access_key=env["AWS_SECRET_ACCESS_KEY"],
        aws_session_token=env.get("AWS_SESSION_TOKEN"),
        region_name=env["AWS_REGION"],
    ).client(  # type: ignore[call-overload]
        service,
        endpoint_url=env["AWS_ENDPOINT_URL"],
        verify=env.get("AWS_CA_BUNDLE"),
        config=botocore.config.Config(retries={"max_attempts": 1}),
    )


def _call(client: Any, case: Outside, ref: str) -> None:
    if case.service == "dynamodb":
        args: dict[str, Any] = {"TableName": ref}
        if case.operation in ("get_item", "delete_item"):
            args["Key"] = KEY
        elif case.operation == "put_item":
            args["Item"] = KEY
        getattr(client, case.operation)(**args)
    elif case.operation == "receive_message":
        client.receive_message(QueueUrl=ref)
    elif case.service == "sqs":
        client.send_message(QueueUrl=ref, MessageBody="{}")
    else:
        client.get_secret_value(SecretId=ref)


def test_every_function_of_the_stage_has_a_denied_call(running_gateway: RunningGateway) -> None:
    # Given the functions the runtime serves with an execution role
    services = running_gateway.runtime.services
    assert services is not None
    served = {
        s.logical_id[:-8] for s in services.functions.values() if s.unavailable is None and s.role
    }
    # Then each has a case below (a new function needs one)
    assert served == set(OUTSIDE)


@pytest.mark.parametrize("function", sorted(OUTSIDE))
def test_a_call_outside_the_function_role_is_denied_and_reported(
    running_gateway: RunningGateway, function: str
) -> None:
    # Given the function's worker environment (its role's session) and a call its role lacks
    spec = _function(running_gateway, function)
    case = OUTSIDE[function]
    ref, arn = _resource(running_gateway, case.target)
    client = _worker_client(running_gateway, spec, case.service)
    lambdas = running_gateway.runtime.lambdas
    assert lambdas is not None
    before = len(lambdas.iam.denials())
    # When it makes the call
    with pytest.raises(ClientError) as raised:
        _call(client, case, ref)
    # Then the service answers AccessDenied, as on AWS, naming the action
    assert raised.value.response["Error"]["Code"] in ("AccessDeniedException", "AccessDenied")
    assert f"is not authorized to perform: {case.action}" in str(raised.value)
    # And the runtime reports the function, the action and the resource
    new = lambdas.iam.denials()[before:]
    assert [(d["function"], d["action"], d["resource"]) for d in new] == [
        (spec.name, case.action, arn)
    ]


# Each direct integration's Credentials role, and a call it does not allow.
INTEGRATION_OUTSIDE: dict[str, Outside] = {
    "MessagesQueryRole": Outside("dynamodb", "put_item", "Table", "dynamodb:PutItem"),
    "IngestSendRole": Outside("sqs", "receive_message", "IngestQueue", "sqs:ReceiveMessage"),
    "PublishRouteRole": Outside("sqs", "receive_message", "PublishQueue", "sqs:ReceiveMessage"),
}


def _integration_roles(running: RunningGateway) -> set[str]:
    """Logical ids (hash removed) of the roles the stage's AWS integrations sign with."""
    services = running.runtime.services
    assert services is not None
    found: set[str] = set()
    for stack in _stacks(running):
        for resource in stack.resources.values():
            props = resource.get("Properties", {})
            role = props.get("Integration", {}).get("Credentials") or props.get("CredentialsArn")
            if isinstance(role, dict) and "Fn::GetAtt" in role:
                found.add(str(role["Fn::GetAtt"][0])[:-8])
    return found


def test_every_integration_role_of_the_stage_has_a_denied_call(
    running_gateway: RunningGateway,
) -> None:
    assert _integration_roles(running_gateway) == set(INTEGRATION_OUTSIDE)


@pytest.mark.parametrize("role", sorted(INTEGRATION_OUTSIDE))
def test_a_call_outside_an_integration_role_is_denied_and_reported(
    running_gateway: RunningGateway, role: str
) -> None:
    # Given a session of the integration's role, as the gateway signs its service calls with
    _, role_arn = _resource(running_gateway, role)
    services, lambdas = running_gateway.runtime.services, running_gateway.runtime.lambdas
    assert services is not None
    assert lambdas is not None
    session = f"apigateway-{role}"
    credentials = asyncio.run_coroutine_threadsafe(
        lambdas.iam.role_credentials(services.resolver, role_arn, session), running_gateway.loop
    ).result(60)
    assert credentials is not None
    case = INTEGRATION_OUTSIDE[role]
    ref, arn = _resource(running_gateway, case.target)
    client = boto3.client(  # type: ignore[call-overload]
        case.service,
        endpoint_url=running_gateway.endpoints["aws_endpoint"],
        region_name="eu-west-1",
        aws_access_key_id=credentials.access_key,
        aws_secret_access_key=credentials.secret_key,
        aws_session_token=credentials.token,
    )
    before = len(lambdas.iam.denials())
    # When it makes a call its role lacks
    with pytest.raises(ClientError) as raised:
        _call(client, case, ref)
    # Then it is denied as on AWS and reported with the session, the action and the resource
    assert raised.value.response["Error"]["Code"] in ("AccessDeniedException", "AccessDenied")
    new = lambdas.iam.denials()[before:]
    assert [(d["function"], d["action"], d["resource"]) for d in new] == [
        (session, case.action, arn)
    ]


def test_a_function_without_manage_connections_cannot_post_to_a_connection(
    running_gateway: RunningGateway, ws_url: str, local_gateway: dict[str, Any]
) -> None:
    # Given Join, whose role has no execute-api:ManageConnections
    spec = _function(running_gateway, "Join")
    lambdas = running_gateway.runtime.lambdas
    assert lambdas is not None
    env = asyncio.run_coroutine_threadsafe(lambdas.environment_of(spec), running_gateway.loop)
    worker = env.result(60)
    client = boto3.Session(
        aws_access_key_id=worker["AWS_ACCESS_KEY_ID"],
        aws_secret_access_key=worker["AWS_SECRET_ACCESS_KEY"],
        aws_session_token=worker.get("AWS_SESSION_TOKEN"),
        region_name="eu-west-1",
    ).client(
        "apigatewaymanagementapi",
        endpoint_url="https://" + ws_url.split("://", 1)[1],
        verify=local_gateway["ca_bundle"],
    )
    # When it posts to a connection
    with pytest.raises(ClientError) as raised:
        client.post_to_connection(ConnectionId="AAAAAAAAAAAAAAA=", Data=b"{}")
    # Then IAM refuses it before the connection is looked up (403, not 410 Gone)
    assert raised.value.response["Error"]["Code"] == "AccessDeniedException"
