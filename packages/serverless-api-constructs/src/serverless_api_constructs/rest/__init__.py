"""Reusable constructs for API Gateway REST APIs (authorizers, integrations, monitoring)."""

from __future__ import annotations

from .access_log import ACCESS_LOG_FIELDS, access_log_format
from .api import MethodThrottle, SecureRestApi
from .errors import GATEWAY_ERRORS, error_template
from .integrations import (
    DynamoDbQuery,
    DynamoDbQueryIntegration,
    SqsSendMessage,
    SqsSendMessageIntegration,
)
from .monitoring import ApiMonitoring
from .private_backend import PrivateHttpBackend
from .retention import retention_days
from .token_authorizer import TokenRequestAuthorizer
from .user_pool import ApiUserPool
from .web_acl import CountedRule, RegionalWebAcl

__all__ = [
    "ACCESS_LOG_FIELDS",
    "GATEWAY_ERRORS",
    "ApiMonitoring",
    "ApiUserPool",
    "CountedRule",
    "DynamoDbQuery",
    "DynamoDbQueryIntegration",
    "MethodThrottle",
    "PrivateHttpBackend",
    "RegionalWebAcl",
    "SecureRestApi",
    "SqsSendMessage",
    "SqsSendMessageIntegration",
    "TokenRequestAuthorizer",
    "access_log_format",
    "error_template",
    "retention_days",
]
