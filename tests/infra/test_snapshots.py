"""One JSON snapshot per stack, scrubbed of asset hashes.

Update with ``pytest tests/infra --snapshot-update`` (or ``make snapshot-update``) only after an
infrastructure change you meant; read the diff in review like any other code.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest
from syrupy.extensions.json import JSONSnapshotExtension

from stacks.lambda_code import LAMBDA_DIR, asset_dir
from tests.infra.conftest import cdk_json_context, synth
from tests.infra.templates import ASSET_PLACEHOLDER, scrub

if TYPE_CHECKING:
    from pathlib import Path

    from syrupy.assertion import SnapshotAssertion

    from tests.infra.templates import StackTemplates


@pytest.fixture
def snapshot_json(snapshot: SnapshotAssertion) -> SnapshotAssertion:
    return snapshot.use_extension(JSONSnapshotExtension)


def test_every_stack_matches_its_snapshot(
    stacks: StackTemplates, snapshot_json: SnapshotAssertion
) -> None:
    for path in stacks:
        name = path.replace("/", "-")
        assert scrub(stacks[path]) == snapshot_json(name=name), f"stack {path} changed"


def test_scrub_replaces_asset_hashes_only() -> None:
    digest = "a" * 64
    template = {"Code": {"S3Key": f"{digest}.zip"}, "Handler": "app.handler", "Memory": 256}
    assert scrub(template) == {
        "Code": {"S3Key": f"{ASSET_PLACEHOLDER}.zip"},
        "Handler": "app.handler",
        "Memory": 256,
    }


def test_editing_lambda_source_changes_asset_hashes_but_no_snapshot(
    stacks: StackTemplates, tmp_path: Path
) -> None:
    # Given the app synthesized once more after a Lambda source file was added
    probe = LAMBDA_DIR / "_snapshot_probe.py"
    probe.write_text('"""Written and removed by test_snapshots; never committed."""\n')
    asset_dir.cache_clear()  # the asset folder is staged once per process: stage it anew
    try:
        edited = synth(tmp_path)
    finally:
        probe.unlink()
        asset_dir.cache_clear()

    # Then the raw templates differ (the code asset hash moved) ...
    changed = [path for path in stacks if stacks[path] != edited[path]]
    assert changed, "no stack carries the Lambda code asset: this property tests nothing"
    # ... and every scrubbed template, hence every snapshot, stays the same.
    for path in stacks:
        assert scrub(stacks[path]) == scrub(edited[path]), path


def test_changing_infrastructure_changes_the_snapshot(
    stacks: StackTemplates, tmp_path: Path
) -> None:
    # Given the dev stage with one more tag (an infrastructure change, however small)
    context = cdk_json_context()
    context["stages"]["dev"]["tags"]["team"] = "platform"

    # When the app is synthesized again
    edited = synth(tmp_path, context)

    # Then every dev stack's scrubbed template differs, and no prod stack's does
    for path in stacks:
        differs = scrub(stacks[path]) != scrub(edited[path])
        assert differs == path.startswith("Dev/"), path
