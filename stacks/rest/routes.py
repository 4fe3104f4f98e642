"""The REST API's routes, defined once: the stack builds the API from them and the OpenAPI
document is generated from them, so the two cannot drift apart."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


class Auth(StrEnum):
    """Who may call a route."""

    NONE = "none"
    COGNITO = "cognito"  # ID token of the stage's user pool in ``Authorization``
    IAM = "iam"  # SigV4-signed by an IAM principal of this account
    API_KEY = "api_key"  # ``x-api-key`` of the partner usage plan
    TOKEN = "token"  # ``Authorization: Bearer <jwt>`` checked by the Lambda REQUEST authorizer


class Integration(StrEnum):
    """What serves a route."""

    MOCK_HEALTH = "mock_health"
    LAMBDA_PROXY = "lambda_proxy"
    LAMBDA_REPORT = "lambda_report"  # Lambda custom (non-proxy) integration
    DYNAMODB_MESSAGES = "dynamodb_messages"  # DynamoDB Query, no Lambda
    SQS_INGEST = "sqs_ingest"  # SQS SendMessage, no Lambda
    HTTP_PROXY = "http_proxy"  # the stage's public upstream
    VPC_LINK = "vpc_link"  # the private backend behind the VPC link


class Where(StrEnum):
    PATH = "path"
    QUERY = "query"
    HEADER = "header"


@dataclass(frozen=True)
class Param:
    """A request parameter. ``validated`` ones are required by API Gateway (400 when missing);
    ``required`` but not ``validated`` ones are enforced by the handler with its own status."""

    name: str
    where: Where
    description: str
    required: bool = False
    validated: bool = False
    schema: dict[str, object] = field(default_factory=lambda: {"type": "string"})


@dataclass(frozen=True)
class Route:
    method: str  # GET, POST ... or ANY
    path: str
    operation_id: str
    summary: str
    auth: Auth
    integration: Integration
    function: str | None = None  # key of FUNCTIONS (Lambda integrations)
    body_model: str | None = None  # key of models.REQUEST_MODELS
    params: tuple[Param, ...] = ()
    responses: tuple[tuple[str, str, str | None], ...] = ()  # (status, description, schema)
    throttle_share: float | None = None  # share of the stage rate for this method alone

    @property
    def path_params(self) -> tuple[str, ...]:
        return tuple(part.strip("{}+") for part in self.path.split("/") if part.startswith("{"))


#: Lambda functions behind the routes (and the queue consumer), by construct id.
FUNCTIONS: dict[str, str] = {
    "Rooms": "handlers.rest.rooms.handler",
    "Report": "handlers.rest.report.handler",
    "Admin": "handlers.rest.admin.handler",
    "IngestConsumer": "handlers.rest.ingest_consumer.handler",
    "InternalService": "handlers.rest.internal_service.handler",
}

_ROOM_ID = Param("room_id", Where.PATH, "Room id", required=True, validated=True)
_PROXY = Param("proxy", Where.PATH, "Path forwarded to the backend", required=True, validated=True)
_LIMIT = Param(
    "limit",
    Where.QUERY,
    "Page size (1..100, default 20)",
    schema={"type": "integer", "minimum": 1, "maximum": 100, "default": 20},
)
_CURSOR = Param("cursor", Where.QUERY, "next_cursor of the previous page")
_IDEMPOTENCY_KEY = Param(
    "Idempotency-Key",
    Where.HEADER,
    "Retries with the same key return the first result and write nothing twice",
    schema={"type": "string", "minLength": 1, "maxLength": 128},
)
_IF_MATCH = Param(
    "If-Match",
    Where.HEADER,
    'ETag of the version being changed ("<version>"); 428 when missing, 412 when stale',
    required=True,
)
_IF_MATCH_OPTIONAL = Param("If-Match", Where.HEADER, "ETag of the version being deleted")
_BEARER = Param("Authorization", Where.HEADER, "Bearer <jwt>", required=True, validated=True)
_DAYS = Param(
    "days",
    Where.QUERY,
    "Days covered by the report (default 7)",
    schema={"type": "integer", "minimum": 1, "default": 7},
)

_BAD = ("400", "Invalid request", "Error")
_UNAUTHORIZED = ("401", "Missing or invalid credentials", "Error")
_FORBIDDEN = ("403", "Not allowed", "Error")
_NOT_FOUND = ("404", "No such room", "Error")
_THROTTLED = ("429", "Throttled", "Error")

ROUTES: tuple[Route, ...] = (
    Route(
        "GET", "/health", "getHealth", "Liveness probe answered by API Gateway itself",
        Auth.NONE, Integration.MOCK_HEALTH,
        responses=(("200", "Healthy", "Health"),),
    ),
    Route(
        "POST", "/rooms", "createRoom", "Create a room",
        Auth.COGNITO, Integration.LAMBDA_PROXY, function="Rooms", body_model="CreateRoom",
        params=(_IDEMPOTENCY_KEY,),
        responses=(("201", "Created (Location header)", "Room"), _BAD, _UNAUTHORIZED),
    ),
    Route(
        "GET", "/rooms", "listRooms", "List rooms, newest first",
        Auth.COGNITO, Integration.LAMBDA_PROXY, function="Rooms", params=(_LIMIT, _CURSOR),
        responses=(("200", "A page of rooms", "RoomPage"), _BAD, _UNAUTHORIZED),
    ),
    Route(
        "GET", "/rooms/{room_id}", "getRoom", "Get a room (ETag header)",
        Auth.COGNITO, Integration.LAMBDA_PROXY, function="Rooms", params=(_ROOM_ID,),
        responses=(("200", "The room", "Room"), _UNAUTHORIZED, _NOT_FOUND),
    ),
    Route(
        "PATCH", "/rooms/{room_id}", "updateRoom", "Change a room's name or description",
        Auth.COGNITO, Integration.LAMBDA_PROXY, function="Rooms", body_model="UpdateRoom",
        params=(_ROOM_ID, _IF_MATCH),
        responses=(
            ("200", "The updated room (new ETag)", "Room"), _BAD, _UNAUTHORIZED, _NOT_FOUND,
            ("412", "Stale If-Match", "Error"), ("428", "If-Match missing", "Error"),
        ),
    ),
    Route(
        "DELETE", "/rooms/{room_id}", "deleteRoom", "Delete a room",
        Auth.COGNITO, Integration.LAMBDA_PROXY, function="Rooms",
        params=(_ROOM_ID, _IF_MATCH_OPTIONAL),
        responses=(("204", "Deleted", None), _UNAUTHORIZED, _NOT_FOUND),
    ),
    Route(
        "POST", "/rooms/{room_id}/messages", "postMessage", "Post a message to a room",
        Auth.COGNITO, Integration.LAMBDA_PROXY, function="Rooms", body_model="CreateMessage",
        params=(_ROOM_ID, _IDEMPOTENCY_KEY),
        responses=(("201", "Created", "Message"), _BAD, _UNAUTHORIZED, _NOT_FOUND),
    ),
    Route(
        "GET", "/rooms/{room_id}/messages", "listMessages",
        "List a room's messages, newest first (DynamoDB Query, no Lambda)",
        Auth.COGNITO, Integration.DYNAMODB_MESSAGES, params=(_ROOM_ID, _LIMIT, _CURSOR),
        responses=(("200", "A page of messages", "MessagePage"), _BAD, _UNAUTHORIZED),
    ),
    Route(
        "GET", "/rooms/{room_id}/report", "getReport", "Activity report of a room",
        Auth.TOKEN, Integration.LAMBDA_REPORT, function="Report",
        params=(_ROOM_ID, _DAYS, _BEARER),
        responses=(("200", "The report", "Report"), _BAD, _UNAUTHORIZED, _FORBIDDEN, _NOT_FOUND,
                   ("500", "Report failed", "Error")),
        throttle_share=0.1,
    ),
    Route(
        "POST", "/ingest", "ingestMessage", "Queue a partner message (SQS, no Lambda)",
        Auth.API_KEY, Integration.SQS_INGEST, body_model="Ingest",
        responses=(("202", "Queued", "Accepted"), _BAD, _FORBIDDEN, _THROTTLED),
    ),
    Route(
        "GET", "/partner/rooms", "partnerListRooms", "List rooms (partners)",
        Auth.API_KEY, Integration.LAMBDA_PROXY, function="Rooms", params=(_LIMIT, _CURSOR),
        responses=(("200", "A page of rooms", "RoomPage"), _FORBIDDEN, _THROTTLED),
    ),
    Route(
        "GET", "/admin/stats", "adminStats", "Service statistics (IAM)",
        Auth.IAM, Integration.LAMBDA_PROXY, function="Admin",
        responses=(("200", "Statistics", "AdminStats"), _FORBIDDEN),
        throttle_share=0.05,
    ),
    Route(
        "ANY", "/proxy/{proxy+}", "proxyUpstream", "Forwarded to the stage's upstream URL",
        Auth.COGNITO, Integration.HTTP_PROXY, params=(_PROXY,),
        responses=(("200", "The upstream's response", None), _UNAUTHORIZED),
    ),
    Route(
        "ANY", "/internal/{proxy+}", "internalService", "The private backend (VPC link, IAM)",
        Auth.IAM, Integration.VPC_LINK, params=(_PROXY,),
        responses=(("200", "The backend's response", None), _FORBIDDEN),
    ),
)  # fmt: skip


def anonymous_methods() -> tuple[tuple[str, str], ...]:
    """``(method, path)`` of every route not authorized by IAM: the resource policy lets any
    principal invoke these (their own authorizer still applies) and keeps the rest to IAM."""
    return tuple((route.method, route.path) for route in ROUTES if route.auth is not Auth.IAM)
