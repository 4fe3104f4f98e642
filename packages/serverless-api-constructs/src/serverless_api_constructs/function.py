"""A Python Lambda function with this package's operational defaults."""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING, Any
from weakref import WeakKeyDictionary

from aws_cdk import Acknowledgment, Duration, Stack, Validations
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from . import defaults
from .log_groups import log_group
from .props import merge_props
from .validation import unresolved

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

    from constructs import IConstruct


class ServiceFunction(Construct):
    """A Lambda function (``.function``) for API handlers, with secure operational defaults.

    Every setting passes through; the defaults are this package's choices:

    - ``runtime=Runtime.PYTHON_3_14`` on ``architecture=Architecture.ARM_64`` (Graviton: cheaper
      per GB-second), ``memory_size=512`` MB, ``timeout=Duration.seconds(10)``;
    - ``powertools_layer=True``: the AWS-managed Powertools layer for that (Python) runtime and
      architecture, so code needs no bundling; ``layers`` are added after it;
    - X-Ray active tracing; JSON logs at ``log_level="INFO"`` (system logs at WARN) into a log
      group of its own (``.log_group``) with ``log_retention`` (required for it) that is
      retained on stack deletion, ``log_group_props`` (other ``logs.LogGroup`` keyword
      arguments) merged over that; or ``existing_log_group``, a group made elsewhere (e.g. one
      shared by several functions; then neither ``log_retention`` nor ``log_group_props``);
    - its own role (``.role``) allowed only to write its log group and send traces; callers grant
      the rest (``table.grant_read_data(fn.function)``) so each function holds least privilege;
    - ``dead_letter_queue=None``: right for functions invoked synchronously (API Gateway routes,
      authorizers), where a DLQ never receives anything; pass a queue for asynchronous callers;
    - ``POWERTOOLS_SERVICE_NAME`` = ``service``, ``POWERTOOLS_METRICS_NAMESPACE`` =
      ``metrics_namespace`` and ``environment`` merged over them;
    - ``FUNCTION_TIMEOUT_SECONDS`` = the timeout in whole seconds, so code can fit its clients'
      timeouts and retries inside it (set last: ``environment`` cannot contradict it);
    - ``function_props``: any other ``lambda_.Function`` keyword argument (``vpc``,
      ``ephemeral_storage_size``, ``snap_start`` ...), merged over the defaults above; the
      keyword arguments of this construct and ``role``/``log_group`` (its own) are refused
      there (see :mod:`serverless_api_constructs.props`);
    - ``resource_acknowledgements``: cdk-nag rules (rule id -> the reason it does not apply)
      acknowledged on the function's ``CfnFunction`` (``.resource``), after this construct's
      own (``Serverless-LambdaDLQ`` without a ``dead_letter_queue``), all in one call to the
      jsii kernel instead of two per acknowledgement plus two to find the resource.

    One ``code`` asset can be shared by all functions of an app (pass the same ``lambda_.Code``).
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        code: lambda_.Code,
        handler: str,
        description: str,
        service: str,
        metrics_namespace: str,
        log_retention: logs.RetentionDays | None = None,
        existing_log_group: logs.ILogGroup | None = None,
        log_group_props: Mapping[str, Any] | None = None,
        environment: Mapping[str, str] | None = None,
        runtime: lambda_.Runtime = defaults.LAMBDA_RUNTIME,
        architecture: lambda_.Architecture = defaults.LAMBDA_ARCHITECTURE,
        memory_size: int = defaults.LAMBDA_MEMORY_MB,
        timeout: Duration | None = None,
        layers: Sequence[lambda_.ILayerVersion] = (),
        reserved_concurrent_executions: int | None = None,
        dead_letter_queue: sqs.IQueue | None = None,
        powertools_layer: bool = True,
        log_level: str = "INFO",
        function_props: Mapping[str, Any] | None = None,
        resource_acknowledgements: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(scope, construct_id)
        given = _resource_acknowledgements(resource_acknowledgements)
        milliseconds = _validate(
            runtime=runtime,
            powertools_layer=powertools_layer,
            memory_size=memory_size,
            timeout=timeout,
            log_level=log_level,
        )
        # A stack as scope (the usual case) is its own Stack.of, without asking the kernel.
        stack = scope if isinstance(scope, Stack) else Stack.of(self)
        self.log_group = log_group(
            self,
            "Logs",
            owner="ServiceFunction",
            name="log_group",
            retention=log_retention,
            existing=existing_log_group,
            props=log_group_props,
        )
        self.role = iam.Role(
            self,
            "Role",
            assumed_by=_lambda_principal(),
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
        all_layers = [_powertools_layer(stack, runtime, architecture)] if powertools_layer else []
        all_layers.extend(layers)
        seconds = _timeout_seconds(timeout, milliseconds)
        timeout = timeout or _default_timeout()
        props = merge_props(
            "ServiceFunction",
            "function_props",
            {
                "runtime": runtime,
                "architecture": architecture,
                "code": code,
                "handler": handler,
                "description": description,
                "memory_size": memory_size,
                "timeout": timeout,
                "role": self.role,
                "tracing": lambda_.Tracing.ACTIVE,
                "logging_format": lambda_.LoggingFormat.JSON,
                "application_log_level_v2": lambda_.ApplicationLogLevel(log_level),
                "system_log_level_v2": lambda_.SystemLogLevel.WARN,
                "log_group": self.log_group,
                "layers": all_layers,
                "reserved_concurrent_executions": reserved_concurrent_executions,
                "dead_letter_queue": dead_letter_queue,
                "environment": {
                    "POWERTOOLS_SERVICE_NAME": service,
                    "POWERTOOLS_METRICS_NAMESPACE": metrics_namespace,
                    "POWERTOOLS_LOG_LEVEL": log_level,
                    **(environment or {}),
                    "FUNCTION_TIMEOUT_SECONDS": str(seconds),
                },
            },
            function_props,
            reserved=_RESERVED_FUNCTION_PROPS,
        )
        self.function = lambda_.Function(self, "Resource", **props)
        policy, cfn_function = self._own_l1s()
        _acknowledge(
            policy,
            "AwsSolutions-IAM5[Resource::*]",
            "X-Ray PutTraceSegments/PutTelemetryRecords support no resource-level permissions; "
            "every other statement of this role names its resources.",
        )
        if cfn_function is None:  # pragma: no cover - a lambda_.Function always has one
            raise RuntimeError(f"{self.node.path}: no CfnFunction")
        #: The function's CloudFormation resource (where its cdk-nag findings are reported).
        self.resource: IConstruct = cfn_function
        own = [] if dead_letter_queue is not None else [_SYNCHRONOUS_ACKNOWLEDGEMENT]
        if own or given:
            Validations.of(cfn_function).acknowledge(*own, *given)

    def _own_l1s(self) -> tuple[IConstruct | None, IConstruct | None]:
        """The role's default policy and the function's ``CfnFunction``, from one listing of
        this construct's tree (two round trips) instead of walking to each (six)."""
        found = self.node.find_all()
        policies = [c for c in found if isinstance(c, iam.CfnPolicy)]
        functions = [c for c in found if isinstance(c, lambda_.CfnFunction)]
        if len(policies) != 1 or len(functions) != 1:  # pragma: no cover - function_props
            # added resources of those types: walk to the ones this construct made.
            return (
                self.role.node.find_child("DefaultPolicy").node.default_child,
                self.function.node.default_child,
            )
        return policies[0], functions[0]


#: ``function_props`` keys refused: this construct's keyword arguments and what it owns.
_RESERVED_FUNCTION_PROPS = frozenset(
    {
        "code",
        "handler",
        "description",
        "environment",
        "runtime",
        "architecture",
        "memory_size",
        "timeout",
        "layers",
        "reserved_concurrent_executions",
        "dead_letter_queue",
        "role",
        "log_group",
        "log_retention",
        "application_log_level_v2",
        "system_log_level_v2",
        "logging_format",
    }
)
#: Lambda's limits (MB, seconds) and Powertools' log levels.
_MEMORY_MB = (128, 10_240)
_TIMEOUT_SECONDS = (1, 900)
_LOG_LEVELS = ("DEBUG", "INFO", "WARN", "ERROR")


def _validate(
    *,
    runtime: lambda_.Runtime,
    powertools_layer: bool,
    memory_size: int,
    timeout: Duration | None,
    log_level: str,
) -> float | None:
    """Refuse what Lambda or Powertools would; answer the timeout in milliseconds."""
    # The default runtime is a Python one: its family is not asked for.
    if (
        powertools_layer
        and runtime is not defaults.LAMBDA_RUNTIME
        and runtime.family != lambda_.RuntimeFamily.PYTHON
    ):
        raise ValueError(
            f"ServiceFunction: powertools_layer=True needs a Python runtime, got "
            f"runtime={runtime.name}; pass powertools_layer=False"
        )
    low, high = _MEMORY_MB
    if not low <= memory_size <= high:
        raise ValueError(f"ServiceFunction: memory_size={memory_size} must be {low}..{high} MB")
    milliseconds = None if timeout is None else timeout.to_milliseconds()
    if milliseconds is not None and not unresolved(milliseconds):
        seconds = milliseconds / 1000
        low, high = _TIMEOUT_SECONDS
        if not low <= seconds <= high or seconds != int(seconds):
            raise ValueError(
                f"ServiceFunction: timeout={seconds:g}s must be whole seconds in {low}..{high}"
            )
    if log_level not in _LOG_LEVELS:
        raise ValueError(f"ServiceFunction: log_level={log_level!r} must be one of {_LOG_LEVELS}")
    return milliseconds


def _powertools_layer(
    stack: Stack, runtime: lambda_.Runtime, architecture: lambda_.Architecture
) -> lambda_.ILayerVersion:
    """The AWS-managed Powertools layer for ``runtime`` and ``architecture``, referenced once
    per stack and shared by its functions (this package's default keeps its historical id)."""
    construct_id = _POWERTOOLS_ID
    if (runtime, architecture) != (defaults.LAMBDA_RUNTIME, defaults.LAMBDA_ARCHITECTURE):
        names = (_name(runtime), _name(architecture))
        if names != (_name(defaults.LAMBDA_RUNTIME), _name(defaults.LAMBDA_ARCHITECTURE)):
            construct_id = f"{_POWERTOOLS_ID}-{names[0]}-{names[1]}"
    # Remembered per stack on this side: each function of a stack would otherwise ask the
    # kernel for the stack's child (and the layer's ARN parts) again.
    known = _LAYERS.setdefault(stack, {})
    if construct_id not in known:
        existing = stack.node.try_find_child(construct_id)
        if existing is None:
            arn = defaults.powertools_layer_arn(
                stack.region, stack.partition, runtime=runtime, architecture=architecture
            )
            existing = lambda_.LayerVersion.from_layer_version_arn(stack, construct_id, arn)
        known[construct_id] = existing  # type: ignore[assignment]
    return known[construct_id]


_POWERTOOLS_ID = "PowertoolsLayer"
_LAYERS: WeakKeyDictionary[Stack, dict[str, lambda_.ILayerVersion]] = WeakKeyDictionary()
#: Names of runtimes and architectures (jsii objects: each ``.name`` is a round trip),
#: with the objects themselves so that their ids stay theirs.
_NAMES: dict[int, tuple[object, str]] = {}


def _name(value: lambda_.Runtime | lambda_.Architecture) -> str:
    entry = _NAMES.get(id(value))
    if entry is None:
        entry = _NAMES[id(value)] = (value, value.name)
    return entry[1]


@functools.cache
def _lambda_principal() -> iam.ServicePrincipal:
    """One principal object for every execution role: it holds no scope (each role renders
    it in its own stack), and a new one per function is a round trip."""
    return iam.ServicePrincipal("lambda.amazonaws.com")


@functools.cache
def _default_timeout() -> Duration:
    return Duration.seconds(defaults.LAMBDA_TIMEOUT_SECONDS)


def _timeout_seconds(timeout: Duration | None, milliseconds: float | None) -> int:
    """The timeout in whole seconds (a resolved one is validated to be whole seconds)."""
    if timeout is None:
        return defaults.LAMBDA_TIMEOUT_SECONDS
    if milliseconds is not None and not unresolved(milliseconds):
        return int(milliseconds // 1000)
    return int(timeout.to_seconds())


#: Why a function without a dead-letter queue needs none (cdk-nag's Serverless-LambdaDLQ).
_SYNCHRONOUS_ACKNOWLEDGEMENT = Acknowledgment(
    id="Serverless-LambdaDLQ",
    reason="Invoked synchronously (API Gateway integration or authorizer): the caller gets "
    "the error, and a DLQ only ever receives failed asynchronous invocations.",
)


def _resource_acknowledgements(given: Mapping[str, str] | None) -> list[Acknowledgment]:
    """``resource_acknowledgements`` as the kernel's objects; each needs a rule and a reason."""
    acknowledgements = []
    for rule, reason in (given or {}).items():
        if not rule.strip() or not reason.strip():
            raise ValueError(
                f"ServiceFunction: resource_acknowledgements needs a rule id and a reason, "
                f"got {rule!r}: {reason!r}"
            )
        acknowledgements.append(Acknowledgment(id=rule, reason=reason))
    return acknowledgements


def _acknowledge(construct: IConstruct | None, rule: str, reason: str) -> None:
    if construct is None:  # pragma: no cover - the CDK always creates these children
        raise RuntimeError(f"nothing to acknowledge {rule} on")
    Validations.of(construct).acknowledge(Acknowledgment(id=rule, reason=reason))
