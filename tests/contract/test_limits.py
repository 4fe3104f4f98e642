"""The same identifier and body limits hold over REST and over WebSocket: API Gateway's
request models (from the synthesized template, evaluated with jsonschema), the REST
handlers' validation and the WebSocket frame parser accept and refuse the same values."""

from __future__ import annotations

import json
import re
import sys
from functools import partial
from typing import TYPE_CHECKING, Any

import pytest
from jsonschema import Draft4Validator  # type: ignore[import-untyped]

from contract import limits
from domain.errors import AppError, PayloadTooLarge
from domain.realtime import frames
from domain.validation import CREATE_MESSAGE, PARTNER_MESSAGE, check_id
from shared.http import raw_body
from tests.infra.conftest import synth

if TYPE_CHECKING:
    from pathlib import Path

REST_STACK = "Dev/EuWest1/RestApi"
LONGEST_ID = "a" * limits.ID_MAX_LENGTH
ROOM_IDS = [
    "r1",
    "A-z_09",
    LONGEST_ID,
    LONGEST_ID + "b",
    "",
    "room#1",
    "room 1",
    "room\n",
    "rüm",
    "r/1",
]
LONGEST_BODY = "x" * limits.MESSAGE_BODY_LENGTH[1]
BLANK = " \t\n\u00a0\u3000"
BODIES = ["x", LONGEST_BODY, LONGEST_BODY + "y", "", BLANK, BLANK + "x", " " * 4000]


@pytest.fixture(scope="module")
def models(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Draft4Validator]:
    """The REST API's request models as deployed, by title."""
    out: Path = tmp_path_factory.mktemp("cdk.out")
    stacks = synth(out)
    found = {}
    for model in stacks.resources(REST_STACK, "AWS::ApiGateway::Model").values():
        schema = model["Properties"]["Schema"]
        found[schema["title"]] = Draft4Validator(schema)
    return found


def _accepts(check: Any, *args: Any) -> bool:
    try:
        check(*args)
    except (AppError, frames.FrameError):
        return False
    return True


def test_room_ids_are_accepted_and_refused_alike_over_rest_and_websocket(
    models: dict[str, Draft4Validator],
) -> None:
    for room_id in ROOM_IDS:
        body = {"room_id": room_id, "body": "hi"}
        # When the same room id reaches each side
        verdicts = {
            "gateway Ingest model": models["Ingest"].is_valid(body),
            "REST path (handlers)": _accepts(check_id, room_id, "path.room_id"),
            "REST ingest (consumer)": _accepts(PARTNER_MESSAGE.validate, body),
            "WebSocket join": _accepts(frames.room_frame, {"action": "join", "room_id": room_id}),
            "WebSocket send": _accepts(
                frames.send_frame, {"action": "send", "client_id": "c", **body}
            ),
        }
        # Then every side gives the same verdict
        assert len(set(verdicts.values())) == 1, (room_id, verdicts)
    # And the contract's bounds are where the sides draw the line
    assert _accepts(check_id, LONGEST_ID, "id")
    assert not _accepts(check_id, LONGEST_ID + "b", "id")


def test_message_bodies_are_accepted_and_refused_alike_over_rest_and_websocket(
    models: dict[str, Draft4Validator],
) -> None:
    publish_frame = partial(frames.send_frame, require_client_id=False)
    for text in BODIES:
        frame = {"action": "send", "room_id": "r1", "client_id": "c-1", "body": text}
        verdicts = {
            "gateway CreateMessage model": models["CreateMessage"].is_valid({"body": text}),
            "gateway Ingest model": models["Ingest"].is_valid({"room_id": "r1", "body": text}),
            "REST messages (handlers)": _accepts(CREATE_MESSAGE.validate, {"body": text}),
            "WebSocket send": _accepts(frames.send_frame, frame),
            "WebSocket publish": _accepts(publish_frame, {**frame, "action": "publish"}),
        }
        assert len(set(verdicts.values())) == 1, (len(text), verdicts)
    assert _accepts(CREATE_MESSAGE.validate, {"body": LONGEST_BODY})
    assert not _accepts(CREATE_MESSAGE.validate, {"body": BLANK})


def test_blank_is_spelled_character_by_character_as_str_isspace_means_it() -> None:
    # Given the contract's pattern of a non-blank character, spelled character by character
    not_blank = re.compile(limits.NOT_BLANK_PATTERN)
    # Then a character is blank by it exactly when Python calls it whitespace (the frames'
    # former rule), whatever the engine thinks \s means
    for code in range(sys.maxunicode + 1):
        character = chr(code)
        assert (not_blank.search(character) is None) == character.isspace(), hex(code)
    assert "\\s" not in limits.NOT_BLANK_PATTERN


def test_every_request_model_as_deployed_is_the_one_the_handlers_validate_with(
    models: dict[str, Draft4Validator],
) -> None:
    from domain.validation import REQUEST_VALIDATORS

    # Given each deployed model and the handlers' validator of the same name
    assert set(models) == set(REQUEST_VALIDATORS)
    samples: list[Any] = [
        {},
        {"name": "n"},
        {"name": ""},
        {"name": "n" * 101},
        {"description": "d"},
        {"name": "n", "extra": 1},
        {"body": "b"},
        {"body": 3},
        {"room_id": "r1", "body": "b"},
        {"room_id": "r1", "body": "b", "user_id": "u"},
        [],
    ]
    for name, validator in REQUEST_VALIDATORS.items():
        for sample in samples:
            # Then both accept or both refuse each sample
            gateway = models[name].is_valid(sample)
            assert gateway == _accepts(validator.validate, sample), (name, sample)


def test_the_body_size_limit_is_the_contracts_on_both_sides_of_the_byte() -> None:
    raw_body("x" * limits.MAX_BODY_BYTES, False)
    with pytest.raises(PayloadTooLarge):
        raw_body("x" * (limits.MAX_BODY_BYTES + 1), False)


def test_the_websocket_message_limit_is_the_contracts_on_both_sides_of_the_byte() -> None:
    padding = '{"action":"ping","pad":""}'
    fits = padding[:-2] + "x" * (limits.MAX_MESSAGE_BYTES - len(padding)) + '"}'
    assert len(fits.encode()) == limits.MAX_MESSAGE_BYTES
    frames.parse(fits)
    with pytest.raises(frames.FrameError) as too_large:
        frames.parse(fits[:-2] + 'x"}')
    assert too_large.value.code == "message_too_large"


@pytest.mark.parametrize(
    ("limit", "expected"),
    [
        ("1", 1),
        (str(limits.MAX_PAGE_SIZE), limits.MAX_PAGE_SIZE),
        (str(limits.MAX_PAGE_SIZE + 1), limits.DEFAULT_PAGE_SIZE),
        ("0", limits.DEFAULT_PAGE_SIZE),
        ("", limits.DEFAULT_PAGE_SIZE),
        ("ten", limits.DEFAULT_PAGE_SIZE),
    ],
)
def test_the_messages_query_pages_by_the_contracts_sizes_as_the_rooms_handler_does(
    limit: str, expected: int
) -> None:
    from tests.templates.vtl import Input, render

    # Given GET /rooms/{room_id}/messages?limit=<limit>, mapped by its request template
    request = Input(path_params={"room_id": "r1"}, query={"limit": limit})
    query = json.loads(render("messages_request", TABLE_NAME="t", request=request))
    # Then DynamoDB is asked for the page size the contract gives that limit
    assert query["Limit"] == expected
