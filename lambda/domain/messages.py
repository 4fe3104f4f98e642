"""Message use cases: post a message to an existing room (and count it on the room), once per
idempotency key when the caller has one (docs/websocket-api.md, "Idempotent send")."""

from __future__ import annotations

import random
import time
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING, Any

import pydynamodel
from domain.errors import Conflict, NotFound
from domain.models import Message, Room
from domain.translate import as_validation_failed, iso
from pydynamodel import Create, Keys, Model, Put, Update
from pydynamodel import fields as f

if TYPE_CHECKING:
    from pydynamodel import Table

# Every message write is a transaction with an update of the room's counter: whichever
# handler imports this module makes one on (nearly) every invocation, so it loads those
# parts of the library in Lambda's init phase, not in the first request.
pydynamodel.preload("transactions", "updates", "fields")

RECEIPT_TTL = timedelta(hours=24)
"""How long a sender's idempotency key is remembered: far longer than any client retry or SQS
redelivery (3 receives x 180 s visibility), short enough that receipts cost little storage."""


#: Attempts of the message transaction when a concurrent one on the same items wins.
_CONFLICT_ATTEMPTS = 3


class MessageReceipt(Model, entity="MessageReceipt"):
    """Which message a sender's idempotency key created in a room.

    Written in the same transaction as the message, only if no live receipt holds the key, so
    a retried request finds the original message instead of storing a second one. Its own
    partition per (room, sender) keeps receipts out of the room's message and member queries
    (room ids contain no ``#``, so the partition key is unambiguous). Expires through TTL."""

    keys = Keys(pk="RECEIPT#{room_id}#{user_id}", sk="KEY#{request_key}")

    room_id: f.Str = f.Str(required=True)
    user_id: f.Str = f.Str(required=True)
    request_key: f.Str = f.Str(required=True, validators=[f.length(1, 200)])
    message_id: f.Str = f.Str(required=True)
    expires_at: f.TTL = f.TTL(after=RECEIPT_TTL)


@dataclass(frozen=True)
class Posted:
    """The message of a post; ``replayed`` when an earlier request with the key stored it."""

    message: Message
    replayed: bool


def message_json(message: Message) -> dict[str, Any]:
    """The contract's Message JSON."""
    return {
        "room_id": message.room_id,
        "message_id": message.message_id,
        "user_id": message.user_id,
        "body": message.body,
        "created_at": iso(message.created_at),
    }


def create_message(table: Table, *, room_id: str, user_id: str, body: str) -> Message:
    """Write the message and bump the room's counter in one transaction, so a message never
    lands in a room that does not exist (the counter update requires the room item)."""
    try:
        message = Message(room_id=room_id, user_id=user_id, body=body)
        table.transact_write(
            [Create(message), Update(Room, {"room_id": room_id}, Room.message_count.add(1))]
        )
    except pydynamodel.TransactionCancelled as exc:
        if any(r.index == 1 for r in exc.failed):
            raise NotFound(f"room {room_id} not found") from exc
        if [r.index for r in exc.failed] == [0] and exc.failed[0].code == "ConditionalCheckFailed":
            # The message id is a ULID this call has just drawn: an item under it can only be
            # this call's own write, applied by an attempt whose response was lost and found
            # again by the SDK's retry. The message and its count are stored once: success.
            return message
        raise
    except pydynamodel.ValidationError as exc:
        raise as_validation_failed(exc) from exc
    return message


def post_once(
    table: Table,
    *,
    room_id: str,
    user_id: str,
    body: str,
    key: str,
    client_id: str | None = None,
) -> Posted:
    """Store a message once per ``(room_id, user_id, key)`` within :data:`RECEIPT_TTL`.

    The message, the room's counter and the key's receipt are one transaction: either all
    three are written or none. A repeat of the key (a client retry, an SQS redelivery) finds
    the receipt and returns the original message with ``replayed=True``; a repeat whose body
    differs is a :class:`Conflict` (a key names one message). Raises :class:`NotFound` when the
    room (or, on a repeat, the original message) no longer exists."""
    message = Message(room_id=room_id, user_id=user_id, body=body, client_id=client_id)
    receipt = MessageReceipt(
        room_id=room_id, user_id=user_id, request_key=key, message_id=message.message_id
    )
    # DynamoDB's TTL deletes expired items lazily (within days), so an expired receipt still
    # in the table must not block the key: it counts as absent.
    free = MessageReceipt.message_id.not_exists() | (MessageReceipt.expires_at < int(time.time()))
    ops = [
        Create(message),
        Update(Room, {"room_id": room_id}, Room.message_count.add(1)),
        Put(receipt, condition=free),
    ]
    for attempt in range(_CONFLICT_ATTEMPTS):
        try:
            table.transact_write(ops)
        except pydynamodel.TransactionCancelled as exc:
            codes = {r.index: r.code for r in exc.failed}
            if codes.get(1) == "ConditionalCheckFailed":
                raise NotFound(f"room {room_id} not found") from exc
            if codes.get(2) == "ConditionalCheckFailed":
                return Posted(_original(table, receipt, body), replayed=True)
            if "TransactionConflict" in codes.values() and attempt + 1 < _CONFLICT_ATTEMPTS:
                # A concurrent request with the same key (or on the room's counter) is
                # mid-commit: once it lands, the next attempt finds its receipt.
                time.sleep(random.uniform(0.02, 0.1) * (attempt + 1))
                continue
            raise
        except pydynamodel.ValidationError as exc:
            raise as_validation_failed(exc) from exc
        break
    return Posted(message, replayed=False)


def _original(table: Table, receipt: MessageReceipt, body: str) -> Message:
    """The message an earlier request with the receipt's key stored (strongly consistent
    reads: the receipt may have been written a moment ago)."""
    stored = table.get(
        MessageReceipt,
        consistent=True,
        room_id=receipt.room_id,
        user_id=receipt.user_id,
        request_key=receipt.request_key,
    )
    message = table.find(
        Message, consistent=True, room_id=stored.room_id, message_id=stored.message_id
    )
    if message is None:
        raise NotFound(f"message {stored.message_id} of room {stored.room_id} was deleted")
    if message.body != body:
        raise Conflict("this idempotency key was already used for a different message")
    return message
