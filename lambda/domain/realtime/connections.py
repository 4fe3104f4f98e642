"""Use cases of ``$connect`` and ``$disconnect``: store a connection, remove connections with
their memberships.

Kept apart from :mod:`domain.realtime.rooms` so those two handlers load no frames, broadcast,
messages or access modules at cold start (issue 13's import budget); ``rooms`` re-exports
``close_connections`` for its stale-connection clean-up.

Regions (:mod:`domain.placement`): a connection's Connection and Membership items are written
and read in the connection's region.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from contract.table import GSI1
from domain.models import Connection, Membership
from domain.placement import region_for

if TYPE_CHECKING:
    from collections.abc import Iterator, Sequence

    from pydynamodel import Table


def open_connection(
    table: Table, *, connection_id: str, user_id: str, region: str, endpoint: str
) -> Connection:
    """Store a new connection, in its own ``region`` (expires through TTL after
    ``CONNECTION_TTL``)."""
    connection = Connection(
        connection_id=connection_id, user_id=user_id, region=region, endpoint=endpoint
    )
    table.save(connection, region=region_for(Connection, region))
    return connection


def close_connection(table: Table, connection_id: str) -> int:
    """Remove a connection and all its memberships; returns how many memberships went."""
    return close_connections(table, [connection_id])


def close_connections(
    table: Table, connection_ids: Sequence[str], *, region: str | None = None
) -> int:
    """Remove connections and all their memberships in batched deletes (25 per request) in
    the connections' ``region`` (by default this function's); returns how many memberships
    went."""
    where = region_for(Connection, region)
    refs: list[Any] = []
    memberships = 0
    for connection_id in connection_ids:
        for member in _memberships_of(table, connection_id, where):
            refs.append((Membership, member.key()))
            memberships += 1
        refs.append((Connection, {"connection_id": connection_id}))
    if refs:
        table.batch_delete(refs, region=where)
    return memberships


def _memberships_of(table: Table, connection_id: str, region: str | None) -> Iterator[Membership]:
    return table.query_all(Membership, index=GSI1, region=region, connection_id=connection_id)
