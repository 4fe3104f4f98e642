"""The local AWS's CPU per DynamoDB answer, with and without its direct rendering of attribute
values (informational: no budget of its own; it is part of what ``make test`` costs).

Two local AWS servers run as the runtime and the tests start them (``LocalAws.launch``), one
with ``CDK_LOCAL_AWS_FAST_VALUES=off`` (every value through moto's generic serializer), one as
shipped. Each gets the same table and the same 20 items (strings, numbers, a boolean, a list
and a map per item); then, in alternating blocks so load that comes and goes hits both alike,
the same ``Query`` (all 20 items) and ``GetItem`` requests go to each, and the server
process's own CPU time (``/proc/<pid>/stat``, user + system) is divided by the requests of the
block. Printed: the median per request of each, and their ratio.

Run: ``.venv/bin/python bench/bench_local_aws.py``. ``BENCH_QUICK=1``: fewer blocks.
"""

from __future__ import annotations

import os
import statistics
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "packages" / "cdk-local-gateway" / "src"))

from cdk_local_gateway.aws.process import LocalAws, client  # noqa: E402
from cdk_local_gateway.aws.server import FAST_VALUES_VARIABLE  # noqa: E402

QUICK = os.environ.get("BENCH_QUICK") == "1"
BLOCKS = 3 if QUICK else 5
REQUESTS = 30 if QUICK else 60
REGION = "eu-west-1"
TICKS = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int) -> float:
    """User + system CPU of a process so far (fields 14 and 15 of ``/proc/<pid>/stat``)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS


def launch(fast: bool) -> LocalAws:
    saved = os.environ.get(FAST_VALUES_VARIABLE)
    if fast:
        os.environ.pop(FAST_VALUES_VARIABLE, None)
    else:
        os.environ[FAST_VALUES_VARIABLE] = "off"
    try:
        return LocalAws.launch()
    finally:
        if saved is None:
            os.environ.pop(FAST_VALUES_VARIABLE, None)
        else:
            os.environ[FAST_VALUES_VARIABLE] = saved


def item(i: int) -> dict[str, Any]:
    return {
        "pk": {"S": "ROOM#1"},
        "sk": {"S": f"MSG#{i:05}"},
        "entity": {"S": "Message"},
        "body": {"S": "hello, room " * 4},
        "author": {"S": f"user-{i % 5}"},
        "n": {"N": str(i)},
        "version": {"N": "3"},
        "edited": {"BOOL": i % 2 == 0},
        "tags": {"L": [{"S": "a"}, {"S": "b"}]},
        "meta": {"M": {"client": {"S": "web"}, "seq": {"N": str(i)}}},
    }


def prepare(aws: LocalAws) -> Any:
    dynamodb = client("dynamodb", aws.wait_ready().endpoint, REGION)
    dynamodb.create_table(
        TableName="bench",
        BillingMode="PAY_PER_REQUEST",
        AttributeDefinitions=[
            {"AttributeName": "pk", "AttributeType": "S"},
            {"AttributeName": "sk", "AttributeType": "S"},
        ],
        KeySchema=[
            {"AttributeName": "pk", "KeyType": "HASH"},
            {"AttributeName": "sk", "KeyType": "RANGE"},
        ],
    )
    for i in range(20):
        dynamodb.put_item(TableName="bench", Item=item(i))
    return dynamodb


def query(dynamodb: Any) -> None:
    answer = dynamodb.query(
        TableName="bench",
        KeyConditionExpression="pk = :pk",
        ExpressionAttributeValues={":pk": {"S": "ROOM#1"}},
    )
    assert answer["Count"] == 20, answer["Count"]


def get_item(dynamodb: Any) -> None:
    answer = dynamodb.get_item(
        TableName="bench", Key={"pk": {"S": "ROOM#1"}, "sk": {"S": "MSG#00007"}}
    )
    assert answer["Item"] == item(7), answer["Item"]


def per_request_ms(aws: LocalAws, dynamodb: Any, call: Any) -> float:
    assert aws.process is not None
    before = cpu_seconds(aws.process.pid)
    for _ in range(REQUESTS):
        call(dynamodb)
    return (cpu_seconds(aws.process.pid) - before) / REQUESTS * 1000


def main() -> int:
    servers = {"moto's serializer": launch(fast=False), "direct rendering": launch(fast=True)}
    try:
        clients = {name: prepare(aws) for name, aws in servers.items()}
        for name, dynamodb in clients.items():  # warm-up: moto's lazy imports, first parses
            for call in (query, get_item):
                per_request_ms(servers[name], dynamodb, call)
        samples: dict[tuple[str, str], list[float]] = {}
        for block in range(BLOCKS):
            order = list(servers) if block % 2 == 0 else list(reversed(servers))
            for call in (query, get_item):
                for name in order:
                    ms = per_request_ms(servers[name], clients[name], call)
                    samples.setdefault((call.__name__, name), []).append(ms)
    finally:
        for aws in servers.values():
            aws.stop()
    print(f"local AWS: server CPU per DynamoDB answer, {BLOCKS} alternating blocks of {REQUESTS}")
    for operation, label in (("query", "Query (20 items)"), ("get_item", "GetItem (1 item)")):
        slow = statistics.median(samples[(operation, "moto's serializer")])
        fast = statistics.median(samples[(operation, "direct rendering")])
        print(
            f"  {label:<18} moto's serializer {slow:6.2f} ms   direct rendering {fast:6.2f} ms"
            f"   {slow / fast:4.1f}x less CPU"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
