"""Secure-by-default AWS CDK constructs for serverless APIs on API Gateway, Lambda and DynamoDB."""

from __future__ import annotations

from .function import ServiceFunction
from .rest import TokenRequestAuthorizer
from .single_table import SingleTable

__all__ = ["ServiceFunction", "SingleTable", "TokenRequestAuthorizer"]
from .websocket import (
    HttpProxyRoute,
    MockRoute,
    SecureQueue,
    ServiceWebSocketApi,
    SqsSendMessageRoute,
    WebSocketApiMonitoring,
)

__all__ += [
    "HttpProxyRoute",
    "MockRoute",
    "SecureQueue",
    "ServiceWebSocketApi",
    "SqsSendMessageRoute",
    "WebSocketApiMonitoring",
]
