"""Multi-region: reads fail over, writes go home, per-call region override, endpoint maps, and
the region breaker that skips a failed region for a while."""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, Any

import pytest
from botocore.config import Config

from domain.models import Room
from pydynamodel import ConfigurationError, ServiceUnavailable, Table, Throttled
from pydynamodel.transport import BREAKER_SECONDS
from tests.conftest import free_port
from tests.dynamodel.conftest import REGION
from tests.dynamodel.proxy import DelayProxy
from tests.handlers.faults import ManualClock
from tests.ws.hanging_endpoint import HangingEndpoint

if TYPE_CHECKING:
    from collections.abc import Callable, Collection, Iterator

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


def test_from_env_reads_the_breaker_window(monkeypatch: pytest.MonkeyPatch) -> None:
    # Given a table configured from the environment with a 2.5 s breaker window
    monkeypatch.setenv("TABLE_NAME", "t1")
    monkeypatch.setenv("DYNAMODEL_BREAKER_SECONDS", "2.5")
    # Then its breaker skips a failed region for 2.5 s; without the variable, the default
    assert Table.from_env().breaker.seconds == 2.5
    monkeypatch.delenv("DYNAMODEL_BREAKER_SECONDS")
    assert Table.from_env().breaker.seconds == BREAKER_SECONDS


@pytest.mark.parametrize("value", ["soon", "-1", "nan", "inf"])
def test_a_bad_breaker_window_in_the_environment_names_the_variable(
    monkeypatch: pytest.MonkeyPatch, value: str
) -> None:
    monkeypatch.setenv("TABLE_NAME", "t1")
    monkeypatch.setenv("DYNAMODEL_BREAKER_SECONDS", value)
    with pytest.raises(ConfigurationError, match=f"DYNAMODEL_BREAKER_SECONDS={value!r}"):
        Table.from_env()


# ---------------------------------------------------------------------- the region breaker
#
# A region that timed out, refused the connection or answered 5xx is skipped for
# ``breaker_seconds`` (30 s by default) by the Table that saw it. No test waits: the window is
# measured on an injected clock, and what reaches a region is counted where it arrives.

SICK = {"connect_timeout": 0.5, "read_timeout": 5.0, "max_attempts": 1}
"""For regions that answer (with errors): no request should ever wait out this timeout."""
HEALTHY_READ_TIMEOUT = 5.0
"""A healthy region's client, next to a hung one: no loopback answer comes near it."""
HUNG_READ_TIMEOUT = 0.1
"""A hung region's client: the region never answers, so it times out whatever the value, and
a request that reaches it costs this much."""


@pytest.fixture
def hung() -> Iterator[HangingEndpoint]:
    """A region endpoint that accepts connections and never answers."""
    with HangingEndpoint(stage="") as endpoint:
        yield endpoint


def two_regions(
    make_table: Callable[..., Table], home_url: str, peer_url: str, clock: ManualClock, **kw: Any
) -> Table:
    return make_table(
        regions=[DEAD_REGION, REGION],
        endpoint_url={DEAD_REGION: home_url, REGION: peer_url},
        clock=clock,
        **{**SICK, **kw},
    )


def two_regions_hung(
    make_table: Callable[..., Table],
    home_url: str,
    peer_url: str,
    clock: ManualClock,
    *,
    hung: Collection[str],
) -> Table:
    """``two_regions`` where the clients of the ``hung`` regions give up after
    HUNG_READ_TIMEOUT and the others wait HEALTHY_READ_TIMEOUT.

    A Table has one botocore Config for all its regions, and botocore copies a Config into each
    client when it creates it: the hung regions' clients are created first, then the Config is
    given the healthy timeout for the rest (what each client got is checked)."""
    config: Any = Config(  # botocore's stubs declare none of a Config's attributes
        connect_timeout=0.5,
        read_timeout=HUNG_READ_TIMEOUT,
        retries={"mode": "standard", "total_max_attempts": 1},
    )
    table = make_table(
        regions=[DEAD_REGION, REGION],
        endpoint_url={DEAD_REGION: home_url, REGION: peer_url},
        clock=clock,
        config=config,
    )
    for region in hung:
        table.client(region)
    config.read_timeout = HEALTHY_READ_TIMEOUT
    for region in table.regions:
        made: Any = table.client(region).meta.config
        expected = HUNG_READ_TIMEOUT if region in hung else HEALTHY_READ_TIMEOUT
        assert (made.read_timeout, made.retries["total_max_attempts"]) == (expected, 1), region
    return table


def test_a_read_skips_a_hung_region_for_the_breaker_window(
    make_table: Callable[..., Table], server_url: str, hung: HangingEndpoint
) -> None:
    # Given a home region that hangs and a healthy second region
    seed(make_table)
    clock = ManualClock()
    table = two_regions_hung(make_table, hung.url, server_url, clock, hung=[DEAD_REGION])
    # When a first read times out in the home region, then fails over
    assert table.get(Room, room_id="r1").name == "lobby"
    assert hung.accepted == 1
    assert table.breaker.open_regions() == [DEAD_REGION]
    # And more reads follow just inside the 30 s window
    clock.advance(29.9)
    assert table.get(Room, room_id="r1").name == "lobby"
    assert [r.room_id for r in table.query(Room, index="GSI1")] == ["r1"]
    # Then they were served by the second region without a request to the hung one
    assert hung.accepted == 1
    assert table.last_region == REGION


def test_after_the_window_one_read_tries_the_region_again(
    make_table: Callable[..., Table], server_url: str, hung: HangingEndpoint
) -> None:
    # Given a hung home region skipped since a first read
    seed(make_table)
    clock = ManualClock()
    table = two_regions_hung(make_table, hung.url, server_url, clock, hung=[DEAD_REGION])
    table.get(Room, room_id="r1")
    # When the window has passed
    clock.advance(30.0)
    # Then the next read tries the home region again (and still gets its answer elsewhere)
    assert table.get(Room, room_id="r1").name == "lobby"
    assert hung.accepted == 2
    # And its failure starts a new window
    clock.advance(29.9)
    table.get(Room, room_id="r1")
    assert hung.accepted == 2


def test_writes_fail_fast_while_the_home_region_is_skipped(
    make_table: Callable[..., Table], server_url: str, hung: HangingEndpoint
) -> None:
    # Given a hung home region: the first write waits out its timeout
    clock = ManualClock()
    table = two_regions_hung(make_table, hung.url, server_url, clock, hung=[DEAD_REGION])
    with pytest.raises(ServiceUnavailable):
        table.create(Room(room_id="r2", name="x", created_by="u"))
    assert hung.accepted == 1
    # When more writes of every kind come within the window
    writes: list[Callable[[], object]] = [
        lambda: table.create(Room(room_id="r3", name="x", created_by="u")),
        lambda: table.update(Room, {"room_id": "r3"}, Room.name.set("y")),
        lambda: table.delete(Room, room_id="r3"),
        lambda: table.batch_save([Room(room_id="r4", name="x", created_by="u")]),
    ]
    for write in writes:
        # Then each fails at once with ServiceUnavailable, without a request
        with pytest.raises(ServiceUnavailable, match="skipped"):
            write()
    assert hung.accepted == 1
    # And nothing reached the second region either: writes have no failover
    assert make_table().find(Room, room_id="r3") is None


def test_a_read_that_trips_the_home_region_makes_writes_fail_fast(
    make_table: Callable[..., Table], server_url: str, hung: HangingEndpoint
) -> None:
    # Given a read that failed over from the hung home region
    seed(make_table)
    clock = ManualClock()
    table = two_regions_hung(make_table, hung.url, server_url, clock, hung=[DEAD_REGION])
    table.get(Room, room_id="r1")
    # When a write comes within the window
    with pytest.raises(ServiceUnavailable, match="skipped"):
        table.save(Room(room_id="r1", name="renamed", created_by="u"))
    # Then the home region saw only the read
    assert hung.accepted == 1


def test_a_region_that_answers_again_is_used_again(
    make_table: Callable[..., Table], server_url: str
) -> None:
    # Given a single-region table whose region answered 500 and is skipped
    seed(make_table)
    clock = ManualClock()
    with DelayProxy(server_url, fail_status=500) as sick:
        table = make_table(endpoint_url=sick.url, clock=clock, **SICK)
        with pytest.raises(ServiceUnavailable):
            table.get(Room, room_id="r1")
        with pytest.raises(ServiceUnavailable, match="skipped"):
            table.get(Room, room_id="r1")
        assert sick.requests == 1
        # When it has recovered and the window has passed
        sick.fail_status = None
        clock.advance(30.0)
        table.create(Room(room_id="r5", name="back", created_by="u"))
        # Then the write reached it, and so does every call after it
        assert table.get(Room, room_id="r5").name == "back"
        assert sick.requests == 3
        assert table.breaker.open_regions() == []


def test_throttling_does_not_skip_a_region(
    make_table: Callable[..., Table], server_url: str
) -> None:
    # Given a home region that throttles (it is up, just busy)
    seed(make_table)
    with DelayProxy(server_url, fail_status=400, fail_code="ThrottlingException") as busy:
        table = two_regions(make_table, busy.url, server_url, ManualClock())
        # When two reads come
        table.get(Room, room_id="r1")
        table.get(Room, room_id="r1")
        # Then both tried it first: only outages open the breaker
        assert busy.requests == 2
        assert table.breaker.open_regions() == []


def test_a_read_with_every_region_skipped_fails_fast(
    make_table: Callable[..., Table], hung: HangingEndpoint
) -> None:
    # Given both regions hung, tripped by one read
    clock = ManualClock()
    table = two_regions_hung(make_table, hung.url, hung.url, clock, hung=[DEAD_REGION, REGION])
    with pytest.raises(ServiceUnavailable):
        table.get(Room, room_id="r1")
    assert hung.accepted == 2
    # When reads come within the window, pinned or not
    with pytest.raises(ServiceUnavailable, match="skipped"):
        table.get(Room, room_id="r1")
    with pytest.raises(ServiceUnavailable, match="skipped"):
        table.find(Room, room_id="r1", region=REGION)
    # Then they fail at once: no request was made
    assert hung.accepted == 2


def test_only_one_call_probes_a_region_when_its_window_ends(
    make_table: Callable[..., Table], server_url: str
) -> None:
    # Given a home region still failing, skipped since a first read
    seed(make_table)
    clock = ManualClock()
    with DelayProxy(server_url, fail_status=503, fail_code="ServiceUnavailable") as sick:
        table = two_regions(make_table, sick.url, server_url, clock)
        table.get(Room, room_id="r1")
        # When the window ends and 16 threads read at once
        clock.advance(30.0)
        with ThreadPoolExecutor(max_workers=16) as pool:
            names = list(pool.map(lambda _: table.get(Room, room_id="r1").name, range(16)))
        # Then every read was answered, and one of them alone tried the sick region
        assert names == ["lobby"] * 16
        assert sick.requests == 2


def test_a_zero_window_disables_the_breaker(
    make_table: Callable[..., Table], server_url: str
) -> None:
    seed(make_table)
    with DelayProxy(server_url, fail_status=500) as sick:
        table = two_regions(make_table, sick.url, server_url, ManualClock(), breaker_seconds=0)
        table.get(Room, room_id="r1")
        table.get(Room, room_id="r1")
        assert sick.requests == 2


def test_a_negative_window_is_refused() -> None:
    with pytest.raises(ConfigurationError, match="breaker_seconds"):
        Table("t", regions=[REGION], breaker_seconds=-1)


def test_from_env_reads_an_endpoint_per_region(monkeypatch: pytest.MonkeyPatch) -> None:
    # Given DYNAMODB_ENDPOINT_URL as region=url pairs (local two-region setups)
    monkeypatch.setenv("TABLE_NAME", "t1")
    monkeypatch.setenv("TABLE_REGIONS", "eu-west-1,us-east-1")
    monkeypatch.setenv(
        "DYNAMODB_ENDPOINT_URL", "eu-west-1=http://localhost:1, us-east-1=http://localhost:2"
    )
    # Then each region gets its own endpoint
    assert Table.from_env().endpoint_url == {
        "eu-west-1": "http://localhost:1",
        "us-east-1": "http://localhost:2",
    }


@pytest.mark.parametrize(
    "value", ["eu-west-1=http://a,http://b", "eu-west-1=", "=http://a", "eu-west-1=http://a,"]
)
def test_from_env_refuses_a_malformed_endpoint_map(
    monkeypatch: pytest.MonkeyPatch, value: str
) -> None:
    monkeypatch.setenv("TABLE_NAME", "t1")
    monkeypatch.setenv("DYNAMODB_ENDPOINT_URL", value)
    with pytest.raises(ConfigurationError, match="DYNAMODB_ENDPOINT_URL"):
        Table.from_env()
