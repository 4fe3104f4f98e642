"""API Gateway's per-frame limit and the stage's throttling, which aiohttp does not provide.

aiohttp enforces a size on the assembled message only (``max_msg_size``, closing with 1009).
API Gateway also refuses any single frame above 32 KB with 1009, so a 40 KB message sent as one
frame is refused while the same message in two 20 KB fragments is accepted. The frame check
hooks aiohttp's pure-Python frame reader (``_handle_frame``, called once per complete frame);
it is private API, pinned by ``aiohttp<4`` and covered by the oversized-frame tests.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

from aiohttp import web
from aiohttp._websocket.reader_py import WebSocketDataQueue as _PyQueue
from aiohttp._websocket.reader_py import WebSocketReader as _PyReader
from aiohttp.helpers import DEFAULT_CHUNK_SIZE
from aiohttp.http_websocket import WebSocketError, WSCloseCode

if TYPE_CHECKING:
    from aiohttp.web_request import BaseRequest

    from cdk_local_gateway.websocket.model import Throttle


class _FrameLimitedReader(_PyReader):
    frame_limit = 0

    def _handle_frame(self, fin: bool, opcode: int, payload: Any, compressed: int) -> None:
        if self.frame_limit and len(payload) > self.frame_limit:
            raise WebSocketError(
                WSCloseCode.MESSAGE_TOO_BIG,
                f"Frame size {len(payload)} exceeds limit {self.frame_limit}",
            )
        super()._handle_frame(fin, opcode, payload, compressed)


class LimitedWebSocketResponse(web.WebSocketResponse):
    """A WebSocket response refusing frames above ``frame_bytes`` and messages above
    ``message_bytes`` (both inclusive limits) with close code 1009."""

    def __init__(self, *, frame_bytes: int, message_bytes: int) -> None:
        # aiohttp refuses a message whose size reaches max_msg_size: allow exactly the limit.
        super().__init__(max_msg_size=message_bytes + 1, compress=False, autoping=True)
        self._frame_bytes = frame_bytes

    def _post_start(self, request: BaseRequest, protocol: str | None, writer: Any) -> None:
        super()._post_start(request, protocol, writer)
        assert self._loop is not None
        # The pure-Python reader needs the pure-Python queue (the compiled ones pair up).
        queue = _PyQueue(request.protocol, DEFAULT_CHUNK_SIZE, loop=self._loop)
        reader = _FrameLimitedReader(
            queue, self._max_msg_size, compress=False, decode_text=self._decode_text
        )
        reader.frame_limit = self._frame_bytes
        self._reader = queue
        self._parser = reader
        # Swap the parser aiohttp just installed (no frame can have arrived: the client waits
        # for the 101 answer, which is written after this).
        request.protocol._payload_parser = None
        request.protocol.set_parser(reader, data_received_cb=None)


class TokenBucket:
    """The stage's route throttling: ``burst`` tokens refilled at ``rate`` per second."""

    def __init__(self, throttle: Throttle) -> None:
        self.rate = throttle.rate
        self.burst = throttle.burst
        self.tokens = float(throttle.burst or 0)
        self.updated = time.monotonic()

    @property
    def unlimited(self) -> bool:
        return self.rate is None and self.burst is None

    def take(self) -> bool:
        if self.unlimited:
            return True
        now = time.monotonic()
        capacity = float(self.burst if self.burst is not None else (self.rate or 0))
        self.tokens = min(capacity, self.tokens + (now - self.updated) * (self.rate or 0))
        self.updated = now
        if self.tokens >= 1:
            self.tokens -= 1
            return True
        return False
