"""A Python Lambda function with this package's operational defaults."""

from __future__ import annotations

from typing import TYPE_CHECKING

from aws_cdk import Acknowledgment, Duration, RemovalPolicy, Stack, Validations
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from . import defaults

if TYPE_CHECKING:
    from collections.abc import Mapping

    from constructs import IConstruct


class ServiceFunction(Construct):
    """A Lambda function (``.function``) for API handlers, with secure operational defaults:

    - runtime ``python3.14`` on ``arm64``, ``memory_size=512`` MB, ``timeout=10`` s;
    - the AWS-managed Powertools layer (``powertools_layer=True``), so code needs no bundling;
    - X-Ray active tracing; JSON logs at ``log_level="INFO"`` (system logs at WARN) into a log
      group of its own with ``log_retention`` (required) that is retained on stack deletion;
    - its own role (``.role``) allowed only to write its log group and send traces; callers grant
      the rest (``table.grant_read_data(fn.function)``) so each function holds least privilege;
    - ``dead_letter_queue=None``: right for functions invoked synchronously (API Gateway routes,
      authorizers), where a DLQ never receives anything; pass a queue for asynchronous callers;
    - ``POWERTOOLS_SERVICE_NAME`` = ``service``, ``POWERTOOLS_METRICS_NAMESPACE`` =
      ``metrics_namespace`` and ``environment`` merged over them;
    - ``FUNCTION_TIMEOUT_SECONDS`` = the timeout in whole seconds, so code can fit its clients'
      timeouts and retries inside it (set last: ``environment`` cannot contradict it).

    One ``code`` asset is shared by all functions of an app (pass the same ``lambda_.Code``).
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        code: lambda_.Code,
        handler: str,
        log_retention: logs.RetentionDays,
        description: str,
        service: str,
        metrics_namespace: str,
        environment: Mapping[str, str] | None = None,
        memory_size: int = defaults.LAMBDA_MEMORY_MB,
        timeout: Duration | None = None,
        reserved_concurrent_executions: int | None = None,
        dead_letter_queue: sqs.IQueue | None = None,
        powertools_layer: bool = True,
        log_level: str = "INFO",
    ) -> None:
        super().__init__(scope, construct_id)
        stack = Stack.of(self)
        self.log_group = logs.LogGroup(
            self,
            "Logs",
            retention=log_retention,
            removal_policy=RemovalPolicy.RETAIN,
        )
        self.role = iam.Role(
            self,
            "Role",
            assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"),
            description=f"Execution role: {description}",
        )
        # An inline grant on this one log group instead of AWSLambdaBasicExecutionRole, whose
        # logs:* on every log group is broader than a function needs.
        self.role.add_to_policy(
            iam.PolicyStatement(
                actions=["logs:CreateLogStream", "logs:PutLogEvents"],
                resources=[self.log_group.log_group_arn],
            )
        )
        layers = [_powertools_layer(stack)] if powertools_layer else []
        timeout = timeout or Duration.seconds(defaults.LAMBDA_TIMEOUT_SECONDS)
        self.function = lambda_.Function(
            self,
            "Resource",
            runtime=defaults.LAMBDA_RUNTIME,
            architecture=defaults.LAMBDA_ARCHITECTURE,
            code=code,
            handler=handler,
            description=description,
            memory_size=memory_size,
            timeout=timeout,
            role=self.role,
            tracing=lambda_.Tracing.ACTIVE,
            logging_format=lambda_.LoggingFormat.JSON,
            application_log_level_v2=lambda_.ApplicationLogLevel(log_level),
            system_log_level_v2=lambda_.SystemLogLevel.WARN,
            log_group=self.log_group,
            layers=layers,
            reserved_concurrent_executions=reserved_concurrent_executions,
            dead_letter_queue=dead_letter_queue,
            environment={
                "POWERTOOLS_SERVICE_NAME": service,
                "POWERTOOLS_METRICS_NAMESPACE": metrics_namespace,
                "POWERTOOLS_LOG_LEVEL": log_level,
                **(environment or {}),
                # Lambda timeouts are whole seconds (the CDK refuses a fraction).
                "FUNCTION_TIMEOUT_SECONDS": str(int(timeout.to_seconds())),
            },
        )
        _acknowledge(
            self.role.node.find_child("DefaultPolicy").node.default_child,
            "AwsSolutions-IAM5[Resource::*]",
            "X-Ray PutTraceSegments/PutTelemetryRecords support no resource-level permissions; "
            "every other statement of this role names its resources.",
        )
        if dead_letter_queue is None:
            _acknowledge(
                self.function.node.default_child,
                "Serverless-LambdaDLQ",
                "Invoked synchronously (API Gateway integration or authorizer): the caller gets "
                "the error, and a DLQ only ever receives failed asynchronous invocations.",
            )


def _powertools_layer(stack: Stack) -> lambda_.ILayerVersion:
    """The AWS-managed Powertools layer, referenced once per stack and shared by its functions."""
    existing = stack.node.try_find_child(_POWERTOOLS_ID)
    if existing is not None:
        return existing  # type: ignore[return-value]
    arn = defaults.powertools_layer_arn(stack.region, stack.partition)
    return lambda_.LayerVersion.from_layer_version_arn(stack, _POWERTOOLS_ID, arn)


_POWERTOOLS_ID = "PowertoolsLayer"


def _acknowledge(construct: IConstruct | None, rule: str, reason: str) -> None:
    if construct is None:  # pragma: no cover - the CDK always creates these children
        raise RuntimeError(f"nothing to acknowledge {rule} on")
    Validations.of(construct).acknowledge(Acknowledgment(id=rule, reason=reason))
