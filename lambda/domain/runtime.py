"""Per-container resources: the pydynamodel ``Table`` is created on first use and reused by
every later invocation (clients, connection pools and the cursor key stay warm). Creating it
makes no network call: the cursor key (its own secret, ``CURSOR_SECRET_ARN``) is fetched by
the table on the first cursor it signs or checks, once per container.

The table's clients get the time budget of ``shared.budget`` for this function's timeout and
the number of regions a read may fail over to.

``install_table`` is the seam for benchmarks and tests that bring their own table object.
"""

from __future__ import annotations

import threading

from domain.settings import get_settings

# Imported with the handler although the Table is built on first use: every request needs
# the table module (and its request builders and transport), so loading it on the first
# call would only move its compile time from the init phase into the first invocation.
from pydynamodel import Table
from shared.budget import ClientBudget, client_budget

_table: Table | None = None
_lock = threading.Lock()


def table_budget() -> ClientBudget:
    """The DynamoDB clients' timeouts and retries: one read over every region of
    ``TABLE_REGIONS`` ends in time to answer."""
    settings = get_settings()
    return client_budget(settings.function_timeout, max(len(settings.table_regions), 1))


def get_table() -> Table:
    """The single table (name, regions and endpoint from the environment only)."""
    global _table
    table = _table
    if table is None:
        with _lock:
            if _table is None:
                from domain.auth.keys import cursor_key

                budget = table_budget()
                _table = Table.from_env(
                    cursor_secret=cursor_key,
                    connect_timeout=budget.connect_timeout,
                    read_timeout=budget.read_timeout,
                    max_attempts=budget.max_attempts,
                )
            table = _table
    return table


def install_table(table: Table | None) -> None:
    """Use ``table`` for this container (``None`` forgets it: the next call rebuilds)."""
    global _table
    _table = table
