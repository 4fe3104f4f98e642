"""The local AWS server's own start-up: launched without waiting, ready when it listens,
moto's per-request account lookup that creates no IAM partition it does not need, and
DynamoDB's attribute values rendered as moto's serializer renders them."""

from __future__ import annotations

import random
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import pytest
from cdk_local_gateway.aws import server
from cdk_local_gateway.aws.process import LocalAws, client

if TYPE_CHECKING:
    from collections.abc import Iterator

ACCOUNT = "210987654321"


@pytest.fixture
def lazy_lookup(monkeypatch: pytest.MonkeyPatch) -> None:
    from moto.iam import models

    # Restored after the test: the patch is the server process's, not the test session's.
    monkeypatch.setattr(models, "get_account_id_from", models.get_account_id_from)
    server.lazy_iam_partitions()


def test_the_account_of_a_known_key_is_found_without_creating_other_partitions(
    lazy_lookup: None,
) -> None:
    from moto.core.models import DEFAULT_ACCOUNT_ID
    from moto.iam.models import get_account_id_from, iam_backends

    # Given an IAM user with an access key in the aws partition of an account
    iam = iam_backends[ACCOUNT]["aws"]
    if "lookup" not in iam.users:
        iam.create_user(region_name="us-east-1", user_name="lookup", path="/", tags=[])
    key = iam.create_access_key("lookup").access_key_id
    before = {account: set(dict.keys(b)) for account, b in iam_backends.items()}
    # When moto looks up the account of that key, and of a key nobody issued
    found = get_account_id_from(key)
    unknown = get_account_id_from("AKIANOBODYISSUEDTHIS")
    # Then it answers as moto does (the key's account; the default one for a stranger)
    assert (found, unknown) == (ACCOUNT, DEFAULT_ACCOUNT_ID)
    # And no IAM partition was created on the way (aws-cn, aws-us-gov, the ISO ones)
    assert {account: set(dict.keys(b)) for account, b in iam_backends.items()} == before
    assert set(dict.keys(iam_backends[ACCOUNT])) == {"aws"}


def test_a_launched_local_aws_serves_once_ready() -> None:
    # Given a local AWS launched without waiting for it
    aws = LocalAws.launch()
    try:
        # When the caller waits until it listens
        assert aws.wait_ready() is aws
        # Then it answers, with DynamoDB and STS as the runtime's start-up calls them
        tables = client("dynamodb", aws.endpoint, "eu-west-1").list_tables()
        identity = client("sts", aws.endpoint, "eu-west-1").get_caller_identity()
        assert tables["TableNames"] == []
        assert identity["Account"]
    finally:
        aws.stop()
    # And once stopped, it is gone
    assert aws.process is not None
    assert aws.process.poll() is not None


@pytest.fixture
def memoized_lookups(monkeypatch: pytest.MonkeyPatch) -> None:
    from moto import backends
    from moto.core import responses

    # Restored after the test: the patch is the server process's, not the test session's.
    monkeypatch.setattr(backends, "list_of_moto_modules", backends.list_of_moto_modules)
    names = responses.method_names_from_class  # type: ignore[attr-defined]
    monkeypatch.setattr(responses, "method_names_from_class", names)
    server.memoize_moto_lookups()


def _signed_put(app: object, key: str) -> int:
    import json

    from botocore.auth import SigV4Auth
    from botocore.awsrequest import AWSRequest
    from botocore.credentials import Credentials
    from werkzeug.test import Client

    body = json.dumps({"TableName": "memo", "Item": {"pk": {"S": key}}})
    request = AWSRequest(
        method="POST",
        url="http://127.0.0.1/",
        data=body,
        headers={
            "X-Amz-Target": "DynamoDB_20120810.PutItem",
            "Content-Type": "application/x-amz-json-1.0",
        },
    )
    SigV4Auth(Credentials("AKIDLOCAL", "secret"), "dynamodb", "eu-west-1").add_auth(request)
    response = Client(app).post("/", data=body, headers=dict(request.headers.items()))  # type: ignore[arg-type]
    return response.status_code


def test_moto_lists_its_service_folders_once_not_on_every_request(
    memoized_lookups: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    import os

    from moto import backends
    from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app

    # Given the server's app that has served a request, and a count of folder listings
    assert set(backends.list_of_moto_modules()) >= {"dynamodb", "sqs", "sts", "iam"}
    app = DomainDispatcherApplication(create_backend_app)
    client("dynamodb", "http://127.0.0.1:1", "eu-west-1")  # botocore's data loaded first
    from moto.dynamodb.models import dynamodb_backends

    dynamodb_backends["123456789012"]["eu-west-1"].create_table(
        "memo",
        schema=[{"AttributeName": "pk", "KeyType": "HASH"}],
        throughput=None,
        attr=[{"AttributeName": "pk", "AttributeType": "S"}],
        global_indexes=None,
        indexes=None,
        streams=None,
        billing_mode="PAY_PER_REQUEST",
        sse_specification=None,
        tags=[],
        deletion_protection_enabled=False,
        warm_throughput=None,
    )
    # (a first request imports what moto loads lazily; Python's importer lists folders then)
    assert _signed_put(app, "warm-up") == 200
    listings: list[str] = []
    real_listdir = os.listdir

    def counted_listdir(path: str = ".") -> list[str]:
        listings.append(str(path))
        return real_listdir(path)

    monkeypatch.setattr(os, "listdir", counted_listdir)
    # When two more requests are served
    statuses = [_signed_put(app, "a"), _signed_put(app, "b")]
    # Then both succeed and moto's package folder was not listed for either
    assert statuses == [200, 200]
    moto_folder = os.path.dirname(backends.__file__)
    assert [path for path in listings if path == moto_folder] == []


# -- DynamoDB's AttributeValue rendered directly -----------------------------------------------
def _random_attribute_value(rng: random.Random, depth: int = 0) -> dict[str, Any]:
    """A wire-form value of any DynamoDB type, maps and lists nested up to four levels, with
    the edges: empty strings, lists and maps, non-ASCII text, raw and base64 binaries, and
    the ``None`` members and elements moto skips or keeps."""
    text = rng.choice(["", "a", "héllo wörld", "x" * 40, '"quoted"\\n', "\u2603"])
    kinds = ["S", "N", "B", "SS", "NS", "BS", "NULL", "BOOL"] + (
        ["M", "L"] * 2 if depth < 4 else []
    )
    kind = rng.choice(kinds)
    if kind == "S":
        return {"S": text}
    if kind == "N":
        return {"N": rng.choice(["0", "-1.5", "1E+3", "12345678901234567890"])}
    if kind == "B":
        return {"B": rng.choice([text.encode(), b"\x00\xff", "YmluYXJ5"])}
    if kind in ("SS", "NS"):
        return {kind: [f"{kind}{i}" for i in range(rng.randint(1, 4))]}
    if kind == "BS":
        return {"BS": [bytes([i, 255 - i]) for i in range(rng.randint(1, 3))]}
    if kind in ("NULL", "BOOL"):
        return {kind: rng.random() < 0.5 if kind == "BOOL" else True}
    children = [
        None if rng.random() < 0.1 else _random_attribute_value(rng, depth + 1)
        for _ in range(rng.randint(0, 4))
    ]
    if kind == "L":
        return {"L": children}
    return {"M": {f"k{i}{text[:3]}": child for i, child in enumerate(children)}}


#: Values that are not plain wire form: the fast path leaves them to moto, or (a None member)
#: renders them as moto does; moto's output is what counts either way.
UNUSUAL_VALUES: dict[str, Any] = {
    "two type keys": {"S": "a", "N": "1"},
    "unknown type key": {"X": "y"},
    "number as a string value": {"S": 5},
    "text as a boolean": {"BOOL": "true"},
    "a Python set": {"SS": {"a", "b"}},
    "a map entry not in wire form": {"M": {"k": "not a value"}},
    "a list element of a wrong type": {"L": [{"S": "ok"}, {"N": 1}]},
    "a None member": {"S": None},
    "an empty map key": {"M": {"": {"S": "x"}, "k": {"N": "1"}}},
    "empty": {},
}


def _render(operation: str, result: dict[str, Any]) -> str:
    """The body moto's own serializer writes for ``result`` (as the server does per request)."""
    from moto.core.serialize import XFormedAttributePicker, get_serializer_class
    from moto.core.utils import get_service_model

    model = get_service_model("dynamodb")
    serializer = get_serializer_class("dynamodb", model.protocol)(
        operation_model=model.operation_model(operation),
        value_picker=XFormedAttributePicker(response_transformers=None),
    )
    return str(serializer.serialize(result)["body"])


@pytest.fixture
def fast_values(monkeypatch: pytest.MonkeyPatch) -> None:
    from moto.core.serialize import BaseJSONSerializer

    # Restored after the test: the patch is the server process's, not the test session's.
    original = BaseJSONSerializer._serialize_type_structure
    monkeypatch.setattr(BaseJSONSerializer, "_serialize_type_structure", original)


def _both_ways(operation: str, result: dict[str, Any]) -> tuple[Rendered, Rendered]:
    """(moto's rendering, the fast path's), each with the member lookups moto made."""
    from moto.core.serialize import BaseJSONSerializer, ResponseSerializer

    lookups = [0]
    get_value = ResponseSerializer.get_value

    def counted(self: Any, value: Any, key: str, shape: Any) -> Any:
        lookups[0] += 1
        return get_value(self, value, key, shape)

    original = BaseJSONSerializer._serialize_type_structure
    try:
        ResponseSerializer.get_value = counted  # type: ignore[method-assign]
        slow = Rendered(_render(operation, result), lookups[0])
        lookups[0] = 0
        server.fast_attribute_values()
        fast = Rendered(_render(operation, result), lookups[0])
    finally:
        BaseJSONSerializer._serialize_type_structure = original  # type: ignore[method-assign]
        ResponseSerializer.get_value = get_value  # type: ignore[method-assign]
    return slow, fast


@dataclass
class Rendered:
    body: str
    #: Structure members moto looked up (each through its alias providers).
    lookups: int


def test_items_render_as_moto_renders_them(fast_values: None) -> None:
    # Given 400 generated items of every attribute type, nested maps and lists included
    rng = random.Random(20261128)
    items = [
        {f"a{j}": _random_attribute_value(rng) for j in range(rng.randint(1, 6))}
        for _ in range(400)
    ]
    # When a Query answer holding them is rendered by moto's serializer and by the fast path
    slow, fast = _both_ways("Query", {"Items": items, "Count": len(items)})
    # Then the bodies are the same bytes
    assert fast.body == slow.body
    # And the fast path rendered the values itself: moto looked up only the answer's members
    assert slow.lookups > 10_000
    assert fast.lookups < 10


@pytest.mark.parametrize("case", sorted(UNUSUAL_VALUES))
def test_a_value_the_fast_path_does_not_know_is_rendered_by_moto(
    fast_values: None, case: str
) -> None:
    # Given a GetItem answer with a value that is not plain wire form
    result = {"Item": {"odd": UNUSUAL_VALUES[case], "plain": {"S": "x"}}}
    # When it is rendered both ways
    slow, fast = _both_ways("GetItem", result)
    # Then both agree (moto renders what the fast path declines)
    assert fast.body == slow.body


#: Plain wire-form values at the edges of the set and binary types: empty sets (moto keeps
#: them as given) and binaries held as text (base64 of its UTF-8 bytes, as moto encodes it).
EDGE_VALUES: dict[str, Any] = {
    "an empty string set": {"SS": []},
    "an empty number set": {"NS": []},
    "an empty binary set": {"BS": []},
    "a binary as text": {"B": "héllo"},
    "a binary as base64 text": {"B": "YWJj"},
    "an empty binary as text": {"B": ""},
    "a binary set of text": {"BS": ["YWJj", "héllo", ""]},
    "a binary set of text and bytes": {"BS": [b"\x00\xff", "x"]},
    "nested edges": {"L": [{"SS": []}, {"M": {"b": {"B": "t"}, "bs": {"BS": ["u", b"v"]}}}]},
}


@pytest.mark.parametrize("case", sorted(EDGE_VALUES))
def test_empty_sets_and_text_binaries_render_as_moto_renders_them(
    fast_values: None, case: str
) -> None:
    # Given a GetItem answer with an empty set or a binary held as text
    result = {"Item": {"edge": EDGE_VALUES[case], "plain": {"S": "x"}}}
    # When it is rendered both ways
    slow, fast = _both_ways("GetItem", result)
    # Then the bodies are the same bytes (rendered by the fast path or left to moto)
    assert fast.body == slow.body


# -- The same answers over HTTP from a server with the fast path off and one with it on ------
REGION = "us-east-1"


@pytest.fixture(scope="module")
def servers_off_and_on() -> Iterator[tuple[str, str]]:
    """Two real local AWS servers, started as the package starts it: the first with
    ``CDK_LOCAL_AWS_FAST_VALUES=off`` (moto's serializer only), the second with it on."""
    launched: list[LocalAws] = []
    try:
        for setting in ("off", "on"):
            # The child copies the environment when launched; both start up side by side.
            with pytest.MonkeyPatch.context() as env:
                env.setenv(server.FAST_VALUES_VARIABLE, setting)
                launched.append(LocalAws.launch())
        off, on = (aws.wait_ready().endpoint for aws in launched)
        yield off, on
    finally:
        for aws in launched:
            aws.stop()


def _item(sort: int) -> dict[str, Any]:
    """An item with a value of every type, non-ASCII text and binaries that are not UTF-8,
    empty strings, lists and maps, and sets, binaries and lists inside maps and lists."""
    return {
        "pk": {"S": "p"},
        "sk": {"N": str(sort)},
        "s": {"S": 'héllo \u2603 "quoted"\\n'},
        "empty_s": {"S": ""},
        "n": {"N": "-1.5E+3"},
        "b": {"B": b"\x00\xff not utf-8 " + bytes([sort])},
        "ss": {"SS": ["a", "é"]},
        "ns": {"NS": ["1", "2.5"]},
        "bs": {"BS": [b"\x00", b"\xff\xfe"]},
        "null": {"NULL": True},
        "bool": {"BOOL": sort % 2 == 0},
        "m": {
            "M": {
                "list": {"L": [{"B": b"\x01"}, {"M": {"deep": {"BS": [b"x"]}}}, {"NULL": True}]},
                "num": {"N": "0"},
                "empty_m": {"M": {}},
            }
        },
        "l": {
            "L": [
                {"S": "x"},
                {"SS": ["y"]},
                {"NS": ["3"]},
                {"L": []},
                {"M": {"n": {"L": [{"BOOL": True}, {"N": "12345678901234567890"}]}}},
            ]
        },
    }


#: The answers compared, by operation (other calls carry creation times or random ids).
COMPARED = {"PutItem", "GetItem", "Query", "BatchGetItem", "TransactGetItems", "GetRecords"}

#: What differs between two servers given the same calls: a stream record's event id (random)
#: and creation time, the size moto counts from a JSON dump of the record holding that time
#: (its digits vary), and the next shard iterator (random). Only these are blanked: sequence
#: numbers are compared, as moto numbers every table's stream from the same start.
VARYING = re.compile(
    rb'("eventID": |"ApproximateCreationDateTime": |"SizeBytes": |"NextShardIterator": )'
    rb'("[^"]*"|[0-9.eE+-]+)'
)


def _conversation(endpoint: str) -> list[tuple[str, bytes]]:
    """The raw response bodies of the compared calls, in order, of one conversation about
    one table with a stream; also checks each answer's items are the ones written."""
    bodies: list[tuple[str, bytes]] = []

    def keep(http_response: Any, model: Any, **_: Any) -> None:
        if model.name in COMPARED:
            bodies.append((model.name, http_response.content))

    dynamodb = client("dynamodb", endpoint, REGION)
    streams = client("dynamodbstreams", endpoint, REGION)
    for each in (dynamodb, streams):
        each.meta.events.register("after-call", keep)
    table = "values"
    dynamodb.create_table(
        TableName=table,
        KeySchema=[
            {"AttributeName": "pk", "KeyType": "HASH"},
            {"AttributeName": "sk", "KeyType": "RANGE"},
        ],
        AttributeDefinitions=[
            {"AttributeName": "pk", "AttributeType": "S"},
            {"AttributeName": "sk", "AttributeType": "N"},
        ],
        BillingMode="PAY_PER_REQUEST",
        StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"},
    )
    items = [_item(sort) for sort in range(3)]
    keys = [{"pk": item["pk"], "sk": item["sk"]} for item in items]
    for item in items:
        dynamodb.put_item(TableName=table, Item=item)
        # Written again: ALL_OLD answers with the item as it was
        old = dynamodb.put_item(TableName=table, Item=item, ReturnValues="ALL_OLD")
        assert old["Attributes"] == item
    assert dynamodb.get_item(TableName=table, Key=keys[1])["Item"] == items[1]
    query = dynamodb.query(
        TableName=table,
        KeyConditionExpression="pk = :p",
        ExpressionAttributeValues={":p": {"S": "p"}},
    )
    assert query["Items"] == items
    batch = dynamodb.batch_get_item(RequestItems={table: {"Keys": keys}})
    assert sorted(batch["Responses"][table], key=lambda i: i["sk"]["N"]) == items
    transact = dynamodb.transact_get_items(
        TransactItems=[{"Get": {"TableName": table, "Key": key}} for key in keys]
    )
    assert [answer["Item"] for answer in transact["Responses"]] == items
    arn = dynamodb.describe_table(TableName=table)["Table"]["LatestStreamArn"]
    shard = streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"][0]
    iterator = streams.get_shard_iterator(
        StreamArn=arn, ShardId=shard["ShardId"], ShardIteratorType="TRIM_HORIZON"
    )["ShardIterator"]
    records = streams.get_records(ShardIterator=iterator)["Records"]
    assert [r["eventName"] for r in records] == ["INSERT", "MODIFY"] * 3
    assert [r["dynamodb"]["NewImage"] for r in records] == [i for i in items for _ in "12"]
    return bodies


def test_a_server_with_fast_values_answers_as_one_without(
    servers_off_and_on: tuple[str, str],
) -> None:
    # Given a local AWS rendering values with moto's serializer only, and one with the fast path
    off, on = servers_off_and_on
    # When each is asked the same: writes (ALL_OLD), reads, a query, batch and transactional
    # reads of items with every attribute type, and the table's stream records
    moto_bodies = _conversation(off)
    fast_bodies = _conversation(on)
    # Then every answer is the same bytes, but for the stream records' random ids and times
    assert [name for name, _ in fast_bodies] == [name for name, _ in moto_bodies]
    assert len(moto_bodies) == len(COMPARED) + 5  # two puts per item
    for (name, fast), (_, slow) in zip(fast_bodies, moto_bodies, strict=True):
        assert VARYING.sub(rb"\1...", fast) == VARYING.sub(rb"\1...", slow), name
