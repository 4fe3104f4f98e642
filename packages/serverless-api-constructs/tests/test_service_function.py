"""ServiceFunction: this package's defaults, each setting passed through, and its refusals."""

from __future__ import annotations

from typing import Any

import aws_cdk as cdk
import pytest
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_sqs as sqs
from aws_cdk.assertions import Match
from construct_testkit import RETENTION, inline_code, new_stack, refused, template_of
from constructs import Construct

from serverless_api_constructs import ServiceFunction


def powertools(runtime_and_architecture: str) -> dict[str, Any]:
    """The Powertools layer ARN as synthesized (the partition stays a reference)."""
    return {
        "Fn::Join": [
            "",
            [
                "arn:",
                {"Ref": "AWS::Partition"},
                ":lambda:eu-west-1:017000801446:layer:AWSLambdaPowertoolsPythonV3-"
                f"{runtime_and_architecture}:27",
            ],
        ]
    }


def _function(stack: Construct, construct_id: str = "Fn", **kwargs: Any) -> ServiceFunction:
    settings: dict[str, Any] = {
        "code": inline_code(),
        "handler": "index.handler",
        "log_retention": RETENTION,
        "description": "test function",
        "service": "svc",
        "metrics_namespace": "Svc",
    }
    return ServiceFunction(stack, construct_id, **{**settings, **kwargs})


def test_the_defaults_are_documented_ones() -> None:
    # Given a function with only its required settings
    stack = new_stack()
    _function(stack)
    template = template_of(stack)
    # Then it runs Python 3.14 on arm64 with 512 MB for 10 s, traced, JSON-logged, with Powertools
    template.has_resource_properties(
        "AWS::Lambda::Function",
        {
            "Runtime": "python3.14",
            "Architectures": ["arm64"],
            "MemorySize": 512,
            "Timeout": 10,
            "TracingConfig": {"Mode": "Active"},
            "LoggingConfig": Match.object_like(
                {"LogFormat": "JSON", "ApplicationLogLevel": "INFO", "SystemLogLevel": "WARN"}
            ),
            "Layers": [powertools("python314-arm64")],
            "Environment": {
                "Variables": {
                    "POWERTOOLS_SERVICE_NAME": "svc",
                    "POWERTOOLS_METRICS_NAMESPACE": "Svc",
                    "POWERTOOLS_LOG_LEVEL": "INFO",
                    "FUNCTION_TIMEOUT_SECONDS": "10",
                }
            },
        },
    )
    # And its log group is its own, kept a week and retained
    template.has_resource(
        "AWS::Logs::LogGroup", {"Properties": {"RetentionInDays": 7}, "DeletionPolicy": "Retain"}
    )


def test_every_function_setting_passes_through() -> None:
    # Given a function with other runtime, architecture, size, layers and environment
    stack = new_stack()
    extra_layer = lambda_.LayerVersion.from_layer_version_arn(
        stack, "Extra", "arn:aws:lambda:eu-west-1:123456789012:layer:mine:3"
    )
    _function(
        stack,
        runtime=lambda_.Runtime.PYTHON_3_13,
        architecture=lambda_.Architecture.X86_64,
        memory_size=1024,
        timeout=cdk.Duration.seconds(28),
        layers=[extra_layer],
        environment={"TABLE_NAME": "t", "FUNCTION_TIMEOUT_SECONDS": "999"},
        log_level="DEBUG",
        function_props={"ephemeral_storage_size": cdk.Size.mebibytes(1024)},
    )
    # Then the function has each of them, the Powertools layer of that runtime first
    template_of(stack).has_resource_properties(
        "AWS::Lambda::Function",
        {
            "Runtime": "python3.13",
            "Architectures": ["x86_64"],
            "MemorySize": 1024,
            "Timeout": 28,
            "EphemeralStorage": {"Size": 1024},
            "Layers": [
                powertools("python313-x86_64"),
                "arn:aws:lambda:eu-west-1:123456789012:layer:mine:3",
            ],
            "LoggingConfig": Match.object_like({"ApplicationLogLevel": "DEBUG"}),
            # And the timeout variable states the real timeout, whatever environment says
            "Environment": {
                "Variables": Match.object_like(
                    {"TABLE_NAME": "t", "FUNCTION_TIMEOUT_SECONDS": "28"}
                )
            },
        },
    )


def test_a_non_python_runtime_runs_without_the_powertools_layer() -> None:
    stack = new_stack()
    _function(stack, runtime=lambda_.Runtime.NODEJS_22_X, powertools_layer=False)
    functions = template_of(stack).find_resources("AWS::Lambda::Function")
    (function,) = functions.values()
    assert function["Properties"]["Runtime"] == "nodejs22.x"
    assert "Layers" not in function["Properties"]


def test_functions_of_one_stack_share_one_layer_reference_per_runtime() -> None:
    stack = new_stack()
    _function(stack, "A")
    _function(stack, "B")
    assert stack.node.try_find_child("PowertoolsLayer") is not None
    assert len([c for c in stack.node.children if "PowertoolsLayer" in c.node.id]) == 1


def test_the_layer_reference_is_one_per_stack_runtime_and_architecture() -> None:
    # Given functions in a stack and in a construct of it (the default runtime passed by name
    # or not, and one on x86), and a function in a second stack of the same app
    stack = new_stack()
    inner = Construct(stack, "Inner")
    _function(stack, "A")
    _function(inner, "B", runtime=lambda_.Runtime.PYTHON_3_14)
    _function(inner, "C", architecture=lambda_.Architecture.X86_64)
    second = new_stack(stack_id="Second")
    _function(second, "D")
    # Then each stack references the default layer once, and the x86 one has its own id
    layers = sorted(c.node.id for c in stack.node.children if "PowertoolsLayer" in c.node.id)
    assert layers == ["PowertoolsLayer", "PowertoolsLayer-python3.14-x86_64"]
    assert second.node.try_find_child("PowertoolsLayer") is not None
    functions = template_of(stack).find_resources("AWS::Lambda::Function")
    assert sorted(str(f["Properties"]["Layers"]) for f in functions.values()) == sorted(
        str([powertools(name)]) for name in ("python314-arm64",) * 2 + ("python314-x86_64",)
    )


def test_only_its_log_group_and_traces_are_granted_and_a_dlq_is_optional() -> None:
    # Given a function for asynchronous callers, with a dead-letter queue
    stack = new_stack()
    queue = sqs.Queue(stack, "Dlq")
    fn = _function(stack, dead_letter_queue=queue)
    template = template_of(stack)
    # Then its role writes its own log group only (no managed policy)
    role = stack.resolve(fn.role.role_arn)
    assert role["Fn::GetAtt"][1] == "Arn"
    template.has_resource_properties(
        "AWS::IAM::Role", {"ManagedPolicyArns": Match.absent(), "Description": Match.any_value()}
    )
    template.has_resource_properties(
        "AWS::IAM::Policy",
        {
            "PolicyDocument": {
                "Statement": Match.array_with(
                    [
                        {
                            "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
                            "Effect": "Allow",
                            "Resource": stack.resolve(fn.log_group.log_group_arn),
                        }
                    ]
                ),
                "Version": "2012-10-17",
            }
        },
    )
    template.has_resource_properties(
        "AWS::Lambda::Function",
        {"DeadLetterConfig": {"TargetArn": stack.resolve(queue.queue_arn)}},
    )


def test_function_props_cannot_restate_a_keyword_argument_or_what_the_construct_owns() -> None:
    stack = new_stack()
    with refused(
        "ServiceFunction: function_props cannot set ['memory_size', 'role']; use the "
        "construct's own keyword arguments (or, for what wires the resource to the construct, "
        "nothing)"
    ):
        _function(stack, function_props={"memory_size": 256, "role": None})


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        (
            {"runtime": lambda_.Runtime.NODEJS_22_X},
            "ServiceFunction: powertools_layer=True needs a Python runtime, got "
            "runtime=nodejs22.x; pass powertools_layer=False",
        ),
        ({"memory_size": 64}, "ServiceFunction: memory_size=64 must be 128..10240 MB"),
        (
            {"log_retention": 14},
            "ServiceFunction: log_retention=14 must be a logs.RetentionDays (retention_days(n) "
            "converts a number of days)",
        ),
        (
            {"timeout": cdk.Duration.minutes(16)},
            "ServiceFunction: timeout=960s must be whole seconds in 1..900",
        ),
        (
            {"timeout": cdk.Duration.millis(1500)},
            "ServiceFunction: timeout=1.5s must be whole seconds in 1..900",
        ),
        (
            {"log_level": "TRACE"},
            "ServiceFunction: log_level='TRACE' must be one of ('DEBUG', 'INFO', 'WARN', 'ERROR')",
        ),
    ],
)
def test_bad_settings_are_refused_naming_the_setting_and_the_value(
    kwargs: dict[str, Any], message: str
) -> None:
    with refused(message):
        _function(new_stack(), **kwargs)


def _acknowledged(construct: Any) -> list[dict[str, str]]:
    """The acknowledgements recorded on ``construct``, in order."""
    return [
        entry.data
        for entry in construct.node.metadata
        if entry.type == cdk.Validations.ACKNOWLEDGED_RULES_METADATA_KEY
    ]


def test_resource_acknowledgements_are_recorded_on_its_function_resource_after_its_own() -> None:
    # Given a function for synchronous callers, with two rules acknowledged on its resource
    stack = new_stack()
    reason = "Runs an older runtime on purpose, for the reasons its owner names here."
    fn = _function(
        stack,
        resource_acknowledgements={"AwsSolutions-L1": reason, "Serverless-X": reason},
    )
    # Then .resource is the function's CfnFunction
    default_child = fn.function.node.default_child
    assert isinstance(fn.resource, lambda_.CfnFunction)
    assert default_child is not None
    assert fn.resource.node.path == default_child.node.path
    # And it carries its own DLQ acknowledgement, then the given ones, in order
    recorded = _acknowledged(fn.resource)
    assert [next(iter(data)) for data in recorded] == [
        "Annotation::Serverless-LambdaDLQ",
        "Annotation::AwsSolutions-L1",
        "Annotation::Serverless-X",
    ]
    assert recorded[1] == {"Annotation::AwsSolutions-L1": reason}


def test_resource_acknowledgements_without_its_own_dlq_acknowledgement() -> None:
    # Given a function with a dead-letter queue (no DLQ acknowledgement of its own)
    stack = new_stack()
    reason = "Runs an older runtime on purpose, for the reasons its owner names here."
    fn = _function(
        stack, dead_letter_queue=sqs.Queue(stack, "Dlq"), resource_acknowledgements={"R-1": reason}
    )
    # Then the given acknowledgement alone is on its resource
    assert _acknowledged(fn.resource) == [{"Annotation::R-1": reason}]


@pytest.mark.parametrize("acknowledgements", [{"": "a reason"}, {"AwsSolutions-L1": "  "}])
def test_a_resource_acknowledgement_needs_a_rule_and_a_reason(
    acknowledgements: dict[str, str],
) -> None:
    # When an acknowledgement names no rule or gives no reason, Then it is refused
    with pytest.raises(ValueError, match="resource_acknowledgements"):
        _function(new_stack(), resource_acknowledgements=acknowledgements)
