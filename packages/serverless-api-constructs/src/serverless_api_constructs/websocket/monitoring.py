"""Alarms and a dashboard for a WebSocket API stage and the functions behind it."""

from __future__ import annotations

from typing import TYPE_CHECKING

from aws_cdk import Acknowledgment, Duration, Validations
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_cloudwatch_actions as cw_actions
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sns_subscriptions as subscriptions
from constructs import Construct

from . import defaults

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

    from aws_cdk import aws_lambda as lambda_

_PERIOD = Duration.minutes(5)


class WebSocketApiMonitoring(Construct):
    """CloudWatch alarms to an SNS topic and a dashboard (``.dashboard``) for one stage.

    Alarms (5-minute periods, missing data = not breaching):

    - integration errors >= ``integration_error_threshold`` (default 5): a backend is failing;
    - execution errors >= 1: API Gateway itself failed to run a route;
    - client errors above ``client_error_percent`` (10) % of messages, with at least 20
      messages: a spike of rejected frames or throttling (a broken client release, abuse);
    - for each function in ``functions``: any error.

    ``topic`` (an existing topic) or, by default, a new KMS-encrypted, TLS-only topic
    (``.topic``) with an e-mail subscription to each of ``alarm_emails``.
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        api_id: str,
        stage_name: str,
        functions: Mapping[str, lambda_.IFunction] | None = None,
        topic: sns.ITopic | None = None,
        alarm_emails: Sequence[str] = (),
        integration_error_threshold: int = defaults.INTEGRATION_ERROR_THRESHOLD,
        client_error_percent: float = defaults.CLIENT_ERROR_PERCENT,
    ) -> None:
        super().__init__(scope, construct_id)
        if topic is not None and alarm_emails:
            raise ValueError("WebSocketApiMonitoring: pass either topic or alarm_emails")
        if topic is None:
            key = kms.Key(
                self,
                "TopicKey",
                description="Encrypts the WebSocket API alarm notifications",
                enable_key_rotation=True,
            )
            # CloudWatch publishes the alarms to the encrypted topic.
            key.grant(
                iam.ServicePrincipal("cloudwatch.amazonaws.com"),
                "kms:Decrypt",
                "kms:GenerateDataKey*",
            )
            new_topic = sns.Topic(self, "Topic", master_key=key, enforce_ssl=True)
            for email in alarm_emails:
                subscription = new_topic.add_subscription(subscriptions.EmailSubscription(email))
                resource = subscription.node.default_child
                assert resource is not None
                Validations.of(resource).acknowledge(
                    Acknowledgment(
                        id="Serverless-SNSRedrivePolicy",
                        reason="An undeliverable alarm e-mail has no consumer that could replay "
                        "it; the alarm state stays in CloudWatch and on the dashboard.",
                    )
                )
            topic = new_topic
        self.topic = topic
        action = cw_actions.SnsAction(topic)

        dims = {"ApiId": api_id, "Stage": stage_name}

        def metric(name: str, statistic: str = "Sum") -> cloudwatch.Metric:
            return cloudwatch.Metric(
                namespace="AWS/ApiGateway",
                metric_name=name,
                dimensions_map=dims,
                statistic=statistic,
                period=_PERIOD,
            )

        self.alarms: list[cloudwatch.Alarm] = []
        self._action = action
        alarm = self.add_alarm

        alarm(
            "IntegrationErrors",
            metric("IntegrationError"),
            integration_error_threshold,
            "WebSocket integrations failing (Lambda errors, SQS or upstream HTTP failures)",
        )
        alarm(
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
        alarm(
            "ClientErrorSpike",
            client_error_rate,
            client_error_percent,
            f"More than {client_error_percent}% of WebSocket messages rejected (bad frames, "
            "throttling or authorization)",
        )
        function_metrics: list[cloudwatch.IMetric] = []
        for name, function in (functions or {}).items():
            errors = function.metric_errors(period=_PERIOD, label=f"{name} errors")
            function_metrics.append(errors)
            alarm(f"{name}Errors", errors, 1, f"The {name} function of the WebSocket API failed")

        self.dashboard = cloudwatch.Dashboard(self, "Dashboard")
        self.dashboard.add_widgets(
            cloudwatch.GraphWidget(
                title="Connections and messages",
                left=[metric("ConnectCount"), metric("MessageCount")],
                width=12,
            ),
            cloudwatch.GraphWidget(
                title="Errors",
                left=[metric("IntegrationError"), metric("ExecutionError"), metric("ClientError")],
                width=12,
            ),
        )
        self.dashboard.add_widgets(
            cloudwatch.GraphWidget(
                title="Integration latency (ms)",
                left=[metric("IntegrationLatency", "p50"), metric("IntegrationLatency", "p99")],
                width=12,
            ),
            cloudwatch.GraphWidget(title="Function errors", left=function_metrics, width=12),
        )
        self.dashboard.add_widgets(
            cloudwatch.AlarmStatusWidget(title="Alarms", alarms=self.alarms, width=24)
        )

    def add_alarm(
        self,
        construct_id: str,
        metric: cloudwatch.IMetric,
        threshold: float,
        description: str,
    ) -> cloudwatch.Alarm:
        """An alarm (``metric >= threshold`` in one period, missing data not breaching) that
        notifies the topic on alarm and on recovery. Alarms added after construction also get
        a graph of their own on the dashboard."""
        made = cloudwatch.Alarm(
            self,
            construct_id,
            metric=metric,
            threshold=threshold,
            evaluation_periods=1,
            comparison_operator=cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
            treat_missing_data=cloudwatch.TreatMissingData.NOT_BREACHING,
            alarm_description=description,
        )
        made.add_alarm_action(self._action)
        made.add_ok_action(self._action)
        self.alarms.append(made)
        dashboard: cloudwatch.Dashboard | None = getattr(self, "dashboard", None)
        if dashboard is not None:
            dashboard.add_widgets(cloudwatch.AlarmWidget(alarm=made, title=description, width=12))
        return made
