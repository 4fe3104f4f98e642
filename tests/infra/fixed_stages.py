"""The stages the infrastructure tests synthesize: a fixed configuration of their own.

The tests do not read ``cdk.json``'s ``stages``: those belong to whoever deploys the app, and
adding or changing one (docs/stages.md, "Adding a stage") must not change a snapshot or an
assertion. ``tests/infra/stages.json`` holds the tests' own two stages instead, in cdk.json's
format: ``dev`` in one region and ``prod`` with a replica region. Everything else in cdk.json's
context (the CDK feature flags) is the app's, not a deployer's, and the tests keep reading it,
so that flipping a flag does show in the snapshots.

Only the test of the real cdk.json (tests/infra/test_config.py) reads cdk.json's stages.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

from stacks.config import StageConfig, load_stages

ROOT = Path(__file__).resolve().parents[2]
STAGES_FILE = Path(__file__).with_name("stages.json")
_STAGES: dict[str, Any] = json.loads(STAGES_FILE.read_text())


def cdk_json_context() -> dict[str, Any]:
    """The ``context`` of the committed cdk.json, stages and feature flags."""
    context: dict[str, Any] = json.loads((ROOT / "cdk.json").read_text())["context"]
    return context


def fixed_stages() -> dict[str, Any]:
    """A fresh copy of the tests' stages (raw, as in cdk.json), safe to mutate."""
    return copy.deepcopy(_STAGES)


def synth_context(app_context: dict[str, Any] | None = None) -> dict[str, Any]:
    """The context the tests synthesize with: ``app_context`` (cdk.json's by default) with its
    stages replaced by the fixed ones, whatever stages it had."""
    context = copy.deepcopy(cdk_json_context() if app_context is None else app_context)
    context["stages"] = fixed_stages()
    return context


#: The fixed stages parsed and validated, by construct id (``Dev``, ``Prod``).
STAGES: dict[str, StageConfig] = {c.construct_id: c for c in load_stages(fixed_stages())}
