"""One JSON snapshot per stack, scrubbed of asset hashes.

Update with ``pytest tests/infra --snapshot-update`` (or ``make snapshot-update``) only after an
infrastructure change you meant; read the diff in review like any other code.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest
from syrupy.extensions.json import JSONSnapshotExtension

from tests.infra.templates import ASSET_PLACEHOLDER, scrub

if TYPE_CHECKING:
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
