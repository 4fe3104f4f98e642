"""Policy checks that run on every synth, and the one way to acknowledge a finding.

cdk-nag v3 plugs into CDK's validation framework: a finding fails ``cdk synth`` unless the
construct it names carries an acknowledgement with a concrete reason. Acknowledgements are made
on the exact construct (never a whole stack) through :func:`acknowledge`, so every one is
greppable and reviewable.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import aws_cdk as cdk
from aws_cdk import aws_iam as iam
from cdk_nag import AwsSolutionsChecks, ServerlessChecks

if TYPE_CHECKING:
    from collections.abc import Sequence

    from constructs import IConstruct

    from serverless_api_constructs import ServiceFunction


def add_guardrails(app: cdk.App) -> None:
    """Run the AwsSolutions and Serverless rule packs over the whole app at synth time."""
    cdk.Validations.of(app).add_plugins(AwsSolutionsChecks(app), ServerlessChecks(app))


def acknowledge(construct: IConstruct, rule: str | Sequence[str], reason: str) -> None:
    """Acknowledge cdk-nag rules (``Rule`` or ``Rule[finding]``) on one construct, with the
    reason they do not apply to it. Several rules with one reason go in one call: each call
    is a round trip to the jsii kernel, and synth time is a budget."""
    rules = [rule] if isinstance(rule, str) else list(rule)
    if isinstance(construct, cdk.Stack | cdk.Stage | cdk.App):
        raise ValueError(f"acknowledge {rules} on the resource that triggers it, not {construct}")
    if len(reason.split()) < 5:
        raise ValueError(f"acknowledgement of {rules} needs a concrete reason, got {reason!r}")
    cdk.Validations.of(construct).acknowledge(
        *(cdk.Acknowledgment(id=r, reason=reason) for r in rules)
    )


def acknowledge_policy_wildcard(policy: iam.Policy, reason: str) -> None:
    """Acknowledge AwsSolutions-IAM5 for the wildcard resource of a one-statement policy."""
    cfn = policy.node.default_child
    if not isinstance(cfn, iam.CfnPolicy):  # pragma: no cover - iam.Policy always has one
        raise RuntimeError(f"{policy.node.path}: no CfnPolicy to acknowledge")
    (statement,) = cdk.Stack.of(policy).resolve(cfn.policy_document)["Statement"]
    acknowledge(cfn, f"AwsSolutions-IAM5[Resource::{_nag_text(statement['Resource'])}]", reason)


def acknowledge_wildcard_resource(fn: ServiceFunction, arn: str, reason: str) -> None:
    """Acknowledge AwsSolutions-IAM5 for exactly one wildcard resource of ``fn``'s policy."""
    policy = fn.role.node.find_child("DefaultPolicy").node.default_child
    if policy is None:  # ServiceFunction always adds statements to its role
        raise RuntimeError(f"{fn.node.path}: no default policy to acknowledge {arn} on")
    finding = _nag_text(cdk.Stack.of(fn).resolve(arn))
    acknowledge(policy, f"AwsSolutions-IAM5[Resource::{finding}]", reason)


def _nag_text(value: Any) -> str:
    """A resolved string as cdk-nag prints it in a finding (``<LogicalId>``, pseudo
    parameters as ``<AWS::AccountId>``)."""
    if isinstance(value, str):
        return value
    if isinstance(value, dict) and "Ref" in value:
        return f"<{value['Ref']}>"
    if isinstance(value, dict) and "Fn::GetAtt" in value:
        return f"<{value['Fn::GetAtt'][0]}.{value['Fn::GetAtt'][1]}>"
    if isinstance(value, dict) and "Fn::GetStackOutput" in value:
        return json.dumps(value, separators=(",", ":"))
    if isinstance(value, dict) and "Fn::Join" in value:
        separator, parts = value["Fn::Join"]
        return str(separator).join(_nag_text(p) for p in parts)
    raise ValueError(f"cannot render {value!r} as a cdk-nag finding")
