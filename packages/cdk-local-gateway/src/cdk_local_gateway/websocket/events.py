"""The Lambda proxy events API Gateway sends for WebSocket routes (CONNECT, MESSAGE, DISCONNECT).

Shape per the API Gateway developer guide ("WebSocket API Lambda proxy integration" and the
``$connect``/``$disconnect`` samples): headers and query string only on CONNECT (headers also
on DISCONNECT), ``body`` only on MESSAGE, ``messageId`` only on MESSAGE, the authorizer
context on every event of an authorized connection.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from cdk_local_gateway.websocket.connections import new_id, now_ms

if TYPE_CHECKING:
    from cdk_local_gateway.websocket.connections import Connection
    from cdk_local_gateway.websocket.model import WebSocketApi


@dataclass
class Call:
    """One integration call: the route, who made it and with what."""

    api: WebSocketApi
    connection: Connection
    route_key: str
    event_type: str  # CONNECT, MESSAGE, DISCONNECT
    domain_name: str
    body: str = ""
    request_id: str = ""
    message_id: str | None = None
    time_ms: int = 0

    def __post_init__(self) -> None:
        self.request_id = self.request_id or new_id()
        self.time_ms = self.time_ms or now_ms()
        if self.event_type == "MESSAGE" and self.message_id is None:
            self.message_id = new_id()


def _request_time(epoch_ms: int) -> str:
    return time.strftime("%d/%b/%Y:%H:%M:%S +0000", time.gmtime(epoch_ms / 1000))


def request_context(call: Call) -> dict[str, Any]:
    connection = call.connection
    context: dict[str, Any] = {
        "routeKey": call.route_key,
        "eventType": call.event_type,
        "extendedRequestId": call.request_id,
        "requestTime": _request_time(call.time_ms),
        "messageDirection": "IN",
        "stage": connection.stage.name,
        "connectedAt": connection.connected_at_ms,
        "requestTimeEpoch": call.time_ms,
        "identity": {"sourceIp": connection.source_ip, "userAgent": connection.user_agent},
        "requestId": call.request_id,
        "domainName": call.domain_name,
        "connectionId": connection.id,
        "apiId": call.api.api_id,
    }
    if call.message_id is not None:
        context["messageId"] = call.message_id
    if call.event_type == "DISCONNECT":
        context["disconnectStatusCode"] = connection.disconnect_status
        context["disconnectReason"] = connection.disconnect_reason
    if connection.authorizer is not None:
        context["authorizer"] = dict(connection.authorizer)
    return context


def proxy_event(call: Call) -> dict[str, Any]:
    """The AWS_PROXY event of ``call``."""
    connection = call.connection
    event: dict[str, Any] = {}
    if call.event_type in ("CONNECT", "DISCONNECT"):
        event["headers"] = connection.single_headers()
        event["multiValueHeaders"] = connection.multi_headers()
    if call.event_type == "CONNECT" and connection.query:
        event["queryStringParameters"] = connection.single_query()
        event["multiValueQueryStringParameters"] = connection.multi_query()
    event["requestContext"] = request_context(call)
    if call.event_type == "MESSAGE":
        event["body"] = call.body
    event["isBase64Encoded"] = False
    if connection.stage.variables:
        event["stageVariables"] = dict(connection.stage.variables)
    return event


def authorizer_event(call: Call, method_arn: str) -> dict[str, Any]:
    """The REQUEST authorizer event of a ``$connect``."""
    connection = call.connection
    return {
        "type": "REQUEST",
        "methodArn": method_arn,
        "headers": connection.single_headers(),
        "multiValueHeaders": connection.multi_headers(),
        "queryStringParameters": connection.single_query(),
        "multiValueQueryStringParameters": connection.multi_query(),
        "stageVariables": dict(connection.stage.variables),
        "requestContext": request_context(call),
    }


def template_context(call: Call) -> dict[str, Any]:
    """``$context`` of a mapping template."""
    return request_context(call)
