"""The WebSocket-specific alarms and dashboard row, added to an :class:`ApiMonitoring`."""

from __future__ import annotations

from typing import TYPE_CHECKING

from aws_cdk import Duration
from aws_cdk import aws_cloudwatch as cloudwatch
from constructs import Construct

from . import defaults

if TYPE_CHECKING:
    from ..rest.monitoring import ApiMonitoring

_PERIOD = Duration.minutes(5)
_WIDTH = 8


class WebSocketApiMonitoring(Construct):
    """Alarms and a dashboard row for one WebSocket API stage, sent to ``monitoring``'s topic
    and shown on its dashboard (the shared :class:`~serverless_api_constructs.rest.ApiMonitoring`
    owns the encrypted topic, the dashboard, and the function, table and queue alarms).

    Alarms (5-minute periods, missing data = not breaching):

    - integration errors >= ``integration_error_threshold`` (default 5): a backend is failing;
    - execution errors >= 1: API Gateway itself failed to run a route;
    - client errors above ``client_error_percent`` (default 10) % of messages, with at least
      20 messages: a spike of rejected frames or throttling (a broken client release, abuse).

    :meth:`add_alarm` adds an alarm on any other metric (the application's own) the same way.
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        monitoring: ApiMonitoring,
        api_id: str,
        stage_name: str,
        integration_error_threshold: int = defaults.INTEGRATION_ERROR_THRESHOLD,
        client_error_percent: float = defaults.CLIENT_ERROR_PERCENT,
    ) -> None:
        super().__init__(scope, construct_id)
        self.monitoring = monitoring
        dims = {"ApiId": api_id, "Stage": stage_name}
        # Metrics are values: one object per metric serves alarm, math and graph alike (each
        # new one is a round trip to the jsii kernel).
        metrics: dict[tuple[str, str], cloudwatch.Metric] = {}

        def metric(name: str, statistic: str = "Sum") -> cloudwatch.Metric:
            if (name, statistic) not in metrics:
                metrics[name, statistic] = cloudwatch.Metric(
                    namespace="AWS/ApiGateway",
                    metric_name=name,
                    dimensions_map=dims,
                    statistic=statistic,
                    period=_PERIOD,
                )
            return metrics[name, statistic]

        self.alarms: list[cloudwatch.Alarm] = []
        self.add_alarm(
            "IntegrationErrors",
            metric("IntegrationError"),
            integration_error_threshold,
            "WebSocket integrations failing (Lambda errors, SQS or upstream HTTP failures)",
        )
        self.add_alarm(
            "ExecutionErrors",
            metric("ExecutionError"),
            defaults.EXECUTION_ERROR_THRESHOLD,
            "API Gateway failed to execute WebSocket routes",
        )
        client_error_rate = cloudwatch.MathExpression(
            expression=(
                f"IF(messages >= {defaults.CLIENT_ERROR_MIN_MESSAGES}, "
                "100 * clientErrors / messages, 0)"
            ),
            using_metrics={
                "clientErrors": metric("ClientError"),
                "messages": metric("MessageCount"),
            },
            label="Client errors (% of messages)",
            period=_PERIOD,
        )
        self.add_alarm(
            "ClientErrorSpike",
            client_error_rate,
            client_error_percent,
            f"More than {client_error_percent}% of WebSocket messages rejected (bad frames, "
            "throttling or authorization)",
        )
        monitoring.dashboard.add_widgets(
            cloudwatch.GraphWidget(
                title="WebSocket connections and messages",
                left=[metric("ConnectCount"), metric("MessageCount")],
                width=_WIDTH,
            ),
            cloudwatch.GraphWidget(
                title="WebSocket errors",
                left=[metric("IntegrationError"), metric("ExecutionError"), metric("ClientError")],
                width=_WIDTH,
            ),
            cloudwatch.GraphWidget(
                title="WebSocket integration latency (ms)",
                left=[metric("IntegrationLatency", "p50"), metric("IntegrationLatency", "p99")],
                width=_WIDTH,
            ),
        )

    def add_alarm(
        self,
        construct_id: str,
        metric: cloudwatch.IMetric,
        threshold: float,
        description: str,
    ) -> cloudwatch.Alarm:
        """An alarm (``metric >= threshold`` in one period, missing data not breaching) that
        notifies the monitoring topic on alarm and on recovery, with a graph on the
        dashboard."""
        alarm = cloudwatch.Alarm(
            self,
            construct_id,
            metric=metric,
            threshold=threshold,
            evaluation_periods=1,
            comparison_operator=cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
            treat_missing_data=cloudwatch.TreatMissingData.NOT_BREACHING,
            alarm_description=description,
        )
        self.monitoring.add_alarm(alarm)
        self.alarms.append(alarm)
        self.monitoring.dashboard.add_widgets(
            cloudwatch.AlarmWidget(alarm=alarm, title=description, width=_WIDTH)
        )
        return alarm
