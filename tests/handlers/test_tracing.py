"""Tracing costs a handler's cold start only what it traces: the AWS SDK (botocore).

``Tracer()`` with its defaults patches every library the X-Ray SDK supports, importing
``requests``, PynamoDB and database drivers' patchers into a function that uses none of them.
Checked in a fresh interpreter with the variables Lambda sets, since Powertools only patches
inside a Lambda environment.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from tests.conftest import ROOT

TRACED_HANDLERS = [
    "handlers.rest.rooms",
    "handlers.rest.report",
    "handlers.rest.admin",
    "handlers.rest.ingest_consumer",
    "handlers.ws.connect",
    "handlers.ws.disconnect",
    "handlers.ws.join",
    "handlers.ws.leave",
    "handlers.ws.send",
    "handlers.ws.publish_consumer",
]
UNUSED_LIBRARIES = ("requests", "pynamodb", "sqlite3", "httpx", "aiobotocore")

_PROBE = """
import json, sys, importlib
importlib.import_module(sys.argv[1])
print(json.dumps(sorted(m for m in sys.modules if m.split(".")[0] in sys.argv[2:]
                        or m.startswith("aws_xray_sdk.ext.") and "botocore" not in m
                        and "boto_utils" not in m and "util" != m.rsplit(".", 1)[-1])))
"""


@pytest.mark.parametrize("module", TRACED_HANDLERS)
def test_a_traced_handler_imports_no_patcher_for_libraries_it_does_not_use(module: str) -> None:
    # Given the environment Lambda gives a function, with tracing on
    env = {k: v for k, v in os.environ.items() if k != "POWERTOOLS_TRACE_DISABLED"}
    env.update(
        LAMBDA_TASK_ROOT=str(ROOT / "lambda"),
        AWS_LAMBDA_FUNCTION_NAME="probe",
        AWS_REGION="eu-west-1",
        PYTHONPATH=str(ROOT / "lambda"),
    )
    # When the handler module is imported cold
    result = subprocess.run(
        [sys.executable, "-c", _PROBE, module, *UNUSED_LIBRARIES],
        env=env,
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT / "lambda",
    )
    # Then neither those libraries nor their X-Ray patchers were loaded
    assert json.loads(result.stdout.strip().splitlines()[-1]) == []
