"""Consumer of the ``publish`` queue: the asynchronous twin of ``send``.

API Gateway puts the client's frame on the queue directly (no Lambda on the request path) with
the connection id as a message attribute. Each record becomes a stored message delivered to the
room, once per SQS message id (or per the frame's ``client_id``, when it has one). A record
with bad input is logged and dropped (retrying cannot fix it); a transient failure is reported
as a batch item failure so only that record is retried, then dead-lettered.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

from aws_lambda_powertools import Logger

from domain.realtime import frames, rooms
from handlers.ws import runtime
from pydynamodel import DynamodelError
from shared.tracing import service_tracer

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.typing import LambdaContext

logger = Logger()
tracer = service_tracer()


def process(record: dict[str, Any], deadline: float | None = None) -> str:
    """Handle one SQS record; returns ``"sent"`` or the code of the rejected frame. The
    broadcast ends at ``deadline``; members it misses are logged and counted, and the record
    is not retried for them (a retry would deliver it again to the whole room)."""
    attributes = record.get("messageAttributes") or {}
    connection_id = (attributes.get("connectionId") or {}).get("stringValue")
    if not connection_id:
        return "missing_connection_id"
    try:
        raw = frames.parse(record.get("body"))
        if raw["action"] != "publish":  # only the publish route puts frames on this queue
            return "unexpected_action"
        frame = frames.send_frame(raw, require_client_id=False)
        result = rooms.send_message(
            runtime.table(),
            runtime.broadcaster(),
            connection_id=connection_id,
            frame=frame,
            # SQS delivers at least once: its message id makes a redelivery store nothing new.
            queue_message_id=record.get("messageId") or None,
            deadline=deadline,
        )
    except frames.FrameError as error:
        return error.code
    runtime.record_delivery(result.delivery, result.removed_stale)
    return "sent"


@logger.inject_lambda_context(clear_state=True)
@tracer.capture_lambda_handler
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    failures: list[dict[str, str]] = []
    deadline = runtime.broadcast_deadline(context)
    for record in event.get("Records", ()):
        message_id = record.get("messageId", "")
        if time.monotonic() >= deadline:
            # No time left to store and deliver it: back to the queue for another invocation.
            failures.append({"itemIdentifier": message_id})
            continue
        try:
            outcome = process(record, deadline)
        except DynamodelError:
            logger.exception("publish failed; will retry", extra={"message_id": message_id})
            failures.append({"itemIdentifier": message_id})
            continue
        if outcome != "sent":
            logger.warning("publish dropped", extra={"message_id": message_id, "error": outcome})
    return {"batchItemFailures": failures}
