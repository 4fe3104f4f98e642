"""Fixtures for the pydynamodel suite: every test that touches a server runs twice, once on moto's
server and once on dynalite (an independent DynamoDB implementation on LevelDB, from npm, that
validates requests the way DynamoDB does), each on a fresh single table (pk/sk + GSI1 + GSI2).

A test that needs a DynamoDB feature dynalite does not implement carries
``@pytest.mark.moto_only("<the feature>")`` and is skipped on dynalite with that reason.
"""

from __future__ import annotations

import itertools
import os
import shutil
import subprocess
import time
import urllib.request
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import pytest

from pydynamodel import Table
from tests.conftest import ROOT, create_single_table, free_port

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

REGION = "eu-west-1"
SECOND_REGION = "us-east-1"
SERVERS = ("moto", "dynalite")
_counter = itertools.count()

os.environ.setdefault("DYNAMODEL_CURSOR_SECRET", "test-cursor-secret")


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "moto_only(feature): the test needs a DynamoDB feature dynalite lacks (skipped there)",
    )


@dataclass(frozen=True)
class Server:
    """One local DynamoDB implementation: ``name`` is ``moto`` or ``dynalite``."""

    name: str
    url: str


def _node() -> str:
    # The pinned Node 22 from package.json first, as everywhere else in the repository.
    pinned = ROOT / "node_modules" / ".bin" / "node"
    found = str(pinned) if pinned.exists() else shutil.which("node")
    if found is None:
        raise RuntimeError("dynalite needs Node.js: run `make install` (npm ci)")
    return found


@pytest.fixture(scope="session")
def dynalite_server() -> Iterator[str]:
    """Start dynalite in memory on a free loopback port; yield its endpoint URL.

    Tables become ACTIVE at once (``--createTableMs 0``) so a test does not wait for them."""
    cli = ROOT / "node_modules" / "dynalite" / "cli.js"
    if not cli.exists():
        raise RuntimeError("dynalite is not installed: run `make install` (npm ci)")
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    timings = ("--createTableMs", "0", "--deleteTableMs", "0", "--updateTableMs", "0")
    proc = subprocess.Popen(
        [_node(), str(cli), "--host", "127.0.0.1", "--port", str(port), *timings],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"dynalite exited early with code {proc.returncode}")
            try:
                with urllib.request.urlopen(url, timeout=1):  # GET / answers "healthy"
                    break
            except OSError:
                if time.monotonic() > deadline:
                    raise RuntimeError(f"dynalite at {url} did not start within 30s") from None
                time.sleep(0.05)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()


@pytest.fixture(params=SERVERS)
def server(request: pytest.FixtureRequest) -> Server:
    """The DynamoDB server under test: moto, then dynalite (both started once per session)."""
    name: str = request.param
    if name == "dynalite":
        marker = request.node.get_closest_marker("moto_only")
        if marker is not None:
            pytest.skip(f"moto only: dynalite lacks {marker.args[0]}")
    url: str = request.getfixturevalue(f"{name}_server")
    return Server(name, url)


@pytest.fixture
def server_url(server: Server) -> str:
    return server.url


def create_table(server: Server, name: str) -> None:
    """The deployed table's layout (tests/conftest.create_single_table) on ``server``.

    dynalite has no UpdateTimeToLive, so there the table has no TTL attribute (nothing in this
    suite waits for TTL deletions)."""
    from botocore.exceptions import ClientError

    try:
        create_single_table(server.url, name, REGION)
    except ClientError as exc:
        unsupported = exc.response.get("Error", {}).get("Code") == "UnknownOperationException"
        if not (server.name == "dynalite" and unsupported):
            raise


@pytest.fixture
def table_name(request: pytest.FixtureRequest) -> str:
    base = "".join(c if c.isalnum() else "-" for c in request.node.name)[:180]
    return f"dm-{next(_counter)}-{base}"


@pytest.fixture
def make_table(server: Server, table_name: str) -> Callable[..., Table]:
    """Create the table on the server and return a factory of ``Table`` objects bound to it
    (keyword arguments go to ``Table``)."""
    create_table(server, table_name)

    def factory(**kwargs: Any) -> Table:
        kwargs.setdefault("regions", [REGION])
        kwargs.setdefault("endpoint_url", server.url)
        kwargs.setdefault("cursor_secret", "test-cursor-secret")
        return Table(table_name, **kwargs)

    return factory


@pytest.fixture
def table(make_table: Callable[..., Table]) -> Table:
    """A pydynamodel Table on a fresh single table on the server under test."""
    return make_table()


@pytest.fixture
def sent(table: Table) -> list[tuple[str, dict[str, Any]]]:
    """``(operation, parameters)`` of every request the ``table`` fixture sends from now on,
    in order (recorded by a botocore hook on its home-region client)."""
    seen: list[tuple[str, dict[str, Any]]] = []

    def record(params: dict[str, Any], model: Any, **_: Any) -> None:
        seen.append((model.name, dict(params)))

    table.client().meta.events.register("provide-client-params.dynamodb.*", record)
    return seen


@pytest.fixture
def offline() -> Table:
    """A Table whose endpoint is a closed loopback port: a test of what is refused before any
    request uses it, so a request that is sent anyway fails as ServiceUnavailable."""
    return Table(
        "offline-table",
        regions=[REGION],
        endpoint_url=f"http://127.0.0.1:{free_port()}",
        cursor_secret="test-cursor-secret",
        connect_timeout=0.5,
        max_attempts=1,
    )
