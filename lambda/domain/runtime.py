"""Per-container resources: the dynamodel ``Table`` is created on first use and reused by
every later invocation (clients, connection pools and the cursor key stay warm). Creating it
makes no network call: the cursor key (its own secret, ``CURSOR_SECRET_ARN``) is fetched by
the table on the first cursor it signs or checks, once per container.

``install_table`` is the seam for benchmarks and tests that bring their own table object.
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from dynamodel import Table

_table: Table | None = None
_lock = threading.Lock()


def get_table() -> Table:
    """The single table (name, regions and endpoint from the environment only)."""
    global _table
    table = _table
    if table is None:
        with _lock:
            if _table is None:
                from domain.auth.keys import cursor_key
                from dynamodel import Table

                _table = Table.from_env(cursor_secret=cursor_key)
            table = _table
    return table


def install_table(table: Table | None) -> None:
    """Use ``table`` for this container (``None`` forgets it: the next call rebuilds)."""
    global _table
    _table = table
