"""A local stand-in for API Gateway's ``@connections`` management API.

A threaded HTTP server on loopback implementing ``POST /{stage}/@connections/{id}`` (record the
frame) and ``DELETE /{stage}/@connections/{id}``; connection ids in ``gone`` get ``410
GoneException`` as from API Gateway, ids in ``failing`` a 500, ids in ``throttled`` a 429
``LimitExceededException``, and every post can be delayed by
``delay`` seconds to stand in for the network (the broadcast benchmark uses this). With
``tls`` (a server context), it answers over HTTPS.
"""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote

if TYPE_CHECKING:
    import ssl


@dataclass
class Recorded:
    """What the endpoint received."""

    posts: list[tuple[str, bytes]] = field(default_factory=list)
    #: Every post received, answered or not, in arrival order (retries included).
    attempts: list[str] = field(default_factory=list)
    #: Every request as it arrived: method, raw path, headers, body.
    requests: list[tuple[str, str, dict[str, str], bytes]] = field(default_factory=list)
    #: The client's (address, port) of each request: one per connection it opened.
    peers: list[tuple[str, int]] = field(default_factory=list)
    deletes: list[str] = field(default_factory=list)
    gone_answers: list[str] = field(default_factory=list)
    max_in_flight: int = 0


class _Server(ThreadingHTTPServer):
    """Counts the connections it has closed, for tests that wait for a close."""

    closed = 0
    changed = threading.Condition()

    def shutdown_request(self, request: Any) -> None:
        super().shutdown_request(request)
        with self.changed:
            self.closed += 1
            self.changed.notify_all()


class ManagementEndpoint:
    """``with ManagementEndpoint(stage="dev") as endpoint: endpoint.url`` ->
    ``http://127.0.0.1:<port>/dev``."""

    def __init__(
        self, *, stage: str = "dev", delay: float = 0.0, tls: ssl.SSLContext | None = None
    ) -> None:
        self.stage = stage
        self.delay = delay
        #: Close each connection after answering, without saying so (``Connection: close``),
        #: as a server does with a keep-alive connection it has timed out.
        self.drop_connections = False
        self.gone: set[str] = set()
        self.failing: set[str] = set()
        self.throttled: set[str] = set()
        self.recorded = Recorded()
        self._lock = threading.Lock()
        self._in_flight = 0
        self._server = _Server(("127.0.0.1", 0), self._handler_class())
        self._server.changed = threading.Condition()
        self._server.daemon_threads = True
        # Let a 1,000-connection broadcast queue up without refused connections.
        self._server.request_queue_size = 1024
        self.scheme = "http"
        if tls is not None:
            self._server.socket = tls.wrap_socket(self._server.socket, server_side=True)
            self.scheme = "https"
        # shutdown() waits for serve_forever's next poll (0.5 s by default) on every stop.
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"{self.scheme}://{host!s}:{port}/{self.stage}"

    def __enter__(self) -> ManagementEndpoint:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()

    def reset(self) -> None:
        with self._lock:
            self.recorded = Recorded()
            self.gone.clear()
            self.failing.clear()
            self.throttled.clear()

    # -- what tests read --------------------------------------------------------------------
    def frames_for(self, connection_id: str) -> list[dict[str, Any]]:
        """Frames posted to one connection, decoded, in arrival order."""
        with self._lock:
            posts = list(self.recorded.posts)
        return [json.loads(data) for cid, data in posts if cid == connection_id]

    def wait_closed(self, count: int, timeout: float = 5.0) -> None:
        """Return once the server has closed ``count`` connections in all."""
        with self._server.changed:
            if not self._server.changed.wait_for(lambda: self._server.closed >= count, timeout):
                raise TimeoutError(f"{self._server.closed} of {count} connections closed")

    def receivers(self) -> set[str]:
        with self._lock:
            return {cid for cid, _ in self.recorded.posts}

    def _received(
        self, path: str, headers: dict[str, str], body: bytes, peer: tuple[str, int]
    ) -> None:
        with self._lock:
            self.recorded.requests.append(("POST", path, headers, body))
            self.recorded.peers.append((peer[0], peer[1]))

    def _post(self, connection_id: str, data: bytes) -> tuple[int, str | None]:
        """What API Gateway answers a post to ``connection_id``, recording it."""
        with self._lock:
            self.recorded.attempts.append(connection_id)
            self._in_flight += 1
            self.recorded.max_in_flight = max(self.recorded.max_in_flight, self._in_flight)
        try:
            if self.delay:
                time.sleep(self.delay)
            with self._lock:
                if connection_id in self.gone:
                    self.recorded.gone_answers.append(connection_id)
                    return 410, "GoneException"
                if connection_id in self.failing:
                    return 500, "InternalServerErrorException"
                if connection_id in self.throttled:
                    return 429, "LimitExceededException"
                self.recorded.posts.append((connection_id, data))
                return 200, None
        finally:
            with self._lock:
                self._in_flight -= 1

    def _delete(self, connection_id: str) -> tuple[int, str | None]:
        """What API Gateway answers a DELETE of ``connection_id``, recording it."""
        with self._lock:
            self.recorded.deletes.append(connection_id)
            return (410, "GoneException") if connection_id in self.gone else (200, None)

    # -- the server --------------------------------------------------------------------------
    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        endpoint = self
        prefix = f"/{self.stage}/@connections/"

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            # Headers and body go out in separate writes: without TCP_NODELAY, Nagle's
            # algorithm meets the client's delayed ACK and adds ~40 ms to every answer.
            disable_nagle_algorithm = True

            def log_message(self, fmt: str, *args: Any) -> None:
                """Quiet: tests read the recording instead."""

            def _connection_id(self) -> str | None:
                if not self.path.startswith(prefix):
                    return None
                return unquote(self.path[len(prefix) :])

            def _answer(self, status: int, error: str | None = None) -> None:
                body = json.dumps({"message": error} if error else {}).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                if error:
                    self.send_header("x-amzn-ErrorType", error)
                self.end_headers()
                self.wfile.write(body)
                self.close_connection = self.close_connection or endpoint.drop_connections

            def do_POST(self) -> None:
                data = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                endpoint._received(self.path, dict(self.headers.items()), data, self.client_address)
                connection_id = self._connection_id()
                if connection_id is None:
                    self._answer(404, "NotFoundException")
                    return
                self._answer(*endpoint._post(connection_id, data))

            def do_DELETE(self) -> None:
                connection_id = self._connection_id()
                if connection_id is None:
                    self._answer(404, "NotFoundException")
                    return
                self._answer(*endpoint._delete(connection_id))

        return Handler
