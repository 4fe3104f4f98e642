"""``--dist loadgroup`` with the pytest this project pins: the group has to be in the node id.

xdist's loadgroup scheduler reads a test's group from its node id (``<id>@<group>``), which
xdist's worker-side collection hook appends by assigning ``item._nodeid``. pytest 9.2 keeps
the id as a structured ``NodeId`` (``item._id``) and ignores ``_nodeid``, so every
``xdist_group`` mark is silently dropped: each test becomes its own unit, and a runtime meant
to be started once per run is started on every worker (pytest-xdist issue #1386, fix
proposed in PR #1388). Until the pinned xdist carries the fix, this sets the structured id
the same way; a test already carrying its group (an xdist that works) is left as it is.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, cast

if TYPE_CHECKING:
    import pytest


def group_of(item: pytest.Item) -> str | None:
    """The group xdist gives ``item``: its ``xdist_group`` names, sorted, joined by ``_``."""
    names = {
        str(mark.args[0] if mark.args else mark.kwargs.get("name", "default"))
        for mark in item.iter_markers("xdist_group")
    }
    return "_".join(sorted(names)) if names else None


def loadgroup_ids(items: list[pytest.Item]) -> None:
    """Give each of ``items`` that has a group the id xdist's scheduler groups it by."""
    for item in items:
        group = group_of(item)
        if group is None or item.nodeid.endswith(f"@{group}"):
            continue
        suffixed = f"{item.nodeid}@{group}"
        if hasattr(item, "_id"):
            from _pytest.nodeid import NodeId

            item._id = NodeId.parse(suffixed)
        else:  # a pytest before structured ids: xdist's own assignment
            item._nodeid = suffixed  # type: ignore[attr-defined]


def scheduled_scope(nodeid: str) -> str:
    """The unit xdist's loadgroup scheduler puts ``nodeid`` in (its own parsing): the group
    after ``@``, else the id itself."""
    from xdist.scheduler.loadgroup import LoadGroupScheduling  # type: ignore[import-untyped]

    return str(LoadGroupScheduling._split_scope(cast("Any", None), nodeid))
