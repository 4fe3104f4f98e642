"""A dashboard and paging alarms for a serverless API, alarms sent to an encrypted SNS topic."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from aws_cdk import Acknowledgment, ArnFormat, Duration, RemovalPolicy, Stack, Validations
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_cloudwatch_actions as cw_actions
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sns_subscriptions as subscriptions
from constructs import Construct

from .. import defaults
from ..props import merge_props, refuse_both
from .defaults import (
    ALARM_PERIOD,
    ALARM_PERIOD_SECONDS,
    DEAD_LETTER_ALARM_MESSAGES,
    P99_LATENCY_MS,
    SERVER_ERROR_RATE,
)

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

    from aws_cdk import aws_apigateway as apigateway
    from aws_cdk import aws_dynamodb as dynamodb
    from aws_cdk import aws_sqs as sqs

_OWNER = "ApiMonitoring"
_API_GATEWAY = "AWS/ApiGateway"
#: CloudFormation's values of ComparisonOperator.GREATER_THAN_THRESHOLD and
#: TreatMissingData.NOT_BREACHING (a jsii enum's Python value is the member's name).
_GREATER_THAN_THRESHOLD = "GreaterThanThreshold"
_NOT_BREACHING = "notBreaching"
#: CloudWatch's percentile statistics (``p99``, ``p99.9``), which alarms take as extended.
_PERCENTILE = re.compile(r"p\d+(\.\d+)?")
# Thresholds and period: see defaults.py (thresholds are overridable per call).
PERIOD = ALARM_PERIOD
WIDTH = 8


class ApiMonitoring(Construct):
    """A CloudWatch dashboard (``.dashboard``) and alarms that notify ``.topic``.

    - ``.topic``: SNS topic encrypted with its own rotating KMS key (``.topic_key``; CloudWatch
      may use it), publishing over TLS only, with an e-mail subscription to ``alarm_email``
      (required for this new topic); ``topic_props`` are other ``sns.Topic`` keyword arguments
      merged over these. ``existing_topic`` sends the alarms to a topic made elsewhere instead
      (no topic or key is created; ``alarm_email``, if given, subscribes to it); that topic's
      policy and key must let CloudWatch publish;
    - ``monitor_rest_api(api)``: requests, 4xx, 5xx, latency p50/p90/p99, integration latency;
      alarms on the 5xx rate (> ``SERVER_ERROR_RATE``) and p99 latency (> ``P99_LATENCY_MS``);
    - ``monitor_functions([(label, fn), ...])``: errors, throttles, duration p99; alarms on
      errors and throttles of each function;
    - ``monitor_table(table)``: read/write throttle events, alarmed when above zero;
    - ``monitor_queue(queue, dead_letter_queue=...)``: age of the oldest message, DLQ depth,
      alarmed when more than ``dead_letter_threshold`` (default 10) messages wait in the DLQ;
    - ``add_alarm(alarm)``: sends any other alarm (a WebSocket API's) to the same topic.

    Every ``monitor_*`` call adds one dashboard row; alarms treat missing data as not breaching
    (an idle API is healthy). ``.alarms`` lists every alarm sent to the topic: the ones on one
    metric (API, functions, dead letters) are the ``cloudwatch.CfnAlarm`` a
    ``cloudwatch.Alarm`` would render, at the same construct path (``<id>/Resource``, so the
    same logical id), because the L2 alarm, its metric and its two actions cost four round
    trips to the jsii kernel where these cost two; the table alarm (metric math) and those
    passed to ``add_alarm`` are ``cloudwatch.Alarm``.
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        dashboard_title: str,
        alarm_email: str | None = None,
        existing_topic: sns.ITopic | None = None,
        topic_props: Mapping[str, Any] | None = None,
    ) -> None:
        super().__init__(scope, construct_id)
        refuse_both(_OWNER, "existing_topic", existing_topic, "topic_props", topic_props)
        self.topic_key: kms.Key | None = None
        if existing_topic is not None:
            self.topic: sns.ITopic = existing_topic
        elif alarm_email is None:
            raise ValueError(
                "ApiMonitoring: alarm_email is required for the topic this construct creates "
                "(someone must receive the alarms); or pass existing_topic"
            )
        else:
            self.topic = self._new_topic(dashboard_title, topic_props)
        if alarm_email is not None:
            subscription = self.topic.add_subscription(subscriptions.EmailSubscription(alarm_email))
            Validations.of(subscription).acknowledge(
                Acknowledgment(
                    id="Serverless-SNSRedrivePolicy",
                    reason="E-mail delivery is retried by SNS and the alarm state stays visible "
                    "in CloudWatch; a dead-letter queue of undelivered e-mails would page no one.",
                )
            )
        self.alarm_action = cw_actions.SnsAction(self.topic)
        self._topic_arn = self.topic.topic_arn
        self.alarms: list[cloudwatch.Alarm | cloudwatch.CfnAlarm] = []
        self.dashboard = cloudwatch.Dashboard(
            self,
            "Dashboard",
            default_interval=Duration.hours(3),
            period_override=cloudwatch.PeriodOverride.AUTO,
        )
        self.dashboard.add_widgets(
            cloudwatch.TextWidget(markdown=f"# {dashboard_title}", width=24, height=1)
        )

    def _new_topic(self, dashboard_title: str, topic_props: Mapping[str, Any] | None) -> sns.Topic:
        self.topic_key = kms.Key(
            self,
            "TopicKey",
            description="Encrypts the alarm notification topic",
            enable_key_rotation=defaults.KEY_ROTATION,
            pending_window=defaults.KEY_PENDING_WINDOW,
            removal_policy=RemovalPolicy.DESTROY,
        )
        # A topic policy replaces SNS's default one, and a key policy names every principal
        # of the key: without these two statements no alarm would ever notify anyone. Both
        # are confined to alarms of this account and region (confused-deputy protection).
        alarms = _cloudwatch_alarms_condition(Stack.of(self))
        self.topic_key.add_to_resource_policy(
            iam.PolicyStatement(
                sid="AllowCloudWatchAlarmsToUseTheKey",
                principals=[iam.ServicePrincipal("cloudwatch.amazonaws.com")],
                actions=["kms:Decrypt", "kms:GenerateDataKey*"],
                resources=["*"],
                conditions=alarms,
            )
        )
        topic = sns.Topic(
            self,
            "Topic",
            **merge_props(
                _OWNER,
                "topic_props",
                {
                    "display_name": f"Alarms: {dashboard_title}",
                    "master_key": self.topic_key,
                    "enforce_ssl": True,
                },
                topic_props,
                reserved=("master_key",),
            ),
        )
        topic.add_to_resource_policy(
            iam.PolicyStatement(
                sid="AllowCloudWatchAlarmsToPublish",
                principals=[iam.ServicePrincipal("cloudwatch.amazonaws.com")],
                actions=["sns:Publish"],
                resources=[topic.topic_arn],
                conditions=alarms,
            )
        )
        return topic

    def add_alarm(self, alarm: cloudwatch.Alarm) -> cloudwatch.Alarm:
        """Notify the topic when ``alarm`` fires and when it recovers."""
        alarm.add_alarm_action(self.alarm_action)
        alarm.add_ok_action(self.alarm_action)
        self.alarms.append(alarm)
        return alarm

    def _alarm(
        self,
        construct_id: str,
        metric: cloudwatch.IMetric,
        *,
        threshold: float,
        description: str,
        evaluation_periods: int = 3,
        datapoints_to_alarm: int = 2,
    ) -> cloudwatch.Alarm:
        return self.add_alarm(
            cloudwatch.Alarm(
                self,
                construct_id,
                metric=metric,
                threshold=threshold,
                evaluation_periods=evaluation_periods,
                datapoints_to_alarm=datapoints_to_alarm,
                comparison_operator=cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
                treat_missing_data=cloudwatch.TreatMissingData.NOT_BREACHING,
                alarm_description=description,
            )
        )

    def _metric_alarm(
        self,
        construct_id: str,
        *,
        namespace: str,
        metric_name: str,
        dimensions: Mapping[str, str],
        statistic: str,
        threshold: float,
        description: str,
        evaluation_periods: int = 3,
        datapoints_to_alarm: int = 2,
    ) -> cloudwatch.CfnAlarm:
        """What :meth:`_alarm` makes of a plain metric, rendered here (see the class doc)."""
        holder = Construct(self, construct_id)
        percentile = _PERCENTILE.fullmatch(statistic) is not None
        alarm = cloudwatch.CfnAlarm(
            holder,
            "Resource",
            alarm_description=description,
            comparison_operator=_GREATER_THAN_THRESHOLD,
            threshold=threshold,
            datapoints_to_alarm=datapoints_to_alarm,
            evaluation_periods=evaluation_periods,
            treat_missing_data=_NOT_BREACHING,
            alarm_actions=[self._topic_arn],
            ok_actions=[self._topic_arn],
            namespace=namespace,
            metric_name=metric_name,
            dimensions=[
                cloudwatch.CfnAlarm.DimensionProperty(name=name, value=value)
                for name, value in dimensions.items()
            ],
            period=ALARM_PERIOD_SECONDS,
            statistic=None if percentile else statistic,
            extended_statistic=statistic if percentile else None,
        )
        self.alarms.append(alarm)
        return alarm

    def monitor_rest_api(
        self,
        api: apigateway.RestApi,
        *,
        server_error_rate: float = SERVER_ERROR_RATE,
        p99_latency_ms: float = P99_LATENCY_MS,
    ) -> None:
        """Dashboard row and alarms of a REST API's deployment stage.

        Every metric names the API and its stage (``ApiName`` + ``Stage``): an API's name is
        not unique in an account, and an alarm on ``ApiName`` alone would also fire on the
        traffic of any other API (another stage's) that shares the name."""
        stage = api.deployment_stage
        count = stage.metric_count(period=PERIOD, statistic="Sum")
        client_errors = stage.metric_client_error(period=PERIOD, statistic="Sum")
        server_errors = stage.metric_server_error(period=PERIOD, statistic="Sum")
        latency = [
            stage.metric_latency(period=PERIOD, statistic=p, label=f"Latency {p}")
            for p in ("p50", "p90", "p99")
        ]
        integration = [
            stage.metric_integration_latency(period=PERIOD, statistic=p, label=f"Integration {p}")
            for p in ("p50", "p99")
        ]
        self.dashboard.add_widgets(
            cloudwatch.GraphWidget(
                title="Requests and errors",
                left=[count],
                right=[client_errors, server_errors],
                width=WIDTH,
            ),
            cloudwatch.GraphWidget(title="Latency (ms)", left=latency, width=WIDTH),
            cloudwatch.GraphWidget(title="Integration latency (ms)", left=integration, width=WIDTH),
        )
        # The dimensions of the stage's own metrics (Stage.metric).
        dimensions = {"ApiName": api.rest_api_name, "Stage": stage.stage_name}
        self._metric_alarm(
            "ServerErrorRate",
            # Average of 5XXError is the share of requests that failed on the server side.
            namespace=_API_GATEWAY,
            metric_name="5XXError",
            dimensions=dimensions,
            statistic="Average",
            threshold=server_error_rate,
            description=f"More than {server_error_rate:.0%} of REST requests fail with 5xx",
        )
        self._metric_alarm(
            "P99Latency",
            namespace=_API_GATEWAY,
            metric_name="Latency",
            dimensions=dimensions,
            statistic="p99",
            threshold=p99_latency_ms,
            description=f"REST p99 latency above {p99_latency_ms:.0f} ms",
        )

    def monitor_functions(self, functions: Sequence[tuple[str, lambda_.IFunction]]) -> None:
        """Dashboard row (errors, throttles, p99 duration) and per-function alarms."""
        self.dashboard.add_widgets(
            cloudwatch.GraphWidget(
                title="Lambda errors",
                left=[fn.metric_errors(period=PERIOD, label=label) for label, fn in functions],
                width=WIDTH,
            ),
            cloudwatch.GraphWidget(
                title="Lambda throttles",
                left=[fn.metric_throttles(period=PERIOD, label=label) for label, fn in functions],
                width=WIDTH,
            ),
            cloudwatch.GraphWidget(
                title="Lambda duration p99 (ms)",
                left=[
                    fn.metric_duration(period=PERIOD, statistic="p99", label=label)
                    for label, fn in functions
                ],
                width=WIDTH,
            ),
        )
        for label, fn in functions:
            if not isinstance(fn, lambda_.Function):
                # An alias or version adds its own dimension: its metrics say which.
                self._alarm(
                    f"{label}Errors",
                    fn.metric_errors(period=PERIOD, statistic="Sum"),
                    threshold=0,
                    description=f"Lambda {label} reports errors",
                )
                self._alarm(
                    f"{label}Throttles",
                    fn.metric_throttles(period=PERIOD, statistic="Sum"),
                    threshold=0,
                    description=f"Lambda {label} is throttled",
                )
                continue
            # A function's metrics have the one dimension FunctionName (FunctionBase.metric).
            dimensions = {"FunctionName": fn.function_name}
            for metric_name, description in (
                ("Errors", f"Lambda {label} reports errors"),
                ("Throttles", f"Lambda {label} is throttled"),
            ):
                self._metric_alarm(
                    f"{label}{metric_name}",
                    namespace="AWS/Lambda",
                    metric_name=metric_name,
                    dimensions=dimensions,
                    statistic="Sum",
                    threshold=0,
                    description=description,
                )

    def monitor_table(self, table: dynamodb.ITableV2, *, alarm: bool = True) -> None:
        """Dashboard widget and (unless ``alarm=False``) an alarm on read/write throttle events
        of ``table``. Pass ``alarm=False`` where another monitoring construct of the same
        region already alarms on the table: one event must page once."""
        throttles = cloudwatch.MathExpression(
            expression="reads + writes",
            label="Throttle events",
            period=PERIOD,
            using_metrics={
                "reads": self._table_metric(table, "ReadThrottleEvents"),
                "writes": self._table_metric(table, "WriteThrottleEvents"),
            },
        )
        self.dashboard.add_widgets(
            cloudwatch.GraphWidget(title="DynamoDB throttle events", left=[throttles], width=WIDTH)
        )
        if not alarm:
            return
        self._alarm(
            "TableThrottles",
            throttles,
            threshold=0,
            description="DynamoDB throttles requests of the API",
            evaluation_periods=1,
            datapoints_to_alarm=1,
        )

    @staticmethod
    def _table_metric(table: dynamodb.ITableV2, name: str) -> cloudwatch.Metric:
        return cloudwatch.Metric(
            namespace="AWS/DynamoDB",
            metric_name=name,
            dimensions_map={"TableName": table.table_name},
            statistic="Sum",
            period=PERIOD,
        )

    def monitor_queue(
        self,
        queue: sqs.IQueue,
        *,
        dead_letter_queue: sqs.IQueue,
        dead_letter_threshold: int = DEAD_LETTER_ALARM_MESSAGES,
    ) -> None:
        """Dashboard widgets (oldest message age, DLQ depth) and an alarm when more than
        ``dead_letter_threshold`` messages wait in the DLQ: a single poison message is looked
        at in working hours, a growing pile means processing is broken."""
        dlq_depth = dead_letter_queue.metric_approximate_number_of_messages_visible(
            period=PERIOD, statistic="Maximum", label="DLQ depth"
        )
        self.dashboard.add_widgets(
            cloudwatch.GraphWidget(
                title="Queue: age of oldest message (s)",
                left=[
                    queue.metric_approximate_age_of_oldest_message(
                        period=PERIOD, statistic="Maximum"
                    )
                ],
                width=WIDTH,
            ),
            cloudwatch.GraphWidget(title="Dead-letter queue depth", left=[dlq_depth], width=WIDTH),
        )
        self._metric_alarm(
            "DeadLetters",
            # The queue's own metrics have the one dimension QueueName (QueueBase.metric).
            namespace="AWS/SQS",
            metric_name="ApproximateNumberOfMessagesVisible",
            dimensions={"QueueName": dead_letter_queue.queue_name},
            statistic="Maximum",
            threshold=dead_letter_threshold,
            description=f"More than {dead_letter_threshold} messages failed processing and "
            "wait in the dead-letter queue (runbook: docs/operations.md, Dead letters)",
            evaluation_periods=1,
            datapoints_to_alarm=1,
        )


def _cloudwatch_alarms_condition(stack: Stack) -> dict[str, dict[str, str]]:
    """IAM conditions that hold only when CloudWatch acts for an alarm of ``stack``'s account
    and region (any alarm name: CloudFormation generates the names)."""
    return {
        "StringEquals": {"aws:SourceAccount": stack.account},
        "ArnLike": {
            "aws:SourceArn": stack.format_arn(
                service="cloudwatch",
                resource="alarm",
                resource_name="*",
                arn_format=ArnFormat.COLON_RESOURCE_NAME,
            )
        },
    }
