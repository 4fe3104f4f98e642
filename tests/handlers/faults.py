"""A fault-injecting HTTP proxy for the handler tests: it sits between a handler's DynamoDB
client and the local moto server, forwards every request, and for chosen calls lets moto apply
the request and then loses its response (the connection is reset before a byte of the answer).

That is the "applied, but the answer never came" failure of a real network: the client cannot
tell it from a request that never arrived, so botocore retries it, and after the last attempt
the handler fails and the API client retries the whole request.

The same proxy stands for one region of a global table in the multi-region tests: with
``as_region`` it forwards a request signed for its region as if signed for the region the
moto table lives in (moto keeps regions apart and does not replicate; one table behind every
region's proxy is a global table whose replication never lags), records which items each
request named, and ``hang()`` makes the region accept requests and never answer them.
"""

from __future__ import annotations

import http.client
import json
import re
import socket
import struct
import threading
import urllib.parse
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

WRITES = frozenset({"PutItem", "UpdateItem", "DeleteItem", "TransactWriteItems"})
"""The DynamoDB operations that change the table."""


@dataclass
class Loss:
    """Lose the responses of matching calls number ``nth`` .. ``nth + times - 1`` (1-based;
    ``times=None``: every one from ``nth`` on). A call matches when its operation is in
    ``operations`` and its request body contains ``contains``."""

    operations: frozenset[str]
    contains: str
    nth: int = 1
    times: int | None = 1
    seen: int = 0
    lost: int = 0

    def applies(self, operation: str, body: bytes) -> bool:
        if operation not in self.operations or self.contains.encode() not in body:
            return False
        self.seen += 1
        last = None if self.times is None else self.nth + self.times - 1
        if self.seen < self.nth or (last is not None and self.seen > last):
            return False
        self.lost += 1
        return True


_SIGNED_REGION = re.compile(r"(Credential=[^/]+/\d{8}/)([a-z0-9-]+)(/)")


@dataclass(frozen=True)
class Call:
    """One request that reached the proxy: its operation and the ``entity`` attribute of
    every item it put (``PutItem``, ``BatchWriteItem`` puts, transaction puts)."""

    operation: str
    entities: tuple[str, ...]


@dataclass
class LossyProxy:
    """``with LossyProxy(moto_url) as proxy:`` then point the table at ``proxy.url``.
    ``as_region``: forward every request as signed for that region (see the module doc)."""

    target: str
    losses: list[Loss] = field(default_factory=list)
    operations: list[str] = field(default_factory=list)
    as_region: str | None = None
    calls: list[Call] = field(default_factory=list)
    hung: int = 0

    def __post_init__(self) -> None:
        self.target = self.target.rstrip("/")
        self._lock = threading.Lock()
        self._upstream = threading.local()
        self._hanging = False
        self._release = threading.Event()
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            # Keep-alive: botocore reuses its connections, as it would with DynamoDB.
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: Any) -> None:
                pass

            def do_POST(self) -> None:
                proxy._handle(self)

        class Server(ThreadingHTTPServer):
            daemon_threads = True

            def handle_error(self, request: Any, client_address: Any) -> None:
                # A reset connection is the point of the exercise, not an error to print.
                pass

        self._server = Server(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        # shutdown() waits for serve_forever's next poll (0.5 s by default) on every stop.
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    def __enter__(self) -> LossyProxy:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._release.set()
        self._server.shutdown()
        self._server.server_close()

    def lose(
        self,
        *,
        contains: str,
        operations: frozenset[str] = WRITES,
        nth: int = 1,
        times: int | None = 1,
    ) -> Loss:
        """Lose responses of matching calls from now on (see :class:`Loss`)."""
        loss = Loss(operations, contains, nth, times)
        with self._lock:
            self.losses.append(loss)
        return loss

    def heal(self) -> None:
        """Deliver every response again, and answer requests again after a ``hang()``."""
        with self._lock:
            self.losses.clear()
            self._hanging = False
            self._release.set()

    def hang(self) -> None:
        """From now on accept every request and never answer it nor forward it (a region
        that hangs); a request held when the proxy heals or closes has its connection reset."""
        with self._lock:
            self._hanging = True
            self._release = threading.Event()

    def reset(self) -> None:
        """Heal, and forget the calls recorded so far."""
        self.heal()
        with self._lock:
            self.operations.clear()
            self.calls.clear()
            self.hung = 0

    def writes_of(self, entity: str) -> list[str]:
        """The operations that put an item of ``entity`` through this proxy."""
        with self._lock:
            return [c.operation for c in self.calls if entity in c.entities]

    def count(self, *operations: str) -> int:
        """How many requests of these operations reached the proxy (answered or not)."""
        with self._lock:
            return sum(1 for op in self.operations if op in operations)

    def _handle(self, handler: BaseHTTPRequestHandler) -> None:
        body = handler.rfile.read(int(handler.headers.get("Content-Length", 0)))
        operation = handler.headers.get("X-Amz-Target", "").rpartition(".")[2]
        with self._lock:
            self.operations.append(operation)
            self.calls.append(Call(operation, _put_entities(body)))
            # A list, not a generator: every loss counts the call, even after one matched.
            lose = any([loss.applies(operation, body) for loss in self.losses])
            hanging, release = self._hanging, self._release
            if hanging:
                self.hung += 1
        if hanging:
            release.wait()
            self._reset(handler.connection)
            handler.close_connection = True
            return
        status, headers, payload = self._forward(handler, body)
        if lose:
            self._reset(handler.connection)
            handler.close_connection = True
            return
        handler.send_response(status)
        for name, value in headers.items():
            if name.lower() not in ("content-length", "transfer-encoding", "connection", "date"):
                handler.send_header(name, value)
        handler.send_header("Content-Length", str(len(payload)))
        handler.end_headers()
        handler.wfile.write(payload)

    def _forward(
        self, handler: BaseHTTPRequestHandler, body: bytes
    ) -> tuple[int, dict[str, str], bytes]:
        headers: dict[str, str] = {}
        for name, value in handler.headers.items():
            if name.lower() not in ("host", "content-length", "connection"):
                if name.lower() == "authorization" and self.as_region is not None:
                    # moto picks the region's backend from the credential scope (it does not
                    # check signatures): the table of ``as_region`` answers.
                    value = _SIGNED_REGION.sub(rf"\g<1>{self.as_region}\g<3>", value)
                headers[name] = value
        # One kept-alive connection to the target per proxy thread (one thread per client
        # connection); a connection the target closed meanwhile is opened again once.
        for attempt in (1, 2):
            connection = getattr(self._upstream, "connection", None)
            if connection is None:
                parts = urllib.parse.urlsplit(self.target)
                connection = http.client.HTTPConnection(parts.netloc, timeout=30)
                self._upstream.connection = connection
            try:
                connection.request("POST", handler.path, body=body, headers=headers)
                response = connection.getresponse()
                return response.status, dict(response.getheaders()), response.read()
            except (http.client.RemoteDisconnected, ConnectionError):
                connection.close()
                self._upstream.connection = None
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")

    @staticmethod
    def _reset(connection: socket.socket) -> None:
        # SO_LINGER with a zero timeout makes close() send RST: the client sees
        # "connection reset by peer", as when a response is lost on the network.
        connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        connection.close()


def _put_entities(body: bytes) -> tuple[str, ...]:
    """The ``entity`` of every item a DynamoDB request body puts."""
    try:
        request = json.loads(body)
    except ValueError:
        return ()
    items: list[dict[str, object]] = []
    if isinstance(request.get("Item"), dict):
        items.append(request["Item"])
    for entry in request.get("TransactItems") or ():
        items.append((entry.get("Put") or {}).get("Item") or {})
    for writes in (request.get("RequestItems") or {}).values():
        for write in writes if isinstance(writes, list) else ():
            items.append((write.get("PutRequest") or {}).get("Item") or {})
    entities = [item.get("entity") for item in items]
    return tuple(str(e.get("S")) for e in entities if isinstance(e, dict))


class ManualClock:
    """A ``time.monotonic`` stand-in that moves only when told to: the clock of a Table's
    region breaker in tests, so a test passes its 30 s window without waiting."""

    def __init__(self) -> None:
        self.now = 1_000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds
