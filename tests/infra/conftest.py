"""The synthesized app, built once per test session and shared by every infrastructure test.

It is synthesized from the tests' own fixed stages (:mod:`tests.infra.fixed_stages`), never
from cdk.json's, so adding or changing a stage in cdk.json leaves every test here as it is.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import aws_cdk as cdk
import pytest
from aws_cdk.assertions import Template

from stacks.app_builder import build_app
from tests.infra.fixed_stages import synth_context
from tests.infra.synth_cache import cached_synth
from tests.infra.templates import StackTemplates

if TYPE_CHECKING:
    from collections.abc import Callable
    from pathlib import Path

    from aws_cdk import cx_api


def synth_assembly(tmp: Path, context: dict[str, Any] | None = None) -> cx_api.CloudAssembly:
    """Synthesize the whole app (every stage of ``context``, by default the tests' fixed
    stages; guardrails included) into ``tmp``.

    Version reporting is off so that a CDK upgrade does not rewrite every snapshot.
    """
    app = cdk.App(
        context={**(context or synth_context()), "aws:cdk:version-reporting": False},
        outdir=str(tmp),
        builtin_cloud_formation_validation=False,
    )
    return build_app(app).synth()


def synth(tmp: Path, context: dict[str, Any] | None = None) -> StackTemplates:
    """:func:`synth_assembly`'s templates, by stack path.

    Cached on disk by a hash of every input (tests/infra/synth_cache.py): a warm run, and
    every xdist worker after the first, reads the templates instead of synthesizing again."""
    context = context or synth_context()

    def synthesize() -> dict[str, Any]:
        stacks = StackTemplates.from_assembly(synth_assembly(tmp, context))
        return {"templates": dict(stacks.items()), "environments": stacks.environments}

    data = cached_synth(context, synthesize)
    environments = {path: (name, region) for path, (name, region) in data["environments"].items()}
    return StackTemplates(data["templates"], environments)


@pytest.fixture(scope="session")
def stacks(tmp_path_factory: pytest.TempPathFactory) -> StackTemplates:
    """Every stack of the fixed stages, by path (``Prod/Data``, ``Prod/UsEast1/ReplicaKey`` ...)."""
    return synth(tmp_path_factory.mktemp("cdk.out"))


@pytest.fixture(scope="session")
def template(stacks: StackTemplates) -> Callable[[str], Template]:
    """``template("Dev/Data")``: an assertions ``Template`` for one stack, by its path."""
    cache: dict[str, Template] = {}

    def get(path: str) -> Template:
        if path not in cache:
            cache[path] = Template.from_json(stacks[path])
        return cache[path]

    return get
