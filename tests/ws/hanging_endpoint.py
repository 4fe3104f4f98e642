"""A management endpoint that accepts connections and never answers: a region that hangs.

Connections are held open until the endpoint closes, then reset, so a client still waiting on
one fails at once instead of keeping a thread busy until its read timeout.
"""

from __future__ import annotations

import socket
import threading


class HangingEndpoint:
    """``with HangingEndpoint() as endpoint: endpoint.url`` -> ``http://127.0.0.1:<port>/dev``;
    ``endpoint.accepted`` counts the connections it has taken and left unanswered."""

    def __init__(self, *, stage: str = "dev") -> None:
        self.stage = stage
        self.accepted = 0
        self._held: list[socket.socket] = []
        self._lock = threading.Lock()
        self._server = socket.create_server(("127.0.0.1", 0), backlog=64)
        self._thread = threading.Thread(target=self._accept_forever, daemon=True)

    @property
    def url(self) -> str:
        host, port = self._server.getsockname()[:2]
        return f"http://{host}:{port}/{self.stage}"

    def __enter__(self) -> HangingEndpoint:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        # On Linux, close() alone does not wake a thread blocked in accept(): that accept would
        # keep the port listening and take one more connection. shutdown() wakes it at once.
        try:
            self._server.shutdown(socket.SHUT_RDWR)
        except OSError:  # a platform that cannot shut a listening socket down: do not wait
            woken = False
        else:
            woken = True
        self._server.close()
        if woken and self._thread.is_alive():
            self._thread.join(timeout=5)
        with self._lock:
            for conn in self._held:
                conn.close()
            self._held.clear()

    def _accept_forever(self) -> None:
        while True:
            try:
                conn, _ = self._server.accept()
            except OSError:  # closed by __exit__
                return
            with self._lock:
                self._held.append(conn)
                self.accepted += 1
