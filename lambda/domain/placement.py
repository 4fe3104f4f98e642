"""Which region each model is written and read in (docs/decisions/multi-region.md).

The table is a global table; a function's ``Table`` lists ``TABLE_REGIONS``, the stage's
primary region first.

- **Shared data** (rooms, messages, message receipts, room counters, idempotency records):
  one writer, the primary region (the table's home), so version checks, counters and
  transactions are evaluated in one place. Reads try the primary first, then the others.
- **A WebSocket connection's own items** (``Connection``, ``Membership``): written and read
  only in the region that holds the connection, so connecting, joining and leaving work
  while the primary is down and a connection reads its own writes. The only write from
  another region is the removal of a connection found stale (410) by a broadcast there.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

from domain.models import Connection, Membership

if TYPE_CHECKING:
    from pydynamodel import Model

CONNECTION_LOCAL: frozenset[type[Model]] = frozenset({Connection, Membership})
"""Models stored in the region of the connection they belong to."""


def own_region() -> str:
    """The function's region (``AWS_REGION``, which Lambda always sets)."""
    region = os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION")
    if not region:
        raise RuntimeError("missing environment variable: AWS_REGION")
    return region


def region_for(model: type[Model], connection_region: str | None = None) -> str | None:
    """The ``region=`` of a table call on ``model``: for a connection's items the region of
    the connection (``connection_region``, by default this function's own); for shared data
    ``None``, the table's ordered regions (writes go to the primary)."""
    if model in CONNECTION_LOCAL:
        return connection_region or own_region()
    return None
