"""One JSON snapshot per stack of the tests' fixed stages (tests/infra/stages.json), scrubbed of
asset hashes, each checked by a test of its own so that the first changed stack does not hide
the others. cdk.json's stages are not snapshotted: adding one changes no snapshot.

Update with ``pytest tests/infra --snapshot-update`` (or ``make snapshot-update``) only after an
infrastructure change you meant; read the diff in review like any other code.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from syrupy.extensions.json import JSONSnapshotExtension

from stacks.lambda_code import asset_dir
from tests.infra.conftest import synth, synth_assembly
from tests.infra.fixed_stages import synth_context
from tests.infra.synth_cache import cached_synth
from tests.infra.templates import ASSET_PLACEHOLDER, StackTemplates, scrub

if TYPE_CHECKING:
    from syrupy.assertion import SnapshotAssertion


#: Every stack of the fixed stages: one-region Dev, and Prod with a replica in us-east-1.
STACKS = (
    "Dev/Data",
    "Dev/Identity",
    "Dev/EuWest1/RestApi",
    "Dev/EuWest1/WebSocketApi",
    "Prod/Data",
    "Prod/Identity",
    "Prod/EuWest1/RestApi",
    "Prod/EuWest1/WebSocketApi",
    "Prod/UsEast1/ReplicaKey",
    "Prod/UsEast1/RestApi",
    "Prod/UsEast1/WebSocketApi",
)
SNAPSHOT_DIR = Path(__file__).parent / "__snapshots__" / Path(__file__).stem


def snapshot_id(path: str) -> str:
    """``Prod/UsEast1/RestApi`` -> ``Prod-UsEast1-RestApi``: the test id, hence the file name."""
    return path.replace("/", "-")


@pytest.fixture
def snapshot_json(snapshot: SnapshotAssertion) -> SnapshotAssertion:
    return snapshot.use_extension(JSONSnapshotExtension)


def test_the_fixed_stages_make_exactly_the_listed_stacks(stacks: StackTemplates) -> None:
    # A stack the list lacks would have no snapshot test: add it to STACKS, then snapshot-update.
    assert sorted(stacks) == sorted(STACKS)


def test_every_listed_stack_has_a_snapshot_file_and_no_other_file_is_left() -> None:
    files = sorted(p.name for p in SNAPSHOT_DIR.glob("*.json"))
    expected = sorted(
        f"test_every_stack_matches_its_snapshot[{snapshot_id(p)}].json" for p in STACKS
    )
    assert files == expected


@pytest.mark.parametrize("path", STACKS, ids=snapshot_id)
def test_every_stack_matches_its_snapshot(
    path: str, stacks: StackTemplates, snapshot_json: SnapshotAssertion
) -> None:
    assert scrub(stacks[path]) == snapshot_json, f"stack {path} changed"


def test_scrub_replaces_asset_hashes_only() -> None:
    digest = "a" * 64
    template = {"Code": {"S3Key": f"{digest}.zip"}, "Handler": "app.handler", "Memory": 256}
    assert scrub(template) == {
        "Code": {"S3Key": f"{ASSET_PLACEHOLDER}.zip"},
        "Handler": "app.handler",
        "Memory": 256,
    }


#: The Lambda source file the asset-hash test adds (its name and content are part of the key
#: under which that synth is cached).
PROBE = ("_snapshot_probe.py", '"""Written by test_snapshots."""\n')


def synth_with_probe(tmp_path: Path) -> StackTemplates:
    """The app's templates synthesized with :data:`PROBE` added to its Lambda code asset.

    The probe goes into this process's staged copy of lambda/, never into the checkout, where
    another worker may be synthesizing. Like every other synth of these tests, the result is
    kept on disk under a hash of every synth input, here with the probe and this file in the
    key (tests/infra/synth_cache.py): the first run with these inputs synthesizes, and a run
    with exactly the same inputs reads what that synth wrote."""
    name, content = PROBE

    def synthesize() -> dict[str, Any]:
        asset_dir.cache_clear()  # the asset folder is staged once per process: stage it anew
        try:
            (asset_dir() / name).write_text(content)
            edited = StackTemplates.from_assembly(synth_assembly(tmp_path, synth_context()))
        finally:
            asset_dir.cache_clear()
        return dict(edited.items())

    # This file is in the key too: how the probe is added is part of what was synthesized.
    this_file = hashlib.sha256(Path(__file__).read_bytes()).hexdigest()
    key = {**synth_context(), "tests:lambda source file added": {name: content, "by": this_file}}
    return StackTemplates(cached_synth(key, synthesize))


def test_editing_lambda_source_changes_asset_hashes_but_no_snapshot(
    stacks: StackTemplates, tmp_path: Path
) -> None:
    # Given the app synthesized once more with one more Lambda source file in its code asset
    edited = synth_with_probe(tmp_path)

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
    context = synth_context()
    context["stages"]["dev"]["tags"]["team"] = "platform"

    # When the app is synthesized again
    edited = synth(tmp_path, context)

    # Then every dev stack's scrubbed template differs, and no prod stack's does
    for path in stacks:
        differs = scrub(stacks[path]) != scrub(edited[path])
        assert differs == path.startswith("Dev/"), path
