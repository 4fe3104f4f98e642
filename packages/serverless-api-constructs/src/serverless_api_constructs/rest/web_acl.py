"""A regional WAFv2 web ACL for API Gateway stages: AWS managed rules plus a per-IP rate limit."""

from __future__ import annotations

from typing import TYPE_CHECKING

from aws_cdk import aws_wafv2 as wafv2
from constructs import Construct

from .defaults import MANAGED_RULE_GROUPS, RATE_WINDOW_SECONDS

if TYPE_CHECKING:
    from collections.abc import Sequence


def _visibility(metric: str) -> wafv2.CfnWebACL.VisibilityConfigProperty:
    return wafv2.CfnWebACL.VisibilityConfigProperty(
        cloud_watch_metrics_enabled=True,
        metric_name=metric,
        sampled_requests_enabled=True,
    )


class RegionalWebAcl(Construct):
    """A ``REGIONAL`` web ACL (``.web_acl``) that allows by default and blocks:

    - requests matched by the :data:`MANAGED_RULE_GROUPS` (``managed_rule_groups`` overrides);
    - more than ``rate_limit`` requests per source IP within :data:`RATE_WINDOW_SECONDS`.

    Every rule publishes CloudWatch metrics and sampled requests. :meth:`associate` attaches
    the ACL to an API Gateway stage (or any regional resource ARN).
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        rate_limit: int,
        metric_prefix: str,
        managed_rule_groups: Sequence[str] = MANAGED_RULE_GROUPS,
    ) -> None:
        super().__init__(scope, construct_id)
        rules = [
            wafv2.CfnWebACL.RuleProperty(
                name=name,
                priority=priority,
                override_action=wafv2.CfnWebACL.OverrideActionProperty(none={}),
                statement=wafv2.CfnWebACL.StatementProperty(
                    managed_rule_group_statement=wafv2.CfnWebACL.ManagedRuleGroupStatementProperty(
                        vendor_name="AWS", name=name
                    )
                ),
                visibility_config=_visibility(f"{metric_prefix}-{name}"),
            )
            for priority, name in enumerate(managed_rule_groups)
        ]
        rules.append(
            wafv2.CfnWebACL.RuleProperty(
                name="RateLimitPerIp",
                priority=len(rules),
                action=wafv2.CfnWebACL.RuleActionProperty(block={}),
                statement=wafv2.CfnWebACL.StatementProperty(
                    rate_based_statement=wafv2.CfnWebACL.RateBasedStatementProperty(
                        limit=rate_limit,
                        aggregate_key_type="IP",
                        evaluation_window_sec=RATE_WINDOW_SECONDS,
                    )
                ),
                visibility_config=_visibility(f"{metric_prefix}-RateLimitPerIp"),
            )
        )
        self.web_acl = wafv2.CfnWebACL(
            self,
            "Resource",
            scope="REGIONAL",
            default_action=wafv2.CfnWebACL.DefaultActionProperty(allow={}),
            visibility_config=_visibility(metric_prefix),
            rules=rules,
        )

    def associate(self, construct_id: str, resource_arn: str) -> wafv2.CfnWebACLAssociation:
        """Attach the ACL to ``resource_arn`` (e.g. ``api.deployment_stage.stage_arn``)."""
        return wafv2.CfnWebACLAssociation(
            self,
            construct_id,
            resource_arn=resource_arn,
            web_acl_arn=self.web_acl.attr_arn,
        )
