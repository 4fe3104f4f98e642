"""Bad input never breaks a handler: every bad frame gets an error frame naming the problem,
the connection stays open (a normal 200 reply, no exception) and nothing is written or
delivered. Thousands of generated frames per test, against moto and a recording endpoint."""

from __future__ import annotations

import json
import string
from typing import TYPE_CHECKING, Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from domain.realtime.frames import ACTIONS, MAX_MESSAGE_BYTES
from domain.validation import ID_PATTERN
from tests.fuzz import fuzz_examples

if TYPE_CHECKING:
    from tests.ws.conftest import Client
    from tests.ws.management_endpoint import ManagementEndpoint

ERROR_CODES = {
    "empty_frame",
    "invalid_encoding",
    "message_too_large",
    "invalid_json",
    "unknown_action",
    "missing_field",
    "invalid_field",
    "not_found",
    "forbidden",
    "not_a_member",
    "not_connected",
}
EXISTING_ROOMS = {"lobby", "joined"}
FUZZ = settings(
    max_examples=fuzz_examples(250),
    deadline=None,
    # The table and endpoints are shared by all examples on purpose: any write would show.
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

json_scalars = st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20)
json_values = st.recursive(
    json_scalars,
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3)
    ),
    max_leaves=8,
)
VALID_ID_CHARS = string.ascii_letters + string.digits + "_-"
room_ids = st.text(alphabet=VALID_ID_CHARS, min_size=1, max_size=20).filter(
    lambda r: r not in EXISTING_ROOMS
)
# Characters that must never pass as part of an identifier: control characters (newline, NUL,
# DEL, C1 controls...) and lone surrogates, which JSON can carry as "\\ud800" escapes.
poison_chars = st.characters(categories=["Cc", "Cs"])


def spliced(valid: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    """A valid value with one poison character put at its end, its start or inside it."""
    return st.tuples(valid, poison_chars, st.integers(0, 64)).map(
        lambda t: t[0][: t[2] % (len(t[0]) + 1)] + t[1] + t[0][t[2] % (len(t[0]) + 1) :]
    )


def trailing(valid: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    return st.tuples(valid, poison_chars).map("".join)


bad_room_ids = (
    json_values.filter(lambda v: not (isinstance(v, str) and ID_PATTERN.fullmatch(v)))
    | spliced(st.sampled_from(sorted(EXISTING_ROOMS)) | room_ids)
    | trailing(st.sampled_from(sorted(EXISTING_ROOMS)))
    | st.text(alphabet=VALID_ID_CHARS, min_size=65, max_size=80)
)
bad_bodies = (
    json_values.filter(lambda v: not isinstance(v, str) or not v.strip())
    | st.text(min_size=4001, max_size=4100)
    | spliced(st.text(min_size=1, max_size=20).filter(str.strip)).filter(
        lambda b: any("\ud800" <= c <= "\udfff" for c in b)
    )
)

client_id_chars = "".join(chr(c) for c in range(0x21, 0x7F))
bad_client_ids = (
    json_values.filter(lambda c: c is not None and not isinstance(c, str))
    | st.just("")
    | st.text(min_size=129, max_size=140)
    | spliced(st.text(alphabet=client_id_chars, min_size=1, max_size=20))
    | trailing(st.text(alphabet=client_id_chars, min_size=1, max_size=20))
    | st.text(alphabet=client_id_chars + " \u00e9", min_size=1, max_size=20).filter(
        lambda c: " " in c or "\u00e9" in c
    )
)


def frames_with(action: str, **fields: st.SearchStrategy[Any]) -> st.SearchStrategy[str]:
    return st.fixed_dictionaries({"action": st.just(action)}, optional=fields).map(json.dumps)


# Frames that reach a handler but are wrong: not JSON, not an object, unknown action, missing
# or wrong-typed fields, unknown rooms, rooms not joined, sends without their client_id,
# too large.
bad_frames = st.one_of(
    st.text(max_size=200).filter(lambda t: not _is_json_object(t)),
    json_values.filter(lambda v: not isinstance(v, dict)).map(json.dumps),
    st.fixed_dictionaries(
        {"action": json_values.filter(lambda a: a not in ACTIONS)},
        optional={"room_id": json_values},
    ).map(json.dumps),
    frames_with("join", room_id=bad_room_ids),
    st.fixed_dictionaries({"action": st.sampled_from(["join", "leave"]), "room_id": room_ids}).map(
        json.dumps
    ),
    frames_with("leave", room_id=bad_room_ids | st.just("lobby")),
    frames_with("send", room_id=bad_room_ids, body=st.text(max_size=10)),
    frames_with("send", room_id=st.just("joined"), body=bad_bodies),
    st.fixed_dictionaries(
        {
            "action": st.just("send"),
            "room_id": st.just("joined"),
            "body": st.just("hi"),
            "client_id": bad_client_ids,
        }
    ).map(json.dumps),
    st.fixed_dictionaries(
        {
            "action": st.just("send"),
            "room_id": room_ids | st.just("lobby"),
            "body": st.text(min_size=1, max_size=50).filter(str.strip),
            "client_id": st.text(alphabet=client_id_chars, min_size=1, max_size=10),
        }
    ).map(json.dumps),
    st.integers(MAX_MESSAGE_BYTES + 1, MAX_MESSAGE_BYTES + 2000).map(
        lambda n: json.dumps({"action": "send", "room_id": "joined", "body": "x" * n})
    ),
)


def _is_json_object(text: str) -> bool:
    try:
        return isinstance(json.loads(text), dict)
    except ValueError:
        return False


def connected_member(ws: Client) -> None:
    """conn-1 is connected and a member of "joined"; "lobby" exists but it has not joined."""
    ws.create_room("lobby")
    ws.create_room("joined")
    ws.connect("conn-1")
    ws.frame("conn-1", action="join", room_id="joined")


def baseline(ws: Client, endpoint: ManagementEndpoint) -> list[dict[str, Any]]:
    """Set up the member once per test (hypothesis reuses the fixture for every example) and
    return the table's items as they must stay."""
    if not hasattr(ws, "baseline"):
        connected_member(ws)
        endpoint.reset()
        ws.baseline = ws.items()  # type: ignore[attr-defined]
    items: list[dict[str, Any]] = ws.baseline  # type: ignore[attr-defined]
    return items


def assert_rejected(
    ws: Client, route: str, body: str, before: list[dict[str, Any]], endpoint: ManagementEndpoint
) -> None:
    reply = ws.send_raw("conn-1", route, body)
    assert reply["action"] == "error", (route, body, reply)
    assert reply["error"] in ERROR_CODES
    assert reply["message"]
    assert ws.items() == before, (route, body)
    assert endpoint.receivers() == set()


@FUZZ
@given(body=bad_frames, route=st.sampled_from(["join", "leave", "send"]))
def test_any_bad_frame_gets_an_error_frame_and_writes_nothing(
    ws: Client, endpoint_a: ManagementEndpoint, body: str, route: str
) -> None:
    # Given a connected member (set up once; the fuzzed frames must not change anything)
    before = baseline(ws, endpoint_a)
    # When a bad frame reaches the join, leave or send handler
    # Then it answers with an error frame and nothing is written or delivered
    # (API Gateway routes a frame on its action; other frames would reach $default, and
    # reach a handler here anyway to prove it copes)
    assert_rejected(ws, _routed(body) or route, body, before, endpoint_a)


@FUZZ
@given(raw=st.binary(max_size=300) | st.text(max_size=300))
def test_arbitrary_bytes_and_text_never_break_the_send_handler(
    ws: Client, endpoint_a: ManagementEndpoint, raw: bytes | str
) -> None:
    # Given a connected member
    before = baseline(ws, endpoint_a)
    # When an arbitrary (binary or text) message arrives
    from handlers.ws import send

    event = ws.message_event("conn-1", "send", None)
    if isinstance(raw, bytes):
        import base64

        event["body"], event["isBase64Encoded"] = base64.b64encode(raw).decode(), True
    else:
        event["body"] = raw
    result = send.handler(event, ws.context)
    # Then the reply is a normal route response; anything not a valid send is an error frame
    assert result["statusCode"] == 200
    reply = json.loads(result["body"])
    if reply["action"] == "error":
        assert reply["error"] in ERROR_CODES
        assert ws.items() == before


def _routed(body: str) -> str | None:
    try:
        action = json.loads(body).get("action")
    except (ValueError, AttributeError):
        return None
    return action if action in ("join", "leave", "send") else None


@FUZZ
@given(
    route=st.sampled_from(["join", "leave", "send"]),
    room_id=bad_room_ids,
    client_id=st.none() | bad_client_ids,
)
def test_a_bad_room_id_or_client_id_is_named_in_the_error_frame(
    ws: Client, endpoint_a: ManagementEndpoint, route: str, room_id: Any, client_id: Any
) -> None:
    # Given a connected member
    before = baseline(ws, endpoint_a)
    # When a frame arrives whose room id (or, for send, client id) breaks the identifier
    # rule: trailing or embedded control characters, lone surrogates, too long, wrong type
    frame: dict[str, Any] = {"action": route, "room_id": room_id, "body": "hi"}
    if client_id is not None and route == "send":
        frame.update(room_id="joined", client_id=client_id)
    reply = ws.send_raw("conn-1", route, json.dumps(frame))
    # Then the error frame names that field (it is not mistaken for an unknown room), and
    # nothing is written or delivered
    expected_field = "client_id" if "client_id" in frame else "room_id"
    assert (reply["action"], reply.get("field")) == ("error", expected_field), (frame, reply)
    assert reply["error"] in {"invalid_field", "missing_field"}
    assert ws.items() == before
    assert endpoint_a.receivers() == set()
