"""A tiny threaded HTTP proxy on loopback for tests: delays requests before forwarding them to
moto, records how many were in flight at once, or answers with a canned error."""

from __future__ import annotations

import threading
import time
import urllib.error
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


class DelayProxy:
    def __init__(
        self,
        target: str,
        *,
        delay: float = 0.0,
        fail_status: int | None = None,
        fail_code: str = "InternalServerError",
    ) -> None:
        self.target = target.rstrip("/")
        self.delay = delay
        self.fail_status = fail_status
        self.fail_code = fail_code
        self.lock = threading.Lock()
        self.in_flight = 0
        self.max_in_flight = 0
        self.requests = 0
        self.intervals: list[tuple[float, float]] = []
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def do_POST(self) -> None:
                proxy._handle(self)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        # shutdown() waits for serve_forever's next poll (0.5 s by default) on every stop.
        self.thread = threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    def __enter__(self) -> DelayProxy:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()

    def _handle(self, handler: BaseHTTPRequestHandler) -> None:
        body = handler.rfile.read(int(handler.headers.get("Content-Length", 0)))
        start = time.monotonic()
        with self.lock:
            self.requests += 1
            self.in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self.in_flight)
        try:
            time.sleep(self.delay)
            if self.fail_status is not None:
                payload = f'{{"__type":"{self.fail_code}","message":"injected"}}'.encode()
                status, headers = self.fail_status, {"Content-Type": "application/x-amz-json-1.0"}
            else:
                request = urllib.request.Request(
                    self.target + handler.path, data=body, method="POST"
                )
                for name, value in handler.headers.items():
                    if name.lower() not in ("host", "content-length", "connection"):
                        request.add_header(name, value)
                try:
                    with urllib.request.urlopen(request, timeout=30) as response:
                        status, payload = response.status, response.read()
                        headers = dict(response.headers.items())
                except urllib.error.HTTPError as err:
                    status, payload, headers = err.code, err.read(), dict(err.headers.items())
        finally:
            with self.lock:
                self.in_flight -= 1
                self.intervals.append((start, time.monotonic()))
        handler.send_response(status)
        for name, value in headers.items():
            if name.lower() not in (
                "content-length",
                "transfer-encoding",
                "connection",
                "date",
                "server",
            ):
                handler.send_header(name, value)
        handler.send_header("Content-Length", str(len(payload)))
        handler.end_headers()
        handler.wfile.write(payload)

    def overlapping_pairs(self) -> int:
        """Number of request pairs whose [start, end] intervals overlap."""
        spans = sorted(self.intervals)
        return sum(
            1 for i, (_, end) in enumerate(spans) for (start, _) in spans[i + 1 :] if start < end
        )
