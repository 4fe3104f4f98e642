"""Fan-out of one frame to many connections through the ``@connections`` management API.

- One management API client per endpoint (``https://{domain}/{stage}``), created once per
  container and shared by every thread, each thread with its own keep-alive connection, so no
  post waits for a socket. The client is :class:`~domain.realtime.management_api.ManagementApi`:
  botocore's signing, credentials and retry rules without the generic client's per-call
  machinery, which was most of a post's CPU (the threads share one GIL).
- Bounded concurrency: one thread pool per container with ``concurrency`` workers. Posting is
  I/O bound (one HTTPS round trip per connection: ~10-30 ms in-region, ~80 ms cross-region), so
  threads overlap the waits while the GIL only serializes each post's CPU (signing, HTTP).
- A 410 ``GoneException`` marks the connection stale (the caller removes it); any other error
  is recorded and never stops the other deliveries.
- Time budget: each post is bounded by the client's connect/read timeouts and attempts
  (:data:`POST_BUDGET_S` at worst), and a broadcast by its ``deadline``: recipients whose post
  has not finished by then are reported as undelivered instead of holding the caller past
  its function timeout (one hanging region would otherwise stall every post queued behind
  it). A post still in flight at the deadline is abandoned, not cancelled: it may yet arrive,
  which clients absorb since they drop message ids they already have.
"""

from __future__ import annotations

import os
import re
import threading
import time
from concurrent.futures import ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence

    from domain.realtime.management_api import ManagementApi

#: Default bound on concurrent posts per invocation (see docs/websocket-reference.md, "Broadcast").
DEFAULT_CONCURRENCY = 12

#: The management API answers a post in ~10-80 ms; a second beats any healthy handshake, three
#: any healthy answer, and a second attempt rides out one dropped connection or 5xx.
CONNECT_TIMEOUT_S = 1.0
READ_TIMEOUT_S = 3.0
MAX_ATTEMPTS = 2
#: The longest one post can take: every attempt waiting out both timeouts, plus the standard
#: retry mode's back-off before the second attempt (at most 1 s).
POST_BUDGET_S = MAX_ATTEMPTS * (CONNECT_TIMEOUT_S + READ_TIMEOUT_S) + 1.0
#: Outcome of a post never started because the deadline had passed.
_LATE = "late"

_REGION_IN_HOST = re.compile(r"\.execute-api\.([a-z0-9-]+)\.amazonaws\.com")


@dataclass(frozen=True)
class Recipient:
    """One connection to deliver to and the management endpoint of its regional API."""

    connection_id: str
    endpoint: str
    region: str


@dataclass
class Delivery:
    """What happened to one broadcast."""

    delivered: list[Recipient] = field(default_factory=list)
    gone: list[Recipient] = field(default_factory=list)
    failed: list[tuple[Recipient, str]] = field(default_factory=list)
    #: Not delivered by the deadline: never posted, or still in flight (outcome unknown).
    undelivered: list[Recipient] = field(default_factory=list)


def management_client(endpoint: str, region: str) -> ManagementApi:
    """The client of one endpoint, with this module's timeouts and attempts."""
    from domain.realtime.management_api import ManagementApi

    return ManagementApi(
        endpoint,
        region,
        connect_timeout=CONNECT_TIMEOUT_S,
        read_timeout=READ_TIMEOUT_S,
        # A post is cheap to repeat but a broadcast should not stall on one slow member.
        max_attempts=MAX_ATTEMPTS,
    )


class Broadcaster:
    """Posts frames to connections with at most ``concurrency`` posts in flight."""

    def __init__(
        self,
        *,
        concurrency: int = DEFAULT_CONCURRENCY,
        client_factory: Callable[[str, str], Any] | None = None,
    ) -> None:
        if concurrency < 1:
            raise ValueError(f"concurrency={concurrency} must be at least 1")
        self.concurrency = concurrency
        self._factory = client_factory or management_client
        self._clients: dict[str, Any] = {}
        self._lock = threading.Lock()
        self._pool: ThreadPoolExecutor | None = None

    @classmethod
    def from_env(cls) -> Broadcaster:
        """``BROADCAST_CONCURRENCY`` (default :data:`DEFAULT_CONCURRENCY`)."""
        return cls(concurrency=int(os.environ.get("BROADCAST_CONCURRENCY", DEFAULT_CONCURRENCY)))

    def client(self, endpoint: str, region: str) -> Any:
        """The cached management API client of ``endpoint``."""
        client = self._clients.get(endpoint)
        if client is None:
            with self._lock:
                client = self._clients.get(endpoint)
                if client is None:
                    match = _REGION_IN_HOST.search(endpoint)
                    signing_region = match.group(1) if match else region
                    client = self._factory(endpoint, signing_region)
                    self._clients[endpoint] = client
        return client

    def _executor(self) -> ThreadPoolExecutor:
        if self._pool is None:
            with self._lock:
                if self._pool is None:
                    self._pool = ThreadPoolExecutor(
                        max_workers=self.concurrency, thread_name_prefix="broadcast"
                    )
        return self._pool

    def post(self, recipient: Recipient, data: bytes) -> str | None:
        """Post one frame. Returns ``None`` when delivered, ``"gone"`` for 410, else the
        error text."""
        from botocore.exceptions import BotoCoreError, ClientError

        client = self.client(recipient.endpoint, recipient.region)
        try:
            client.post_to_connection(ConnectionId=recipient.connection_id, Data=data)
        except ClientError as exc:
            error = exc.response.get("Error", {})
            status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
            if error.get("Code") == "GoneException" or status == 410:
                return "gone"
            return f"{error.get('Code', 'ClientError')}: {error.get('Message', '')}"
        except BotoCoreError as exc:
            return f"{type(exc).__name__}: {exc}"
        except Exception as exc:  # one member's failure must never stop the broadcast
            return f"{type(exc).__name__}: {exc}"
        return None

    def deliver(
        self, recipients: Sequence[Recipient], data: bytes, *, deadline: float | None = None
    ) -> Delivery:
        """Post ``data`` to every recipient, ``concurrency`` at a time; never raises for a
        failed delivery. ``deadline`` (a :func:`time.monotonic` value) ends the broadcast:
        whatever has not been delivered by then is reported in ``undelivered``."""
        result = Delivery()
        if not recipients:
            return result
        pool = self._executor()
        futures = [pool.submit(self._post_unless_late, r, data, deadline) for r in recipients]
        timeout = None if deadline is None else max(0.0, deadline - time.monotonic())
        done, _ = wait(futures, timeout=timeout)
        for recipient, future in zip(recipients, futures, strict=True):
            if future not in done:
                future.cancel()  # a queued post never starts; a running one is abandoned
                result.undelivered.append(recipient)
                continue
            outcome = future.result()
            if outcome is None:
                result.delivered.append(recipient)
            elif outcome == "gone":
                result.gone.append(recipient)
            elif outcome == _LATE:
                result.undelivered.append(recipient)
            else:
                result.failed.append((recipient, outcome))
        return result

    def _post_unless_late(
        self, recipient: Recipient, data: bytes, deadline: float | None
    ) -> str | None:
        if deadline is not None and time.monotonic() >= deadline:
            return _LATE
        return self.post(recipient, data)
