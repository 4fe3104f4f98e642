"""Multi-region: reads fail over, writes go home, per-call region override, endpoint maps."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

import pytest

from domain.models import Room
from pydynamodel import ServiceUnavailable, Table, Throttled
from tests.conftest import free_port
from tests.dynamodel.conftest import REGION
from tests.dynamodel.proxy import DelayProxy

if TYPE_CHECKING:
    from collections.abc import Callable

DEAD_REGION = "us-west-2"
FAST = {"connect_timeout": 0.5, "read_timeout": 2.0, "max_attempts": 1}


def closed_port_url() -> str:
    return f"http://127.0.0.1:{free_port()}"  # nothing listens there


def seed(make_table: Callable[..., Table]) -> None:
    make_table().create(Room(room_id="r1", name="lobby", created_by="u"))


def test_reads_fail_over_from_an_unreachable_region(
    make_table: Callable[..., Table], server_url: str
) -> None:
    # Given a table whose home region endpoint is a closed port and whose second is moto
    seed(make_table)
    table = make_table(
        regions=[DEAD_REGION, REGION],
        endpoint_url={DEAD_REGION: closed_port_url(), REGION: server_url},
        **FAST,
    )
    # When reading
    room = table.get(Room, room_id="r1")
    page = table.query(Room, index="GSI1")
    # Then the second region served the reads
    assert room.name == "lobby"
    assert [r.room_id for r in page] == ["r1"]
    assert table.last_region == REGION
    assert page.region == REGION


def test_writes_go_to_the_home_region_only(
    make_table: Callable[..., Table], server_url: str
) -> None:
    table = make_table(
        regions=[DEAD_REGION, REGION],
        endpoint_url={DEAD_REGION: closed_port_url(), REGION: server_url},
        **FAST,
    )
    with pytest.raises(ServiceUnavailable) as info:
        table.create(Room(room_id="r2", name="x", created_by="u"))
    assert info.value.original is not None
    # A per-call region override sends the write elsewhere
    table.create(Room(room_id="r2", name="x", created_by="u"), region=REGION)
    assert table.get(Room, room_id="r2", region=REGION).name == "x"


def test_region_override_disables_failover(
    make_table: Callable[..., Table], server_url: str
) -> None:
    seed(make_table)
    table = make_table(
        regions=[DEAD_REGION, REGION],
        endpoint_url={DEAD_REGION: closed_port_url(), REGION: server_url},
        **FAST,
    )
    with pytest.raises(ServiceUnavailable):
        table.get(Room, room_id="r1", region=DEAD_REGION)


@pytest.mark.parametrize(
    ("status", "code", "error"),
    [(500, "InternalServerError", ServiceUnavailable), (400, "ThrottlingException", Throttled)],
)
def test_reads_fail_over_on_5xx_and_throttling(
    make_table: Callable[..., Table],
    server_url: str,
    status: int,
    code: str,
    error: type[Exception],
) -> None:
    seed(make_table)
    with DelayProxy(server_url, fail_status=status, fail_code=code) as sick:
        table = make_table(
            regions=[DEAD_REGION, REGION],
            endpoint_url={DEAD_REGION: sick.url, REGION: server_url},
            **FAST,
        )
        assert table.get(Room, room_id="r1").name == "lobby"
        assert sick.requests >= 1
        # Pinned to the sick region, the mapped error surfaces
        with pytest.raises(error):
            table.get(Room, room_id="r1", region=DEAD_REGION)


def test_clients_are_cached_per_region(make_table: Callable[..., Table]) -> None:
    table = make_table(regions=[REGION, "us-east-1"])
    assert table.client(REGION) is table.client(REGION)
    assert table.client(REGION) is not table.client("us-east-1")
    assert table.client() is table.client(REGION)


def test_from_env_reads_name_regions_and_endpoint(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TABLE_NAME", "t1")
    monkeypatch.setenv("TABLE_REGIONS", "eu-west-1, us-east-1")
    monkeypatch.setenv("DYNAMODB_ENDPOINT_URL", "http://localhost:1")
    table = Table.from_env()
    assert (table.name, table.regions, table.endpoint_url) == (
        "t1",
        ["eu-west-1", "us-east-1"],
        "http://localhost:1",
    )
    monkeypatch.delenv("TABLE_REGIONS")
    assert Table.from_env().regions == [os.environ["AWS_REGION"]]
