"""Consumer of the ``publish`` queue: the asynchronous twin of ``send``.

API Gateway puts the client's frame on the queue directly (no Lambda on the request path) with
the connection id as a message attribute. Each record becomes a stored message delivered to the
room, once per SQS message id (or per the frame's ``client_id``, when it has one). A record
with bad input is logged and dropped (retrying cannot fix it); a transient failure is reported
as a batch item failure so only that record is retried, then dead-lettered.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from aws_lambda_powertools import Logger, Tracer

from domain.realtime import frames, rooms
from dynamodel import DynamodelError
from handlers.ws import runtime

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.typing import LambdaContext

logger = Logger()
tracer = Tracer()


def process(record: dict[str, Any]) -> str:
    """Handle one SQS record; returns ``"sent"`` or the code of the rejected frame."""
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
        )
    except frames.FrameError as error:
        return error.code
    runtime.record_delivery(result.delivery, result.removed_stale)
    return "sent"


@logger.inject_lambda_context(clear_state=True)
@tracer.capture_lambda_handler
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    failures: list[dict[str, str]] = []
    for record in event.get("Records", ()):
        message_id = record.get("messageId", "")
        try:
            outcome = process(record)
        except DynamodelError:
            logger.exception("publish failed; will retry", extra={"message_id": message_id})
            failures.append({"itemIdentifier": message_id})
            continue
        if outcome != "sent":
            logger.warning("publish dropped", extra={"message_id": message_id, "error": outcome})
    return {"batchItemFailures": failures}
