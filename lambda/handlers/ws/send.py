"""``send``: persist the message and deliver it to every member of the room in every region.

``{"action": "send", "room_id": "r1", "body": "hi", "client_id": "c-1"}`` -> the sender gets
``{"action": "sent", "message_id": ..., "delivered": n, ...}``; members get the message frame.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from aws_lambda_powertools import Logger, Tracer

from domain.realtime import frames, rooms
from handlers.ws import runtime

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.typing import LambdaContext

logger = Logger()
tracer = Tracer()


@logger.inject_lambda_context(clear_state=True)
@tracer.capture_lambda_handler
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return runtime.answer_frame(event, frames.send_frame, _send)


def _send(frame: frames.SendFrame, connection_id: str) -> dict[str, Any]:
    result = rooms.send_message(
        runtime.table(), runtime.broadcaster(), connection_id=connection_id, frame=frame
    )
    delivery = result.delivery
    runtime.record_delivery(delivery, result.removed_stale)
    logger.info(
        "message sent",
        extra={
            "room_id": frame.room_id,
            "message_id": result.message.message_id,
            "delivered": len(delivery.delivered),
            "gone": len(delivery.gone),
            "failed": len(delivery.failed),
        },
    )
    ack: dict[str, Any] = {
        "action": "sent",
        "room_id": frame.room_id,
        "message_id": result.message.message_id,
        "delivered": len(delivery.delivered),
        "failed": len(delivery.failed),
        "removed_stale": result.removed_stale,
    }
    if frame.client_id is not None:
        ack["client_id"] = frame.client_id
    return runtime.reply(ack)
