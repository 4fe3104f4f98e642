"""Every table of a process reads DynamoDB's service model through one botocore loader.

Each region's client is built on a session of its own (sessions are not thread-safe), and a
fresh botocore session parses the service's JSON model again: about 0.1 s of CPU per client,
paid on a Lambda's first request and again for every replica region or second table. The
model files are read-only data, so the library shares the loader; credentials, configuration
and event hooks stay per session. Each check runs in a fresh interpreter.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

SRC = Path(__file__).resolve().parents[1] / "src"


def run_fresh(code: str) -> dict[str, Any]:
    """The JSON object ``code`` prints last, run in a fresh interpreter that imports the
    library from source (with placeholder credentials)."""
    result = subprocess.run(
        [sys.executable, "-c", code],
        env={
            "PYTHONPATH": str(SRC),
            "PATH": "",
            "AWS_ACCESS_KEY_ID": "x",
            "AWS_SECRET_ACCESS_KEY": "x",
        },
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    outcome: dict[str, Any] = json.loads(result.stdout.strip().splitlines()[-1])
    return outcome


COUNT_MODEL_READS = """
import json, botocore.loaders
reads = []
original = botocore.loaders.Loader.load_data_with_path
def counting(self, name, *args, **kwargs):
    if name.startswith("dynamodb/") and name.endswith("service-2"):
        reads.append(name)
    return original(self, name, *args, **kwargs)
botocore.loaders.Loader.load_data_with_path = counting

from pydynamodel import Table
home = Table("rooms", regions=["eu-west-1", "us-east-1"], endpoint_url="http://127.0.0.1:9")
other = Table("audit", regions=["eu-west-1"], endpoint_url="http://127.0.0.1:9")
clients = [home.client("eu-west-1"), home.client("us-east-1"),
           other.client("eu-west-1")]
print(json.dumps({"reads": len(reads),
                  "regions": [c.meta.region_name for c in clients],
                  "distinct_clients": len({id(c) for c in clients})}))
"""


def test_three_clients_of_two_tables_parse_the_dynamodb_model_once() -> None:
    # Given a fresh interpreter that counts reads of DynamoDB's service model file
    # When two tables build clients for three (table, region) pairs
    outcome = run_fresh(COUNT_MODEL_READS)
    # Then each is its own client in its own region, and the model was parsed once
    assert outcome["regions"] == ["eu-west-1", "us-east-1", "eu-west-1"]
    assert outcome["distinct_clients"] == 3
    assert outcome["reads"] == 1


COMPARE_HANDLERS = """
import json, re, botocore.session
from pydynamodel import Table

def handlers(client):
    # Every event's handlers, walking botocore's handler table as its lookup walks it; the
    # handlers bound to each client's own objects (signer, retry handler) differ only in
    # their address.
    found = {}
    def walk(node, path):
        values = node.get("values")
        if values is not None:
            parts = (values.first, values.middle, values.last)
            found[".".join(path)] = [
                [re.sub(" at 0x[0-9a-f]+", "", repr(h)) for h in part] for part in parts
            ]
        for chunk, child in node.get("children", {}).items():
            walk(child, [*path, chunk])
    walk(client.meta.events._emitter._handlers._root, [])
    return found

ours = [Table(name, regions=["eu-west-1"], endpoint_url="http://127.0.0.1:9").client()
        for name in ("rooms", "audit")]
plain = botocore.session.get_session().create_client(
    "dynamodb", region_name="eu-west-1", endpoint_url="http://127.0.0.1:9")
seen = []
ours[0].meta.events.register("test-event.dynamodb", lambda **kw: seen.append(1))
ours[1].meta.events.emit("test-event.dynamodb")
print(json.dumps({"same": handlers(ours[1]) == handlers(plain),
                  "events": len(handlers(plain)),
                  "leaked": len(seen)}))
"""


def test_a_clients_event_handlers_are_those_of_a_client_of_a_new_botocore_session() -> None:
    # Given a fresh interpreter with two tables' clients and a client of botocore's own new
    # session, and a handler registered on the first table's client only
    outcome = run_fresh(COMPARE_HANDLERS)
    # Then the second table's client has exactly the handlers, in the same order, that
    # botocore gives a client of a session it creates itself (its built-in ones among them),
    # and the handler registered on the first client never runs for the second
    assert outcome["events"] > 50
    assert outcome["same"] is True
    assert outcome["leaked"] == 0
