"""JSON schemas of the API: request bodies (REST, validated by API Gateway and again by the
handlers), client frames (WebSocket) and responses (documented in the OpenAPI document).

Request schemas are JSON Schema draft-04, the dialect API Gateway validates (the stack adds the
version and the title); they use only ``type``, ``properties``, ``required``,
``additionalProperties: false``, ``minProperties`` and, on strings, ``minLength``,
``maxLength`` and ``pattern``, the subset ``domain.validation`` evaluates.
"""

from __future__ import annotations

from typing import Any

from contract import limits
from contract.errors import ERROR_STATUSES

Schema = dict[str, Any]


def _text(length: tuple[int, int]) -> Schema:
    return {"type": "string", "minLength": length[0], "maxLength": length[1]}


def _object(properties: dict[str, Schema], required: list[str], **extra: Any) -> Schema:
    schema: Schema = {"type": "object", "properties": properties}
    if required:  # draft-04 and OpenAPI 3.0 both refuse an empty "required"
        schema["required"] = required
    return {**schema, "additionalProperties": False, **extra}


#: A room id in a body or frame.
ROOM_ID: Schema = {
    "type": "string",
    "minLength": limits.ID_MIN_LENGTH,
    "maxLength": limits.ID_MAX_LENGTH,
    "pattern": limits.ANCHORED_ID_PATTERN,
}
MESSAGE_BODY: Schema = {**_text(limits.MESSAGE_BODY_LENGTH), "pattern": limits.NOT_BLANK_PATTERN}
_ROOM_FIELDS: dict[str, Schema] = {
    # A name of only blank characters would list as an empty name.
    "name": {**_text(limits.ROOM_NAME_LENGTH), "pattern": limits.NOT_BLANK_PATTERN},
    "description": _text(limits.ROOM_DESCRIPTION_LENGTH),
}

#: Request bodies, by model name. API Gateway refuses a body that does not match (400).
REQUEST_SCHEMAS: dict[str, Schema] = {
    "CreateRoom": _object(_ROOM_FIELDS, required=["name"]),
    "UpdateRoom": _object(_ROOM_FIELDS, required=[], minProperties=1),
    "CreateMessage": _object({"body": MESSAGE_BODY}, required=["body"]),
    # The author is the caller's API key (the request template adds it), never the body: a
    # body naming a user_id is refused here, before it can enter the queue.
    "Ingest": _object({"room_id": ROOM_ID, "body": MESSAGE_BODY}, required=["room_id", "body"]),
}

_CLIENT_ID: Schema = {
    "type": "string",
    "minLength": 1,
    "maxLength": limits.IDEMPOTENCY_KEY_MAX_LENGTH,
    "pattern": rf"^(?:{limits.CLIENT_ID_PATTERN})(?![\s\S])",
}

#: Each pattern of the schemas in words, for error messages (JSON Schema draft-04 has no
#: place for it that API Gateway's models keep).
PATTERN_RULES: dict[str, str] = {
    limits.ANCHORED_ID_PATTERN: limits.ID_RULE,
    limits.NOT_BLANK_PATTERN: "text, not only blank characters",
    _CLIENT_ID["pattern"]: f"1..{limits.IDEMPOTENCY_KEY_MAX_LENGTH} visible ASCII characters",
}


def _frame(action: str, properties: dict[str, Schema], required: list[str]) -> Schema:
    return {
        "type": "object",
        "properties": {"action": {"type": "string", "enum": [action]}, **properties},
        "required": ["action", *required],
    }


#: Client frames of the Lambda-served actions, by action (documentation and tests; the frame
#: parser reads its limits from these properties).
FRAME_SCHEMAS: dict[str, Schema] = {
    "join": _frame("join", {"room_id": ROOM_ID}, ["room_id"]),
    "leave": _frame("leave", {"room_id": ROOM_ID}, ["room_id"]),
    "send": _frame(
        "send",
        {"room_id": ROOM_ID, "body": MESSAGE_BODY, "client_id": _CLIENT_ID},
        ["room_id", "body", "client_id"],
    ),
    "publish": _frame(
        "publish",
        {"room_id": ROOM_ID, "body": MESSAGE_BODY, "client_id": _CLIENT_ID},
        ["room_id", "body"],
    ),
    "ping": _frame("ping", {}, []),
    "lookup": {"type": "object", "required": ["action"]},
}

_TIMESTAMP: Schema = {"type": "string", "format": "date-time"}
_NULLABLE_TEXT: Schema = {"type": "string", "nullable": True}
_CURSOR: Schema = {"type": "string", "nullable": True, "description": "Opaque; pass as `cursor`"}

#: Response bodies, by name (documentation only: API Gateway does not validate responses).
RESPONSE_SCHEMAS: dict[str, Schema] = {
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
                    "code": {"type": "string", "enum": list(ERROR_STATUSES)},
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
