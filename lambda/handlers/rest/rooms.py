"""``handlers.rest.rooms.handler``: rooms and messages over the REST proxy integration.

Routes: POST/GET /rooms, GET/PATCH/DELETE /rooms/{room_id}, POST /rooms/{room_id}/messages
and GET /partner/rooms. Every route but the partner's needs the Cognito authorizer's verified
user; the partner route needs API Gateway's API-key identity (docs/access-control.md).
Creates honour an ``Idempotency-Key`` header through Powertools Idempotency on the single
table: a retry replays the first status and body.
"""

from __future__ import annotations

import hashlib
import json
from functools import cache
from typing import TYPE_CHECKING, Any

from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.metrics import MetricUnit

from domain import messages, rooms
from domain.errors import BadRequest, Conflict, FieldProblem, Unauthorized
from domain.runtime import get_table
from domain.validation import CREATE_MESSAGE, CREATE_ROOM, UPDATE_ROOM, check_id
from handlers.rest.api import build_resolver, etag, if_match, json_body, query_int, user_id
from handlers.rest.idempotency import RECORD_TTL_SECONDS, persistence_store

if TYPE_CHECKING:
    from collections.abc import Callable

    from aws_lambda_powertools.utilities.idempotency import IdempotencyConfig
    from aws_lambda_powertools.utilities.typing import LambdaContext

    from domain.models import Room

logger = Logger()
tracer = Tracer()
metrics = Metrics()
app = build_resolver()


# ---------------------------------------------------------------------------- creates
def _create(request: dict[str, Any]) -> dict[str, Any]:
    """Run one create; the returned dict is what an idempotent retry replays."""
    table = get_table()
    if request["kind"] == "room":
        room = rooms.create_room(table, caller=request["caller"], data=request["data"])
        metrics.add_metric(name="RoomsCreated", unit=MetricUnit.Count, value=1)
        return {
            "status": 201,
            "body": rooms.room_json(room),
            "headers": {"Location": f"/rooms/{room.room_id}", "ETag": etag(room.version)},
        }
    message = messages.create_message(
        table, room_id=request["room_id"], user_id=request["user"], body=request["data"]["body"]
    )
    metrics.add_metric(name="MessagesCreated", unit=MetricUnit.Count, value=1)
    return {
        "status": 201,
        "body": messages.message_json(message),
        # No Location: the API has no route for a single message to point at.
        "headers": {},
    }


@cache
def _idempotent_create() -> tuple[Callable[..., dict[str, Any]], IdempotencyConfig]:
    """``_create`` wrapped by Powertools Idempotency (built once per container, on first use,
    so cold imports stay cheap)."""
    from aws_lambda_powertools.utilities.idempotency import IdempotencyConfig, idempotent_function

    config = IdempotencyConfig(
        event_key_jmespath="[key, user, route]",
        payload_validation_jmespath="body_sha256",
        raise_on_no_idempotency_key=True,
        expires_after_seconds=RECORD_TTL_SECONDS,
    )
    wrapped: Callable[..., dict[str, Any]] = idempotent_function(
        data_keyword_argument="request", persistence_store=persistence_store(), config=config
    )(_create)
    return wrapped, config


def _run_create(request: dict[str, Any]) -> Response[Any]:
    key = app.current_event.headers.get("Idempotency-Key")
    if key is None:
        result = _create(request)
    else:
        if not 1 <= len(key) <= 128:
            raise BadRequest(
                "Idempotency-Key header is invalid",
                [FieldProblem("headers.Idempotency-Key", "must be 1..128 characters")],
            )
        canonical = json.dumps(request["data"], sort_keys=True, separators=(",", ":"))
        request = {
            **request,
            "key": key,
            "route": f"POST {app.current_event.path}",
            "body_sha256": hashlib.sha256(canonical.encode()).hexdigest(),
        }
        result = _call_idempotent(request)
    return Response(
        status_code=result["status"],
        content_type="application/json",
        body=result["body"],
        headers=result["headers"],
    )


def _call_idempotent(request: dict[str, Any]) -> dict[str, Any]:
    from aws_lambda_powertools.utilities.idempotency.exceptions import (
        IdempotencyAlreadyInProgressError,
        IdempotencyValidationError,
    )

    create, config = _idempotent_create()
    # Lets Powertools expire an in-progress record when this invocation times out.
    config.register_lambda_context(app.lambda_context)
    try:
        return create(request=request)
    except IdempotencyValidationError as exc:
        raise Conflict(
            "Idempotency-Key was already used with a different request body",
            [FieldProblem("headers.Idempotency-Key", "reused with a different body")],
        ) from exc
    except IdempotencyAlreadyInProgressError as exc:
        raise Conflict("a request with this Idempotency-Key is still in progress") from exc


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
def _room_response(room: Room) -> Response[Any]:
    """200 with the room's JSON and its version as the ETag (GET and PATCH alike)."""
    return Response(
        status_code=200,
        content_type="application/json",
        body=rooms.room_json(room),
        headers={"ETag": etag(room.version)},
    )


@app.post("/rooms")
@tracer.capture_method
def create_room() -> Response[Any]:
    data = json_body(app, CREATE_ROOM)
    caller = _caller()
    return _run_create({"kind": "room", "user": caller.user_id, "caller": caller, "data": data})


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
    return _room_response(
        rooms.update_room(
            get_table(), room_id, caller=caller, changes=changes, expected_version=version
        )
    )


@app.delete("/rooms/<room_id>")
@tracer.capture_method
def delete_room(room_id: str) -> Response[Any]:
    caller = _caller()
    room_id = check_id(room_id, "path.room_id")
    version = if_match(app, required=False)
    rooms.delete_room(get_table(), room_id, caller=caller, expected_version=version)
    return Response(status_code=204, body=None)


@app.post("/rooms/<room_id>/messages")
@tracer.capture_method
def create_message(room_id: str) -> Response[Any]:
    user = _caller().user_id
    room_id = check_id(room_id, "path.room_id")
    data = json_body(app, CREATE_MESSAGE)
    return _run_create({"kind": "message", "user": user, "room_id": room_id, "data": data})


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST)
@tracer.capture_lambda_handler
@metrics.log_metrics(capture_cold_start_metric=True)
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return app.resolve(event, context)
