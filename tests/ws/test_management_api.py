"""The broadcast's management API client: the request boto3's client would send, signed so
that the local runtime's SigV4 check accepts it, and boto3's standard retry mode (what is
retried, the back-off, the quota), against a local ``@connections`` endpoint over HTTP."""

from __future__ import annotations

import functools
import json
import socket
import struct
import time
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import TYPE_CHECKING, Any, Literal

import boto3
import botocore.endpoint
import pytest
from botocore.config import Config
from botocore.credentials import Credentials
from botocore.exceptions import (
    BotoCoreError,
    ClientError,
    EndpointConnectionError,
    ReadTimeoutError,
)
from botocore.retries import standard
from cdk_local_gateway.sigv4 import SignatureRejected, verify

from domain.realtime.management_api import ManagementApi
from tests.ws.management_endpoint import ManagementEndpoint

if TYPE_CHECKING:
    from collections.abc import Iterator
    from http.server import BaseHTTPRequestHandler

KEY = Credentials("AKIDMANAGEMENTTEST", "management-test-secret")
REGION = "eu-west-1"


def fixed_jitter() -> float:
    return 0.5


@pytest.fixture
def endpoint() -> Iterator[ManagementEndpoint]:
    with ManagementEndpoint(stage="dev") as local:
        yield local


@dataclass(frozen=True)
class Answer:
    """An answer of the scripted endpoint: a status, an error code (as ``x-amzn-ErrorType``
    and the body's message), and headers of its own."""

    status: int
    code: str | None = None
    headers: dict[str, str] = field(default_factory=dict)


#: What the scripted endpoint does with one attempt: answers it, or ends the connection
#: unanswered, with a FIN (``"close"``) or an RST (``"reset"``).
Step = Answer | Literal["close", "reset"]


class ScriptedEndpoint(ManagementEndpoint):
    """The local endpoint, where a connection id's posts meet the steps of its script in turn
    (then the usual answers): each attempt is recorded as usual, and an unanswered one is not
    a post. ``rewind()`` starts every script again, so that each client meets the same ones."""

    def __init__(self) -> None:
        self.scripts: dict[str, list[Step]] = {}
        self._played: dict[str, int] = {}
        super().__init__(stage="dev")

    def rewind(self) -> None:
        with self._lock:
            self._played.clear()

    def _next_step(self, connection_id: str) -> Step | None:
        with self._lock:
            played = self._played.get(connection_id, 0)
            script = self.scripts.get(connection_id, [])
            if played >= len(script):
                return None
            self._played[connection_id] = played + 1
            self.recorded.attempts.append(connection_id)
            return script[played]

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        endpoint = self
        usual: Any = super()._handler_class()

        class Scripted(usual):  # type: ignore[misc]
            def do_POST(self) -> None:
                connection_id = self._connection_id()
                step = endpoint._next_step(connection_id) if connection_id else None
                if step is None:
                    super().do_POST()
                    return
                data = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                endpoint._received(self.path, dict(self.headers.items()), data, self.client_address)
                if isinstance(step, Answer):
                    body = json.dumps({"message": step.code} if step.code else {}).encode()
                    self.send_response(step.status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(body)))
                    if step.code:
                        self.send_header("x-amzn-ErrorType", step.code)
                    for name, value in step.headers.items():
                        self.send_header(name, value)
                    self.end_headers()
                    self.wfile.write(body)
                    return
                if step == "reset":
                    # Linger 0: close() sends an RST, not a FIN.
                    self.connection.setsockopt(
                        socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0)
                    )
                    self.connection.close()
                self.close_connection = True

        return Scripted


@pytest.fixture
def scripted() -> Iterator[ScriptedEndpoint]:
    local = ScriptedEndpoint()
    with local:
        yield local


def client(
    url: str, *, sleeps: list[float] | None = None, max_attempts: int = 2, **kwargs: Any
) -> ManagementApi:
    return ManagementApi(
        url,
        REGION,
        connect_timeout=1.0,
        read_timeout=kwargs.pop("read_timeout", 3.0),
        max_attempts=max_attempts,
        credentials=KEY,
        verify=True,
        sleep=(sleeps if sleeps is not None else []).append,
        jitter=fixed_jitter,
        **kwargs,
    )


@dataclass
class Outcome:
    """What one client's posts did: the endpoint's attempts, the back-offs slept, and per
    failed post (code, status, RetryAttempts, MaxAttemptsReached, RetryQuotaReached)."""

    attempts: list[str]
    sleeps: list[float]
    errors: list[tuple[str, int, int, bool, bool]]
    #: ``str()`` of each error, as logs show it.
    messages: list[str]
    #: The ``RetryAttempts`` of each post that succeeded.
    retries: list[int]
    #: The connections the endpoint took a frame for, in order (a retried post's once).
    delivered: list[str]
    #: The type's name and ``str()`` of each error that is not an answer (connection errors).
    failures: list[tuple[str, str]]


class BotocoreRetries:
    """Runs the same posts through the lean client and boto3's client in standard retry mode,
    with the same fixed jitter and sleeps recorded instead of slept."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.sleeps: list[float] = []
        # The client sleeps in botocore.endpoint; its back-off draws from a default argument.
        monkeypatch.setattr(botocore.endpoint, "time", SimpleNamespace(sleep=self.sleeps.append))
        backoff = functools.partial(standard.ExponentialBackoff, random=fixed_jitter)
        monkeypatch.setattr(standard, "ExponentialBackoff", backoff)

    def compare(
        self, endpoint: ManagementEndpoint, *, max_attempts: int, connections: list[str]
    ) -> tuple[Outcome, Outcome]:
        ours = client(endpoint.url, sleeps=self.sleeps, max_attempts=max_attempts)
        theirs = boto3.Session(
            aws_access_key_id=KEY.access_key, aws_secret_access_key=KEY.secret_key
        ).client(
            "apigatewaymanagementapi",
            endpoint_url=endpoint.url,
            region_name=REGION,
            config=Config(retries={"mode": "standard", "total_max_attempts": max_attempts}),
        )
        return self._run(endpoint, ours, connections), self._run(endpoint, theirs, connections)

    def _run(self, endpoint: ManagementEndpoint, api: Any, connections: list[str]) -> Outcome:
        if isinstance(endpoint, ScriptedEndpoint):
            endpoint.rewind()
        first = len(endpoint.recorded.attempts)
        first_post = len(endpoint.recorded.posts)
        self.sleeps.clear()
        errors: list[tuple[str, int, int, bool, bool]] = []
        messages: list[str] = []
        retries: list[int] = []
        failures: list[tuple[str, str]] = []
        for connection_id in connections:
            try:
                answer = api.post_to_connection(ConnectionId=connection_id, Data=b"{}")
            except BotoCoreError as exc:
                failures.append((type(exc).__name__, str(exc)))
            except ClientError as exc:
                messages.append(str(exc))
                error: Any = exc.response["Error"]
                meta: Any = exc.response["ResponseMetadata"]
                errors.append(
                    (
                        error["Code"],
                        meta["HTTPStatusCode"],
                        meta["RetryAttempts"],
                        bool(meta.get("MaxAttemptsReached")),
                        bool(meta.get("RetryQuotaReached")),
                    )
                )
            else:
                retries.append(answer["ResponseMetadata"]["RetryAttempts"])
        return Outcome(
            endpoint.recorded.attempts[first:],
            list(self.sleeps),
            errors,
            messages,
            retries,
            [connection_id for connection_id, _ in endpoint.recorded.posts[first_post:]],
            failures,
        )


@pytest.fixture
def botocore_retries(monkeypatch: pytest.MonkeyPatch) -> BotocoreRetries:
    return BotocoreRetries(monkeypatch)


def test_a_post_sends_what_boto3s_client_sends(endpoint: ManagementEndpoint) -> None:
    # Given boto3's apigatewaymanagementapi client and the lean one, on the same endpoint
    boto3_client = boto3.Session(
        aws_access_key_id=KEY.access_key, aws_secret_access_key=KEY.secret_key
    ).client("apigatewaymanagementapi", endpoint_url=endpoint.url, region_name=REGION)
    connection_id = "Ab+c/D=="  # real ids end in "=": the path must encode them
    # When each posts the same frame to the same connection
    boto3_client.post_to_connection(ConnectionId=connection_id, Data=b'{"a":1}')
    client(endpoint.url).post_to_connection(ConnectionId=connection_id, Data=b'{"a":1}')
    # Then both requests have the same method, path, body and credential scope
    (_, path_b, headers_b, body_b), (_, path_l, headers_l, body_l) = endpoint.recorded.requests
    assert (path_l, body_l) == (path_b, body_b)
    scope = "Credential=AKIDMANAGEMENTTEST/{}/eu-west-1/execute-api/aws4_request"
    date = headers_l["X-Amz-Date"][:8]
    assert scope.format(date) in headers_l["Authorization"]
    assert scope.format(headers_b["X-Amz-Date"][:8]) in headers_b["Authorization"]
    # And the connection received the frame under its own id, twice
    assert endpoint.recorded.posts == [(connection_id, b'{"a":1}')] * 2


def test_the_signature_passes_the_local_runtimes_sigv4_check(endpoint: ManagementEndpoint) -> None:
    # When the lean client posts a frame
    client(endpoint.url).post_to_connection(ConnectionId="conn-1=", Data="héllo")
    # Then the request as received verifies with the key that signed it (and not another)
    _, path, headers, body = endpoint.recorded.requests[0]
    host, port = endpoint.url.split("//", 1)[1].split("/", 1)[0].split(":")
    url = f"http://{host}:{port}{path}"
    received = functools.partial(verify, method="POST", url=url, headers=headers, body=body)
    received(secrets={KEY.access_key: KEY.secret_key})
    with pytest.raises(SignatureRejected):
        received(secrets={KEY.access_key: "another secret"})
    # And a text frame was sent as UTF-8
    assert body == "héllo".encode()


def test_a_gone_connection_raises_gone_without_a_retry(endpoint: ManagementEndpoint) -> None:
    # Given a connection API Gateway no longer has
    endpoint.gone.add("c1")
    # When a frame is posted to it
    with pytest.raises(ClientError) as raised:
        client(endpoint.url).post_to_connection(ConnectionId="c1", Data=b"{}")
    # Then the error is boto3's: GoneException, status 410, after one attempt
    assert raised.value.response["Error"]["Code"] == "GoneException"
    assert raised.value.response["ResponseMetadata"]["HTTPStatusCode"] == 410
    assert raised.value.operation_name == "PostToConnection"
    assert endpoint.recorded.attempts == ["c1"]


def test_a_server_error_is_retried_as_boto3s_client_retries_it(
    endpoint: ManagementEndpoint, botocore_retries: BotocoreRetries
) -> None:
    # Given an endpoint answering 500 for one connection
    endpoint.failing.add("c1")
    # When each client posts a frame to it with 2 attempts
    ours, theirs = botocore_retries.compare(endpoint, max_attempts=2, connections=["c1"])
    # Then both tried twice, waited the same back-off, and raised the same error
    assert ours == theirs
    assert ours.attempts == ["c1", "c1"]
    assert ours.errors == [("InternalServerErrorException", 500, 1, True, False)]


def test_throttling_is_retried_as_boto3s_client_retries_it(
    endpoint: ManagementEndpoint, botocore_retries: BotocoreRetries
) -> None:
    # Given an endpoint refusing one connection's posts as over its limit (429)
    endpoint.throttled.add("c1")
    # When each client posts a frame to it with 3 attempts
    ours, theirs = botocore_retries.compare(endpoint, max_attempts=3, connections=["c1"])
    # Then both backed off alike (the throttling back-off) and gave up after 3 attempts
    assert ours == theirs
    assert ours.attempts == ["c1"] * 3
    assert ours.errors == [("LimitExceededException", 429, 2, True, False)]


def test_the_retry_quota_stops_retries_as_boto3s_client_does(
    endpoint: ManagementEndpoint, botocore_retries: BotocoreRetries
) -> None:
    # Given an endpoint failing every post, and one client each (one retry quota each)
    connections = [f"c{i}" for i in range(120)]
    endpoint.failing.update(connections)
    # When each client's 120 posts fail
    ours, theirs = botocore_retries.compare(endpoint, max_attempts=2, connections=connections)
    # Then both retried the same first posts, until the quota ran out, and no more
    assert ours == theirs
    retried = [c for c in connections if ours.attempts.count(c) == 2]
    assert connections[: len(retried)] == retried
    assert 0 < len(retried) < len(connections)
    assert ours.errors[-1][3:] == (False, True)  # the last gave up on the quota


@pytest.mark.parametrize("drop", ["close", "reset"])
def test_a_dropped_connection_is_retried_as_boto3s_client_retries_it(
    scripted: ScriptedEndpoint, botocore_retries: BotocoreRetries, drop: Step
) -> None:
    # Given an endpoint that ends the connection of a post's first two attempts unanswered
    scripted.scripts["c1"] = [drop, drop]
    # When each client posts a frame to it with 3 attempts
    ours, theirs = botocore_retries.compare(scripted, max_attempts=3, connections=["c1"])
    # Then both retried alike (the same back-offs) and the third attempt delivered it, once
    assert ours == theirs
    assert ours.attempts == ["c1"] * 3
    assert (ours.retries, ours.delivered, ours.failures) == ([2], ["c1"], [])


def test_a_connection_dropped_on_every_attempt_raises_as_boto3s_client_does(
    scripted: ScriptedEndpoint, botocore_retries: BotocoreRetries
) -> None:
    # Given an endpoint that closes the connection of every attempt of a post unanswered
    scripted.scripts["c1"] = ["close"] * 3
    # When each client posts a frame to it with 3 attempts
    ours, theirs = botocore_retries.compare(scripted, max_attempts=3, connections=["c1"])
    # Then both tried 3 times, backed off alike, and raised the same error, nothing delivered
    assert ours == theirs
    assert ours.attempts == ["c1"] * 3
    assert [name for name, _ in ours.failures] == ["ConnectionClosedError"]
    assert ours.delivered == []


def test_a_refused_connection_is_retried_as_boto3s_client_retries_it(
    botocore_retries: BotocoreRetries,
) -> None:
    # Given an endpoint that has stopped: its port refuses connections
    with ManagementEndpoint(stage="dev") as stopped:
        pass
    # When each client posts a frame to it with 3 attempts
    ours, theirs = botocore_retries.compare(stopped, max_attempts=3, connections=["c1"])
    # Then both backed off alike before each retry and raised the same error
    assert ours == theirs
    assert len(ours.sleeps) == 2
    assert [name for name, _ in ours.failures] == ["EndpointConnectionError"]


@pytest.mark.parametrize("failures", [1, 2])
def test_a_post_that_recovers_is_retried_as_boto3s_client_retries_it(
    scripted: ScriptedEndpoint, botocore_retries: BotocoreRetries, failures: int
) -> None:
    # Given an endpoint answering a post's first attempts 500, then taking it
    scripted.scripts["c1"] = [Answer(500, "InternalServerErrorException")] * failures
    # When each client posts a frame to it with 3 attempts
    ours, theirs = botocore_retries.compare(scripted, max_attempts=3, connections=["c1"])
    # Then both backed off alike and succeeded on the same attempt, delivering it once
    assert ours == theirs
    assert ours.attempts == ["c1"] * (failures + 1)
    assert (ours.retries, ours.delivered, ours.errors) == ([failures], ["c1"], [])


def test_a_retry_that_succeeds_refunds_the_retry_quota_as_boto3s_client_does(
    scripted: ScriptedEndpoint, botocore_retries: BotocoreRetries
) -> None:
    # Given a post that succeeds on its retry, then 120 posts that fail on every attempt
    scripted.scripts["c1"] = [Answer(500, "InternalServerErrorException")]
    failing = [f"f{i}" for i in range(120)]
    scripted.failing.update(failing)
    # When each client (one retry quota each) makes them all with 2 attempts
    ours, theirs = botocore_retries.compare(scripted, max_attempts=2, connections=["c1", *failing])
    # Then both ran out of quota on the same failing post
    assert ours == theirs
    assert ours.errors[-1][3:] == (False, True)
    # And at the same one as clients whose quota was never drawn on: the retry was refunded
    fresh, _ = botocore_retries.compare(scripted, max_attempts=2, connections=failing)
    assert ours.attempts[2:] == fresh.attempts


@pytest.mark.parametrize("retry_after_ms", ["1500", "60000", "soon"])
def test_a_throttled_answers_retry_after_is_taken_as_boto3s_client_takes_it(
    scripted: ScriptedEndpoint, botocore_retries: BotocoreRetries, retry_after_ms: str
) -> None:
    # Given an endpoint refusing a post as over its limit (429), saying when to come back:
    # within the back-off's reach, beyond it, or unreadably
    throttled = Answer(429, "LimitExceededException", {"x-amz-retry-after": retry_after_ms})
    scripted.scripts["c1"] = [throttled] * 3
    # When each client posts a frame to it with 3 attempts
    ours, theirs = botocore_retries.compare(scripted, max_attempts=3, connections=["c1"])
    # Then both waited alike before each retry (as the botocore installed reads the header)
    # and gave up after 3 attempts with the same error
    assert ours == theirs
    assert ours.attempts == ["c1"] * 3
    assert ours.errors == [("LimitExceededException", 429, 2, True, False)]


def test_a_retry_that_succeeds_delivers_once(endpoint: ManagementEndpoint) -> None:
    # Given a connection whose first post fails with a 503-like server error
    endpoint.failing.add("c1")
    api = client(endpoint.url, sleeps=[])
    original = api._send

    def recover_after_first(path: str, body: bytes) -> Any:
        response = original(path, body)
        endpoint.failing.discard("c1")
        return response

    api._send = recover_after_first  # type: ignore[method-assign]
    # When a frame is posted
    result = api.post_to_connection(ConnectionId="c1", Data=b"{}")
    # Then the second attempt delivered it, and it was received once
    assert result["ResponseMetadata"]["RetryAttempts"] == 1
    assert endpoint.recorded.posts == [("c1", b"{}")]


def test_a_refused_connection_raises_botocores_connection_error() -> None:
    # Given a port nothing listens on
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    sleeps: list[float] = []
    # When a frame is posted there
    with pytest.raises(EndpointConnectionError):
        client(f"http://127.0.0.1:{port}/dev", sleeps=sleeps).post_to_connection(
            ConnectionId="c1", Data=b"{}"
        )
    # Then it was retried once, as boto3 retries a connection error
    assert len(sleeps) == 1


def test_a_hanging_answer_ends_at_the_read_timeout() -> None:
    # Given an endpoint that answers after 2 s and a client that reads for 0.2 s, 1 attempt
    with ManagementEndpoint(stage="dev", delay=2.0) as slow:
        api = client(slow.url, read_timeout=0.2, max_attempts=1)
        start = time.monotonic()
        # When a frame is posted
        with pytest.raises(ReadTimeoutError):
            api.post_to_connection(ConnectionId="c1", Data=b"{}")
        # Then the wait ended with the read timeout, not the answer
        assert time.monotonic() - start < 1.5


def test_credentials_come_from_botocores_chain(
    endpoint: ManagementEndpoint, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given credentials in the environment only, as Lambda provides them
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIDFROMENV")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "env-secret")
    monkeypatch.setenv("AWS_SESSION_TOKEN", "env-token")
    # When a client made without credentials posts
    ManagementApi(
        endpoint.url, REGION, connect_timeout=1, read_timeout=3, max_attempts=1
    ).post_to_connection(ConnectionId="c1", Data=b"{}")
    # Then it signed with them, session token included
    headers = endpoint.recorded.requests[0][2]
    assert "Credential=AKIDFROMENV/" in headers["Authorization"]
    assert headers["X-Amz-Security-Token"] == "env-token"


def test_attempts_below_one_are_refused() -> None:
    with pytest.raises(ValueError, match="max_attempts=0"):
        client("http://127.0.0.1:1/dev", max_attempts=0)
