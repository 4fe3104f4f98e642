"""The single table as both sides name it, and what each function may call on it.

The data stack creates the indexes and the TTL attribute with the construct package's
defaults; the models (``domain.models``) name the same index, and each function's
:class:`TableAccess` (declared next to its route in ``contract.rest`` / ``contract.websocket``)
is what the stacks grant (``stacks.table_access``) and tests/iam checks against the calls the
handler tests record. :class:`TableAccess` is defined in ``contract.access`` and named here
on first use: the handlers read only the names and key templates of this module.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from contract.access import TableAccess as TableAccess

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


def __getattr__(name: str) -> Any:
    # PEP 562: ``contract.table.TableAccess`` without defining the class in every function
    # that reads an index name (it is declared per function by contract.rest / .websocket).
    if name == "TableAccess":
        from contract.access import TableAccess

        return TableAccess
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
