"""Time budgets: a region that hangs cannot make ``send`` (or the publish consumer) run past
its function timeout. The broadcast stops at a deadline derived from the Lambda context's
remaining time, keeping room to answer, and reports who it did not deliver to.

No test measures time: each asserts outcomes (who got the frame, what the ack and metrics
report) and configured values (timeouts and attempts against the function timeouts). Where a
member hangs, the deadline is an event rather than a clock (:func:`deadline_once_only_hanging`):
the broadcast's wait ends when every post still running is one the hanging endpoint holds, or at
the real deadline, whichever is first; so a loaded machine that is slow to finish the healthy
posts cannot make them miss the deadline.
"""

from __future__ import annotations

import concurrent.futures
import copy
import json
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import pytest

from contract.websocket import FUNCTIONS
from domain.models import Message
from domain.realtime import broadcast
from domain.realtime.broadcast import Broadcaster, Recipient
from handlers.ws import publish_consumer, runtime
from tests.conftest import FakeLambdaContext
from tests.ws.conftest import load_event
from tests.ws.hanging_endpoint import HangingEndpoint

if TYPE_CHECKING:
    from collections.abc import Iterable, Iterator
    from concurrent.futures import Future

    from tests.ws.conftest import Client
    from tests.ws.management_endpoint import ManagementEndpoint

#: How far away the broadcast's deadline is in these tests: far beyond what local posts need
#: on any machine; the deadline that ends these broadcasts is the event of
#: :func:`deadline_once_only_hanging`, which this bounds.
BROADCAST_WINDOW_MS = 20_000


@dataclass
class ContextWithRemaining(FakeLambdaContext):
    """A Lambda context with a chosen remaining time."""

    remaining_ms: int = 30_000

    def get_remaining_time_in_millis(self) -> int:
        return self.remaining_ms


@pytest.fixture
def hanging() -> Iterator[HangingEndpoint]:
    with HangingEndpoint() as endpoint:
        yield endpoint


@pytest.fixture
def deadline_once_only_hanging(
    hanging: HangingEndpoint, monkeypatch: pytest.MonkeyPatch
) -> list[float | None]:
    """Make the broadcast's deadline arrive as soon as every post still running is held by
    the hanging endpoint (each such post holds one connection it accepted and never
    answers), or at the real deadline if that comes first. Returns the timeouts the
    broadcaster asked its wait for, so a test can hold them to its deadline.

    A hanging post stays in flight for at least the client's read timeout, so the posts left
    running at this deadline are exactly the hanging ones."""
    real_wait = concurrent.futures.wait
    asked: list[float | None] = []

    def wait(
        futures: Iterable[Future[str | None]], timeout: float | None = None
    ) -> tuple[set[Future[str | None]], set[Future[str | None]]]:
        asked.append(timeout)
        futures = list(futures)
        accepted_before = hanging.accepted
        ends = time.monotonic() + (timeout if timeout is not None else BROADCAST_WINDOW_MS / 1000)
        while time.monotonic() < ends:
            running = sum(not f.done() for f in futures)
            if running <= hanging.accepted - accepted_before:
                break
            time.sleep(0.005)
        done, not_done = real_wait(futures, timeout=0)
        return set(done), set(not_done)

    # The broadcaster's own name for the wait (it imports it from concurrent.futures).
    monkeypatch.setattr(broadcast, "wait", wait)
    return asked


@pytest.fixture
def room_with_a_hanging_member(
    ws: Client,
    hanging: HangingEndpoint,
    deadline_once_only_hanging: list[float | None],
    monkeypatch: pytest.MonkeyPatch,
) -> Client:
    """conn-1 and conn-2 behind the healthy endpoint, conn-h behind one that hangs."""
    ws.create_room("lobby")
    for connection_id in ("conn-1", "conn-2"):
        ws.connect(connection_id, user_id=connection_id)
        ws.frame(connection_id, action="join", room_id="lobby")
    with monkeypatch.context() as patch:
        patch.setenv("MANAGEMENT_ENDPOINT_URL", hanging.url)
        ws.connect("conn-h", user_id="far-away")
        ws.frame("conn-h", action="join", room_id="lobby")
    ws.context = ContextWithRemaining(
        remaining_ms=int(runtime.ANSWER_RESERVE_S * 1000) + BROADCAST_WINDOW_MS
    )
    return ws


def test_the_broadcaster_stops_at_its_deadline_and_names_the_undelivered(
    endpoint_a: ManagementEndpoint,
    hanging: HangingEndpoint,
    deadline_once_only_hanging: list[float | None],
) -> None:
    # Given two recipients behind a healthy endpoint and two behind one that never answers
    endpoint_a.reset()
    recipients = [Recipient(f"ok-{i}", endpoint_a.url, "eu-west-1") for i in range(2)]
    recipients += [Recipient(f"hang-{i}", hanging.url, "us-east-1") for i in range(2)]
    # (clients built before the clock starts: building one is slow on a loaded machine)
    broadcaster = Broadcaster(concurrency=4)
    for r in recipients:
        broadcaster.client(r.endpoint, r.region)
    # When it delivers with a deadline
    delivery = broadcaster.deliver(
        recipients, b"{}", deadline=time.monotonic() + BROADCAST_WINDOW_MS / 1000
    )
    # Then it waited for its posts no longer than until that deadline
    [timeout] = deadline_once_only_hanging
    assert timeout is not None
    assert 0 < timeout <= BROADCAST_WINDOW_MS / 1000
    # And at the deadline the healthy ones are delivered and the hanging ones reported as
    # undelivered (not as failed: their outcome is unknown)
    assert [r.connection_id for r in delivery.delivered] == ["ok-0", "ok-1"]
    assert [r.connection_id for r in delivery.undelivered] == ["hang-0", "hang-1"]
    assert delivery.failed == []
    assert hanging.accepted >= 1


def test_a_recipient_not_started_by_the_deadline_is_not_posted_to(
    endpoint_a: ManagementEndpoint,
) -> None:
    # Given a deadline that has already passed
    endpoint_a.reset()
    recipients = [Recipient(f"c{i}", endpoint_a.url, "eu-west-1") for i in range(3)]
    # When the broadcaster delivers, Then nothing is posted and all are undelivered
    delivery = Broadcaster(concurrency=2).deliver(recipients, b"{}", deadline=time.monotonic())
    assert len(delivery.undelivered) == 3
    assert endpoint_a.receivers() == set()


def test_send_answers_in_time_with_the_undelivered_reported(
    room_with_a_hanging_member: Client,
    endpoint_a: ManagementEndpoint,
    capsys: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
) -> None:
    ws = room_with_a_hanging_member
    capsys.readouterr()
    # When conn-1 sends while one member's region hangs
    ack = ws.frame("conn-1", action="send", room_id="lobby", body="hello", client_id="c-1")
    # Then the sender still gets its ack: two delivered, one undelivered, and the message is
    # stored once
    assert ack["action"] == "sent"
    assert (ack["delivered"], ack["failed"], ack["undelivered"]) == (2, 0, 1)
    assert endpoint_a.receivers() == {"conn-1", "conn-2"}
    assert runtime.table().get(Message, room_id="lobby", message_id=ack["message_id"])
    # And the log names the undelivered connection; the metrics count it (as a failed
    # delivery too, so the delivery-failure alarm sees a hanging region)
    [warning] = [r for r in caplog.records if "undelivered at the deadline" in r.getMessage()]
    samples = warning.__dict__["undelivered_samples"]
    assert [s["connection_id"] for s in samples] == ["conn-h"]
    out = capsys.readouterr().out
    [emf] = [json.loads(x) for x in out.splitlines() if '"_aws"' in x]
    assert (emf["Undelivered"], emf["DeliveryFailed"], emf["Delivered"]) == ([1.0], [1.0], [2.0])


def test_the_consumer_leaves_records_it_has_no_time_for_to_a_retry(
    ws: Client, endpoint_a: ManagementEndpoint
) -> None:
    # Given a member, and a batch of two queued frames arriving with less time left than the
    # answer reserve
    ws.create_room("lobby")
    ws.connect("conn-1")
    ws.frame("conn-1", action="join", room_id="lobby")
    event = copy.deepcopy(load_event("sqs_publish"))
    record = event["Records"][0]
    record["messageAttributes"]["connectionId"]["stringValue"] = "conn-1"
    event["Records"] = [record, {**copy.deepcopy(record), "messageId": "second"}]
    short = ContextWithRemaining(remaining_ms=int(runtime.ANSWER_RESERVE_S * 1000) - 1)
    # When the consumer handles the batch
    result = publish_consumer.handler(event, short)
    # Then both records go back to the queue untouched (SQS retries them; sends are
    # idempotent), and nothing is stored or delivered
    assert result == {
        "batchItemFailures": [{"itemIdentifier": record["messageId"]}, {"itemIdentifier": "second"}]
    }
    assert runtime.table().query(Message, room_id="lobby").items == []
    assert endpoint_a.receivers() == set()


def test_the_consumer_reports_a_hanging_member_without_retrying_the_record(
    room_with_a_hanging_member: Client, endpoint_a: ManagementEndpoint
) -> None:
    ws = room_with_a_hanging_member
    event = copy.deepcopy(load_event("sqs_publish"))
    event["Records"][0]["messageAttributes"]["connectionId"]["stringValue"] = "conn-1"
    # When a queued frame reaches a room with a hanging member
    result = publish_consumer.handler(event, ws.context)
    # Then the others get it and the record is not retried (that would deliver it again to
    # everyone for one unreachable member)
    assert result == {"batchItemFailures": []}
    assert endpoint_a.receivers() == {"conn-1", "conn-2"}


# -- configured values -------------------------------------------------------------------


def _function_timeouts() -> dict[str, int]:
    """The timeout the contract gives each WebSocket function that sets one (the stack builds
    the functions from it): {"Send": 28, "PublishConsumer": 30}."""
    return {
        name: spec.timeout_seconds
        for name, spec in FUNCTIONS.items()
        if spec.timeout_seconds is not None
    }


def test_one_post_and_the_answer_fit_in_each_broadcasting_functions_timeout() -> None:
    # Given the functions' timeouts the stack builds them with
    timeouts = _function_timeouts()
    assert set(timeouts) >= {"Send", "PublishConsumer"}
    # Then one post at its worst (every attempt waits out connect and read timeouts, plus
    # the retry's back-off) plus the answer reserve fits in each of them
    for name in ("Send", "PublishConsumer"):
        assert timeouts[name] > broadcast.POST_BUDGET_S + runtime.ANSWER_RESERVE_S, name


def test_the_management_client_has_bounded_timeouts_and_attempts(
    endpoint_a: ManagementEndpoint,
) -> None:
    client: Any = Broadcaster().client(endpoint_a.url, "eu-west-1")
    assert (client.connect_timeout, client.read_timeout, client.max_attempts) == (
        broadcast.CONNECT_TIMEOUT_S,
        broadcast.READ_TIMEOUT_S,
        broadcast.MAX_ATTEMPTS,
    )
    assert broadcast.POST_BUDGET_S >= broadcast.MAX_ATTEMPTS * (
        broadcast.CONNECT_TIMEOUT_S + broadcast.READ_TIMEOUT_S
    )


def test_the_deadline_keeps_the_answer_reserve_from_the_remaining_time() -> None:
    context = ContextWithRemaining(remaining_ms=20_000)
    before = time.monotonic()
    deadline = runtime.broadcast_deadline(context)
    after = time.monotonic()
    assert (
        before + 20 - runtime.ANSWER_RESERVE_S <= deadline <= after + 20 - runtime.ANSWER_RESERVE_S
    )


def test_the_websocket_table_client_has_the_functions_time_budget(ws_table: str) -> None:
    # Given a WebSocket handler's environment (one table region, the default function timeout)
    from domain.runtime import table_budget

    budget = table_budget()

    # When the handlers' table builds its DynamoDB client
    config: Any = runtime.table().client().meta.config

    # Then its timeouts and attempts are the shared budget's, not the library's defaults
    assert (config.connect_timeout, config.read_timeout) == (
        budget.connect_timeout,
        budget.read_timeout,
    )
    assert config.retries["total_max_attempts"] == budget.max_attempts
