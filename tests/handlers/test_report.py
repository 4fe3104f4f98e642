"""GET /rooms/{room_id}/report: the Lambda custom integration (handlers.rest.report)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

import pytest

from domain.models import Message
from domain.runtime import get_table
from handlers.rest import report, rooms
from pydynamodel import new_ulid
from tests.handlers.conftest import load_event, new_id, rest_event

if TYPE_CHECKING:
    from collections.abc import Callable

    from tests.handlers.conftest import FakeLambdaContext, HttpResult


def report_event(room_id: str, days: Any = 7) -> dict[str, Any]:
    event = load_event("report_custom.json")
    event["room_id"] = room_id
    event["days"] = days
    return event


def room_with_messages(invoke: Callable[..., HttpResult], by_user: dict[str, int]) -> str:
    room_id: str = invoke(
        rooms.handler, rest_event("rooms_create.json", headers={"Idempotency-Key": None})
    ).body["room_id"]
    for user, count in by_user.items():
        for _ in range(count):
            event = rest_event(
                "messages_create.json",
                path=f"/rooms/{room_id}/messages",
                headers={"Idempotency-Key": None},
                user=user,
            )
            assert invoke(rooms.handler, event).status == 201
    return room_id


def test_report_counts_messages_per_user(
    invoke: Callable[..., HttpResult], lambda_context: FakeLambdaContext
) -> None:
    # Given a room where alice wrote 3 messages and bob 1
    room_id = room_with_messages(invoke, {"alice": 3, "bob": 1})

    # When the report is generated for the last 7 days
    result = report.handler(report_event(room_id), lambda_context)

    # Then it counts them in total and per user
    assert result["room_id"] == room_id
    assert result["days"] == 7
    assert result["message_count"] == 4
    assert result["messages_by_user"] == {"alice": 3, "bob": 1}
    assert result["generated_at"]


def test_report_accepts_days_as_a_query_string(
    invoke: Callable[..., HttpResult], lambda_context: FakeLambdaContext
) -> None:
    # Given a room and days passed through the template as text
    room_id = room_with_messages(invoke, {"alice": 1})

    # When the report runs
    result = report.handler(report_event(room_id, days="30"), lambda_context)

    # Then days is read as the integer 30
    assert result["days"] == 30
    assert result["message_count"] == 1


def test_messages_older_than_the_window_are_not_counted(
    invoke: Callable[..., HttpResult], lambda_context: FakeLambdaContext
) -> None:
    # Given a room with one message from now and one written ten days ago
    room_id = room_with_messages(invoke, {"alice": 1})
    old_id = new_ulid(now_ms=int((datetime.now(UTC) - timedelta(days=10)).timestamp() * 1000))
    get_table().create(Message(room_id=room_id, message_id=old_id, user_id="old", body="x"))

    # When the 7-day report runs
    result = report.handler(report_event(room_id, days=7), lambda_context)

    # Then only the recent message counts
    assert result["messages_by_user"] == {"alice": 1}


@pytest.mark.usefixtures("aws_env")
def test_unknown_room_raises_notfound_tag(lambda_context: FakeLambdaContext) -> None:
    # Given a room id nobody created
    # When the report runs
    # Then the error message starts with the [NotFound] tag the integration response selects
    with pytest.raises(report.ReportError, match=r"^\[NotFound\] room \w+ not found$"):
        report.handler(report_event(new_id()), lambda_context)


@pytest.mark.usefixtures("aws_env")
@pytest.mark.parametrize(
    "event",
    [
        pytest.param(report_event("bad#id"), id="room id with separator"),
        pytest.param(report_event(""), id="empty room id"),
        pytest.param(report_event("r1", days=0), id="days zero"),
        pytest.param(report_event("r1", days=366), id="days too large"),
        pytest.param(report_event("r1", days="seven"), id="days not a number"),
        pytest.param(report_event("r1", days=True), id="days boolean"),
        pytest.param(report_event("r1", days="9" * 5000), id="days of thousands of digits"),
        pytest.param(report_event("r1", days="٣"), id="days in another script's digits"),
        pytest.param({"days": 7}, id="no room id"),
    ],
)
def test_bad_input_raises_badrequest_tag(
    event: dict[str, Any], lambda_context: FakeLambdaContext
) -> None:
    # Given an event the mapping template built from bad input
    # When the report runs
    # Then the error message starts with [BadRequest] and carries no stack trace
    with pytest.raises(report.ReportError, match=r"^\[BadRequest\] ") as info:
        report.handler(event, lambda_context)
    assert "Traceback" not in str(info.value)
