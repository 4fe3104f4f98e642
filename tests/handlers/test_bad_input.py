"""Named examples of bad input on the rooms handler: each is a 4xx error JSON that says what
is wrong (the fuzz tests cover the space; these pin the exact answers)."""

from __future__ import annotations

import base64
import json
from typing import TYPE_CHECKING, Any

import pytest

from handlers.rest import rooms
from tests.handlers.conftest import item_count, rest_event
from tests.handlers.test_security_secrets import cursor_secret  # noqa: F401 (a fixture)

if TYPE_CHECKING:
    from collections.abc import Callable

    from tests.handlers.conftest import HttpResult


# Every REST function that pages has its cursor secret (CURSOR_SECRET_ARN).
pytestmark = pytest.mark.usefixtures("cursor_secret")


def create_event(body: Any, **headers: str | None) -> dict[str, Any]:
    return rest_event("rooms_create.json", body=body, headers={"Idempotency-Key": None, **headers})


def paths(result: HttpResult) -> list[str]:
    return [f["path"] for f in result.body["error"].get("fields", [])]


def test_oversized_body_is_413_and_writes_nothing(
    invoke: Callable[..., HttpResult], ddb: Any
) -> None:
    # Given a body just over 16 KB
    before = item_count(ddb)
    event = create_event(json.dumps({"name": "a" * (16 * 1024)}))

    # When it is posted
    result = invoke(rooms.handler, event)

    # Then it is refused as too large, before anything is parsed or written
    assert result.status == 413
    assert result.body["error"]["code"] == "PayloadTooLarge"
    assert item_count(ddb) == before


@pytest.mark.parametrize(
    ("body", "message"),
    [
        pytest.param("{", "request body is not valid JSON", id="truncated"),
        pytest.param('{"name": NaN}', "request body is not valid JSON", id="NaN"),
        pytest.param("[" * 100 + "]" * 100, "request body nests too deeply", id="deep"),
        pytest.param(None, "request body is required", id="missing"),
    ],
)
def test_unparseable_body_is_400_bad_request(
    body: str | None, message: str, invoke: Callable[..., HttpResult]
) -> None:
    # Given a body that is not usable JSON
    # When it is posted
    result = invoke(rooms.handler, create_event(body))

    # Then the error names the problem on the body
    assert result.status == 400
    assert result.body["error"]["code"] == "BadRequest"
    assert result.body["error"]["message"] == message
    assert paths(result) == ["body"]


def test_schema_violations_are_listed_with_paths(invoke: Callable[..., HttpResult]) -> None:
    # Given a body with a wrong type, a too long description and an unknown field
    body = {"name": 42, "description": "d" * 1001, "owner": "x"}

    # When it is posted
    result = invoke(rooms.handler, create_event(body))

    # Then every problem is listed at once, by path
    assert result.status == 400
    assert result.body["error"]["code"] == "ValidationFailed"
    assert paths(result) == ["body.name", "body.description", "body.owner"]


def test_missing_required_field_is_named(invoke: Callable[..., HttpResult]) -> None:
    # Given a body without name
    # When it is posted
    result = invoke(rooms.handler, create_event({"description": "no name"}))

    # Then the missing field is named
    assert result.status == 400
    assert result.body["error"]["fields"] == [{"path": "body.name", "message": "is required"}]


@pytest.mark.parametrize("name", ["   ", "\t\n", "\u3000"])
def test_a_room_name_of_only_blank_characters_is_refused(
    name: str, invoke: Callable[..., HttpResult]
) -> None:
    # Given a room name made only of blank characters (it would list as an empty name)
    # When it is posted
    result = invoke(rooms.handler, create_event({"name": name}))

    # Then it is refused, naming the field
    assert result.status == 400
    assert result.body["error"]["code"] == "ValidationFailed"
    assert paths(result) == ["body.name"]


def test_base64_body_is_decoded(invoke: Callable[..., HttpResult]) -> None:
    # Given a valid body sent base64-encoded (binary media types)
    event = create_event(base64.b64encode(b'{"name": "b64"}').decode())
    event["isBase64Encoded"] = True

    # When it is posted
    result = invoke(rooms.handler, event)

    # Then it is accepted like plain JSON
    assert result.status == 201
    assert result.body["name"] == "b64"


def test_empty_patch_body_needs_one_field(invoke: Callable[..., HttpResult]) -> None:
    # Given an update with an empty object
    event = rest_event("room_update.json", body={})

    # When it is sent
    result = invoke(rooms.handler, event)

    # Then it asks for at least one field
    assert result.status == 400
    assert paths(result) == ["body"]


@pytest.mark.parametrize("value", ["v1", '"1', 'W/"1"', '"99999999999999"', ""])
def test_malformed_if_match_is_400(value: str, invoke: Callable[..., HttpResult]) -> None:
    # Given an If-Match that is not a quoted version
    event = rest_event("room_update.json", headers={"If-Match": value})

    # When the update is sent
    result = invoke(rooms.handler, event)

    # Then the header is named as the problem
    assert result.status == 400
    assert paths(result) == ["headers.If-Match"]


@pytest.mark.parametrize("room_id", ["a.b", "x" * 65, "caf%C3%A9", "caf\u00e9"])
def test_bad_room_id_is_400_on_the_path(room_id: str, invoke: Callable[..., HttpResult]) -> None:
    # Given an id outside [0-9A-Za-z_-]{1,64}
    event = rest_event("room_get.json", path=f"/rooms/{room_id}")

    # When it is read
    result = invoke(rooms.handler, event)

    # Then the path parameter is named
    assert result.status == 400
    assert paths(result) == ["path.room_id"]


@pytest.mark.parametrize(
    ("query", "path"),
    [
        pytest.param({"limit": "0"}, "query.limit", id="limit zero"),
        pytest.param({"limit": "101"}, "query.limit", id="limit too big"),
        pytest.param({"limit": "ten"}, "query.limit", id="limit not a number"),
        pytest.param({"cursor": "garbage"}, "query.cursor", id="cursor shape"),
        pytest.param({"cursor": "\u00e9\u00e9.x"}, "query.cursor", id="cursor non-ascii"),
        # A non-ASCII payload with a well-formed signature: once a 500 (UnicodeEncodeError)
        pytest.param({"cursor": "\u00e9\u00e9.abcd"}, "query.cursor", id="cursor non-ascii mac"),
    ],
)
def test_bad_list_parameters_are_400(
    query: dict[str, str], path: str, invoke: Callable[..., HttpResult]
) -> None:
    # Given a list request with a bad limit or cursor
    # When it is sent
    result = invoke(rooms.handler, rest_event("rooms_list.json", query=query))

    # Then the parameter is named
    assert result.status == 400
    assert paths(result) == [path]


def test_too_long_idempotency_key_is_400(invoke: Callable[..., HttpResult]) -> None:
    # Given an Idempotency-Key over 128 characters
    event = rest_event("rooms_create.json", headers={"Idempotency-Key": "k" * 129})

    # When the create is sent
    result = invoke(rooms.handler, event)

    # Then the header is named
    assert result.status == 400
    assert paths(result) == ["headers.Idempotency-Key"]


@pytest.mark.parametrize(
    "value",
    [
        pytest.param("\u0663", id="Arabic-Indic three"),
        pytest.param('"\u0663"', id="quoted Arabic-Indic three"),
        pytest.param('"\uff13"', id="quoted fullwidth three"),
        pytest.param('"1\u06f2"', id="ASCII one, Persian two"),
        pytest.param('"1"\n', id="trailing newline"),
    ],
)
def test_if_match_takes_ascii_digits_only(value: str, invoke: Callable[..., HttpResult]) -> None:
    # Given an If-Match whose "digits" are not ASCII 0-9 (int() would read them as a number)
    event = rest_event("room_update.json", headers={"If-Match": value})

    # When the update is sent
    result = invoke(rooms.handler, event)

    # Then the header is refused, not read as a version
    assert result.status == 400
    assert paths(result) == ["headers.If-Match"]


@pytest.mark.parametrize(
    "limit",
    [
        pytest.param("9" * 5000, id="5000 digits"),
        pytest.param("0" * 4400 + "5", id="4401 digits of leading zeros"),
        pytest.param("\u0665", id="Arabic-Indic five"),
        pytest.param("\uff15", id="fullwidth five"),
        pytest.param("+5", id="signed"),
        pytest.param(" 5", id="padded"),
    ],
)
def test_limit_is_parsed_strictly(limit: str, invoke: Callable[..., HttpResult]) -> None:
    # Given a list request whose limit is not a short run of ASCII digits
    # When it is sent
    result = invoke(rooms.handler, rest_event("rooms_list.json", query={"limit": limit}))

    # Then it is a 400 naming query.limit (never a 500 from int())
    assert result.status == 400
    assert paths(result) == ["query.limit"]


@pytest.mark.parametrize(
    ("body", "path"),
    [
        pytest.param('{"name": "\\ud800"}', "body.name", id="escaped lone high surrogate"),
        pytest.param('{"name": "ok", "description": "a\\udfffb"}', "body.description", id="low"),
        pytest.param('{"name": "x", "\\ud83d": 1}', "body.\\ud83d", id="in a key"),
        pytest.param('{"name": ["a", "\\udc00"]}', "body.name[1]", id="in an array"),
    ],
)
def test_lone_surrogates_are_400_naming_the_field(
    body: str, path: str, invoke: Callable[..., HttpResult], ddb: Any
) -> None:
    # Given a body whose JSON escapes spell an unpaired UTF-16 surrogate
    before = item_count(ddb)

    # When it is posted
    result = invoke(rooms.handler, create_event(body))

    # Then it is refused naming the field, and nothing is written
    assert result.status == 400
    assert paths(result) == [path]
    assert item_count(ddb) == before


def test_an_escaped_surrogate_pair_is_a_valid_character(
    invoke: Callable[..., HttpResult],
) -> None:
    # Given a name holding an emoji spelled as an escaped surrogate pair
    # When it is posted
    result = invoke(rooms.handler, create_event('{"name": "hi \\ud83d\\ude00"}'))

    # Then it is accepted as the one character it encodes
    assert result.status == 201
    assert result.body["name"] == "hi \U0001f600"


def test_lone_surrogate_in_a_message_body_is_400(
    invoke: Callable[..., HttpResult], ddb: Any
) -> None:
    # Given a room, and a message whose text is a lone surrogate
    room = invoke(rooms.handler, create_event({"name": "surrogates"})).body["room_id"]
    before = item_count(ddb)
    event = rest_event(
        "messages_create.json",
        path=f"/rooms/{room}/messages",
        body='{"body": "\\ud800"}',
        headers={"Idempotency-Key": None},
    )

    # When it is posted
    result = invoke(rooms.handler, event)

    # Then it is refused naming body.body, and nothing is written
    assert result.status == 400
    assert paths(result) == ["body.body"]
    assert item_count(ddb) == before
