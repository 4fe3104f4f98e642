"""``send``: persist the message once per ``client_id`` and deliver it to every member of the
room in every region.

``{"action": "send", "room_id": "r1", "body": "hi", "client_id": "c-1"}`` -> the sender gets
``{"action": "sent", "message_id": ..., "delivered": n, "replayed": false, ...}``; members get
the message frame. A retry with the same ``client_id`` gets the same ``message_id``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from aws_lambda_powertools import Logger

from domain.realtime import frames, rooms
from handlers.ws import runtime
from shared.tracing import service_tracer

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.typing import LambdaContext

logger = Logger()
tracer = service_tracer()


@logger.inject_lambda_context(clear_state=True)
@tracer.capture_lambda_handler
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    deadline = runtime.broadcast_deadline(context)
    return runtime.answer_frame(
        event, frames.send_frame, lambda frame, connection_id: _send(frame, connection_id, deadline)
    )


def _send(frame: frames.SendFrame, connection_id: str, deadline: float) -> dict[str, Any]:
    result = rooms.send_message(
        runtime.table(),
        runtime.broadcaster(),
        connection_id=connection_id,
        frame=frame,
        deadline=deadline,
    )
    delivery = result.delivery
    runtime.record_delivery(delivery, result.removed_stale)
    logger.info(
        "message sent",
        extra={
            "room_id": frame.room_id,
            "message_id": result.message.message_id,
            "replayed": result.replayed,
            "delivered": len(delivery.delivered),
            "gone": len(delivery.gone),
            "failed": len(delivery.failed),
            "undelivered": len(delivery.undelivered),
        },
    )
    ack: dict[str, Any] = {
        "action": "sent",
        "room_id": frame.room_id,
        "message_id": result.message.message_id,
        "delivered": len(delivery.delivered),
        "failed": len(delivery.failed),
        # Members not reached by the deadline (a hanging region); named in the log only,
        # since connection ids of other users are not the sender's to see.
        "undelivered": len(delivery.undelivered),
        "removed_stale": result.removed_stale,
        # True when this client_id was already stored: a retry, answered with the original
        # message, which was delivered again (members drop message ids they already have).
        "replayed": result.replayed,
        "client_id": frame.client_id,
    }
    return runtime.reply(ack)
