"""Builds every stage of the app from context; shared by app.py and the test fixtures."""

from __future__ import annotations

from typing import TYPE_CHECKING

from .config import load_stages
from .guardrails import add_guardrails
from .stage import ServiceStage

if TYPE_CHECKING:
    import aws_cdk as cdk


def build_app(app: cdk.App) -> cdk.App:
    """Add one :class:`ServiceStage` per configured stage and the guardrails to ``app``.

    The built-in CloudFormation validator is expected to be off on ``app``
    (``builtin_cloud_formation_validation=False``): cfn-lint over cdk.out checks the same
    templates in ``make test`` and the validator costs seconds on every synth.
    """
    for config in load_stages(app.node.try_get_context("stages")):
        ServiceStage(app, config=config)
    add_guardrails(app)
    return app
