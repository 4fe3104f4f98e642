"""What every WebSocket handler shares: settings from the environment, the table and the
broadcaster (created once per container), and the route-response helpers.

Environment: ``TABLE_NAME``, ``TABLE_REGIONS`` (the stage's regions, primary first: the same
list in every region), ``AWS_REGION`` (this function's region, where its connections' items
live: :mod:`domain.placement`), ``BROADCAST_CONCURRENCY``, and for tests only
``DYNAMODB_ENDPOINT_URL`` (one URL, or ``region=url`` pairs) / ``MANAGEMENT_ENDPOINT_URL`` (a
local management API instead of ``https://{domainName}/{stage}``).

While the primary region is unavailable (or the table throttles), a frame that needs it is
answered with an ``unavailable`` error frame: the connection stays open and the client may
send the frame again (a ``send`` with the same ``client_id`` is stored at most once).
"""

from __future__ import annotations

import json
import os
import time
from functools import cache
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

from aws_lambda_powertools import Logger

# The table loads with the handler, not on the first frame: every frame needs it, so
# deferring it would only move its compile time into the first invocation.
from pydynamodel import ServiceUnavailable, Table, Throttled

if TYPE_CHECKING:
    from collections.abc import Callable

    from aws_lambda_powertools import Metrics

    from domain.realtime.broadcast import Broadcaster, Delivery
    from domain.realtime.frames import FrameError

logger = Logger(child=True)
Frame = TypeVar("Frame")

#: Custom metrics of a broadcast (namespace ``POWERTOOLS_METRICS_NAMESPACE``, dimension
#: ``service``): the stack alarms on failed deliveries.
DELIVERED = "Delivered"
UNDELIVERED = "Undelivered"
STALE_REMOVED = "StaleConnectionsRemoved"

#: Time kept back from the function's remaining time when a broadcast starts, to answer after
#: it: collect outcomes, log, publish metrics, return the ack (milliseconds of work; the rest
#: is margin). Stale-connection clean-up is skipped when the broadcast used up its time.
ANSWER_RESERVE_S = 2.0


@cache
def table() -> Table:
    """The single table. The WebSocket API hands no cursor to clients and pages with
    ``query_all``, so it needs no cursor secret. Its clients get the function's time budget
    (``domain.runtime.table_budget``), so a hanging region ends in an error frame in time."""
    from domain.runtime import table_budget

    budget = table_budget()
    return Table.from_env(
        connect_timeout=budget.connect_timeout,
        read_timeout=budget.read_timeout,
        max_attempts=budget.max_attempts,
    )


@cache
def broadcaster() -> Broadcaster:
    # Imported here, as are the frames below: $connect and $disconnect share this module but
    # neither broadcast nor parse frames, so their cold start does not compile either.
    from domain.realtime.broadcast import Broadcaster

    return Broadcaster.from_env()


@cache
def metrics() -> Metrics:
    from aws_lambda_powertools import Metrics

    return Metrics()


class RemainingTime(Protocol):
    """What a deadline needs of the Lambda context."""

    def get_remaining_time_in_millis(self) -> int: ...


def broadcast_deadline(context: RemainingTime) -> float:
    """The :func:`time.monotonic` time by which a broadcast must end: the invocation's
    remaining time less :data:`ANSWER_RESERVE_S`."""
    remaining = context.get_remaining_time_in_millis() / 1000
    return time.monotonic() + remaining - ANSWER_RESERVE_S


def record_delivery(delivery: Delivery, removed_stale: int) -> None:
    """Publish a broadcast's outcome as CloudWatch metrics (embedded metric format).

    ``DeliveryFailed`` counts every member who did not get the frame: failed posts and those
    undelivered at the deadline (so the delivery alarm sees a hanging region);
    ``Undelivered`` tells the deadline's share apart."""
    from aws_lambda_powertools.metrics import MetricUnit

    # Here, not at the top: the WebSocket contract (frame schemas, error codes) is for the
    # routes that broadcast; $connect and $disconnect do not compile it at cold start.
    from contract.websocket import DELIVERY_FAILED_METRIC as DELIVERY_FAILED

    recorder = metrics()
    missed = len(delivery.failed) + len(delivery.undelivered)
    recorder.add_metric(name=DELIVERED, unit=MetricUnit.Count, value=len(delivery.delivered))
    recorder.add_metric(name=DELIVERY_FAILED, unit=MetricUnit.Count, value=missed)
    recorder.add_metric(name=UNDELIVERED, unit=MetricUnit.Count, value=len(delivery.undelivered))
    recorder.add_metric(name=STALE_REMOVED, unit=MetricUnit.Count, value=removed_stale)
    recorder.flush_metrics()


def region() -> str:
    return os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION") or "unknown"


def management_endpoint(request_context: dict[str, Any]) -> str:
    """The ``@connections`` endpoint of the API that received this event."""
    override = os.environ.get("MANAGEMENT_ENDPOINT_URL")
    if override:
        return override.rstrip("/")
    return f"https://{request_context['domainName']}/{request_context['stage']}"


def request_context(event: dict[str, Any]) -> dict[str, Any]:
    context = event.get("requestContext")
    return context if isinstance(context, dict) else {}


def reply(frame: dict[str, Any], status: int = 200) -> dict[str, Any]:
    """A Lambda proxy result whose body API Gateway sends back as the route response."""
    return {"statusCode": status, "body": json.dumps(frame, separators=(",", ":"))}


def answer_frame(
    event: dict[str, Any],
    read: Callable[[dict[str, Any]], Frame],
    act: Callable[[Frame, str], dict[str, Any]],
) -> dict[str, Any]:
    """The shape of every frame route: decode the body, validate it with ``read``, then
    ``act(frame, connection_id)`` and return its reply. Bad input, found by either step, is
    answered with its error frame: nothing is written and the connection stays open."""
    from domain.realtime import frames

    connection_id = request_context(event)["connectionId"]
    try:
        body = frames.parse(event.get("body"), base64_encoded=bool(event.get("isBase64Encoded")))
        return act(read(body), connection_id)
    except frames.FrameError as error:
        logger.info("rejected frame", extra={"error": error.code})
        return error_reply(error, event)
    except (ServiceUnavailable, Throttled) as exc:
        # The primary region (or this one) is down, hung or skipped by the table's region
        # breaker, or the table throttles: our fault, not the client's, so it is logged as a
        # warning, but the answer is still a frame, and the connection stays open.
        logger.warning("table unavailable", extra={"error": repr(exc)[:500]})
        return error_reply(frames.unavailable(), event)


def error_reply(error: FrameError, event: dict[str, Any]) -> dict[str, Any]:
    """The error frame for bad input; status 200 keeps the exchange a normal reply (the
    connection stays open whatever the status, but 200 keeps client errors out of the
    integration-error alarm, which is for our faults)."""
    return reply(error.frame(request_context(event).get("requestId")))
