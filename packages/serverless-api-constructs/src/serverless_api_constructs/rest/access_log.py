"""The JSON access log line of every API request: who called what, outcome and latencies."""

from __future__ import annotations

import json

from aws_cdk import aws_apigateway as apigateway

#: Field name -> ``$context`` variable. One line per request, parseable by Logs Insights.
ACCESS_LOG_FIELDS: dict[str, str] = {
    "requestId": "$context.requestId",
    "extendedRequestId": "$context.extendedRequestId",
    "requestTime": "$context.requestTime",
    "ip": "$context.identity.sourceIp",
    "userAgent": "$context.identity.userAgent",
    "caller": "$context.identity.caller",
    "user": "$context.identity.user",
    "userArn": "$context.identity.userArn",
    "apiKeyId": "$context.identity.apiKeyId",
    "principalId": "$context.authorizer.principalId",
    "cognitoSub": "$context.authorizer.claims.sub",
    "httpMethod": "$context.httpMethod",
    "resourcePath": "$context.resourcePath",
    "path": "$context.path",
    "protocol": "$context.protocol",
    "status": "$context.status",
    "responseLength": "$context.responseLength",
    "responseLatency": "$context.responseLatency",
    "integrationLatency": "$context.integration.latency",
    "integrationStatus": "$context.integration.status",
    "integrationError": "$context.integration.error",
    "integrationErrorMessage": "$context.integrationErrorMessage",
    "errorMessage": "$context.error.message",
    "errorType": "$context.error.responseType",
    "wafStatus": "$context.waf.status",
    "xrayTraceId": "$context.xrayTraceId",
}


def access_log_format(fields: dict[str, str] | None = None) -> apigateway.AccessLogFormat:
    """A JSON access log format of ``fields`` (default :data:`ACCESS_LOG_FIELDS`)."""
    return apigateway.AccessLogFormat.custom(json.dumps(fields or ACCESS_LOG_FIELDS))
