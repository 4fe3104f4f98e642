"""GET /rooms/{room_id}/report: request event, success pass-through and error responses."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.templates.conftest import recorded
from tests.templates.vtl import Input, render


def _event(context: dict[str, Any], **query: str) -> dict[str, Any]:
    request = Input(path_params={"room_id": "01HZROOM"}, query=query)
    rendered: dict[str, Any] = json.loads(
        render("report_request", request=request, context=context)
    )
    return rendered


def test_request_passes_room_days_user_and_request_id(context: dict[str, Any]) -> None:
    assert _event(context, days="30") == {
        "room_id": "01HZROOM",
        "days": 30,
        "user_id": "user-1",
        "request_id": context["requestId"],
    }


def test_days_defaults_to_seven(context: dict[str, Any]) -> None:
    assert _event(context)["days"] == 7


@pytest.mark.parametrize("days", ["abc", "-1", '7"}, "user_id": "admin', "1e9"])
def test_non_numeric_days_reach_the_handler_as_a_string_and_never_break_the_json(
    context: dict[str, Any], days: str
) -> None:
    # Given a days value that is not a plain number (including a JSON injection attempt)
    event = _event(context, days=days)

    # Then the event is still valid JSON, days is that exact string and the user is unchanged
    assert event["days"] == days
    assert event["user_id"] == "user-1"


def test_room_ids_with_quotes_stay_inside_their_string(context: dict[str, Any]) -> None:
    request = Input(path_params={"room_id": "it's\"r1"})
    event = json.loads(render("report_request", request=request, context=context))
    assert event["room_id"] == "it's\"r1"


def test_success_passes_the_handler_result_through(context: dict[str, Any]) -> None:
    result = recorded("lambda_report_result")
    rendered = render("report_response", request=Input(body=result), context=context)
    assert json.loads(rendered) == json.loads(result)


@pytest.mark.parametrize(
    ("event", "code", "message"),
    [
        ("lambda_error_bad_request", "BadRequest", 'days must be between 1 and 90, got "0"'),
        ("lambda_error_not_found", "NotFound", "room 'r-404' does not exist"),
    ],
)
def test_tagged_errors_become_the_error_json_without_the_tag(
    context: dict[str, Any], event: str, code: str, message: str
) -> None:
    # Given a handler failure "[Tag] text" selected by the integration response pattern
    request = Input(body=recorded(event))

    # When the error response template renders it
    body = json.loads(render("report_error", CODE=code, request=request, context=context))

    # Then the client sees the text without the tag, and no stack trace
    assert body == {"error": {"code": code, "message": message, "request_id": context["requestId"]}}


def test_other_errors_show_a_fixed_message_only(context: dict[str, Any]) -> None:
    request = Input(body=recorded("lambda_error_bad_request"))
    rendered = render(
        "internal_error",
        CODE="InternalError",
        MESSAGE="The report failed",
        request=request,
        context=context,
    )
    body = json.loads(rendered)
    assert body["error"] == {
        "code": "InternalError",
        "message": "The report failed",
        "request_id": context["requestId"],
    }
    assert "report.py" not in rendered
