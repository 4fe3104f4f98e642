"""WebSocket APIs (API Gateway v2, ``ProtocolType: WEBSOCKET``) served locally, with the
``@connections`` management API on the same port."""

from __future__ import annotations

from cdk_local_gateway.websocket.model import WebSocketApi, read_websocket_apis
from cdk_local_gateway.websocket.mount import (
    ServedWebSocketApi,
    mount_websocket_apis,
    websocket_endpoints,
)
from cdk_local_gateway.websocket.services import Limits
from cdk_local_gateway.websocket.tls import LocalTls, local_tls

__all__ = [
    "Limits",
    "LocalTls",
    "ServedWebSocketApi",
    "WebSocketApi",
    "local_tls",
    "mount_websocket_apis",
    "read_websocket_apis",
    "websocket_endpoints",
]
