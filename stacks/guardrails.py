"""Policy checks that run on every synth, and the one way to acknowledge a finding.

cdk-nag v3 plugs into CDK's validation framework: a finding fails ``cdk synth`` unless the
construct it names carries an acknowledgement with a concrete reason. Acknowledgements are made
on the exact construct (never a whole stack) through :func:`acknowledge`, so every one is
greppable and reviewable.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import aws_cdk as cdk
from cdk_nag import AwsSolutionsChecks, ServerlessChecks

if TYPE_CHECKING:
    from collections.abc import Sequence

    from constructs import IConstruct


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
