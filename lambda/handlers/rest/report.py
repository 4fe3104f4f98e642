"""``handlers.rest.report.handler``: the room report behind a Lambda custom integration.

The request mapping template hands over ``{"room_id", "days", "user_id", "request_id"}``.
Errors are raised: API Gateway selects the integration response by the error message, so
each message starts with a tag — ``[BadRequest]``, ``[NotFound]`` or ``[InternalError]`` —
and never carries a stack trace.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from aws_lambda_powertools import Logger, Metrics

from contract.limits import DEFAULT_REPORT_DAYS as DEFAULT_DAYS
from contract.limits import ID_RULE
from domain.errors import AppError
from domain.ids import ID_PATTERN
from domain.reports import MAX_DAYS, room_report
from domain.runtime import get_table
from shared.tracing import service_tracer

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.typing import LambdaContext

logger = Logger()
tracer = service_tracer()
metrics = Metrics()


class ReportError(Exception):
    """Raised to API Gateway; the message's tag selects the integration response."""

    def __init__(self, tag: str, message: str) -> None:
        super().__init__(f"[{tag}] {message}")
        self.tag = tag


def _days(value: Any) -> int:
    if value is None or value == "":
        return DEFAULT_DAYS
    if isinstance(value, str) and 1 <= len(value) <= len(str(MAX_DAYS)) and value.isascii():
        # Bounded before int(): thousands of digits would raise ValueError (a 500), not 400.
        value = int(value) if value.isdigit() else value
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_DAYS:
        raise ReportError("BadRequest", f"days must be an integer 1..{MAX_DAYS}")
    return value


def _parse(event: Any) -> tuple[str, int]:
    if not isinstance(event, dict):
        raise ReportError("BadRequest", "event must be an object")
    room_id = event.get("room_id")
    if not isinstance(room_id, str) or not ID_PATTERN.fullmatch(room_id):
        raise ReportError("BadRequest", f"room_id must be {ID_RULE}")
    return room_id, _days(event.get("days"))


@logger.inject_lambda_context(correlation_id_path="request_id")
@tracer.capture_lambda_handler
@metrics.log_metrics(capture_cold_start_metric=True)
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    room_id, days = _parse(event)
    try:
        return room_report(get_table(), room_id=room_id, days=days)
    except AppError as exc:
        tag = exc.code if exc.code in ("BadRequest", "NotFound") else "InternalError"
        raise ReportError(tag, exc.message) from None
    except Exception:
        logger.exception("report failed")
        raise ReportError("InternalError", "internal error") from None
