"""The end-to-end tests share their runtime under ``make test``'s ``--dist loadgroup`` only if
xdist's scheduler sees their group: it reads it from the node id (see tests/xdist_groups.py)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, cast

from xdist.scheduler.loadgroup import LoadGroupScheduling  # type: ignore[import-untyped]

from .conftest import DEV_GROUP

if TYPE_CHECKING:
    import pytest


def _scope(nodeid: str) -> str:
    # xdist's own parsing of a node id into the unit it schedules on one worker.
    return str(LoadGroupScheduling._split_scope(cast("Any", None), nodeid))


def test_a_dev_test_is_scheduled_in_the_dev_runtimes_group(request: pytest.FixtureRequest) -> None:
    # Given the way this run distributes tests
    loadgroup = getattr(request.config.option, "loadgroup", False)
    nodeid = request.node.nodeid
    if loadgroup:
        # Then under --dist loadgroup (a worker of `make test`) xdist schedules this test with
        # every other test of the Dev runtime, so the runtime starts once per run
        assert _scope(nodeid) == DEV_GROUP, nodeid
    else:
        # Else its id is pytest's own (no group suffix)
        assert "@" not in nodeid, nodeid
        assert _scope(nodeid) == nodeid
