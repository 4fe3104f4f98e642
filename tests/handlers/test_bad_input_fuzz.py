"""Bad input never yields a 5xx, a stack trace or a write.

Hypothesis builds thousands of API Gateway events from the recorded ones, mutating the body
(random bytes, unicode, deeply nested and near-valid JSON, oversized payloads), headers
(If-Match, Idempotency-Key, Content-Type), path ids and query parameters. Every answer must
be < 500 with the standard error JSON when it is an error, and for rejected input the table
must see no write call and keep its item count.

The module runs on its own small table (installed as the container's table), so the item
count after every example is a cheap scan.
"""

from __future__ import annotations

import base64
import json
from typing import TYPE_CHECKING, Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from domain.auth.keys import cursor_key
from domain.runtime import get_table, install_table
from handlers import authorizer
from handlers.rest import ingest_consumer, report, rooms
from pydynamodel import Table
from tests.conftest import create_single_table
from tests.fuzz import fuzz_examples
from tests.handlers.conftest import (
    REGION,
    call,
    load_event,
    reset_container_caches,
    rest_event,
)
from tests.handlers.conftest import item_count as table_item_count
from tests.handlers.test_authorizer import app_token
from tests.handlers.test_security_secrets import cursor_secret  # noqa: F401 (a fixture)

if TYPE_CHECKING:
    from collections.abc import Iterator

    from tests.conftest import FakeLambdaContext
    from tests.handlers.conftest import HttpResult

FUZZ = settings(
    max_examples=fuzz_examples(200),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    database=None,
)
WRITE_CALLS = ("PutItem", "UpdateItem", "DeleteItem", "TransactWriteItems", "BatchWriteItem")
ERROR_CODES = {
    "BadRequest",
    "ValidationFailed",
    "Unauthorized",
    "Forbidden",
    "NotFound",
    "Conflict",
    "PreconditionFailed",
    "PreconditionRequired",
    "PayloadTooLarge",
    "Throttled",
}

# ----------------------------------------------------------------------------- strategies
# Classes of input that once gave 500s, generated rather than listed:
# - lone surrogates (U+D800..U+DFFF) spliced into any string, key or value, at any depth;
#   json.dumps writes them as \udXXX escapes, as a client's JSON encoder would;
# - decimal digits of every script (Unicode category Nd: Arabic-Indic, fullwidth, ...), which
#   int() reads as numbers, in If-Match and limit;
# - digit strings far longer than any real value (int() refuses more than 4300 digits).
surrogates = st.characters(categories=["Cs"])
unicode_digits = st.characters(categories=["Nd"])
non_ascii_digits = unicode_digits.filter(lambda ch: not "0" <= ch <= "9")


def _splice(text: str, char: str, at: int) -> str:
    i = at % (len(text) + 1)
    return text[:i] + char + text[i:]


any_text = st.text(max_size=30)
surrogate_text = st.builds(_splice, any_text, surrogates, st.integers(0, 40))
strings = any_text | surrogate_text
digit_strings = (
    st.text(unicode_digits, min_size=1, max_size=12)
    | st.builds(_splice, st.text("0123456789", max_size=8), non_ascii_digits, st.integers(0, 9))
    | st.integers(13, 6000).map(lambda n: "9" * n)
    | st.integers(1, 6000).map(lambda n: "0" * n + "1")
    | st.from_regex(r"[+-]?[0-9]{1,4}", fullmatch=True)
)

scalars = st.none() | st.booleans() | st.integers() | st.floats() | strings
json_values = st.recursive(
    scalars,
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(strings, children, max_size=4)
    ),
    max_leaves=15,
)
nested = st.integers(1, 3000).map(lambda n: "[" * n + "]" * n) | st.integers(1, 3000).map(
    lambda n: '{"a":' * n + "1" + "}" * n
)
oversized = st.integers(16 * 1024 - 12, 40 * 1024).map(lambda n: json.dumps({"name": "a" * n}))
huge_numbers = st.integers(60, 6000).map(lambda n: '{"name": ' + "7" * n + "}")


def near_valid(required: str, text_fields: tuple[str, ...]) -> st.SearchStrategy[str]:
    """Objects with the schema's field names holding arbitrary values (short texts with and
    without a lone surrogate most often), plus stray keys."""
    value = strings | json_values
    fields = {name: value for name in text_fields}
    return st.fixed_dictionaries({required: value}, optional={**fields, "extra": value}).map(
        json.dumps
    )


def bodies(required: str, text_fields: tuple[str, ...]) -> st.SearchStrategy[tuple[Any, bool]]:
    """(body, isBase64Encoded) pairs."""
    text_like = (
        json_values.map(json.dumps)
        | near_valid(required, text_fields)
        | st.text(max_size=200)
        | nested
        | oversized
        | huge_numbers
        | st.just("")
    )
    raw = st.binary(max_size=300).map(lambda b: base64.b64encode(b).decode())
    return (
        st.tuples(text_like, st.just(False))
        | st.tuples(raw, st.just(True))
        | st.tuples(st.none(), st.just(False))
        | st.tuples(st.text(max_size=50), st.just(True))
    )


def has_lone_surrogate(body: Any) -> bool:
    """Whether a JSON body spells a lone surrogate anywhere (such a body must be refused)."""
    if not isinstance(body, str):
        return False
    try:
        value = json.loads(body)
    except (ValueError, RecursionError):
        return False

    def walk(v: Any) -> bool:
        if isinstance(v, str):
            return any("\ud800" <= ch <= "\udfff" for ch in v)
        if isinstance(v, list):
            return any(walk(x) for x in v)
        if isinstance(v, dict):
            return any(walk(k) or walk(x) for k, x in v.items())
        return False

    try:
        return walk(value)
    except RecursionError:  # nested too deep to walk here: the API refuses it on depth anyway
        return False


versions = st.one_of(digit_strings, digit_strings.map(lambda d: f'"{d}"'))
header_values = (
    st.text(max_size=140)
    | surrogate_text
    | versions
    | st.sampled_from(['"1"', "1", "*", 'W/"1"', '"-1"', ""])
)
ids = st.text(max_size=80) | surrogate_text | st.from_regex(r"[0-9A-Za-z_-]{1,64}", fullmatch=True)
query_values = st.text(max_size=120) | surrogate_text | digit_strings


FUZZ_TABLE = "rest-handlers-fuzz"


def item_count(client: Any) -> int:
    return table_item_count(client, FUZZ_TABLE)


# ----------------------------------------------------------------------------- fixtures
@pytest.fixture(scope="module", autouse=True)
def fuzz_table(aws_env: dict[str, str], cursor_secret: str) -> Iterator[str]:  # noqa: F811
    """A table of this module's own, installed as the container's table."""
    endpoint = aws_env["DYNAMODB_ENDPOINT_URL"]
    create_single_table(endpoint, FUZZ_TABLE, REGION)
    reset_container_caches()
    install_table(Table(FUZZ_TABLE, [REGION], endpoint, cursor_secret=cursor_key))
    yield FUZZ_TABLE
    reset_container_caches()


@pytest.fixture(scope="module")
def writes(fuzz_table: str) -> list[str]:
    """Names of write calls the handlers' table client sends (idempotency records too)."""
    seen: list[str] = []
    events = get_table().client().meta.events
    for op in WRITE_CALLS:
        events.register(f"before-call.dynamodb.{op}", lambda model, **_: seen.append(model.name))
    return seen


@pytest.fixture(scope="module")
def room_id(fuzz_table: str, lambda_context: FakeLambdaContext) -> str:
    event = rest_event("rooms_create.json", headers={"Idempotency-Key": None})
    created: str = call(rooms.handler, event, lambda_context).body["room_id"]
    return created


def assert_contract(result: HttpResult, event: dict[str, Any]) -> None:
    assert result.status < 500, result.body
    if result.status >= 400:
        error = result.body["error"]
        assert error["code"] in ERROR_CODES
        assert isinstance(error["message"], str)
        assert "Traceback" not in error["message"]
        assert error["request_id"] == event["requestContext"]["requestId"]
        for field in error.get("fields", []):
            assert set(field) == {"path", "message"}
        assert "Access-Control-Allow-Origin" in result.headers


@pytest.fixture(scope="module")
def known(room_id: str, ddb: Any) -> dict[str, int]:
    """The table's item count as of the last accepted request (one scan per example)."""
    return {"items": item_count(ddb)}


def run_rejecting(
    event: dict[str, Any],
    ctx: FakeLambdaContext,
    ddb: Any,
    writes: list[str],
    known: dict[str, int],
) -> HttpResult:
    """Invoke; when the request is rejected, prove nothing reached the table."""
    writes.clear()
    result = call(rooms.handler, event, ctx)
    assert_contract(result, event)
    count = item_count(ddb)
    if result.status >= 400:
        # 404/409/412 come from DynamoDB refusing a conditional write; the rest never write.
        assert writes == [] or result.status in (404, 409, 412), writes
        assert count == known["items"]
    known["items"] = count
    return result


# ----------------------------------------------------------------------------- REST routes
@FUZZ
@given(
    body=bodies("name", ("description",)),
    key=st.none() | header_values,
    content_type=st.none() | header_values,
)
def test_create_room_fuzz(
    body: tuple[Any, bool],
    key: str | None,
    content_type: str | None,
    lambda_context: FakeLambdaContext,
    ddb: Any,
    writes: list[str],
    known: dict[str, int],
) -> None:
    event = rest_event(
        "rooms_create.json",
        body=body[0],
        headers={"Idempotency-Key": key, "Content-Type": content_type},
    )
    event["isBase64Encoded"] = body[1]
    result = run_rejecting(event, lambda_context, ddb, writes, known)
    if has_lone_surrogate(body[0]) and not body[1]:
        assert result.status == 400, result.body


@FUZZ
@given(
    body=bodies("name", ("description",)),
    if_match=st.none() | header_values,
    target=st.none() | ids,
)
def test_update_room_fuzz(
    body: tuple[Any, bool],
    if_match: str | None,
    target: str | None,
    room_id: str,
    lambda_context: FakeLambdaContext,
    ddb: Any,
    writes: list[str],
    known: dict[str, int],
) -> None:
    event = rest_event(
        "room_update.json",
        path=f"/rooms/{room_id if target is None else target}",
        body=body[0],
        headers={"If-Match": if_match},
    )
    event["isBase64Encoded"] = body[1]
    result = run_rejecting(event, lambda_context, ddb, writes, known)
    if result.status >= 400:
        # Only the conditional update itself may have been sent (and refused by DynamoDB).
        assert writes in ([], ["UpdateItem"])


@FUZZ
@given(
    body=bodies("body", ()),
    key=st.none() | header_values,
    target=st.none() | ids,
)
def test_create_message_fuzz(
    body: tuple[Any, bool],
    key: str | None,
    target: str | None,
    room_id: str,
    lambda_context: FakeLambdaContext,
    ddb: Any,
    writes: list[str],
    known: dict[str, int],
) -> None:
    event = rest_event(
        "messages_create.json",
        path=f"/rooms/{room_id if target is None else target}/messages",
        body=body[0],
        headers={"Idempotency-Key": key},
    )
    event["isBase64Encoded"] = body[1]
    result = run_rejecting(event, lambda_context, ddb, writes, known)
    if has_lone_surrogate(body[0]) and not body[1] and target is None:
        assert result.status == 400, result.body


@FUZZ
@given(
    query=st.none()
    | st.dictionaries(st.sampled_from(["limit", "cursor", "other"]), query_values, max_size=3),
    partner=st.booleans(),
)
def test_list_rooms_fuzz(
    query: dict[str, str] | None,
    partner: bool,
    lambda_context: FakeLambdaContext,
    writes: list[str],
) -> None:
    name = "partner_rooms_list.json" if partner else "rooms_list.json"
    event = rest_event(name, query=query)
    writes.clear()
    result = call(rooms.handler, event, lambda_context)
    assert_contract(result, event)
    assert writes == []


@FUZZ
@given(target=ids, if_match=st.none() | header_values, method=st.sampled_from(["GET", "DELETE"]))
def test_get_and_delete_by_id_fuzz(
    target: str,
    if_match: str | None,
    method: str,
    lambda_context: FakeLambdaContext,
    ddb: Any,
    writes: list[str],
    known: dict[str, int],
) -> None:
    event = rest_event("room_get.json", path=f"/rooms/{target}", headers={"If-Match": if_match})
    event["httpMethod"] = method
    run_rejecting(event, lambda_context, ddb, writes, known)


# ----------------------------------------------------------------------------- non-proxy
@FUZZ
@given(
    event=st.dictionaries(
        st.sampled_from(["room_id", "days", "user_id", "request_id", "x"]), json_values
    )
    | json_values
)
def test_report_fuzz(event: Any, lambda_context: FakeLambdaContext) -> None:
    # The only way out besides a report is a tagged ReportError.
    outcome: Any
    try:
        outcome = report.handler(event, lambda_context)
    except report.ReportError as exc:
        outcome = exc
    if isinstance(outcome, report.ReportError):
        assert str(outcome).startswith(("[BadRequest] ", "[NotFound] ")), str(outcome)
    else:
        assert set(outcome) >= {"room_id", "days", "message_count", "messages_by_user"}


@FUZZ
@given(bodies=st.lists(st.text(max_size=100) | near_valid("body", ("room_id",)), max_size=5))
def test_ingest_consumer_fuzz(
    bodies: list[str], lambda_context: FakeLambdaContext, ddb: Any, known: dict[str, int]
) -> None:
    # Records as the API enqueues them (with the partner's key id), so the bodies are what is
    # validated, not the missing attribute.
    template = {
        **load_event("sqs_ingest.json")["Records"][0],
        "messageAttributes": {"partner_key_id": {"stringValue": "k1", "dataType": "String"}},
    }
    event = {
        "Records": [{**template, "messageId": f"m{i}", "body": b} for i, b in enumerate(bodies)]
    }
    result = ingest_consumer.handler(event, lambda_context)
    failed = {f["itemIdentifier"] for f in result["batchItemFailures"]}
    # None of these bodies names an existing room, so every record fails and nothing lands.
    assert failed == {f"m{i}" for i in range(len(bodies))}
    assert item_count(ddb) == known["items"]


@settings(
    max_examples=fuzz_examples(400),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
    database=None,
)
@given(
    header=st.none() | st.text(max_size=300) | st.text(max_size=300).map(lambda t: f"Bearer {t}"),
    query=st.none() | st.text(max_size=300),
    tamper=st.integers(0, 200),
)
def test_authorizer_fuzz(
    header: str | None,
    query: str | None,
    tamper: int,
    aws_env: dict[str, str],
    lambda_context: FakeLambdaContext,
) -> None:
    event = load_event("authorizer_rest_request.json")
    if header is None:
        # A real token with one character flipped somewhere.
        token = app_token()
        i = tamper % len(token)
        header = f"Bearer {token[:i]}{'A' if token[i] != 'A' else 'B'}{token[i + 1 :]}"
    event["headers"]["Authorization"] = header
    event["queryStringParameters"] = None if query is None else {"token": query}
    result = authorizer.handler(event, lambda_context)
    assert result["policyDocument"]["Statement"][0]["Effect"] == "Deny"
