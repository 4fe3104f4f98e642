"""Use cases of the WebSocket API's ``send`` frame and the publish queue: store a message once
and deliver it to the room (join and leave are in :mod:`domain.realtime.membership`, connect
and disconnect in :mod:`domain.realtime.connections`).

Each function takes the ``pydynamodel`` table (and the broadcaster where it fans out) and raises
:class:`~domain.realtime.frames.FrameError` for anything the client did wrong, before writing.

Regions (:mod:`domain.placement`): a connection's Connection and Membership items are written
and read in the connection's region; rooms, messages and receipts go to the primary region.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from domain import errors, messages
from domain.models import Membership, Message
from domain.placement import region_for
from domain.realtime import access
from domain.realtime.broadcast import Delivery, Recipient
from domain.realtime.connections import close_connections
from domain.realtime.frames import FrameError, SendFrame, encode
from pydynamodel import DynamodelError

if TYPE_CHECKING:
    from collections.abc import Iterator, Sequence

    from domain.realtime.broadcast import Broadcaster
    from pydynamodel import Table

log = logging.getLogger(__name__)


@dataclass
class SendResult:
    """The stored message, the frame delivered and what happened to each delivery."""

    message: Message
    frame: dict[str, Any]
    delivery: Delivery
    removed_stale: int
    replayed: bool = False


def send_message(
    table: Table,
    broadcaster: Broadcaster,
    *,
    connection_id: str,
    frame: SendFrame,
    queue_message_id: str | None = None,
    deadline: float | None = None,
) -> SendResult:
    """Store a member's message once and deliver it to every member of the room, in every
    region; stale (410) connections are removed with their memberships.

    The idempotency key is the frame's ``client_id`` (else ``queue_message_id``, the SQS
    message id of a queued publish). A repeat of a key stores nothing and delivers the
    original message again, with its original id (at-least-once delivery: members drop a
    message id they already have). The broadcast ends at ``deadline`` (see
    :meth:`Broadcaster.deliver`)."""
    sender = access.require_member(table, room_id=frame.room_id, connection_id=connection_id)
    if frame.client_id is not None:
        key = f"client:{frame.client_id}"
    elif queue_message_id:
        key = f"queue:{queue_message_id}"
    else:
        raise ValueError("a send needs a client_id or a queue message id as idempotency key")
    try:
        posted = messages.post_once(
            table,
            room_id=frame.room_id,
            user_id=sender.user_id,
            body=frame.body,
            key=key,
            client_id=frame.client_id,
        )
    except errors.NotFound:
        raise access.room_not_found(frame.room_id) from None
    except errors.Conflict as conflict:
        raise FrameError("conflict", f"'client_id' {conflict.message}", field="client_id") from None
    result = deliver_message(table, broadcaster, posted.message, deadline=deadline)
    result.replayed = posted.replayed
    return result


def deliver_message(
    table: Table, broadcaster: Broadcaster, message: Message, *, deadline: float | None = None
) -> SendResult:
    """Deliver a stored message to every member of its room, until ``deadline``."""
    out = message_frame(message)
    recipients = [
        Recipient(m.connection_id, m.endpoint, m.region) for m in members(table, message.room_id)
    ]
    delivery = broadcaster.deliver(recipients, encode(out), deadline=deadline)
    stale_left = len({r.connection_id for r in delivery.gone})
    if delivery.undelivered:
        # The deadline cut the broadcast short: answering comes first; TTL and the next
        # broadcast's 410s remove what this clean-up would have.
        log.warning(
            "%d of %d recipients undelivered at the deadline",
            len(delivery.undelivered),
            len(recipients),
            extra={
                "message_id": message.message_id,
                "undelivered_samples": [
                    {"connection_id": r.connection_id, "region": r.region}
                    for r in delivery.undelivered[:10]
                ],
                "stale_left": stale_left,
            },
        )
        removed = 0
    else:
        removed = _remove_stale(table, delivery.gone)
    if delivery.failed:
        # One line per broadcast, not per member: a regional outage fails them all.
        samples = [
            {"connection_id": r.connection_id, "region": r.region, "error": error}
            for r, error in delivery.failed[:10]
        ]
        log.warning(
            "%d of %d deliveries failed",
            len(delivery.failed),
            len(recipients),
            extra={"failed_samples": samples},
        )
    return SendResult(message=message, frame=out, delivery=delivery, removed_stale=removed)


def _remove_stale(table: Table, gone: Sequence[Recipient]) -> int:
    """Remove gone connections in the region that holds each (its items live there), best
    effort: the message is stored and delivered, so failing the send here would only make the
    client retry. What is left expires through TTL, and the next broadcast to the room gets a
    410 and tries again."""
    by_region: dict[str, set[str]] = {}
    for recipient in gone:
        by_region.setdefault(recipient.region, set()).add(recipient.connection_id)
    removed = 0
    for region, ids in sorted(by_region.items()):
        connection_ids = sorted(ids)
        try:
            close_connections(table, connection_ids, region=region)
        except DynamodelError:
            log.warning(
                "stale connections left for TTL",
                exc_info=True,
                extra={"region": region, "stale": connection_ids[:10]},
            )
            continue
        removed += len(connection_ids)
    return removed


def message_frame(message: Message) -> dict[str, Any]:
    """The frame every member receives for a message."""
    frame: dict[str, Any] = {
        "action": "message",
        "room_id": message.room_id,
        "message_id": message.message_id,
        "user_id": message.user_id,
        "body": message.body,
        "created_at": message.created_at.isoformat(),
    }
    if message.client_id is not None:
        frame["client_id"] = message.client_id
    return frame


def members(table: Table, room_id: str) -> Iterator[Membership]:
    """Every membership of a room, across DynamoDB pages, as this region's replica knows them
    (members connected elsewhere arrive by replication)."""
    return table.query_all(Membership, room_id=room_id, region=region_for(Membership))
