"""Builds every stage of the app from context; shared by app.py and the test fixtures."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from .config import ConfigError, load_stages
from .guardrails import add_guardrails
from .rest.openapi import write_openapi_documents
from .stage import ServiceStage

if TYPE_CHECKING:
    from collections.abc import Collection

    import aws_cdk as cdk
    from aws_cdk import cx_api

#: Directory inside the cloud assembly (``cdk.out``) that receives the OpenAPI documents.
OPENAPI_DIR = "openapi"


def build_app(app: cdk.App, *, only: Collection[str] | None = None) -> cdk.App:
    """Add one :class:`ServiceStage` per configured stage (or per stage named in ``only``,
    for a part of a parallel synth: :mod:`stacks.synth_parts`) and the guardrails to ``app``.

    The built-in CloudFormation validator is expected to be off on ``app``
    (``builtin_cloud_formation_validation=False``): cfn-lint over cdk.out checks the same
    templates in ``make test`` and the validator costs seconds on every synth.
    """
    configs = load_stages(app.node.try_get_context("stages"))
    unknown = set(only or ()) - {config.name for config in configs}
    if unknown:
        raise ConfigError(f"stages {sorted(unknown)} are not in context 'stages'")
    for config in configs:
        if only is None or config.name in only:
            ServiceStage(app, config=config)
    add_guardrails(app)
    return app


def write_openapi(app: cdk.App, assembly: cx_api.CloudAssembly) -> list[Path]:
    """Write the REST API's OpenAPI document of every stage and region into
    ``<assembly>/openapi/<Stage>-<region>.json`` (``make synth`` produces them)."""
    stages = [
        (stage.config.construct_id, tuple(stage.rest_apis))
        for stage in app.node.children
        if isinstance(stage, ServiceStage)
    ]
    return write_openapi_documents(stages, Path(assembly.directory) / OPENAPI_DIR)
