"""``handlers.rest.rooms.handler``: rooms and messages over the REST proxy integration.

Routes: POST/GET /rooms, GET/PATCH/DELETE /rooms/{room_id}, POST /rooms/{room_id}/messages
and GET /partner/rooms. Every route but the partner's needs the Cognito authorizer's verified
user; the partner route needs API Gateway's API-key identity (docs/access-control.md).

Writes honour an ``Idempotency-Key`` header (docs/rest-api.md): the domain writes the key's
record in the same transaction as the change, so a retry after a lost answer gets the first
outcome and the change happens once.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.metrics import MetricUnit

from domain import rooms
from domain.errors import Unauthorized
from domain.runtime import get_table
from domain.validation import CREATE_MESSAGE, CREATE_ROOM, UPDATE_ROOM, check_id
from handlers.rest.api import build_resolver, etag, if_match, json_body, query_int, user_id
from handlers.rest.idempotency import request_key, request_once
from shared.tracing import service_tracer

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.typing import LambdaContext

    from domain.models import Room

logger = Logger()
tracer = service_tracer()
metrics = Metrics()
app = build_resolver()

REST_KEY_PREFIX = "rest:"
"""Message keys of REST posts live apart from the WebSocket clients' send keys."""


# ---------------------------------------------------------------------------- identity
def _caller() -> rooms.Caller:
    """The verified caller: Cognito ``sub`` and ``cognito:groups`` (API Gateway passes the
    groups claim as one string: ``admins``, ``a,b`` or ``[a, b]``)."""
    claims = (app.current_event.request_context.get("authorizer") or {}).get("claims") or {}
    raw = claims.get("cognito:groups") if isinstance(claims, dict) else None
    groups = raw if isinstance(raw, list) else str(raw or "").strip("[]").replace(",", " ").split()
    return rooms.Caller(user_id(app), frozenset(str(g) for g in groups))


def _partner() -> str:
    """The partner's API key id, which API Gateway sets only after checking the key."""
    key_id = app.current_event.request_context.identity.api_key_id
    if not key_id:
        raise Unauthorized("partner routes need an API key")
    return key_id


# ---------------------------------------------------------------------------- routes
def _room_response(room: Room, status: int = 200, **headers: str) -> Response[Any]:
    """The room's JSON with its version as the ETag (GET, PATCH and, with 201, POST)."""
    return Response(
        status_code=status,
        content_type="application/json",
        body=rooms.room_json(room),
        headers={"ETag": etag(room.version), **headers},
    )


@app.post("/rooms")
@tracer.capture_method
def create_room() -> Response[Any]:
    caller = _caller()
    data = json_body(app, CREATE_ROOM)
    once = request_once(app, caller.user_id, {"body": data})
    room = rooms.create_room(get_table(), caller=caller, data=data, once=once)
    metrics.add_metric(name="RoomsCreated", unit=MetricUnit.Count, value=1)
    return _room_response(room, 201, Location=f"/rooms/{room.room_id}")


@app.get("/rooms")
@tracer.capture_method
def list_rooms() -> dict[str, Any]:
    _caller()
    return _room_page()


@app.get("/partner/rooms")
@tracer.capture_method
def partner_list_rooms() -> dict[str, Any]:
    _partner()
    return _room_page()


def _room_page() -> dict[str, Any]:
    limit = query_int(app, "limit", rooms.DEFAULT_PAGE_SIZE, 1, rooms.MAX_PAGE_SIZE)
    cursor = app.current_event.get_query_string_value("cursor")
    items, next_cursor = rooms.list_rooms(get_table(), limit=limit, cursor=cursor)
    return {"items": [rooms.room_json(r) for r in items], "next_cursor": next_cursor}


@app.get("/rooms/<room_id>")
@tracer.capture_method
def get_room(room_id: str) -> Response[Any]:
    _caller()
    return _room_response(rooms.get_room(get_table(), check_id(room_id, "path.room_id")))


@app.patch("/rooms/<room_id>")
@tracer.capture_method
def update_room(room_id: str) -> Response[Any]:
    caller = _caller()
    room_id = check_id(room_id, "path.room_id")
    version = if_match(app, required=True)
    changes = json_body(app, UPDATE_ROOM)
    once = request_once(app, caller.user_id, {"body": changes, "if_match": version})
    room = rooms.update_room(
        get_table(), room_id, caller=caller, changes=changes, expected_version=version, once=once
    )
    return _room_response(room)


@app.delete("/rooms/<room_id>")
@tracer.capture_method
def delete_room(room_id: str) -> Response[Any]:
    caller = _caller()
    room_id = check_id(room_id, "path.room_id")
    version = if_match(app, required=False)
    once = request_once(app, caller.user_id, {"if_match": version})
    rooms.delete_room(get_table(), room_id, caller=caller, expected_version=version, once=once)
    return Response(status_code=204, body=None)


@app.post("/rooms/<room_id>/messages")
@tracer.capture_method
def create_message(room_id: str) -> Response[Any]:
    # The one route of this function that writes messages: the others never load the message
    # use cases, nor the library parts a message write needs (domain.messages preloads them).
    from domain import messages

    user = _caller().user_id
    room_id = check_id(room_id, "path.room_id")
    text = json_body(app, CREATE_MESSAGE)["body"]
    key = request_key(app)
    table = get_table()
    if key is None:
        message = messages.create_message(table, room_id=room_id, user_id=user, body=text)
    else:
        # The message, the room's counter and the key's receipt are one transaction.
        message = messages.post_once(
            table, room_id=room_id, user_id=user, body=text, key=REST_KEY_PREFIX + key
        ).message
    metrics.add_metric(name="MessagesCreated", unit=MetricUnit.Count, value=1)
    # No Location: the API has no route for a single message to point at.
    return Response(
        status_code=201, content_type="application/json", body=messages.message_json(message)
    )


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST)
@tracer.capture_lambda_handler
@metrics.log_metrics(capture_cold_start_metric=True)
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return app.resolve(event, context)
