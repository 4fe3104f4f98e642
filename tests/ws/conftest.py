"""Fixtures of the WebSocket handler tests: a fresh single table on the moto server, local
management endpoints per region, recorded API Gateway events, and an environment that points
the handlers at both.

The handlers run exactly as in Lambda (same modules, same environment variables); only the
endpoints are local: DynamoDB is moto's server over HTTP, ``@connections`` is a
:class:`~tests.ws.management_endpoint.ManagementEndpoint`.

Two regions, as in Prod: ``TABLE_REGIONS`` is region A (the primary) then region B. Region A's
DynamoDB endpoint is the moto server, region B's a :class:`~tests.handlers.faults.LossyProxy`
that forwards to the same moto table (the global table, replicating without lag) and records
what reached region B. :func:`counted_regions` puts region A behind a proxy too, to count what
reaches it or make it hang (not the default: an in-process proxy triples a call's cost).
"""

from __future__ import annotations

import copy
import itertools
import json
from typing import TYPE_CHECKING, Any

import pytest

from tests.conftest import FakeLambdaContext, create_single_table
from tests.conftest import load_event as shared_load_event
from tests.handlers.faults import LossyProxy, ManualClock
from tests.iam import recorder
from tests.ws.management_endpoint import ManagementEndpoint

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

# Record every AWS call the handlers make here (tests/iam compares them with the roles).
recorder.install()

REGION_A = "eu-west-1"
REGION_B = "us-east-1"
_tables = itertools.count()


def load_event(name: str) -> dict[str, Any]:
    """A recorded event from tests/events/ws/ (a fresh copy each time)."""
    return shared_load_event("ws", f"{name}.json")


@pytest.fixture(scope="session")
def endpoint_a() -> Iterator[ManagementEndpoint]:
    with ManagementEndpoint(stage="dev") as endpoint:
        yield endpoint


@pytest.fixture(scope="session")
def endpoint_b() -> Iterator[ManagementEndpoint]:
    with ManagementEndpoint(stage="dev") as endpoint:
        yield endpoint


@pytest.fixture(scope="session")
def dynamo_a(moto_server: str) -> Iterator[LossyProxy]:
    """Region A's DynamoDB endpoint (the primary region)."""
    with LossyProxy(moto_server, as_region=REGION_A) as proxy:
        yield proxy


@pytest.fixture(scope="session")
def dynamo_b(moto_server: str) -> Iterator[LossyProxy]:
    """Region B's DynamoDB endpoint: the same moto table, as a replica."""
    with LossyProxy(moto_server, as_region=REGION_A) as proxy:
        yield proxy


@pytest.fixture
def ws_table(
    moto_server: str,
    dynamo_a: LossyProxy,
    dynamo_b: LossyProxy,
    monkeypatch: pytest.MonkeyPatch,
) -> Iterator[str]:
    """A fresh table; the handlers' environment points at it in both regions (and the module
    caches of the table and broadcaster are cleared, as in a new Lambda container)."""
    from domain.settings import get_settings
    from handlers.ws import runtime

    name = f"ws-{next(_tables)}"
    create_single_table(moto_server, name, REGION_A)
    dynamo_a.reset()
    dynamo_b.reset()
    monkeypatch.setenv("TABLE_NAME", name)
    monkeypatch.setenv("TABLE_REGIONS", f"{REGION_A},{REGION_B}")
    monkeypatch.setenv(
        "DYNAMODB_ENDPOINT_URL", f"{REGION_A}={moto_server},{REGION_B}={dynamo_b.url}"
    )
    monkeypatch.setenv("AWS_REGION", REGION_A)
    monkeypatch.setenv("BROADCAST_CONCURRENCY", "8")
    get_settings.cache_clear()
    runtime.broadcaster.cache_clear()
    fresh_table()
    yield name
    get_settings.cache_clear()  # the next test reads its own environment


def fresh_table() -> None:
    """Forget the container's table (the next handler builds it from the environment), with
    a region breaker whose window passes only when a test moves its clock."""
    from handlers.ws import runtime

    runtime.table.cache_clear()
    runtime.table().breaker.clock = ManualClock()


@pytest.fixture
def counted_regions(
    ws: Client, dynamo_a: LossyProxy, dynamo_b: LossyProxy, monkeypatch: pytest.MonkeyPatch
) -> tuple[LossyProxy, LossyProxy]:
    """Both regions' DynamoDB endpoints behind proxies: ``(region A's, region B's)``."""
    monkeypatch.setenv(
        "DYNAMODB_ENDPOINT_URL", f"{REGION_A}={dynamo_a.url},{REGION_B}={dynamo_b.url}"
    )
    fresh_table()
    return dynamo_a, dynamo_b


@pytest.fixture
def region(
    monkeypatch: pytest.MonkeyPatch, endpoint_a: ManagementEndpoint, endpoint_b: ManagementEndpoint
) -> Callable[[str], None]:
    """``region("us-east-1")``: the next handler call runs in that region's API (its
    ``AWS_REGION`` and its management endpoint)."""

    def switch(name: str) -> None:
        monkeypatch.setenv("AWS_REGION", name)
        endpoint = endpoint_a if name == REGION_A else endpoint_b
        monkeypatch.setenv("MANAGEMENT_ENDPOINT_URL", endpoint.url)

    return switch


@pytest.fixture
def ws(
    ws_table: str,
    region: Callable[[str], None],
    endpoint_a: ManagementEndpoint,
    endpoint_b: ManagementEndpoint,
) -> Client:
    """A test client driving the handlers with recorded events, in region A by default."""
    endpoint_a.reset()
    endpoint_b.reset()
    region(REGION_A)
    return Client(ws_table, region)


class Client:
    """Drives the WebSocket handlers the way API Gateway does, from recorded events."""

    def __init__(self, table_name: str, region: Callable[[str], None]) -> None:
        self.table_name = table_name
        self.in_region = region
        self.context = FakeLambdaContext()

    def connect(self, connection_id: str, user_id: str = "user-1") -> dict[str, Any]:
        from handlers.ws import connect

        event = load_event("connect")
        event["requestContext"]["connectionId"] = connection_id
        event["requestContext"]["authorizer"] = {"principalId": user_id, "user_id": user_id}
        result: dict[str, Any] = connect.handler(event, self.context)
        return result

    def disconnect(self, connection_id: str) -> dict[str, Any]:
        from handlers.ws import disconnect

        event = load_event("disconnect")
        event["requestContext"]["connectionId"] = connection_id
        result: dict[str, Any] = disconnect.handler(event, self.context)
        return result

    def message_event(self, connection_id: str, route: str, body: str | None) -> dict[str, Any]:
        event = copy.deepcopy(load_event("message"))
        event["requestContext"]["connectionId"] = connection_id
        event["requestContext"]["routeKey"] = route
        event["body"] = body
        return event

    def send_raw(self, connection_id: str, route: str, body: str | None) -> dict[str, Any]:
        """Call the handler of ``route`` with a raw message body; return the decoded reply."""
        from handlers.ws import join, leave, send

        handler = {"join": join.handler, "leave": leave.handler, "send": send.handler}[route]
        result = handler(self.message_event(connection_id, route, body), self.context)
        assert result["statusCode"] == 200
        reply: dict[str, Any] = json.loads(result["body"])
        return reply

    def frame(self, connection_id: str, **frame: Any) -> dict[str, Any]:
        """Send a JSON frame (its ``action`` picks the route, as route selection does)."""
        return self.send_raw(connection_id, str(frame["action"]), json.dumps(frame))

    def items(self) -> list[dict[str, Any]]:
        """Every item of the table (to prove that nothing was written)."""
        from handlers.ws import runtime

        client: Any = runtime.table().client()
        return list(client.scan(TableName=self.table_name).get("Items", []))

    def create_room(self, room_id: str) -> None:
        from domain.models import Room
        from handlers.ws import runtime

        runtime.table().create(Room(room_id=room_id, name=room_id, created_by="user-admin"))
