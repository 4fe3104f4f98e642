"""A fault-injecting HTTP proxy for the handler tests: it sits between a handler's DynamoDB
client and the local moto server, forwards every request, and for chosen calls lets moto apply
the request and then loses its response (the connection is reset before a byte of the answer).

That is the "applied, but the answer never came" failure of a real network: the client cannot
tell it from a request that never arrived, so botocore retries it, and after the last attempt
the handler fails and the API client retries the whole request.
"""

from __future__ import annotations

import socket
import struct
import threading
import urllib.error
import urllib.request
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


@dataclass
class LossyProxy:
    """``with LossyProxy(moto_url) as proxy:`` then point the table at ``proxy.url``."""

    target: str
    losses: list[Loss] = field(default_factory=list)
    operations: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.target = self.target.rstrip("/")
        self._lock = threading.Lock()
        proxy = self

        class Handler(BaseHTTPRequestHandler):
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
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def __enter__(self) -> LossyProxy:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
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
        """Deliver every response again."""
        with self._lock:
            self.losses.clear()

    def _handle(self, handler: BaseHTTPRequestHandler) -> None:
        body = handler.rfile.read(int(handler.headers.get("Content-Length", 0)))
        operation = handler.headers.get("X-Amz-Target", "").rpartition(".")[2]
        with self._lock:
            self.operations.append(operation)
            # A list, not a generator: every loss counts the call, even after one matched.
            lose = any([loss.applies(operation, body) for loss in self.losses])
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
        request = urllib.request.Request(self.target + handler.path, data=body, method="POST")
        for name, value in handler.headers.items():
            if name.lower() not in ("host", "content-length", "connection"):
                request.add_header(name, value)
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                return response.status, dict(response.headers.items()), response.read()
        except urllib.error.HTTPError as err:
            return err.code, dict(err.headers.items()), err.read()

    @staticmethod
    def _reset(connection: socket.socket) -> None:
        # SO_LINGER with a zero timeout makes close() send RST: the client sees
        # "connection reset by peer", as when a response is lost on the network.
        connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        connection.close()


class ManualClock:
    """A ``time.monotonic`` stand-in that moves only when told to: the clock of a Table's
    region breaker in tests, so a test passes its 30 s window without waiting."""

    def __init__(self) -> None:
        self.now = 1_000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds
