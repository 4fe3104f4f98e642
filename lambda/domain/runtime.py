"""Per-container resources: the dynamodel ``Table`` is created on first use and reused by
every later invocation (clients, connection pools and the cursor key stay warm)."""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from dynamodel import Table


@cache
def get_table() -> Table:
    """The single table (name, regions and endpoint from the environment only)."""
    from domain.auth.keys import cursor_key
    from dynamodel import Table

    return Table.from_env(cursor_secret=cursor_key())
