"""Frame validation by example: each kind of bad frame and the error it is answered with."""

from __future__ import annotations

import base64
import json

import pytest

from domain.realtime.frames import (
    ACTIONS,
    MAX_MESSAGE_BYTES,
    FrameError,
    parse,
    room_frame,
    send_frame,
)


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ("", "empty_frame"),
        (None, "empty_frame"),
        ("hello", "invalid_json"),
        ("[1, 2]", "invalid_json"),
        ('{"action": ', "invalid_json"),
        ("[" * 50_000 + "]" * 50_000, "invalid_json"),
        ('{"room_id": "r1"}', "unknown_action"),
        ('{"action": "shout"}', "unknown_action"),
        ('{"action": ["send"]}', "unknown_action"),
        (json.dumps({"action": "send", "body": "x" * MAX_MESSAGE_BYTES}), "message_too_large"),
    ],
    ids=[
        "empty",
        "none",
        "text",
        "array",
        "truncated",
        "deep",
        "no-action",
        "unknown",
        "action-not-a-string",
        "over-128-KB",
    ],
)
def test_a_message_that_is_not_a_frame_is_named(body: str | None, code: str) -> None:
    with pytest.raises(FrameError) as raised:
        parse(body)
    assert raised.value.code == code


def test_unknown_actions_are_answered_with_the_valid_ones() -> None:
    with pytest.raises(FrameError) as raised:
        parse('{"action": "shout"}')
    assert raised.value.frame("req-1") == {
        "action": "error",
        "error": "unknown_action",
        "message": 'unknown action "shout"',
        "field": "action",
        "valid_actions": list(ACTIONS),
        "request_id": "req-1",
    }


def test_a_binary_message_must_be_base64_json() -> None:
    frame = {"action": "join", "room_id": "r1"}
    encoded = base64.b64encode(json.dumps(frame).encode()).decode()
    assert parse(encoded, base64_encoded=True) == frame
    with pytest.raises(FrameError, match="not base64"):
        parse("%%%", base64_encoded=True)


@pytest.mark.parametrize(
    ("frame", "code", "field"),
    [
        ({"action": "join"}, "missing_field", "room_id"),
        ({"action": "join", "room_id": 7}, "invalid_field", "room_id"),
        ({"action": "join", "room_id": ""}, "invalid_field", "room_id"),
        ({"action": "join", "room_id": "a/b"}, "invalid_field", "room_id"),
        ({"action": "join", "room_id": "r" * 65}, "invalid_field", "room_id"),
        ({"action": "join", "room_id": "lobby\n"}, "invalid_field", "room_id"),
        ({"action": "join", "room_id": "lob\x00by"}, "invalid_field", "room_id"),
        ({"action": "join", "room_id": "lobby\ud800"}, "invalid_field", "room_id"),
    ],
    ids=["missing", "number", "empty", "slash", "too-long", "trailing-newline", "nul", "surrogate"],
)
def test_room_frames_need_a_well_formed_room_id(
    frame: dict[str, object], code: str, field: str
) -> None:
    with pytest.raises(FrameError) as raised:
        room_frame(frame)
    assert (raised.value.code, raised.value.field) == (code, field)


@pytest.mark.parametrize(
    ("extra", "field"),
    [
        ({"body": 42}, "body"),
        ({"body": "   "}, "body"),
        ({"body": "x" * 4001}, "body"),
        ({"body": "\ud800"}, "body"),
        ({"body": "hi", "client_id": ""}, "client_id"),
        ({"body": "hi", "client_id": 5}, "client_id"),
        ({"body": "hi", "client_id": "c" * 129}, "client_id"),
        ({"body": "hi", "client_id": "c-1\n"}, "client_id"),
        ({"body": "hi", "client_id": "c 1"}, "client_id"),
        ({"body": "hi", "client_id": "c-\ud800"}, "client_id"),
    ],
    ids=[
        "number",
        "blank",
        "too-long",
        "lone-surrogate",
        "empty-client-id",
        "number-client-id",
        "long-client-id",
        "client-id-trailing-newline",
        "client-id-with-space",
        "client-id-surrogate",
    ],
)
def test_send_frames_need_a_text_body_and_an_optional_client_id(
    extra: dict[str, object], field: str
) -> None:
    with pytest.raises(FrameError) as raised:
        send_frame({"action": "send", "room_id": "r1", **extra})
    assert (raised.value.code, raised.value.field) == ("invalid_field", field)


def test_a_valid_send_frame_keeps_its_fields() -> None:
    frame = send_frame({"action": "send", "room_id": "r1", "body": "héllo 🙂", "client_id": "c"})
    assert (frame.room_id, frame.body, frame.client_id) == ("r1", "héllo 🙂", "c")


def test_a_send_frame_without_a_body_names_the_missing_field() -> None:
    # Given a send frame with every field but the body
    frame = {"action": "send", "room_id": "lobby", "client_id": "c-1"}

    # When it is validated
    with pytest.raises(FrameError) as raised:
        send_frame(frame)

    # Then the error says the body is missing (not that it has the wrong type)
    assert (raised.value.code, raised.value.field) == ("missing_field", "body")
