"""The VTL templates of the routes without Lambda, rendered as API Gateway would render them
(through cdk-local-gateway's mapping-template layer, the one the local runtime uses)."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import parse_qs

import pytest

from stacks.websocket import template
from tests.templates.vtl import Input, render_text

CONTEXT = {"requestId": "Pq8ZPHf9DoEFlLQ=", "connectionId": "Pq8N1cOFjoECFfw="}


def render(name: str, body: str = "") -> str:
    return render_text(template(name), request=Input(body=body), context=CONTEXT)


def test_ping_answers_pong() -> None:
    assert json.loads(render("ping_response")) == {"action": "pong"}


def test_the_default_route_answers_an_error_frame_listing_every_valid_action() -> None:
    frame = json.loads(render("default_response"))
    assert (frame["action"], frame["error"]) == ("error", "unknown_action")
    # (which actions: the deployed API's, tests/contract/test_served_routes.py)
    assert frame["valid_actions"]
    assert all(isinstance(action, str) for action in frame["valid_actions"])
    assert frame["request_id"] == CONTEXT["requestId"]


@pytest.mark.parametrize(
    "body",
    [
        '{"action":"publish","room_id":"lobby","body":"hello"}',
        '{"action":"publish","room_id":"r","body":"a&b=c + d % ü 🙂\\n"}',
    ],
)
def test_publish_sends_the_frame_unchanged_with_the_connection_id(body: str) -> None:
    # Given a publish frame, When the SQS request template renders it
    form = parse_qs(render("publish_request", body), strict_parsing=True)
    # Then it is a SendMessage whose body is the frame, tagged with the connection id
    assert form["Action"] == ["SendMessage"]
    assert form["MessageBody"] == [body]
    attributes: dict[str, Any] = {
        form[f"MessageAttribute.{i}.Name"][0]: form[f"MessageAttribute.{i}.Value.StringValue"][0]
        for i in (1, 2)
    }
    assert attributes == {
        "connectionId": CONTEXT["connectionId"],
        "requestId": CONTEXT["requestId"],
    }


def test_publish_acknowledges_or_reports_a_failure_as_frames() -> None:
    assert json.loads(render("publish_ack"))["action"] == "published"
    error = json.loads(render("publish_error"))
    assert (error["action"], error["error"]) == ("error", "publish_failed")


def test_templates_are_one_line() -> None:
    # A newline in a request template would end up inside the form-encoded SQS request.
    for name in (
        "ping_response",
        "default_response",
        "publish_request",
        "publish_ack",
        "publish_error",
    ):
        assert "\n" not in template(name)
