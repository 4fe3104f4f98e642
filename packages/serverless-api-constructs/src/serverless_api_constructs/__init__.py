"""Secure-by-default AWS CDK constructs for serverless APIs on API Gateway, Lambda and DynamoDB.

Every construct and integration is importable from here; ``.rest`` and ``.websocket`` hold
the same classes with the helpers (access-log fields, gateway error templates) around them.
"""

from __future__ import annotations

from .function import ServiceFunction
from .rest import (
    ApiMonitoring,
    ApiUserPool,
    CountedRule,
    DynamoDbQuery,
    DynamoDbQueryIntegration,
    MethodThrottle,
    PrivateHttpBackend,
    RegionalWebAcl,
    SecureRestApi,
    SqsSendMessage,
    SqsSendMessageIntegration,
    TokenRequestAuthorizer,
)
from .single_table import SingleTable
from .websocket import (
    HttpProxyRoute,
    MockRoute,
    SecureQueue,
    ServiceWebSocketApi,
    SqsSendMessageRoute,
    WebSocketApiMonitoring,
)

#: The distribution's version (``pyproject.toml``; the CHANGELOG's newest entry).
__version__ = "0.4.0"

__all__ = [
    "ApiMonitoring",
    "ApiUserPool",
    "CountedRule",
    "DynamoDbQuery",
    "DynamoDbQueryIntegration",
    "HttpProxyRoute",
    "MethodThrottle",
    "MockRoute",
    "PrivateHttpBackend",
    "RegionalWebAcl",
    "SecureQueue",
    "SecureRestApi",
    "ServiceFunction",
    "ServiceWebSocketApi",
    "SingleTable",
    "SqsSendMessage",
    "SqsSendMessageIntegration",
    "SqsSendMessageRoute",
    "TokenRequestAuthorizer",
    "WebSocketApiMonitoring",
]
