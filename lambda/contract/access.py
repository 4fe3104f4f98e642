"""What one function's code path calls on the stage's table (:class:`TableAccess`), declared
next to its route in ``contract.rest`` / ``contract.websocket``; the stacks grant it
(``stacks.table_access``) and tests/iam checks it against the calls the handler tests record.

Apart from ``contract.table`` (index names, key templates), which every function using the
table reads: only the contract's route tables define the access.
"""

from __future__ import annotations

from dataclasses import dataclass

from contract.table import READ_ACTIONS


@dataclass(frozen=True)
class TableAccess:
    """What one function's code path calls on the stage's table.

    ``actions``: on the base table; read actions in every region, write actions on the primary
    replica. ``indexes``: queried (``dynamodb:Query``) in every region. ``connection_writes``:
    write actions on a connection's own items, made in the function's own region.
    ``stale_connection_deletes``: deletes of a stale connection's items, made in whichever
    region holds that connection."""

    actions: tuple[str, ...] = ()
    indexes: tuple[str, ...] = ()
    connection_writes: tuple[str, ...] = ()
    stale_connection_deletes: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        for name in ("connection_writes", "stale_connection_deletes"):
            misplaced = READ_ACTIONS & set(getattr(self, name))
            if misplaced:
                raise ValueError(f"{name} lists read actions {sorted(misplaced)}")

    @property
    def reads(self) -> tuple[str, ...]:
        return tuple(a for a in self.actions if a in READ_ACTIONS)

    @property
    def shared_writes(self) -> tuple[str, ...]:
        return tuple(a for a in self.actions if a not in READ_ACTIONS)

    @property
    def empty(self) -> bool:
        return not (
            self.actions or self.indexes or self.connection_writes or self.stale_connection_deletes
        )
