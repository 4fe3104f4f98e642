"""A regional WAFv2 web ACL for API Gateway stages: AWS managed rules plus a per-IP rate limit,
reconciled with the API's own contract (body size, clients, free text)."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from aws_cdk import aws_wafv2 as wafv2
from constructs import Construct

from .. import validation
from ..props import merge_props
from .defaults import CORE_RULE_SET, MANAGED_RULE_GROUPS, RATE_WINDOW_SECONDS

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

#: API Gateway lets WAF inspect this much of a body, in 16 KB steps (AssociationConfig).
_INSPECTION_STEP = 16 * 1024
_INSPECTION_LIMITS = {16: "KB_16", 32: "KB_32", 48: "KB_48", 64: "KB_64"}
_TOO_LARGE_BODY = "PayloadTooLarge"
#: WAF metric names are 1..128 of these; rules append up to 28 characters to the prefix.
_METRIC_NAME = re.compile(r"[A-Za-z0-9_-]{1,100}")
#: ``web_acl_props`` keys refused: what the construct builds its rules and responses from.
_RESERVED_WEB_ACL_PROPS = frozenset(
    {
        "scope",
        "default_action",
        "visibility_config",
        "rules",
        "custom_response_bodies",
        "association_config",
    }
)


@dataclass(frozen=True)
class CountedRule:
    """A rule of a managed rule group whose action is overridden to ``Count``: it only labels
    requests. ``block_outside`` (a regex of URI paths) blocks its labelled requests on every
    path but those; ``None`` never blocks. ``reason`` says why the API contract needs it."""

    group: str
    rule: str
    label: str
    reason: str
    block_outside: str | None = None


def _visibility(metric: str) -> wafv2.CfnWebACL.VisibilityConfigProperty:
    return wafv2.CfnWebACL.VisibilityConfigProperty(
        cloud_watch_metrics_enabled=True,
        metric_name=metric,
        sampled_requests_enabled=True,
    )


def inspection_limit(max_body_bytes: int) -> str:
    """The smallest API Gateway body inspection limit that sees a whole ``max_body_bytes``
    body: anything longer is oversize, which the size rule treats as too large (MATCH)."""
    steps = -(-max_body_bytes // _INSPECTION_STEP)
    size = steps * 16
    if size not in _INSPECTION_LIMITS:
        raise ValueError(
            f"RegionalWebAcl: max_body_bytes={max_body_bytes} must be 1..65536 (WAF inspects at "
            "most 64 KB of an API Gateway request body)"
        )
    return _INSPECTION_LIMITS[size]


class RegionalWebAcl(Construct):
    """A ``REGIONAL`` web ACL (``.web_acl``) that allows by default and blocks:

    - requests matched by the :data:`MANAGED_RULE_GROUPS` (``managed_rule_groups`` overrides),
      except the ``counted_rules``, which only label (see :class:`CountedRule`);
    - with ``max_body_bytes``: bodies larger than that, answered 413 with the API's error JSON
      (the managed 8 KB body rule is then counted, so bodies the API accepts pass), the body
      inspection limit set to see such a body whole;
    - more than ``rate_limit`` requests per source IP within :data:`RATE_WINDOW_SECONDS`.

    Every rule publishes CloudWatch metrics and sampled requests. :meth:`associate` attaches
    the ACL to an API Gateway stage (or any regional resource ARN).

    ``web_acl_props`` are other ``wafv2.CfnWebACL`` keyword arguments (``name``,
    ``description``, ``captcha_config``, ``token_domains``, ``tags`` ...) merged over these;
    what the rules above are built from (``rules``, ``scope``, ``default_action``,
    ``visibility_config``, ``custom_response_bodies``, ``association_config``) is refused there.
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        rate_limit: int,
        metric_prefix: str,
        managed_rule_groups: Sequence[str] = MANAGED_RULE_GROUPS,
        counted_rules: Sequence[CountedRule] = (),
        max_body_bytes: int | None = None,
        web_acl_props: Mapping[str, Any] | None = None,
    ) -> None:
        super().__init__(scope, construct_id)
        validation.waf_rate_limit("RegionalWebAcl", "rate_limit", rate_limit)
        if not _METRIC_NAME.fullmatch(metric_prefix):
            raise ValueError(
                f"RegionalWebAcl: metric_prefix={metric_prefix!r} must be 1..100 letters, digits, "
                "'-' or '_' (WAF metric names; a SecureRestApi uses its construct id)"
            )
        unknown = sorted({c.group for c in counted_rules} - set(managed_rule_groups))
        if unknown:
            raise ValueError(
                f"RegionalWebAcl: counted_rules name rule groups the ACL does not run: {unknown}"
            )
        rules = [
            wafv2.CfnWebACL.RuleProperty(
                name=name,
                priority=priority,
                override_action=wafv2.CfnWebACL.OverrideActionProperty(none={}),
                statement=wafv2.CfnWebACL.StatementProperty(
                    managed_rule_group_statement=wafv2.CfnWebACL.ManagedRuleGroupStatementProperty(
                        vendor_name="AWS",
                        name=name,
                        rule_action_overrides=[
                            wafv2.CfnWebACL.RuleActionOverrideProperty(
                                name=c.rule,
                                action_to_use=wafv2.CfnWebACL.RuleActionProperty(count={}),
                            )
                            for c in counted_rules
                            if c.group == name
                        ]
                        or None,
                    )
                ),
                visibility_config=_visibility(f"{metric_prefix}-{name}"),
            )
            for priority, name in enumerate(managed_rule_groups)
        ]
        for counted in counted_rules:
            if counted.block_outside is not None:
                rules.append(self._block_label_outside(counted, len(rules), metric_prefix))
        custom_bodies: dict[str, wafv2.CfnWebACL.CustomResponseBodyProperty] | None = None
        association_config: wafv2.CfnWebACL.AssociationConfigProperty | None = None
        if max_body_bytes is not None:
            rules.append(self._block_large_bodies(max_body_bytes, len(rules), metric_prefix))
            custom_bodies = {
                _TOO_LARGE_BODY: wafv2.CfnWebACL.CustomResponseBodyProperty(
                    content_type="APPLICATION_JSON",
                    content=json.dumps(
                        {
                            "error": {
                                "code": _TOO_LARGE_BODY,
                                "message": f"request body exceeds {max_body_bytes} bytes",
                            }
                        }
                    ),
                )
            }
            association_config = wafv2.CfnWebACL.AssociationConfigProperty(
                request_body={
                    "API_GATEWAY": wafv2.CfnWebACL.RequestBodyAssociatedResourceTypeConfigProperty(
                        default_size_inspection_limit=inspection_limit(max_body_bytes)
                    )
                }
            )
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
            **merge_props(
                "RegionalWebAcl",
                "web_acl_props",
                {
                    "scope": "REGIONAL",
                    "default_action": wafv2.CfnWebACL.DefaultActionProperty(allow={}),
                    "visibility_config": _visibility(metric_prefix),
                    "rules": rules,
                    "custom_response_bodies": custom_bodies,
                    "association_config": association_config,
                },
                web_acl_props,
                reserved=_RESERVED_WEB_ACL_PROPS,
            ),
        )

    @staticmethod
    def _block_label_outside(
        counted: CountedRule, priority: int, metric_prefix: str
    ) -> wafv2.CfnWebACL.RuleProperty:
        name = f"{counted.rule}OutsideAllowedPaths"
        return wafv2.CfnWebACL.RuleProperty(
            name=name,
            priority=priority,
            action=wafv2.CfnWebACL.RuleActionProperty(block={}),
            statement=wafv2.CfnWebACL.StatementProperty(
                and_statement=wafv2.CfnWebACL.AndStatementProperty(
                    statements=[
                        wafv2.CfnWebACL.StatementProperty(
                            label_match_statement=wafv2.CfnWebACL.LabelMatchStatementProperty(
                                scope="LABEL", key=counted.label
                            )
                        ),
                        wafv2.CfnWebACL.StatementProperty(
                            not_statement=wafv2.CfnWebACL.NotStatementProperty(
                                statement=wafv2.CfnWebACL.StatementProperty(
                                    regex_match_statement=wafv2.CfnWebACL.RegexMatchStatementProperty(
                                        regex_string=counted.block_outside or "",
                                        field_to_match=wafv2.CfnWebACL.FieldToMatchProperty(
                                            uri_path={}
                                        ),
                                        text_transformations=[
                                            wafv2.CfnWebACL.TextTransformationProperty(
                                                priority=0, type="NONE"
                                            )
                                        ],
                                    )
                                )
                            )
                        ),
                    ]
                )
            ),
            visibility_config=_visibility(f"{metric_prefix}-{name}"),
        )

    @staticmethod
    def _block_large_bodies(
        max_body_bytes: int, priority: int, metric_prefix: str
    ) -> wafv2.CfnWebACL.RuleProperty:
        return wafv2.CfnWebACL.RuleProperty(
            name="BodyAboveApiLimit",
            priority=priority,
            action=wafv2.CfnWebACL.RuleActionProperty(
                block=wafv2.CfnWebACL.BlockActionProperty(
                    custom_response=wafv2.CfnWebACL.CustomResponseProperty(
                        response_code=413, custom_response_body_key=_TOO_LARGE_BODY
                    )
                )
            ),
            statement=wafv2.CfnWebACL.StatementProperty(
                size_constraint_statement=wafv2.CfnWebACL.SizeConstraintStatementProperty(
                    comparison_operator="GT",
                    size=max_body_bytes,
                    # A body beyond the inspection limit is larger than the API accepts.
                    field_to_match=wafv2.CfnWebACL.FieldToMatchProperty(
                        body=wafv2.CfnWebACL.BodyProperty(oversize_handling="MATCH")
                    ),
                    text_transformations=[
                        wafv2.CfnWebACL.TextTransformationProperty(priority=0, type="NONE")
                    ],
                )
            ),
            visibility_config=_visibility(f"{metric_prefix}-BodyAboveApiLimit"),
        )

    def associate(self, construct_id: str, resource_arn: str) -> wafv2.CfnWebACLAssociation:
        """Attach the ACL to ``resource_arn`` (e.g. ``api.deployment_stage.stage_arn``)."""
        return wafv2.CfnWebACLAssociation(
            self,
            construct_id,
            resource_arn=resource_arn,
            web_acl_arn=self.web_acl.attr_arn,
        )


__all__ = ["CORE_RULE_SET", "CountedRule", "RegionalWebAcl", "inspection_limit"]
