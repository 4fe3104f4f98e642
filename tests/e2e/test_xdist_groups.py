"""The end-to-end tests share their runtime under ``make test``'s ``--dist loadgroup`` only if
xdist's scheduler sees their group: it reads it from the node id (see tests/xdist_groups.py)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from tests.xdist_groups import scheduled_scope

from .conftest import DEV_GROUP

if TYPE_CHECKING:
    import pytest


def test_a_dev_test_is_scheduled_in_the_dev_runtimes_group(request: pytest.FixtureRequest) -> None:
    # Given the way this run distributes tests
    loadgroup = getattr(request.config.option, "loadgroup", False)
    nodeid = request.node.nodeid
    if loadgroup:
        # Then under --dist loadgroup (a worker of `make test`) xdist schedules this test with
        # every other test of the Dev runtime, so the runtime starts once per run
        assert scheduled_scope(nodeid) == DEV_GROUP, nodeid
    else:
        # Else its id is pytest's own (no group suffix)
        assert "@" not in nodeid, nodeid
        assert scheduled_scope(nodeid) == nodeid
