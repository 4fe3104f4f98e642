"""Figures for operators (GET /admin/stats).

Apart from :mod:`domain.rooms` so that the admin function's cold start loads the room model
and the table, not the room use cases, their idempotency records and the transaction code.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from contract.table import GSI1
from domain.models import Room

if TYPE_CHECKING:
    from pydynamodel import Table


def count_rooms(table: Table) -> int:
    """Rooms in GSI1's ``ROOMS`` partition (one ``Select=COUNT`` query per 1 MB page)."""
    return table.count(Room, index=GSI1)
