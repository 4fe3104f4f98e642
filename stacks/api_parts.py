"""The parts the REST and the WebSocket API stacks build the same way: their functions, a
queue's consumer and the monitoring every API stack carries.

Each API stack keeps what is its own (routes, integrations, environment, which queue); what
both need is made here once, so the two stacks cannot drift apart on it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import aws_cdk as cdk

from serverless_api_constructs import ServiceFunction
from serverless_api_constructs.rest import ApiMonitoring, retention_days

from .guardrails import acknowledge
from .lambda_code import LAMBDA_RUNTIME, RUNTIME_ACKNOWLEDGEMENTS, lambda_code

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

    from aws_cdk import aws_dynamodb as dynamodb
    from aws_cdk import aws_lambda as lambda_
    from aws_cdk import aws_logs as logs
    from aws_cdk import aws_sqs as sqs
    from constructs import Construct

    from .config import StageConfig

#: Prefix of the stage's own namespace of custom metrics (see :func:`metrics_namespace`).
METRICS_NAMESPACE = "RoomsService"
#: Records a consumer receives per invocation from its queue.
QUEUE_BATCH_SIZE = 10
#: Timeout of a queue's consumer: a batch of stores and deliveries, far from Lambda's limit.
CONSUMER_TIMEOUT = cdk.Duration.seconds(30)


def queue_visibility_timeout(consumer_timeout: cdk.Duration) -> cdk.Duration:
    """Six times the consumer's timeout, as Lambda recommends for SQS event sources: a batch
    whose invocation is retried is not delivered to a second consumer meanwhile."""
    return cdk.Duration.seconds(consumer_timeout.to_seconds() * 6)


def metrics_namespace(config: StageConfig) -> str:
    """The stage's own namespace of custom metrics (``RoomsService/Prod``): the stages share
    an account and region, and one stage's metrics must not trip another stage's alarms."""
    return f"{METRICS_NAMESPACE}/{config.construct_id}"


@dataclass(frozen=True)
class FunctionFactory:
    """How every function of an API stack is built: the one code asset of the stack, the
    stage's log retention and metrics namespace, and the API's Powertools service name. The
    runtime is the one the code asset's bytecode is compiled for (:data:`runtime`)."""

    scope: Construct
    code: lambda_.Code
    log_retention: logs.RetentionDays
    service: str
    metrics_namespace: str
    #: The Python runtime of every function (``stacks/lambda_bytecode.py``).
    runtime: lambda_.Runtime = LAMBDA_RUNTIME

    @classmethod
    def for_stack(cls, scope: Construct, config: StageConfig, *, service: str) -> FunctionFactory:
        """The factory of one API stack of ``config``'s stage."""
        return cls(
            scope=scope,
            code=lambda_code(),
            log_retention=retention_days(config.log_retention_days),
            service=service,
            metrics_namespace=metrics_namespace(config),
        )

    def __call__(
        self,
        construct_id: str,
        *,
        handler: str,
        description: str,
        environment: Mapping[str, str],
        **settings: Any,
    ) -> ServiceFunction:
        """A function of this stack; ``settings`` are further ServiceFunction settings
        (``timeout``, ``memory_size`` ...). Table access is granted by the caller from its
        declared :class:`~stacks.table_access.TableAccess`, after the function exists."""
        function = ServiceFunction(
            self.scope,
            construct_id,
            code=self.code,
            runtime=self.runtime,
            handler=handler,
            log_retention=self.log_retention,
            description=description,
            service=self.service,
            metrics_namespace=self.metrics_namespace,
            environment=environment,
            resource_acknowledgements=RUNTIME_ACKNOWLEDGEMENTS,
            **settings,
        )
        return function


def consume_queue(
    function: lambda_.IFunction,
    queue: sqs.IQueue,
    *,
    mapping_id: str,
    max_batching_window: cdk.Duration | None = None,
) -> lambda_.EventSourceMapping:
    """Let ``function`` consume ``queue`` in batches, reporting failed records one by one (a
    failing record is retried alone and, after the queue's receive limit, moves to its
    dead-letter queue; the rest of the batch is not redelivered)."""
    mapping = function.add_event_source_mapping(
        mapping_id,
        event_source_arn=queue.queue_arn,
        batch_size=QUEUE_BATCH_SIZE,
        max_batching_window=max_batching_window,
        report_batch_item_failures=True,
    )
    queue.grant_consume_messages(function)
    resource = mapping.node.default_child
    if resource is None:  # pragma: no cover - an EventSourceMapping always has its resource
        raise RuntimeError(f"{mapping.node.path}: no resource to acknowledge")
    acknowledge(
        resource,
        "Serverless-LambdaEventSourceMappingDestination",
        "SQS event source mappings take no on-failure destination; a record that keeps "
        "failing moves to the queue's own dead-letter queue through its redrive policy.",
    )
    return mapping


def monitor_service(
    monitoring: ApiMonitoring,
    *,
    functions: Sequence[tuple[str, lambda_.IFunction]],
    table: dynamodb.ITableV2,
    table_alarm: bool,
    queue: sqs.IQueue,
    dead_letter_queue: sqs.IQueue,
) -> None:
    """What every API stack watches besides its API: its functions, the table replica of its
    region (alarmed on by one stack of the region only: one event pages once) and its queue."""
    monitoring.monitor_functions(functions)
    monitoring.monitor_table(table, alarm=table_alarm)
    monitoring.monitor_queue(queue, dead_letter_queue=dead_letter_queue)


def new_monitoring(scope: Construct, config: StageConfig, *, title: str) -> ApiMonitoring:
    """The alarm topic and dashboard of one API stack (``title``: ``REST API``, ...)."""
    return ApiMonitoring(
        scope,
        "Monitoring",
        alarm_email=config.alarm_email,
        dashboard_title=f"{config.name} {title} ({cdk.Stack.of(scope).region})",
    )
