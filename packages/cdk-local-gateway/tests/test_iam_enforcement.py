"""IAM enforced by execution, on a small synthetic template: each function calls the local AWS
with a session of its own execution role, and every call is allowed or denied by that role's
policies from the template; denials are reported with function, action and resource."""

from __future__ import annotations

import asyncio
import json
import uuid
from typing import TYPE_CHECKING, Any

import boto3
import pytest
from cdk_local_gateway.assembly import read_assembly
from cdk_local_gateway.aws.process import ACCESS_KEY_ID, SECRET_ACCESS_KEY
from cdk_local_gateway.aws.provision import Provisioner
from cdk_local_gateway.event_sources import SqsPoller, read_sqs_mappings
from cdk_local_gateway.iam.policy import Decision, evaluate
from cdk_local_gateway.iam.requests import Call, requested
from cdk_local_gateway.intrinsics import Resolver
from cdk_local_gateway.lambdas.functions import function_spec
from cdk_local_gateway.lambdas.layers import build_layer_folder
from cdk_local_gateway.lambdas.workers import FunctionSpec, LambdaService
from gateway_testkit import write_assembly

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable
    from pathlib import Path

REGION = "eu-west-1"
ACCOUNT = "123456789012"
MANAGE_ARN = f"arn:aws:execute-api:{REGION}:{ACCOUNT}:abc123"

# One handler that makes the AWS call the event names and answers with its outcome.
HANDLERS = """
import os, boto3
from botocore.exceptions import ClientError

def call(event, context):
    client = boto3.client(event["service"])
    try:
        answer = getattr(client, event["operation"])(**event.get("args", {}))
    except ClientError as error:
        return {"error": error.response["Error"]["Code"], "message": str(error)}
    answer.pop("ResponseMetadata", None)
    return {"ok": True, "identity": boto3.client("sts").get_caller_identity()["Arn"]}
"""


def _table(key: str = "pk") -> dict[str, Any]:
    return {
        "Type": "AWS::DynamoDB::Table",
        "Properties": {
            "KeySchema": [{"AttributeName": key, "KeyType": "HASH"}],
            "AttributeDefinitions": [{"AttributeName": key, "AttributeType": "S"}],
            "BillingMode": "PAY_PER_REQUEST",
        },
    }


def _function(role: str | None, timeout: int = 10) -> dict[str, Any]:
    props: dict[str, Any] = {
        "Code": {"S3Bucket": "b", "S3Key": "a" * 64 + ".zip"},
        "Handler": "app.call",
        "Runtime": "python3.12",
        "Timeout": timeout,
    }
    if role:
        props["Role"] = {"Fn::GetAtt": [role, "Arn"]}
    return {"Type": "AWS::Lambda::Function", "Properties": props}


def _lambda_role(managed: list[str] | None = None) -> dict[str, Any]:
    props: dict[str, Any] = {
        "AssumeRolePolicyDocument": {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Principal": {"Service": "lambda.amazonaws.com"},
                    "Action": "sts:AssumeRole",
                }
            ],
        }
    }
    if managed:
        props["ManagedPolicyArns"] = [
            {"Fn::Join": ["", ["arn:", {"Ref": "AWS::Partition"}, f":iam::aws:policy/{m}"]]}
            for m in managed
        ]
    return {"Type": "AWS::IAM::Role", "Properties": props}


def template() -> dict[str, Any]:
    return {
        "Resources": {
            "Items": _table(),
            "Other": _table(),
            "Work": {"Type": "AWS::SQS::Queue", "Properties": {}},
            "Token": {"Type": "AWS::SecretsManager::Secret", "Properties": {"SecretString": "s"}},
            "Unrelated": {
                "Type": "AWS::SecretsManager::Secret",
                "Properties": {"SecretString": "u"},
            },
            "WriterRole": _lambda_role(["service-role/AWSLambdaBasicExecutionRole"]),
            "WriterPolicy": {
                "Type": "AWS::IAM::Policy",
                "Properties": {
                    "PolicyName": "WriterPolicy",
                    "Roles": [{"Ref": "WriterRole"}],
                    "PolicyDocument": {
                        "Version": "2012-10-17",
                        "Statement": [
                            {
                                "Effect": "Allow",
                                "Action": ["dynamodb:PutItem", "dynamodb:GetItem"],
                                "Resource": {"Fn::GetAtt": ["Items", "Arn"]},
                            },
                            {
                                "Effect": "Allow",
                                "Action": "secretsmanager:GetSecretValue",
                                "Resource": {"Ref": "Token"},
                            },
                            {
                                "Effect": "Allow",
                                "Action": "sqs:SendMessage",
                                "Resource": {"Fn::GetAtt": ["Work", "Arn"]},
                            },
                            {
                                "Effect": "Allow",
                                "Action": "execute-api:ManageConnections",
                                "Resource": MANAGE_ARN + "/dev/POST/@connections/*",
                            },
                        ],
                    },
                },
            },
            "Writer": _function("WriterRole"),
            # A role whose only policy the local AWS refuses (an Effect IAM does not know).
            "BrokenRole": {
                "Type": "AWS::IAM::Role",
                "Properties": {
                    **_lambda_role()["Properties"],
                    "Policies": [
                        {
                            "PolicyName": "broken",
                            "PolicyDocument": {
                                "Version": "2012-10-17",
                                "Statement": [
                                    {"Effect": "Perhaps", "Action": "dynamodb:*", "Resource": "*"}
                                ],
                            },
                        }
                    ],
                },
            },
            "Broken": _function("BrokenRole"),
            # A direct integration's Credentials role: may send to Work, nothing else.
            "SendRole": {
                "Type": "AWS::IAM::Role",
                "Properties": {
                    "AssumeRolePolicyDocument": {
                        "Statement": [
                            {
                                "Effect": "Allow",
                                "Principal": {"Service": "apigateway.amazonaws.com"},
                                "Action": "sts:AssumeRole",
                            }
                        ]
                    },
                    "Policies": [
                        {
                            "PolicyName": "send",
                            "PolicyDocument": {
                                "Statement": [
                                    {
                                        "Effect": "Allow",
                                        "Action": "sqs:SendMessage",
                                        "Resource": {"Fn::GetAtt": ["Work", "Arn"]},
                                    }
                                ]
                            },
                        }
                    ],
                },
            },
            # A consumer whose role may not receive from its queue: Lambda's poller reads the
            # queue with the function's role, so nothing is delivered and the denial is told.
            "ConsumerRole": _lambda_role(),
            "Consumer": _function("ConsumerRole"),
            "Mapping": {
                "Type": "AWS::Lambda::EventSourceMapping",
                "Properties": {
                    "EventSourceArn": {"Fn::GetAtt": ["Work", "Arn"]},
                    "FunctionName": {"Ref": "Consumer"},
                },
            },
        }
    }


class Harness:
    """The template's resources on the local AWS and a Lambda service over its functions."""

    def __init__(self, root: Path, endpoint: str) -> None:
        stack_name = f"Iam{uuid.uuid4().hex[:8]}"
        cdk_out = write_assembly(
            root / "cdk.out", {stack_name: template()}, assets={stack_name: {"app.py": HANDLERS}}
        )
        self.endpoint = endpoint
        self.assembly = read_assembly(cdk_out)
        (self.stack,) = self.assembly.select("Dev", None)
        self.resolver = Resolver(self.assembly, default_region=REGION)
        Provisioner(self.resolver, endpoint).provision([self.stack])
        self.layer = root / "layer"
        build_layer_folder(self.layer, [])
        self.functions = {
            logical_id: function_spec(self.resolver, self.stack, logical_id)
            for logical_id in self.stack.of_type("AWS::Lambda::Function")
        }
        self.log: list[str] = []

    def arn(self, logical_id: str) -> str:
        return str(self.resolver.get_att(self.stack, logical_id, "Arn"))

    def ref(self, logical_id: str) -> str:
        return self.resolver.ref(self.stack, logical_id)

    def run(self, calls: Callable[[LambdaService], Awaitable[Any]], *, iam: bool = True) -> Any:
        async def main() -> Any:
            service = LambdaService(
                aws_endpoint=self.endpoint,
                credentials=(ACCESS_KEY_ID, SECRET_ACCESS_KEY),
                layer_folder=self.layer,
                iam=iam,
                log=self.log.append,
            )
            await service.start()
            try:
                return await calls(service)
            finally:
                await service.stop()

        return asyncio.run(main())

    def call(
        self, function: str, service: str, operation: str, iam: bool = True, **args: Any
    ) -> Any:
        spec = self.functions[function]

        async def calls(lambdas: LambdaService) -> tuple[Any, list[dict[str, Any]]]:
            result = await lambdas.invoke(
                spec, {"service": service, "operation": operation, "args": args}
            )
            assert result.error is None, result.error
            return json.loads(result.payload), await asyncio.to_thread(lambdas.iam.denials)

        return self.run(calls, iam=iam)


@pytest.fixture(scope="module")
def harness(tmp_path_factory: pytest.TempPathFactory, local_aws: str) -> Harness:
    return Harness(tmp_path_factory.mktemp("iam"), local_aws)


def test_a_call_inside_the_role_policy_is_allowed_under_the_function_own_identity(
    harness: Harness,
) -> None:
    # Given Writer's role allows dynamodb:PutItem on the Items table
    # When Writer puts an item there
    answer, denials = harness.call(
        "Writer", "dynamodb", "put_item", TableName=harness.ref("Items"), Item={"pk": {"S": "a"}}
    )
    # Then the call succeeds, made as an assumed-role session of its role named after it
    assert answer["ok"] is True, answer
    spec = harness.functions["Writer"]
    assert spec.role is not None
    assert answer["identity"].endswith(f":assumed-role/{spec.role.name}/{spec.name}")
    assert denials == []


def test_an_action_outside_the_role_policy_is_denied_and_reported(harness: Harness) -> None:
    # Given Writer's role grants no dynamodb:DeleteItem
    # When Writer deletes an item of its own table
    answer, denials = harness.call(
        "Writer", "dynamodb", "delete_item", TableName=harness.ref("Items"), Key={"pk": {"S": "a"}}
    )
    # Then DynamoDB answers AccessDeniedException, as on AWS, and the runtime reports it
    assert answer["error"] == "AccessDeniedException", answer
    assert "is not authorized to perform: dynamodb:DeleteItem" in answer["message"]
    spec = harness.functions["Writer"]
    assert [(d["function"], d["action"], d["resource"]) for d in denials] == [
        (spec.name, "dynamodb:DeleteItem", harness.arn("Items"))
    ]
    assert any(
        f"IAM denied: {spec.name}" in line and "dynamodb:DeleteItem" in line for line in harness.log
    ), harness.log


def test_an_allowed_action_on_another_resource_is_denied(harness: Harness) -> None:
    # Given Writer may PutItem on Items only
    # When it puts into the Other table
    answer, denials = harness.call(
        "Writer", "dynamodb", "put_item", TableName=harness.ref("Other"), Item={"pk": {"S": "a"}}
    )
    # Then the resource scope is enforced, not only the action
    assert answer["error"] == "AccessDeniedException", answer
    assert [(d["action"], d["resource"]) for d in denials] == [
        ("dynamodb:PutItem", harness.arn("Other"))
    ]


def test_secrets_and_queues_are_scoped_to_the_granted_resources(harness: Harness) -> None:
    # Given Writer may read the Token secret and send to Work
    # Then reading Token by name works, reading Unrelated is denied
    token, _ = harness.call(
        "Writer", "secretsmanager", "get_secret_value", SecretId=harness.ref("Token")
    )
    assert token.get("ok") is True, token
    unrelated, denials = harness.call(
        "Writer", "secretsmanager", "get_secret_value", SecretId=harness.ref("Unrelated")
    )
    assert unrelated["error"] == "AccessDeniedException", unrelated
    assert denials[-1]["resource"] == harness.ref("Unrelated")
    # And sending to Work works while deleting the queue is denied with SQS's own code
    url = harness.resolver.get_att(harness.stack, "Work", "QueueUrl")
    sent, _ = harness.call("Writer", "sqs", "send_message", QueueUrl=url, MessageBody="hi")
    assert sent.get("ok") is True, sent
    purged, denials = harness.call("Writer", "sqs", "purge_queue", QueueUrl=url)
    assert purged["error"] in ("AccessDenied", "AccessDeniedException"), purged
    assert (denials[-1]["action"], denials[-1]["resource"]) == (
        "sqs:PurgeQueue",
        harness.arn("Work"),
    )


def test_with_iam_off_the_same_call_is_allowed(harness: Harness) -> None:
    # Given enforcement is turned off (--iam off)
    # When Writer deletes an item, which its role does not allow
    answer, denials = harness.call(
        "Writer",
        "dynamodb",
        "delete_item",
        iam=False,
        TableName=harness.ref("Items"),
        Key={"pk": {"S": "a"}},
    )
    # Then it runs with the runtime's own credentials and nothing is denied
    assert answer.get("ok") is True, answer
    assert denials == []


def test_the_sqs_poller_reads_with_the_function_role(harness: Harness) -> None:
    # Given Consumer's role has no sqs:ReceiveMessage on its event source
    (mapping,) = read_sqs_mappings(
        harness.resolver, [harness.stack], {s.arn: s for s in harness.functions.values()}
    )

    async def calls(lambdas: LambdaService) -> list[dict[str, Any]]:
        poller = SqsPoller(
            mapping,
            lambdas,
            aws_endpoint=harness.endpoint,
            credentials=(ACCESS_KEY_ID, SECRET_ACCESS_KEY),
            log=harness.log.append,
        )
        # When the poller receives once
        with pytest.raises(Exception, match="AccessDenied"):
            await poller._receive(1)
        return await asyncio.to_thread(lambdas.iam.denials)

    denials = harness.run(calls)
    # Then the receive is denied as the consumer's, as Lambda's poller would be
    spec = harness.functions["Consumer"]
    assert [(d["function"], d["action"], d["resource"]) for d in denials] == [
        (spec.name, "sqs:ReceiveMessage", harness.arn("Work"))
    ]


def test_a_role_attaches_aws_managed_policies(harness: Harness) -> None:
    # Given Writer's role lists AWSLambdaBasicExecutionRole in ManagedPolicyArns
    role = harness.functions["Writer"].role
    assert role is not None
    # Then the local AWS holds the role with that policy attached
    iam = boto3.client(
        "iam",
        endpoint_url=harness.endpoint,
        region_name=REGION,
        aws_access_key_id=ACCESS_KEY_ID,
        aws_secret_access_key=SECRET_ACCESS_KEY,
    )
    harness.call("Writer", "sts", "get_caller_identity")
    attached = iam.list_attached_role_policies(RoleName=role.name)["AttachedPolicies"]
    assert [a["PolicyName"] for a in attached] == ["AWSLambdaBasicExecutionRole"]


def test_an_integration_role_signs_with_its_own_policies(harness: Harness) -> None:
    # Given a direct integration whose Credentials role may only send to Work
    url = harness.resolver.get_att(harness.stack, "Work", "QueueUrl")

    async def calls(lambdas: LambdaService) -> tuple[Any, list[dict[str, Any]]]:
        credentials = await lambdas.iam.role_credentials(
            harness.resolver, harness.arn("SendRole"), "apigateway-PostWork"
        )
        assert credentials is not None
        sqs = boto3.client(
            "sqs",
            endpoint_url=harness.endpoint,
            region_name=REGION,
            aws_access_key_id=credentials.access_key,
            aws_secret_access_key=credentials.secret_key,
            aws_session_token=credentials.token,
        )
        # When it sends (allowed) and then reads the queue (not allowed)
        await asyncio.to_thread(sqs.send_message, QueueUrl=url, MessageBody="m")
        with pytest.raises(Exception, match="AccessDenied"):
            await asyncio.to_thread(sqs.receive_message, QueueUrl=url)
        return None, await asyncio.to_thread(lambdas.iam.denials)

    _, denials = harness.run(calls)
    # Then only the read is denied, reported under the integration's session name
    assert [(d["function"], d["action"], d["resource"]) for d in denials] == [
        ("apigateway-PostWork", "sqs:ReceiveMessage", harness.arn("Work"))
    ]


def _signed(credentials: Any, method: str, url: str) -> dict[str, str]:
    from botocore.auth import SigV4Auth
    from botocore.awsrequest import AWSRequest

    request = AWSRequest(method=method, url=url, data=b"{}")
    SigV4Auth(credentials, "execute-api", REGION).add_auth(request)
    # A client sends the Host it signed (botocore signs it from the URL).
    return {**dict(request.headers.items()), "Host": url.split("/")[2]}


def test_connections_authorizes_manage_connections_for_a_function_session(
    harness: Harness,
) -> None:
    from cdk_local_gateway.sigv4 import SignatureRejected, verify

    # Given Writer may ManageConnections on POST /dev/@connections/* of API abc123 only
    async def calls(lambdas: LambdaService) -> list[dict[str, Any]]:
        credentials = await lambdas.iam.function_credentials(harness.functions["Writer"])
        url = "https://127.0.0.1:9/dev/@connections/c1"
        for method, allowed in (("POST", True), ("DELETE", False)):

            def check(method: str = method) -> None:
                verify(
                    method=method,
                    url=url,
                    headers=_signed(credentials, method, url),
                    body=b"{}",
                    secrets={},
                    action="execute-api:ManageConnections",
                    resource=f"{MANAGE_ARN}/dev/{method}/@connections/c1",
                )

            if allowed:
                # When it posts to a connection, Then the signature and the grant pass
                check()
            else:
                # When it deletes one, Then AccessDeniedException
                with pytest.raises(SignatureRejected) as rejected:
                    check()
                assert rejected.value.error_type == "AccessDeniedException"
        return await asyncio.to_thread(lambdas.iam.denials)

    denials = harness.run(calls)
    # And the denial is reported with the function, the action and the connection's ARN
    assert [(d["function"], d["action"], d["resource"]) for d in denials] == [
        (
            harness.functions["Writer"].name,
            "execute-api:ManageConnections",
            f"{MANAGE_ARN}/dev/DELETE/@connections/c1",
        )
    ]


# -- the decision, against an independent implementation --------------------------------------

DOCUMENTS: list[dict[str, Any]] = [
    {
        "Statement": [
            {
                "Effect": "Allow",
                "Action": ["dynamodb:GetItem", "dynamodb:Query"],
                "Resource": "arn:aws:dynamodb:eu-west-1:123456789012:table/T",
            },
            {
                "Effect": "Allow",
                "Action": "dynamodb:Query",
                "Resource": "arn:aws:dynamodb:eu-west-1:123456789012:table/T/index/*",
            },
            {"Effect": "Allow", "Action": "sqs:*", "Resource": "*"},
            {"Effect": "Deny", "Action": "sqs:DeleteQueue", "Resource": "*"},
        ]
    }
]
CASES = [
    ("dynamodb:GetItem", "arn:aws:dynamodb:eu-west-1:123456789012:table/T"),
    ("dynamodb:PutItem", "arn:aws:dynamodb:eu-west-1:123456789012:table/T"),
    ("dynamodb:Query", "arn:aws:dynamodb:eu-west-1:123456789012:table/T/index/GSI1"),
    ("dynamodb:GetItem", "arn:aws:dynamodb:eu-west-1:123456789012:table/T/index/GSI1"),
    ("dynamodb:GetItem", "arn:aws:dynamodb:eu-west-1:123456789012:table/Other"),
    ("sqs:SendMessage", "arn:aws:sqs:eu-west-1:123456789012:q"),
    ("sqs:DeleteQueue", "arn:aws:sqs:eu-west-1:123456789012:q"),
]


@pytest.mark.parametrize(("action", "resource"), CASES)
def test_decisions_agree_with_moto_evaluator_on_condition_free_policies(
    action: str, resource: str
) -> None:
    from moto.iam.access_control import IAMPolicy, PermissionResult

    # Given moto's evaluator, which agrees with AWS on plain Action/Resource statements
    theirs = IAMPolicy(json.dumps(DOCUMENTS[0])).is_action_permitted(action, resource)
    expected = {
        PermissionResult.PERMITTED: Decision.ALLOWED,
        PermissionResult.DENIED: Decision.EXPLICIT_DENY,
        PermissionResult.NEUTRAL: Decision.IMPLICIT_DENY,
    }[theirs]
    # Then ours decides the same
    assert evaluate(DOCUMENTS, action, resource) is expected


def test_actions_match_case_insensitively_and_arns_do_not() -> None:
    document = {
        "Statement": [
            {
                "Effect": "Allow",
                "Action": "DynamoDB:getitem",
                "Resource": "arn:aws:dynamodb:*:*:table/t?",
            }
        ]
    }
    assert (
        evaluate([document], "dynamodb:GetItem", "arn:aws:dynamodb:r:1:table/t1")
        is Decision.ALLOWED
    )
    assert (
        evaluate([document], "dynamodb:GetItem", "arn:aws:dynamodb:r:1:table/T1")
        is Decision.IMPLICIT_DENY
    )
    assert (
        evaluate([document], "dynamodb:GetItem", "arn:aws:dynamodb:r:1:table/t12")
        is Decision.IMPLICIT_DENY
    )


def _call(service: str, target: str, body: dict[str, Any]) -> Call:
    call = Call.parse(
        method="POST",
        path="/",
        query="",
        headers={
            "Authorization": (
                f"AWS4-HMAC-SHA256 Credential=ASIA/20260101/{REGION}/{service}/aws4_request, "
                "SignedHeaders=host, Signature=00"
            ),
            "X-Amz-Target": target,
        },
        body=json.dumps(body).encode(),
        account=ACCOUNT,
    )
    assert call is not None
    return call


def test_transactions_and_batches_need_each_item_action_on_each_table() -> None:
    table = f"arn:aws:dynamodb:{REGION}:{ACCOUNT}:table/"
    write = _call(
        "dynamodb",
        "DynamoDB_20120810.TransactWriteItems",
        {"TransactItems": [{"Put": {"TableName": "A"}}, {"ConditionCheck": {"TableName": "B"}}]},
    )
    assert [(r.action, r.resource) for r in requested(write, lambda c, s: s)] == [
        ("dynamodb:PutItem", table + "A"),
        ("dynamodb:ConditionCheckItem", table + "B"),
    ]
    query = _call("dynamodb", "DynamoDB_20120810.Query", {"TableName": "A", "IndexName": "GSI1"})
    assert [(r.action, r.resource) for r in requested(query, lambda c, s: s)] == [
        ("dynamodb:Query", table + "A/index/GSI1")
    ]
    batch = _call(
        "sqs",
        "AmazonSQS.DeleteMessageBatch",
        {"QueueUrl": f"http://localhost/{ACCOUNT}/q", "Entries": []},
    )
    assert [(r.action, r.resource) for r in requested(batch, lambda c, s: s)] == [
        ("sqs:DeleteMessage", f"arn:aws:sqs:{REGION}:{ACCOUNT}:q")
    ]


def test_a_function_without_a_role_is_not_enforced_and_says_so(
    tmp_path: Path, local_aws: str
) -> None:
    # Given a function with no Role in the template
    spec = FunctionSpec(
        stack="S",
        logical_id="Fn",
        name="S-Fn-norole",
        arn="arn:aws:lambda:eu-west-1:123456789012:function:S-Fn-norole",
        region=REGION,
        handler="h",
        code_dir=None,
        environment={},
    )
    lines: list[str] = []

    async def main() -> Any:
        service = LambdaService(
            aws_endpoint=local_aws, credentials=("AK", "SK"), layer_folder=None, log=lines.append
        )
        return await service.iam.function_credentials(spec)

    # Then it runs with the runtime's credentials, and the log says it is not enforced
    assert asyncio.run(main()) is None
    assert lines == ["IAM not enforced for S-Fn-norole: no execution role"]


def _allow(action: Any, resource: Any = "*", **more: Any) -> dict[str, Any]:
    return {"Statement": [{"Effect": "Allow", "Action": action, "Resource": resource, **more}]}


def test_an_explicit_deny_in_any_policy_wins_over_an_allow() -> None:
    deny = {"Statement": [{"Effect": "Deny", "Action": "sqs:*", "Resource": "*"}]}
    assert evaluate([_allow("sqs:SendMessage"), deny], "sqs:SendMessage", "q") is (
        Decision.EXPLICIT_DENY
    )


def test_not_action_and_not_resource_grant_everything_else() -> None:
    document = {
        "Statement": [
            {"Effect": "Allow", "NotAction": "dynamodb:DeleteTable", "NotResource": "arn:x:t/a"}
        ]
    }
    assert evaluate([document], "dynamodb:PutItem", "arn:x:t/b") is Decision.ALLOWED
    assert evaluate([document], "dynamodb:DeleteTable", "arn:x:t/b") is Decision.IMPLICIT_DENY
    assert evaluate([document], "dynamodb:PutItem", "arn:x:t/a") is Decision.IMPLICIT_DENY


def test_conditions_never_deny_what_aws_might_allow() -> None:
    # Given statements whose Condition keys the local AWS cannot know
    condition = {"Condition": {"IpAddress": {"aws:SourceIp": "10.0.0.0/8"}}}
    conditional_allow = _allow("sqs:SendMessage", **condition)
    conditional_deny = {
        "Statement": [{"Effect": "Deny", "Action": "*", "Resource": "*", **condition}]
    }
    # Then an Allow applies as if it held and a Deny is not applied
    assert evaluate([conditional_allow], "sqs:SendMessage", "q") is Decision.ALLOWED
    assert evaluate([conditional_allow, conditional_deny], "sqs:SendMessage", "q") is (
        Decision.ALLOWED
    )


def test_a_query_protocol_service_denies_with_its_own_error_shape(harness: Harness) -> None:
    # Given Writer's role has no sts:AssumeRole
    # When it assumes another role (STS speaks the query protocol, errors in XML)
    answer, denials = harness.call(
        "Writer",
        "sts",
        "assume_role",
        RoleArn=harness.arn("ConsumerRole"),
        RoleSessionName="probe",
    )
    # Then botocore reads IAM's AccessDenied, and the denial names the role
    assert answer["error"] == "AccessDenied", answer
    assert (denials[-1]["action"], denials[-1]["resource"]) == (
        "sts:AssumeRole",
        harness.arn("ConsumerRole"),
    )


def test_a_policy_the_local_aws_refuses_is_left_out_and_said_so(harness: Harness) -> None:
    # Given Broken's role whose only policy is malformed
    # When Broken reads its table
    answer, _ = harness.call(
        "Broken", "dynamodb", "get_item", TableName=harness.ref("Items"), Key={"pk": {"S": "a"}}
    )
    # Then the function still runs, under a role that grants nothing, and the log says why
    assert answer["error"] == "AccessDeniedException", answer
    assert any("policy broken left out" in line for line in harness.log), harness.log


def test_a_session_of_a_role_that_does_not_exist_is_granted_nothing(local_aws: str) -> None:
    # Given a session of a role the local AWS does not hold (moto's STS allows assuming it)
    sts = boto3.client(
        "sts",
        endpoint_url=local_aws,
        region_name=REGION,
        aws_access_key_id=ACCESS_KEY_ID,
        aws_secret_access_key=SECRET_ACCESS_KEY,
    )
    credentials = sts.assume_role(
        RoleArn=f"arn:aws:iam::{ACCOUNT}:role/Nowhere-{uuid.uuid4().hex[:8]}",
        RoleSessionName="ghost",
    )["Credentials"]
    dynamodb = boto3.client(
        "dynamodb",
        endpoint_url=local_aws,
        region_name=REGION,
        aws_access_key_id=credentials["AccessKeyId"],
        aws_secret_access_key=credentials["SecretAccessKey"],
        aws_session_token=credentials["SessionToken"],
    )
    # When it lists tables, Then it is denied (an empty role allows nothing)
    with pytest.raises(dynamodb.exceptions.ClientError, match="AccessDeniedException"):
        dynamodb.list_tables()
