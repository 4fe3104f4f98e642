"""The application's entities on the single table (docs/dynamodel-guide.md, access patterns).

| entity     | pk               | sk                 | GSI1PK             | GSI1SK            |
|------------|------------------|--------------------|--------------------|-------------------|
| Room       | ROOM#<room_id>   | META               | ROOMS              | <created_at ISO>  |
| Message    | ROOM#<room_id>   | MSG#<message_id>   | USER#<user_id>     | MSG#<message_id>  |
| Connection | CONN#<conn_id>   | META               | USER#<user_id>     | CONN#<conn_id>    |
| Membership | ROOM#<room_id>   | CONN#<conn_id>     | CONN#<conn_id>     | ROOM#<room_id>    |
| RequestRecord | REQUEST#<user_id> | KEY#<key_hash> |                    |                   |
| MessageReceipt | RECEIPT#<room_id>#<user_id> | KEY#<request_key> |        |                   |

``MessageReceipt`` is defined in ``domain.messages`` (which imports this module).

Table attributes: ``pk``/``sk``, ``GSI1PK``/``GSI1SK``, ``GSI2PK``/``GSI2SK`` (all strings),
``entity`` (entity type) and TTL attribute ``expires_at``.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from contract import limits
from contract.table import GSI1, MESSAGE_SORT, ROOM_PARTITION
from pydynamodel import Keys, Model, new_ulid
from pydynamodel import fields as f

REQUEST_RECORD_TTL = timedelta(hours=24)
"""How long an ``Idempotency-Key`` is remembered: far longer than any client's retries."""

CONNECTION_TTL = timedelta(hours=3)
"""Default lifetime of Connection/Membership items (API Gateway WebSocket max is 2 h)."""

ENDPOINT_LENGTH = f.length(8, 300)
"""An ``@connections`` management endpoint, ``https://{domain}/{stage}``."""


class Room(Model, entity="Room"):
    """A chat room. ``message_count`` is an atomic counter (``Room.message_count.add(1)``)."""

    keys = Keys(pk=ROOM_PARTITION, sk="META")
    gsi1 = Keys(pk="ROOMS", sk="{created_at}", index=GSI1)

    room_id: f.Str = f.Str(required=True, default_factory=new_ulid)
    name: f.Str = f.Str(required=True, validators=[f.length(*limits.ROOM_NAME_LENGTH)])
    description: f.Str[str | None] = f.Str(validators=[f.length(*limits.ROOM_DESCRIPTION_LENGTH)])
    created_by: f.Str = f.Str(required=True)
    created_at: f.DateTime = f.DateTime(auto_now_add=True)
    updated_at: f.DateTime = f.DateTime(auto_now=True)
    version: f.Version = f.Version()
    message_count: f.Int = f.Int(default=0, validators=[f.in_range(0, None)])
    write_id: f.Str[str | None] = f.Str()
    """A random id of the request that last changed the room's fields: a request whose
    answer was lost and retried by the SDK recognises its own applied change by it."""


class Message(Model, entity="Message"):
    """A chat message; ``message_id`` is a ULID so messages sort by time within a room."""

    keys = Keys(pk=ROOM_PARTITION, sk=MESSAGE_SORT)
    gsi1 = Keys(pk="USER#{user_id}", sk=MESSAGE_SORT, index=GSI1)

    room_id: f.Str = f.Str(required=True)
    message_id: f.Str = f.Str(required=True, default_factory=new_ulid)
    user_id: f.Str = f.Str(required=True)
    body: f.Str = f.Str(required=True, validators=[f.length(*limits.MESSAGE_BODY_LENGTH)])
    created_at: f.DateTime = f.DateTime(auto_now_add=True)
    client_id: f.Str[str | None] = f.Str(
        validators=[f.length(1, limits.IDEMPOTENCY_KEY_MAX_LENGTH)]
    )


class Connection(Model, entity="Connection"):
    """A WebSocket connection (expires through DynamoDB TTL) and the ``@connections``
    management endpoint of the regional API it came through, which is where frames for it
    are posted (known only to that region's $connect)."""

    keys = Keys(pk="CONN#{connection_id}", sk="META")
    gsi1 = Keys(pk="USER#{user_id}", sk="CONN#{connection_id}", index=GSI1)

    connection_id: f.Str = f.Str(required=True)
    user_id: f.Str = f.Str(required=True)
    region: f.Str = f.Str(required=True)
    endpoint: f.Str = f.Str(required=True, validators=[ENDPOINT_LENGTH])
    connected_at: f.DateTime = f.DateTime(auto_now_add=True)
    expires_at: f.TTL = f.TTL(after=CONNECTION_TTL)


class Membership(Model, entity="Membership"):
    """A connection's membership of a room: listed per room (table) and per connection
    (GSI1). It copies the connection's ``endpoint``, so a fan-out reads one room partition
    and knows where to post each member's frame."""

    keys = Keys(pk=ROOM_PARTITION, sk="CONN#{connection_id}")
    gsi1 = Keys(pk="CONN#{connection_id}", sk=ROOM_PARTITION, index=GSI1)

    room_id: f.Str = f.Str(required=True)
    connection_id: f.Str = f.Str(required=True)
    user_id: f.Str = f.Str(required=True)
    region: f.Str = f.Str(required=True)
    endpoint: f.Str = f.Str(required=True, validators=[ENDPOINT_LENGTH])
    joined_at: f.DateTime = f.DateTime(auto_now_add=True)
    expires_at: f.TTL = f.TTL(after=CONNECTION_TTL)


class RequestRecord(Model, entity="RequestRecord"):
    """The outcome of one ``Idempotency-Key`` request, written in the same transaction as the
    request's write, so the write exists exactly when its record does.

    ``key_hash`` hashes the operation (method and path) with the client's key, so a key is
    scoped to its user and route; ``fingerprint`` hashes the request's input, so reusing a
    key for another request is told apart from a retry; ``result`` is the JSON the request
    answered with (``None`` for a delete). Expires through TTL."""

    keys = Keys(pk="REQUEST#{user_id}", sk="KEY#{key_hash}")

    user_id: f.Str = f.Str(required=True)
    key_hash: f.Str = f.Str(required=True)
    operation: f.Str = f.Str(required=True)
    fingerprint: f.Str = f.Str(required=True)
    result: f.Str[str | None] = f.Str()
    created_at: f.DateTime = f.DateTime(auto_now_add=True)
    expires_at: f.TTL = f.TTL(after=REQUEST_RECORD_TTL)


ENTITIES: tuple[type[Model], ...] = (Room, Message, Connection, Membership, RequestRecord)


def expires_in(delta: timedelta, now: datetime | None = None) -> int:
    """Epoch seconds ``delta`` from now, for TTL attributes."""
    from datetime import UTC

    return int(((now or datetime.now(UTC)) + delta).timestamp())
