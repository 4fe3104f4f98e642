"""``join``: ``{"action": "join", "room_id": "r1"}`` -> ``{"action": "joined", ...}``."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from aws_lambda_powertools import Logger

from domain.realtime import frames, membership
from handlers.ws import runtime
from shared.tracing import service_tracer

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.typing import LambdaContext

logger = Logger()
tracer = service_tracer()


@logger.inject_lambda_context(clear_state=True)
@tracer.capture_lambda_handler
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return runtime.answer_frame(event, frames.room_frame, _join)


def _join(frame: frames.RoomFrame, connection_id: str) -> dict[str, Any]:
    membership.join_room(runtime.table(), connection_id=connection_id, room_id=frame.room_id)
    return runtime.reply({"action": "joined", "room_id": frame.room_id})
