"""Reusable constructs for API Gateway WebSocket APIs on Lambda and DynamoDB.

- :class:`ServiceWebSocketApi`: the API and its stage (JSON access logs, throttling, detailed
  metrics), Lambda routes with route responses, stage-scoped ``ManageConnections`` grants;
- :class:`MockRoute`, :class:`HttpProxyRoute`, :class:`SqsSendMessageRoute`: routes without
  Lambda, each answering the client through a route response;
- :class:`SecureQueue`: an encrypted, TLS-only SQS queue with a dead-letter queue;
- :class:`WebSocketApiMonitoring`: the WebSocket alarms and dashboard row, added to the shared
  :class:`~serverless_api_constructs.rest.ApiMonitoring`.
"""

from __future__ import annotations

from .api import ServiceWebSocketApi
from .monitoring import WebSocketApiMonitoring
from .queue import SecureQueue
from .routes import HttpProxyRoute, MockRoute, SqsSendMessageRoute

__all__ = [
    "HttpProxyRoute",
    "MockRoute",
    "SecureQueue",
    "ServiceWebSocketApi",
    "SqsSendMessageRoute",
    "WebSocketApiMonitoring",
]
