"""Under ``make test``'s ``--dist loadgroup``, the tests of a module that share a module-scoped
fixture run on one worker, so the fixture is built once per run, not once per worker.

xdist's scheduler groups tests by their node id (``<id>@<group>``): a mark that never reaches
the id groups nothing. That let two workers run the typing check's module fixture at once
(two mypy runs over one SQLite cache: "database is locked" in CI).
"""

from __future__ import annotations

import pytest

from tests.xdist_groups import scheduled_scope

MODULE = "tests/tools/test_xdist_groups.py"


@pytest.fixture(scope="module")
def shared() -> str:
    return "built once per module"


@pytest.mark.parametrize("case", ["first", "second"])
def test_a_test_with_a_module_fixture_is_scheduled_in_its_modules_group(
    shared: str, case: str, request: pytest.FixtureRequest
) -> None:
    # Given a test of a module whose tests share a module-scoped fixture
    nodeid = request.node.nodeid
    if getattr(request.config.option, "loadgroup", False):
        # Then under --dist loadgroup xdist schedules it with its module's other tests
        assert scheduled_scope(nodeid) == MODULE, nodeid
    else:
        # Else its id is pytest's own
        assert scheduled_scope(nodeid) == nodeid, nodeid
