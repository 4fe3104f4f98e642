"""The broadcaster: bounded concurrency, one client per endpoint, outcomes per recipient."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest

from domain.realtime.broadcast import Broadcaster, Recipient

if TYPE_CHECKING:
    from collections.abc import Iterator

from tests.ws.management_endpoint import ManagementEndpoint


@pytest.fixture
def slow_endpoint() -> Iterator[ManagementEndpoint]:
    with ManagementEndpoint(stage="dev", delay=0.02) as endpoint:
        yield endpoint


def recipients(endpoint: ManagementEndpoint, count: int) -> list[Recipient]:
    return [Recipient(f"c{i}", endpoint.url, "eu-west-1") for i in range(count)]


def test_no_more_posts_are_in_flight_than_the_concurrency_bound(
    slow_endpoint: ManagementEndpoint,
) -> None:
    # Given a broadcaster bounded to 4 concurrent posts and an endpoint that answers slowly
    broadcaster = Broadcaster(concurrency=4)
    # When it delivers to 40 connections
    delivery = broadcaster.deliver(recipients(slow_endpoint, 40), b'{"action":"message"}')
    # Then all are delivered and the endpoint never saw more than 4 posts at once
    assert len(delivery.delivered) == 40
    assert 1 < slow_endpoint.recorded.max_in_flight <= 4


def test_one_client_is_created_per_endpoint_and_reused(slow_endpoint: ManagementEndpoint) -> None:
    # Given a broadcaster that counts the clients it creates
    made: list[str] = []

    def factory(endpoint: str, region: str) -> Any:
        from domain.realtime.broadcast import management_client

        made.append(endpoint)
        return management_client(endpoint, region)

    broadcaster = Broadcaster(concurrency=4, client_factory=factory)
    # When it delivers twice to several connections behind one endpoint
    broadcaster.deliver(recipients(slow_endpoint, 8), b"{}")
    broadcaster.deliver(recipients(slow_endpoint, 8), b"{}")
    # Then exactly one client was created, for that endpoint
    assert made == [slow_endpoint.url]


def test_the_signing_region_comes_from_an_execute_api_host() -> None:
    # Given an endpoint of a regional API
    regions: list[str] = []
    broadcaster = Broadcaster(client_factory=lambda e, region: regions.append(region))
    # When its client is made, Then it signs for the API's region, not the caller's
    broadcaster.client("https://abc123.execute-api.us-east-1.amazonaws.com/prod", "eu-west-1")
    assert regions == ["us-east-1"]


def test_outcomes_are_sorted_into_delivered_gone_and_failed(
    slow_endpoint: ManagementEndpoint,
) -> None:
    # Given one gone and one failing connection among four
    slow_endpoint.gone.add("c1")
    slow_endpoint.failing.add("c2")
    # When a frame is delivered to all four
    delivery = Broadcaster(concurrency=2).deliver(recipients(slow_endpoint, 4), b"{}")
    # Then each outcome is reported for its connection
    assert [r.connection_id for r in delivery.delivered] == ["c0", "c3"]
    assert [r.connection_id for r in delivery.gone] == ["c1"]
    assert [r.connection_id for r, _ in delivery.failed] == ["c2"]


def test_a_concurrency_below_one_is_refused() -> None:
    with pytest.raises(ValueError, match="at least 1"):
        Broadcaster(concurrency=0)
