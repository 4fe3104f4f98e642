"""Defaults of the WebSocket constructs, kept in one place (each constructor repeats them)."""

from __future__ import annotations

#: Route selection on the ``action`` property of each JSON frame.
ROUTE_SELECTION_EXPRESSION = "$request.body.action"
#: Every route answers through its route response: one key, ``$default``.
ROUTE_RESPONSE_SELECTION_EXPRESSION = "$default"
#: Selects the ``$default`` request/response template of an integration.
TEMPLATE_SELECTION_EXPRESSION = "\\$default"
DEFAULT_KEY = "$default"
#: HTTP and AWS-service integrations give up after 10 s (API Gateway allows up to 29 s).
INTEGRATION_TIMEOUT_MS = 10_000
#: What a mock integration's request template must produce.
MOCK_REQUEST_TEMPLATE = '{"statusCode": 200}'

#: Access log fields (JSON, one line per message or connection event).
ACCESS_LOG_FIELDS: dict[str, str] = {
    "requestId": "$context.requestId",
    "extendedRequestId": "$context.extendedRequestId",
    "requestTime": "$context.requestTime",
    "eventType": "$context.eventType",
    "routeKey": "$context.routeKey",
    "status": "$context.status",
    "connectionId": "$context.connectionId",
    "messageId": "$context.messageId",
    "sourceIp": "$context.identity.sourceIp",
    "userAgent": "$context.identity.userAgent",
    "principalId": "$context.authorizer.principalId",
    "authorizerError": "$context.authorizer.error",
    "integrationLatency": "$context.integrationLatency",
    "integrationStatus": "$context.integrationStatus",
    "integrationError": "$context.integrationErrorMessage",
    "error": "$context.error.message",
    "errorType": "$context.error.responseType",
}

#: Alarm thresholds (per 5-minute period).
INTEGRATION_ERROR_THRESHOLD = 5
EXECUTION_ERROR_THRESHOLD = 1
#: Client errors above this percentage of messages (with at least the minimum volume) alarm.
CLIENT_ERROR_PERCENT = 10
CLIENT_ERROR_MIN_MESSAGES = 20

#: SQS queue behind a direct integration: 4 days of retention, 3 receives before the DLQ,
#: 14 days in the DLQ.
QUEUE_RETENTION_DAYS = 4
QUEUE_MAX_RECEIVE_COUNT = 3
DLQ_RETENTION_DAYS = 14
