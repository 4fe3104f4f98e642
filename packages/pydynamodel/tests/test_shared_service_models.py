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

SRC = Path(__file__).resolve().parents[1] / "src"

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
    result = subprocess.run(
        [sys.executable, "-c", COUNT_MODEL_READS],
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
    # When two tables build clients for three (table, region) pairs
    outcome = json.loads(result.stdout.strip().splitlines()[-1])
    # Then each is its own client in its own region, and the model was parsed once
    assert outcome["regions"] == ["eu-west-1", "us-east-1", "eu-west-1"]
    assert outcome["distinct_clients"] == 3
    assert outcome["reads"] == 1
