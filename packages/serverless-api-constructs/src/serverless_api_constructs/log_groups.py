"""The log group a construct writes to: one it creates, or one made elsewhere.

The same ``existing_<x>`` / ``<x>_props`` rule as every wrapped resource
(:mod:`serverless_api_constructs.props`), for the access logs of the APIs and a function's
logs: a new group needs its retention (no default: how long logs are kept is a decision of
the caller's, and CloudWatch's own default keeps them forever).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from aws_cdk import RemovalPolicy
from aws_cdk import aws_logs as logs

from . import validation
from .props import merge_props, refuse_both

if TYPE_CHECKING:
    from collections.abc import Mapping

    from constructs import Construct


def log_group(
    scope: Construct,
    construct_id: str,
    *,
    owner: str,
    name: str,
    retention: logs.RetentionDays | None,
    existing: logs.ILogGroup | None,
    props: Mapping[str, Any] | None,
) -> logs.ILogGroup:
    """``existing`` (``existing_<name>``), or a new group kept ``retention`` (``log_retention``)
    and retained on stack deletion, with ``<name>_props`` merged over those defaults."""
    existing_name, props_name = f"existing_{name}", f"{name}_props"
    refuse_both(owner, existing_name, existing, props_name, props)
    refuse_both(owner, existing_name, existing, "log_retention", retention)
    if existing is not None:
        return existing
    if retention is None:
        raise ValueError(
            f"{owner}: log_retention is required for the log group this construct creates; "
            f"or pass {existing_name}"
        )
    validation.retention(owner, "log_retention", retention)
    return logs.LogGroup(
        scope,
        construct_id,
        **merge_props(
            owner,
            props_name,
            {"retention": retention, "removal_policy": RemovalPolicy.RETAIN},
            props,
            reserved=("retention",),
        ),
    )
