"""HTTP/1.1 to one endpoint over one keep-alive connection per thread (the standard library's
``http.client``), failing with botocore's connection exceptions.

Why not urllib3's pool (what botocore uses): the broadcast's threads share one GIL, and every
blocking socket call releases it and must win it back. urllib3 makes about six such calls per
request (a liveness poll, two timeout changes, headers and body written separately, the
read); here a request is one write and one read, on a connection whose timeouts are set once.
In a one-off comparison with twelve threads posting, botocore's HTTP session under the same
signing spent more CPU per post and waited longer for the GIL than this transport.
``bench/bench_broadcast.py`` compares the whole client with boto3's in every run.

- TLS is verified against botocore's CA bundle (or the one the caller names), with Python's
  defaults (TLS 1.2 or later, host name checked).
- Connect and read timeouts are separate, as in botocore: the connect (and TLS handshake)
  under the first, every read under the second.
- A connection idle for longer than :data:`IDLE_CHECK_S` (a Lambda container is frozen
  between invocations, and the server may have closed it meanwhile) is checked before reuse
  and replaced when the server has closed it; any error closes the thread's connection.
- Errors are botocore's, as its HTTP session raises them: ``ConnectTimeoutError``,
  ``EndpointConnectionError``, ``SSLError``, ``ReadTimeoutError``, ``ConnectionClosedError``.
- Proxies are not used: this is for API endpoints reached directly (Lambda has no proxy).
"""

from __future__ import annotations

import http.client
import select
import socket
import ssl
import threading
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from botocore.exceptions import (
    ConnectionClosedError,
    ConnectTimeoutError,
    EndpointConnectionError,
    ReadTimeoutError,
    SSLError,
)
from botocore.httpsession import where

if TYPE_CHECKING:
    from collections.abc import Mapping

#: A connection unused for longer than this is checked before it is used again.
IDLE_CHECK_S = 1.0


@dataclass(frozen=True)
class Response:
    status_code: int
    #: As received; ``get`` ignores case.
    headers: http.client.HTTPMessage
    content: bytes


class _OneWrite(http.client.HTTPConnection):
    """Headers and a bytes body in one write, as botocore's own connection class does: one
    GIL release instead of two, and no Nagle delay between them."""

    def _send_output(self, message_body: object = None, encode_chunked: bool = False) -> None:
        if not isinstance(message_body, bytes) or encode_chunked:
            super()._send_output(message_body, encode_chunked=encode_chunked)  # type: ignore[misc]
            return
        self._buffer.extend((b"", b""))  # type: ignore[attr-defined]
        head = b"\r\n".join(self._buffer)  # type: ignore[attr-defined]
        del self._buffer[:]  # type: ignore[attr-defined]
        self.send(head + message_body)


class _Http(_OneWrite):
    pass


class _Https(_OneWrite, http.client.HTTPSConnection):
    pass


class _Slot(threading.local):
    connection: http.client.HTTPConnection | None = None
    last_used = 0.0


class KeepAliveHttp:
    """Requests to ``endpoint``'s scheme, host and port; thread-safe (each thread has its own
    connection). ``verify``: ``True`` for botocore's CA bundle, a CA file path, or ``False``
    (no verification, for tests only)."""

    def __init__(
        self, endpoint: str, *, connect_timeout: float, read_timeout: float, verify: str | bool
    ) -> None:
        parts = urlsplit(endpoint)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(f"endpoint={endpoint!r} must be an http(s) URL")
        self.host = parts.hostname
        self.port = parts.port
        self.connect_timeout = connect_timeout
        self.read_timeout = read_timeout
        self._tls: ssl.SSLContext | None = None
        if parts.scheme == "https":
            if verify is False:
                self._tls = ssl._create_unverified_context()
            else:
                self._tls = ssl.create_default_context(cafile=where() if verify is True else verify)
        self._slot = _Slot()

    def request(
        self, method: str, url: str, path: str, headers: Mapping[str, str], body: bytes
    ) -> Response:
        """Send one request (``path`` as it goes on the request line; ``url`` names the
        endpoint in errors) and read the whole answer."""
        connection = self._connection(url)
        try:
            connection.request(method, path, body=body, headers=dict(headers))
            answer = connection.getresponse()
            content = answer.read()
        except TimeoutError as exc:
            self.close()
            raise ReadTimeoutError(endpoint_url=url, error=exc) from exc
        except ssl.SSLError as exc:
            self.close()
            raise SSLError(endpoint_url=url, error=exc) from exc
        except (http.client.HTTPException, OSError) as exc:
            self.close()
            raise ConnectionClosedError(endpoint_url=url, error=exc) from exc
        if answer.will_close:
            self.close()
        else:
            self._slot.last_used = time.monotonic()
        return Response(answer.status, answer.headers, content)

    def close(self) -> None:
        """Close this thread's connection (the next request opens a new one)."""
        connection, self._slot.connection = self._slot.connection, None
        if connection is not None:
            connection.close()

    def _connection(self, url: str) -> http.client.HTTPConnection:
        kept = self._slot.connection
        if kept is not None and kept.sock is not None:
            idle = time.monotonic() - self._slot.last_used
            if idle <= IDLE_CHECK_S or _open(kept.sock):
                return kept
        self.close()
        connection: http.client.HTTPConnection
        if self._tls is None:
            connection = _Http(self.host, self.port, timeout=self.connect_timeout)
        else:
            connection = _Https(
                self.host, self.port, timeout=self.connect_timeout, context=self._tls
            )
        try:
            connection.connect()
        except TimeoutError as exc:
            raise ConnectTimeoutError(endpoint_url=url, error=exc) from exc
        except ssl.SSLError as exc:
            raise SSLError(endpoint_url=url, error=exc) from exc
        except OSError as exc:
            raise EndpointConnectionError(endpoint_url=url, error=exc) from exc
        sock = connection.sock
        # A request is one write; nothing should hold it back waiting for an ACK.
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        sock.settimeout(self.read_timeout)
        self._slot.connection = connection
        return connection


def _open(sock: socket.socket) -> bool:
    """Whether an idle keep-alive connection is still usable: nothing to read on it (a closed
    one reads as end of file, and an idle HTTP connection has nothing else to say)."""
    try:
        readable, _, _ = select.select([sock], [], [], 0)
    except (OSError, ValueError):
        return False
    return not readable
