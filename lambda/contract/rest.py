"""The REST API, declared once: every route (method, path, auth, integration, the function
behind it, body schema, parameters, responses, throttle share and the error codes it can
answer with) and every function (handler, table access, secrets).

The REST stack builds the API from :data:`ROUTES` and :data:`FUNCTIONS`, the OpenAPI document
is generated from them, and tests/contract resolves every Lambda proxy route through its
handler's resolver.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from contract import limits
from contract.access import TableAccess
from contract.cors import CORS_ALLOW_HEADERS as CORS_ALLOW_HEADERS
from contract.cors import CORS_EXPOSE_HEADERS as CORS_EXPOSE_HEADERS
from contract.errors import ERROR_DESCRIPTIONS, ERROR_STATUSES
from contract.schemas import REQUEST_SCHEMAS, RESPONSE_SCHEMAS
from contract.table import GSI1


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


#: Integrations that invoke one of :data:`FUNCTIONS`.
LAMBDA_INTEGRATIONS = frozenset({Integration.LAMBDA_PROXY, Integration.LAMBDA_REPORT})
#: Integrations whose answers API Gateway maps (``Route.integration_responses``); the others
#: pass the backend's answer through.
MAPPED_INTEGRATIONS = frozenset(
    {
        Integration.MOCK_HEALTH,
        Integration.LAMBDA_REPORT,
        Integration.DYNAMODB_MESSAGES,
        Integration.SQS_INGEST,
    }
)


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
class IntegrationResponse:
    """A non-proxy integration's mapping of the backend's answer: ``pattern`` (API Gateway's
    selection pattern; ``None``: the default) selects ``status`` and the error ``code`` the
    response template writes (``None``: the success template)."""

    status: str
    pattern: str | None = None
    code: str | None = None
    message: str | None = None


@dataclass(frozen=True)
class Route:
    method: str  # GET, POST ... or ANY
    path: str
    operation_id: str
    summary: str
    auth: Auth
    integration: Integration
    #: (status, description, response schema name or None) of the success answer.
    success: tuple[str, str, str | None]
    #: Error codes (:data:`contract.errors.ERROR_STATUSES`) the route can answer with: the
    #: gateway's (auth, validation, throttling, WAF) and its backend's.
    errors: tuple[str, ...] = ()
    function: str | None = None  # key of FUNCTIONS (Lambda integrations)
    body_model: str | None = None  # key of contract.schemas.REQUEST_SCHEMAS
    params: tuple[Param, ...] = ()
    throttle_share: float | None = None  # share of the stage rate for this method alone
    #: Direct (non-proxy) integrations: how the backend's answers map to responses.
    integration_responses: tuple[IntegrationResponse, ...] = ()

    def __post_init__(self) -> None:
        undeclared = [code for code in self.errors if code not in ERROR_STATUSES]
        if undeclared:
            raise ValueError(f"{self.method} {self.path}: undeclared error codes {undeclared}")
        if (self.integration in LAMBDA_INTEGRATIONS) != (self.function is not None):
            raise ValueError(f"{self.method} {self.path}: a function iff a Lambda integration")
        if (self.integration in MAPPED_INTEGRATIONS) != bool(self.integration_responses):
            raise ValueError(f"{self.method} {self.path}: integration responses iff mapped")
        if self.body_model is not None and self.body_model not in REQUEST_SCHEMAS:
            raise ValueError(f"{self.method} {self.path}: no request schema {self.body_model}")
        schema = self.success[2]
        if schema is not None and schema not in RESPONSE_SCHEMAS:
            raise ValueError(f"{self.method} {self.path}: no response schema {schema}")

    @property
    def path_params(self) -> tuple[str, ...]:
        return tuple(part.strip("{}+") for part in self.path.split("/") if part.startswith("{"))

    @property
    def statuses(self) -> tuple[str, ...]:
        """Every status the route answers with: success first, then the errors' ascending."""
        errors = sorted({ERROR_STATUSES[code] for code in self.errors})
        return (self.success[0], *(str(status) for status in errors))

    @property
    def responses(self) -> tuple[tuple[str, str, str | None], ...]:
        """``(status, description, schema)`` of every answer: the success, then one per
        error status (its codes' descriptions)."""
        by_status: dict[int, list[str]] = {}
        for code in self.errors:
            descriptions = by_status.setdefault(ERROR_STATUSES[code], [])
            if ERROR_DESCRIPTIONS[code] not in descriptions:
                descriptions.append(ERROR_DESCRIPTIONS[code])
        errors = tuple(
            (str(status), "; ".join(by_status[status]), "Error") for status in sorted(by_status)
        )
        return (self.success, *errors)


@dataclass(frozen=True)
class LambdaFunction:
    """A function of the REST API: its handler, its table access (``None``: it uses no
    table) and whether it signs pagination cursors (the only functions that may read the
    cursor secret)."""

    handler: str
    table: TableAccess | None
    cursor_secret: bool = False

    @property
    def module(self) -> str:
        return self.handler.rsplit(".", 1)[0]


#: The Lambda REQUEST authorizer of bearer-token routes and of WebSocket ``$connect`` (the
#: REST stack creates it; the WebSocket stack of the region shares it).
AUTHORIZER_HANDLER = "handlers.authorizer.handler"

#: Lambda functions behind the routes (and the queue consumer), by construct id. The table
#: access is read from handlers/, domain/ and pydynamodel/ and checked against the handler
#: tests' recorded calls by tests/iam (transactions are authorized per item). The
#: transactions hold only conditional Put, Update and Delete items, no ConditionCheck; nothing
#: calls DescribeTable, BatchGetItem or Scan, and no function queries GSI2.
FUNCTIONS: dict[str, LambdaFunction] = {
    "Rooms": LambdaFunction(
        "handlers.rest.rooms.handler",
        TableAccess(
            actions=(
                "dynamodb:BatchWriteItem",  # DELETE /rooms/{id}: the room's messages, memberships
                "dynamodb:DeleteItem",
                "dynamodb:GetItem",
                "dynamodb:PutItem",
                "dynamodb:Query",
                "dynamodb:UpdateItem",
            ),
            indexes=(GSI1,),  # GET /rooms: newest rooms first
        ),
        cursor_secret=True,
    ),
    "Report": LambdaFunction(
        "handlers.rest.report.handler", TableAccess(actions=("dynamodb:GetItem", "dynamodb:Query"))
    ),
    # Select=COUNT over GSI1's ROOMS partition, nothing else
    "Admin": LambdaFunction("handlers.rest.admin.handler", TableAccess(indexes=(GSI1,))),
    # post_once: message, receipt and room counter in one transaction; the receipt read on a
    # redelivery.
    "IngestConsumer": LambdaFunction(
        "handlers.rest.ingest_consumer.handler",
        TableAccess(actions=("dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem")),
    ),
    "InternalService": LambdaFunction("handlers.rest.internal_service.handler", table=None),
}

_ROOM_ID = Param("room_id", Where.PATH, "Room id", required=True, validated=True)
_PROXY = Param("proxy", Where.PATH, "Path forwarded to the backend", required=True, validated=True)
_LIMIT = Param(
    "limit",
    Where.QUERY,
    f"Page size (1..{limits.MAX_PAGE_SIZE}, default {limits.DEFAULT_PAGE_SIZE})",
    schema={
        "type": "integer",
        "minimum": 1,
        "maximum": limits.MAX_PAGE_SIZE,
        "default": limits.DEFAULT_PAGE_SIZE,
    },
)
_CURSOR = Param("cursor", Where.QUERY, "next_cursor of the previous page")
_IDEMPOTENCY_KEY = Param(
    "Idempotency-Key",
    Where.HEADER,
    "Retries with the same key return the first result and write nothing twice",
    schema={"type": "string", "minLength": 1, "maxLength": limits.IDEMPOTENCY_KEY_MAX_LENGTH},
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
    f"Days covered by the report (default {limits.DEFAULT_REPORT_DAYS})",
    schema={
        "type": "integer",
        "minimum": 1,
        "maximum": limits.MAX_REPORT_DAYS,
        "default": limits.DEFAULT_REPORT_DAYS,
    },
)

#: What API Gateway itself may answer on any route: throttled (stage or method limits), WAF
#: blocked (403) and its own failures.
GATEWAY = ("Forbidden", "Throttled", "InternalError")
#: A Cognito or token route without valid credentials.
SIGNED_IN = ("Unauthorized",)
#: A route served by a function that uses the table: its own failures, an unavailable or
#: throttled table, a malformed request.
TABLE_FUNCTION = ("BadRequest", "ValidationFailed", "ServiceUnavailable")
#: A route with a JSON body (validated by the gateway's model and by the handler).
BODY = ("BadRequest", "ValidationFailed", "PayloadTooLarge")
#: Writes with an ``Idempotency-Key``: the key reused for another request.
IDEMPOTENT = ("Conflict",)

ROUTES: tuple[Route, ...] = (
    Route(
        "GET", "/health", "getHealth", "Liveness probe answered by API Gateway itself",
        Auth.NONE, Integration.MOCK_HEALTH, ("200", "Healthy", "Health"), GATEWAY,
        integration_responses=(IntegrationResponse("200"),),
    ),
    Route(
        "POST", "/rooms", "createRoom", "Create a room",
        Auth.COGNITO, Integration.LAMBDA_PROXY, ("201", "Created (Location header)", "Room"),
        (*GATEWAY, *SIGNED_IN, *TABLE_FUNCTION, *BODY, *IDEMPOTENT),
        function="Rooms", body_model="CreateRoom", params=(_IDEMPOTENCY_KEY,),
    ),
    Route(
        "GET", "/rooms", "listRooms", "List rooms, newest first",
        Auth.COGNITO, Integration.LAMBDA_PROXY, ("200", "A page of rooms", "RoomPage"),
        (*GATEWAY, *SIGNED_IN, *TABLE_FUNCTION),
        function="Rooms", params=(_LIMIT, _CURSOR),
    ),
    Route(
        "GET", "/rooms/{room_id}", "getRoom", "Get a room (ETag header)",
        Auth.COGNITO, Integration.LAMBDA_PROXY, ("200", "The room", "Room"),
        (*GATEWAY, *SIGNED_IN, *TABLE_FUNCTION, "NotFound"),
        function="Rooms", params=(_ROOM_ID,),
    ),
    Route(
        "PATCH", "/rooms/{room_id}", "updateRoom", "Change a room's name or description",
        Auth.COGNITO, Integration.LAMBDA_PROXY, ("200", "The updated room (new ETag)", "Room"),
        (*GATEWAY, *SIGNED_IN, *TABLE_FUNCTION, *BODY, *IDEMPOTENT, "NotFound",
         "PreconditionFailed", "PreconditionRequired"),
        function="Rooms", body_model="UpdateRoom", params=(_ROOM_ID, _IF_MATCH),
    ),
    Route(
        "DELETE", "/rooms/{room_id}", "deleteRoom", "Delete a room",
        Auth.COGNITO, Integration.LAMBDA_PROXY, ("204", "Deleted", None),
        (*GATEWAY, *SIGNED_IN, *TABLE_FUNCTION, *IDEMPOTENT, "NotFound", "PreconditionFailed"),
        function="Rooms", params=(_ROOM_ID, _IF_MATCH_OPTIONAL),
    ),
    Route(
        "POST", "/rooms/{room_id}/messages", "postMessage", "Post a message to a room",
        Auth.COGNITO, Integration.LAMBDA_PROXY, ("201", "Created", "Message"),
        (*GATEWAY, *SIGNED_IN, *TABLE_FUNCTION, *BODY, *IDEMPOTENT, "NotFound"),
        function="Rooms", body_model="CreateMessage", params=(_ROOM_ID, _IDEMPOTENCY_KEY),
    ),
    Route(
        "GET", "/rooms/{room_id}/messages", "listMessages",
        "List a room's messages, newest first (DynamoDB Query, no Lambda)",
        Auth.COGNITO, Integration.DYNAMODB_MESSAGES, ("200", "A page of messages", "MessagePage"),
        (*GATEWAY, *SIGNED_IN, "BadRequest", "ValidationFailed"),
        params=(_ROOM_ID, _LIMIT, _CURSOR),
        integration_responses=(
            IntegrationResponse("200"),
            IntegrationResponse("400", r"4\d{2}", "BadRequest", "Invalid limit or cursor"),
            IntegrationResponse(
                "500", r"5\d{2}", "InternalError", "Messages are unavailable, retry later"
            ),
        ),
    ),
    Route(
        "GET", "/rooms/{room_id}/report", "getReport", "Activity report of a room",
        Auth.TOKEN, Integration.LAMBDA_REPORT, ("200", "The report", "Report"),
        (*GATEWAY, *SIGNED_IN, "BadRequest", "ValidationFailed", "NotFound"),
        function="Report", params=(_ROOM_ID, _DAYS, _BEARER), throttle_share=0.1,
        # The handler raises "[<code>] <message>"; the tag selects the response.
        integration_responses=(
            IntegrationResponse("200"),
            IntegrationResponse("400", r"^\[BadRequest\].*", "BadRequest"),
            IntegrationResponse("404", r"^\[NotFound\].*", "NotFound"),
            # Any other error (including timeouts); the text is never shown to clients.
            IntegrationResponse(
                "500", r"(?s)^(?!\[(BadRequest|NotFound)\]).+", "InternalError",
                "The report could not be generated",
            ),
        ),
    ),
    Route(
        "POST", "/ingest", "ingestMessage", "Queue a partner message (SQS, no Lambda)",
        Auth.API_KEY, Integration.SQS_INGEST, ("202", "Queued", "Accepted"),
        (*GATEWAY, *BODY),
        body_model="Ingest",
        integration_responses=(
            IntegrationResponse("202"),
            IntegrationResponse(
                "500", r"[45]\d{2}", "InternalError", "The message could not be queued"
            ),
        ),
    ),
    Route(
        "GET", "/partner/rooms", "partnerListRooms", "List rooms (partners)",
        Auth.API_KEY, Integration.LAMBDA_PROXY, ("200", "A page of rooms", "RoomPage"),
        (*GATEWAY, *TABLE_FUNCTION, "Unauthorized"),
        function="Rooms", params=(_LIMIT, _CURSOR),
    ),
    Route(
        "GET", "/admin/stats", "adminStats", "Service statistics (IAM)",
        Auth.IAM, Integration.LAMBDA_PROXY, ("200", "Statistics", "AdminStats"),
        (*GATEWAY, *TABLE_FUNCTION),
        function="Admin", throttle_share=0.05,
    ),
    Route(
        "ANY", "/proxy/{proxy+}", "proxyUpstream", "Forwarded to the stage's upstream URL",
        Auth.COGNITO, Integration.HTTP_PROXY, ("200", "The upstream's response", None),
        (*GATEWAY, *SIGNED_IN, "ValidationFailed"),
        params=(_PROXY,),
    ),
    Route(
        "ANY", "/internal/{proxy+}", "internalService", "The private backend (VPC link, IAM)",
        Auth.IAM, Integration.VPC_LINK, ("200", "The backend's response", None),
        (*GATEWAY, "ValidationFailed"),
        params=(_PROXY,),
    ),
)  # fmt: skip

#: Request models whose bodies carry message text (the WAF lets script-like text through
#: on their routes).
MESSAGE_BODY_MODELS = frozenset({"CreateMessage", "Ingest"})


def anonymous_methods() -> tuple[tuple[str, str], ...]:
    """``(method, path)`` of every route not authorized by IAM: the resource policy lets any
    principal invoke these (their own authorizer still applies) and keeps the rest to IAM."""
    return tuple((route.method, route.path) for route in ROUTES if route.auth is not Auth.IAM)


def route(method: str, path: str) -> Route:
    """The route of ``method`` and ``path``; ``KeyError`` if the table has none."""
    for candidate in ROUTES:
        if (candidate.method, candidate.path) == (method, path):
            return candidate
    raise KeyError(f"{method} {path}")
