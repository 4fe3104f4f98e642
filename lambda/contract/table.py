"""The single table as both sides name it, and what each function may call on it.

The data stack creates the indexes and the TTL attribute with the construct package's
defaults; the models (``domain.models``) name the same index, and each function's
:class:`TableAccess` (declared next to its route in ``contract.rest`` / ``contract.websocket``)
is what the stacks grant (``stacks.table_access``) and tests/iam checks against the calls the
handler tests record.
"""

from __future__ import annotations

from dataclasses import dataclass

#: Overloaded index queried by the functions: rooms newest first, a user's messages and
#: connections, a connection's memberships.
GSI1 = "GSI1"
#: Epoch-seconds attribute DynamoDB expires items by.
TTL_ATTRIBUTE = "expires_at"

#: Key templates (``domain.models``' ``Keys``) that a direct integration reads too: the
#: messages query's mapping template (stacks/rest/templates) asks for a room's partition and
#: its message sort keys by the text before ``{``.
ROOM_PARTITION = "ROOM#{room_id}"
MESSAGE_SORT = "MSG#{message_id}"


def key_prefix(template: str) -> str:
    """The constant text a key template starts with: ``"ROOM#{room_id}"`` -> ``"ROOM#"``."""
    prefix, brace, _ = template.partition("{")
    if not brace or not prefix:
        raise ValueError(f"key_prefix: template={template!r} has no constant text before a field")
    return prefix


#: DynamoDB actions that only read; any other table action writes.
READ_ACTIONS = frozenset(
    {"dynamodb:GetItem", "dynamodb:Query", "dynamodb:BatchGetItem", "dynamodb:Scan"}
)


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
