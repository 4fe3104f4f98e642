"""JSON Schemas of request bodies (validated by API Gateway) and responses (documented).

Request schemas are JSON Schema draft-04, the dialect API Gateway validates (the stack adds the
version and the title); the OpenAPI document uses the same dictionaries.
"""

from __future__ import annotations

from typing import Any

from ..lambda_code import lambda_constant

Schema = dict[str, Any]

#: Room ids as the domain layer accepts them (``ID_PATTERN`` in lambda/domain/validation.py),
#: anchored: a JSON Schema pattern matches anywhere in the value otherwise. The end is
#: ``(?![\s\S])``, not ``$``, which (in Java as in Python) also matches before a final newline.
ROOM_ID_PATTERN = rf"^(?:{lambda_constant('domain/validation.py', 'ID_PATTERN')})(?![\s\S])"


def _text(min_length: int, max_length: int) -> Schema:
    return {"type": "string", "minLength": min_length, "maxLength": max_length}


def _object(properties: dict[str, Schema], required: list[str], **extra: Any) -> Schema:
    schema: Schema = {"type": "object", "properties": properties}
    if required:  # draft-04 and OpenAPI 3.0 both refuse an empty "required"
        schema["required"] = required
    return {**schema, "additionalProperties": False, **extra}


#: Request bodies, by model name. API Gateway refuses a body that does not match (400).
REQUEST_MODELS: dict[str, Schema] = {
    "CreateRoom": _object(
        {"name": _text(1, 100), "description": _text(0, 1000)}, required=["name"]
    ),
    "UpdateRoom": _object(
        {"name": _text(1, 100), "description": _text(0, 1000)}, required=[], minProperties=1
    ),
    "CreateMessage": _object({"body": _text(1, 4000)}, required=["body"]),
    # The author is the caller's API key (the request template adds it), never the body: a
    # body naming a user_id is refused here, before it can enter the queue.
    "Ingest": _object(
        {"room_id": {**_text(1, 64), "pattern": ROOM_ID_PATTERN}, "body": _text(1, 4000)},
        required=["room_id", "body"],
    ),
}

_TIMESTAMP: Schema = {"type": "string", "format": "date-time"}
_NULLABLE_TEXT: Schema = {"type": "string", "nullable": True}
_CURSOR: Schema = {"type": "string", "nullable": True, "description": "Opaque; pass as `cursor`"}

#: Response bodies, by name (documentation only: API Gateway does not validate responses).
RESPONSE_MODELS: dict[str, Schema] = {
    "Room": {
        "type": "object",
        "properties": {
            "room_id": {"type": "string"},
            "name": {"type": "string"},
            "description": _NULLABLE_TEXT,
            "created_by": {"type": "string"},
            "created_at": _TIMESTAMP,
            "updated_at": _TIMESTAMP,
            "version": {"type": "integer"},
            "message_count": {"type": "integer"},
        },
        "required": ["room_id", "name", "created_by", "created_at", "version"],
    },
    "RoomPage": {
        "type": "object",
        "properties": {
            "items": {"type": "array", "items": {"$ref": "#/components/schemas/Room"}},
            "next_cursor": _CURSOR,
        },
        "required": ["items", "next_cursor"],
    },
    "Message": {
        "type": "object",
        "properties": {
            "room_id": {"type": "string"},
            "message_id": {"type": "string"},
            "user_id": {"type": "string"},
            "body": {"type": "string"},
            "created_at": _TIMESTAMP,
        },
        "required": ["room_id", "message_id", "user_id", "body", "created_at"],
    },
    "MessagePage": {
        "type": "object",
        "properties": {
            "items": {"type": "array", "items": {"$ref": "#/components/schemas/Message"}},
            "next_cursor": {
                "type": "string",
                "nullable": True,
                "description": "Base64 of the last message's sort key; pass as `cursor`",
            },
        },
        "required": ["items", "next_cursor"],
    },
    "Report": {
        "type": "object",
        "properties": {
            "room_id": {"type": "string"},
            "days": {"type": "integer"},
            "message_count": {"type": "integer"},
            "messages_by_user": {"type": "object", "additionalProperties": {"type": "integer"}},
            "generated_at": _TIMESTAMP,
        },
        "required": ["room_id", "days", "message_count", "messages_by_user", "generated_at"],
    },
    "Accepted": {
        "type": "object",
        "properties": {"accepted": {"type": "boolean"}, "message_id": {"type": "string"}},
        "required": ["accepted", "message_id"],
    },
    "AdminStats": {
        "type": "object",
        "properties": {"rooms": {"type": "integer"}, "generated_at": _TIMESTAMP},
        "required": ["rooms", "generated_at"],
    },
    "Health": {
        "type": "object",
        "properties": {
            "status": {"type": "string", "enum": ["ok"]},
            "stage": {"type": "string"},
            "request_id": {"type": "string"},
            "time": {"type": "string"},
        },
        "required": ["status", "stage", "request_id", "time"],
    },
    "Error": {
        "type": "object",
        "properties": {
            "error": {
                "type": "object",
                "properties": {
                    "code": {
                        "type": "string",
                        "enum": [
                            "BadRequest",
                            "ValidationFailed",
                            "Unauthorized",
                            "Forbidden",
                            "NotFound",
                            "Conflict",
                            "PreconditionFailed",
                            "PreconditionRequired",
                            "PayloadTooLarge",
                            "Throttled",
                            "InternalError",
                        ],
                    },
                    "message": {"type": "string"},
                    "fields": {
                        "type": "array",
                        "items": {
                            "type": "object",
                            "properties": {
                                "path": {"type": "string"},
                                "message": {"type": "string"},
                            },
                            "required": ["path", "message"],
                        },
                    },
                    "request_id": {"type": "string"},
                },
                "required": ["code", "message", "request_id"],
            }
        },
        "required": ["error"],
    },
}
