"""Live WebSocket connections of one API and the identifiers API Gateway gives them."""

from __future__ import annotations

import base64
import os
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from aiohttp import web

    from cdk_local_gateway.websocket.model import WsStage


def new_id() -> str:
    """An id shaped like API Gateway's (16 characters, base64 with one ``=``), URL-safe:
    connection ids travel in the ``@connections`` path."""
    text = base64.b64encode(os.urandom(11)).decode()
    return text.replace("+", "A").replace("/", "B")


def now_ms() -> int:
    return int(time.time() * 1000)


@dataclass
class Connection:
    id: str
    stage: WsStage
    source_ip: str
    user_agent: str
    headers: list[tuple[str, str]]
    query: list[tuple[str, str]]
    connected_at_ms: int = field(default_factory=now_ms)
    last_active_ms: int = field(default_factory=now_ms)
    authorizer: dict[str, Any] | None = None
    socket: web.WebSocketResponse | None = None
    # Why the connection ended, for the $disconnect event.
    disconnect_status: int = 1005
    disconnect_reason: str = ""

    @property
    def open(self) -> bool:
        return self.socket is not None and not self.socket.closed

    def single_headers(self) -> dict[str, str]:
        return {name: value for name, value in self.headers}

    def multi_headers(self) -> dict[str, list[str]]:
        found: dict[str, list[str]] = {}
        for name, value in self.headers:
            found.setdefault(name, []).append(value)
        return found

    def header(self, name: str) -> str | None:
        lowered = name.lower()
        return next((v for k, v in self.headers if k.lower() == lowered), None)

    def single_query(self) -> dict[str, str]:
        return {name: value for name, value in self.query}

    def multi_query(self) -> dict[str, list[str]]:
        found: dict[str, list[str]] = {}
        for name, value in self.query:
            found.setdefault(name, []).append(value)
        return found
