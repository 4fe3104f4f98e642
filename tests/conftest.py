"""Session-wide fixtures shared by every test package.

The local AWS endpoint is moto's standalone server on a free loopback port, so every
DynamoDB/SQS/API Gateway management call in a test crosses the wire over HTTP exactly as it
would against AWS.
"""

from __future__ import annotations

import functools
import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from hypothesis import settings

if TYPE_CHECKING:
    from collections.abc import Iterator

# jsii (the CDK's Python-to-Node bridge) runs whichever `node` is first on PATH: make it the
# pinned Node 22 from package.json, as the Makefile does, so a bare `pytest` behaves the same.
ROOT = Path(__file__).resolve().parents[1]
_NODE_BIN = ROOT / "node_modules" / ".bin"
if _NODE_BIN.is_dir() and not os.environ.get("PATH", "").startswith(str(_NODE_BIN)):
    os.environ["PATH"] = f"{_NODE_BIN}{os.pathsep}{os.environ.get('PATH', '')}"

# Tests never reach AWS: fake credentials and a fixed default region for every boto3 client.
os.environ.setdefault("AWS_ACCESS_KEY_ID", "testing")
os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "testing")
os.environ.setdefault("AWS_SESSION_TOKEN", "testing")
os.environ.setdefault("AWS_DEFAULT_REGION", "eu-west-1")
os.environ.setdefault("AWS_REGION", "eu-west-1")
os.environ.setdefault("POWERTOOLS_TRACE_DISABLED", "1")
os.environ.setdefault("POWERTOOLS_METRICS_NAMESPACE", "Tests")
os.environ.setdefault("POWERTOOLS_SERVICE_NAME", "tests")


def share_botocore_data_loader() -> None:
    """Let every botocore session of this process read the service models through one loader
    per data path, as the clients of one session do.

    The handlers and pydynamodel build each client on a fresh session (thread safety in
    Lambda, where a container builds a handful), so every table and handler container a test
    builds would parse DynamoDB's and the endpoints' JSON models again: about 0.1 s of CPU
    per client. The models are read-only data files; requests, configuration, credentials
    and event hooks stay per session as before."""
    import botocore.session

    original = botocore.session.create_loader
    if original.__module__ == __name__:  # shared already
        return
    loaders: dict[str | None, Any] = {}

    def create_loader(search_path_string: str | None = None) -> Any:
        if search_path_string not in loaders:
            loaders[search_path_string] = original(search_path_string)
        return loaders[search_path_string]

    botocore.session.create_loader = create_loader


share_botocore_data_loader()

# Fuzz tests explore new random inputs on every developer run; CI (CI=true) replays a fixed
# sequence, so a red build always points at a change, and any counterexample a developer's run
# finds is reproducible from hypothesis' local example database.
# `make fuzz` (FUZZ_DEPTH set) always explores new inputs, deeper (tests/fuzz.py).
settings.register_profile("ci", derandomize=True, print_blob=True)
if os.environ.get("CI") == "true" and not os.environ.get("FUZZ_DEPTH"):
    settings.load_profile("ci")


@pytest.hookimpl(wrapper=True)
def pytest_collection_modifyitems(
    config: pytest.Config, items: list[pytest.Item]
) -> Iterator[None]:
    # `make test` distributes tests with `--dist loadgroup`: keep the tests of a module that
    # share a module- or class-scoped fixture (a synthesized app, a running local runtime) on
    # one worker, so the fixture is built once, not once per worker. Marked before the other
    # implementations run (xdist's reads the marks); once they all have (the packages'
    # conftests mark theirs too), every marked test gets the id xdist's scheduler groups by.
    group_by_shared_fixture(items, ROOT / "tests", skip=(ROOT / "tests" / "e2e",))
    result = yield
    if getattr(config.option, "loadgroup", False):
        from tests.xdist_groups import loadgroup_ids

        loadgroup_ids(items)
    return result


def group_by_shared_fixture(
    items: list[pytest.Item], under: Path, skip: tuple[Path, ...] = ()
) -> None:
    """Put each test under ``under`` that uses a module- or class-scoped fixture into its
    module's xdist group (unless it has a group already)."""
    for item in items:
        path = Path(str(item.path))
        if under not in path.parents or any(s in path.parents for s in skip):
            continue
        if item.get_closest_marker("xdist_group") is not None:
            continue
        info = getattr(item, "_fixtureinfo", None)
        defs = info.name2fixturedefs.values() if info is not None else ()
        if any(d[-1].scope in ("module", "class") for d in defs if d):
            group = path.relative_to(ROOT).as_posix()
            item.add_marker(pytest.mark.xdist_group(group))


def pytest_configure(config: pytest.Config) -> None:
    # Least privilege (tests/iam): compare each function's role with the calls its handler
    # made in tests/handlers and tests/ws, at the end of a run that ran them all.
    from tests.iam.plugin import LeastPrivilegePlugin

    config.pluginmanager.register(LeastPrivilegePlugin(config), "iam-least-privilege")


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _wait_until_up(url: str, proc: subprocess.Popen[bytes], timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"moto server exited early with code {proc.returncode}")
        try:
            with urllib.request.urlopen(f"{url}/moto-api/", timeout=1):
                return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"moto server at {url} did not start within {timeout}s")


@pytest.fixture(scope="session")
def moto_server() -> Iterator[str]:
    """Start moto's standalone server (DynamoDB requests serialized: the local gateway's
    cdk_local_gateway.aws.server, the same local AWS `make local` runs) on
    a free loopback port; yield its endpoint URL."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    proc = subprocess.Popen(
        [sys.executable, "-m", "cdk_local_gateway.aws.server", "127.0.0.1", str(port)],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        _wait_until_up(url, proc)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()


SINGLE_TABLE_INDEXES = ("GSI1", "GSI2")


def _credentials_in_environment() -> tuple[str | None, str | None, str | None]:
    env = os.environ
    return (
        env.get("AWS_ACCESS_KEY_ID"),
        env.get("AWS_SECRET_ACCESS_KEY"),
        env.get("AWS_SESSION_TOKEN"),
    )


@functools.cache
def _table_admin(
    endpoint_url: str, region: str, key: str | None, secret: str | None, token: str | None
) -> Any:
    """One client per server, region and credentials for the tables the tests create: a
    boto3 client costs about 10 ms of CPU to build, and hundreds of tests create a table."""
    import boto3

    return boto3.client(
        "dynamodb",
        region_name=region,
        endpoint_url=endpoint_url,
        aws_access_key_id=key,
        aws_secret_access_key=secret,
        aws_session_token=token,
    )


def create_single_table(endpoint_url: str, name: str, region: str = "eu-west-1") -> None:
    """Create the deployed table's layout on the local server: string keys pk/sk, GSI1 and
    GSI2 (``<index>PK``/``<index>SK``, all attributes projected) and TTL on ``expires_at``.

    A table that already exists is left as it is, so a package-scoped fixture that pytest-xdist
    sets up again in the same session (and the same server) does not fail."""
    client = _table_admin(endpoint_url, region, *_credentials_in_environment())
    attrs = ["pk", "sk", *(f"{i}{part}" for i in SINGLE_TABLE_INDEXES for part in ("PK", "SK"))]
    try:
        client.create_table(
            TableName=name,
            BillingMode="PAY_PER_REQUEST",
            AttributeDefinitions=[{"AttributeName": a, "AttributeType": "S"} for a in attrs],
            KeySchema=[
                {"AttributeName": "pk", "KeyType": "HASH"},
                {"AttributeName": "sk", "KeyType": "RANGE"},
            ],
            GlobalSecondaryIndexes=[
                {
                    "IndexName": index,
                    "KeySchema": [
                        {"AttributeName": f"{index}PK", "KeyType": "HASH"},
                        {"AttributeName": f"{index}SK", "KeyType": "RANGE"},
                    ],
                    "Projection": {"ProjectionType": "ALL"},
                }
                for index in SINGLE_TABLE_INDEXES
            ],
        )
    except client.exceptions.ResourceInUseException:
        return
    client.update_time_to_live(
        TableName=name, TimeToLiveSpecification={"Enabled": True, "AttributeName": "expires_at"}
    )


EVENTS = ROOT / "tests" / "events"


def load_event(kind: str, name: str) -> dict[str, Any]:
    """A recorded event from ``tests/events/<kind>/<name>``, parsed afresh (each call is its
    own copy, so a test may mutate it)."""
    event: dict[str, Any] = json.loads((EVENTS / kind / name).read_text())
    return event


@dataclass
class FakeLambdaContext:
    """The attributes of a Lambda context that Powertools reads."""

    function_name: str = "handler-under-test"
    function_version: str = "$LATEST"
    memory_limit_in_mb: int = 512
    invoked_function_arn: str = "arn:aws:lambda:eu-west-1:123456789012:function:handler-under-test"
    aws_request_id: str = "52fdfc07-2182-154f-163f-5f0f9a621d72"
    log_group_name: str = "/aws/lambda/handler-under-test"
    log_stream_name: str = "2026/11/24/[$LATEST]abcdef"

    def get_remaining_time_in_millis(self) -> int:
        return 30_000
