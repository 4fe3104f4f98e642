"""The WebSocket API, declared once: every route (route key or action, what serves it, the
frame it takes, the error codes it can answer with) and every function (module, table
access, settings).

API Gateway selects the route on ``$request.body.action``. The WebSocket stack builds routes
and grants from :data:`ROUTES` and :data:`FUNCTIONS`; the frame parser reads :data:`ACTIONS`
and the frame limits from here.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from contract.access import TableAccess
from contract.errors import FRAME_ERROR_CODES
from contract.table import GSI1

#: The query-string parameter that carries the token on ``$connect`` (the authorizer's
#: identity source): ``wss://.../prod?token=<jwt>``.
CONNECT_TOKEN_QUERY = "token"
#: Custom metric (count) of room members a broadcast could not reach, gone connections
#: excepted; the WebSocket stack alarms on it.
DELIVERY_FAILED_METRIC = "DeliveryFailed"


class Kind(StrEnum):
    """What serves a WebSocket route."""

    LAMBDA = "lambda"
    MOCK = "mock"  # answered by API Gateway from a response template
    SQS = "sqs"  # SQS SendMessage, then the queue's consumer function
    HTTP_PROXY = "http_proxy"  # the stage's upstream


@dataclass(frozen=True)
class WebSocketRoute:
    """A route: ``key`` is a client action or ``$connect``/``$disconnect``/``$default``;
    ``function`` a key of :data:`FUNCTIONS` (the SQS route's: the queue consumer);
    ``template`` the response template of a mock route; ``errors`` the frame error codes the
    route can answer with."""

    key: str
    kind: Kind
    description: str
    function: str | None = None
    template: str | None = None
    errors: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        undeclared = [code for code in self.errors if code not in FRAME_ERROR_CODES]
        if undeclared:
            raise ValueError(f"route {self.key}: undeclared frame error codes {undeclared}")

    @property
    def is_action(self) -> bool:
        """A client action (not one of API Gateway's ``$`` routes)."""
        return not self.key.startswith("$")

    @property
    def frame_schema(self) -> dict[str, object] | None:
        # Only the stacks read the schemas: the frame handlers import this module for its
        # actions and would otherwise compile every schema on each cold start.
        from contract.schemas import FRAME_SCHEMAS

        return FRAME_SCHEMAS.get(self.key)


@dataclass(frozen=True)
class WebSocketFunction:
    """A function of the WebSocket API: its module under ``handlers/ws``, what it does, its
    table access, whether it posts to connections (``sender``) and the ServiceFunction
    settings it needs beyond the defaults."""

    module: str
    description: str
    table: TableAccess
    sender: bool = False
    timeout_seconds: int | None = None
    memory_mb: int | None = None

    @property
    def handler(self) -> str:
        return f"handlers.ws.{self.module}.handler"


#: Memory (hence CPU) of the functions that broadcast: 1 GB buys ~0.6 vCPU, and botocore's
#: CPU per post, serialized by the GIL, bounds a broadcast (docs/websocket-api.md).
BROADCAST_MEMORY_MB = 1024
_BROADCAST = TableAccess(
    actions=("dynamodb:GetItem", "dynamodb:Query", "dynamodb:PutItem", "dynamodb:UpdateItem"),
    indexes=(GSI1,),
    # The 410 clean-up deletes a stale connection where it lives: any region.
    stale_connection_deletes=("dynamodb:BatchWriteItem",),
)

#: The functions, by construct id, in the order the stack creates them. Reads in every
#: region, shared writes (messages, counters, receipts) on the primary replica, and
#: ``connection_writes`` (a connection's own Connection and Membership items) on the replica
#: of the function's region, which holds the connection. Send and the publish consumer delete
#: gone (410) connections with their memberships in batches, found on GSI1. Send's 28 s stay
#: under API Gateway's 29 s integration timeout.
FUNCTIONS: dict[str, WebSocketFunction] = {
    "Connect": WebSocketFunction(
        "connect",
        "WebSocket $connect: stores the connection",
        TableAccess(connection_writes=("dynamodb:PutItem",)),
    ),
    "Disconnect": WebSocketFunction(
        "disconnect",
        "WebSocket $disconnect: removes connection, memberships",
        TableAccess(indexes=(GSI1,), connection_writes=("dynamodb:BatchWriteItem",)),
    ),
    "Join": WebSocketFunction(
        "join",
        "WebSocket join: adds the connection to a room",
        TableAccess(actions=("dynamodb:GetItem",), connection_writes=("dynamodb:PutItem",)),
    ),
    "Leave": WebSocketFunction(
        "leave",
        "WebSocket leave: removes a room membership",
        TableAccess(connection_writes=("dynamodb:DeleteItem",)),
    ),
    "Send": WebSocketFunction(
        "send",
        "WebSocket send: stores a message and delivers it to the room in every region",
        _BROADCAST,
        sender=True,
        timeout_seconds=28,
        memory_mb=BROADCAST_MEMORY_MB,
    ),
    "PublishConsumer": WebSocketFunction(
        "publish_consumer",
        "WebSocket publish queue consumer: stores and delivers queued messages",
        _BROADCAST,
        sender=True,
        timeout_seconds=30,
        memory_mb=BROADCAST_MEMORY_MB,
    ),
}

#: Every frame, whatever its action, is parsed first and may fail with these.
_PARSE = ("empty_frame", "invalid_encoding", "message_too_large", "invalid_json", "unknown_action")
_FIELDS = ("missing_field", "invalid_field")

ROUTES: tuple[WebSocketRoute, ...] = (
    WebSocketRoute("$connect", Kind.LAMBDA, "authorizes the token, stores the connection",
                   function="Connect"),
    WebSocketRoute("$disconnect", Kind.LAMBDA, "removes the connection and its memberships",
                   function="Disconnect"),
    WebSocketRoute("$default", Kind.MOCK, "error frame listing the valid actions",
                   template="default_response", errors=("unknown_action",)),
    WebSocketRoute("join", Kind.LAMBDA, "joins a room: joined",
                   function="Join",
                   errors=(*_PARSE, *_FIELDS, "not_found", "not_connected", "unavailable")),
    WebSocketRoute("leave", Kind.LAMBDA, "leaves a room: left",
                   function="Leave",
                   errors=(*_PARSE, *_FIELDS, "not_a_member", "unavailable")),
    WebSocketRoute("send", Kind.LAMBDA, "stores and delivers a message: sent",
                   function="Send",
                   errors=(*_PARSE, *_FIELDS, "not_found", "forbidden", "conflict",
                           "unavailable")),
    WebSocketRoute("ping", Kind.MOCK, "pong", template="ping_response"),
    WebSocketRoute("publish", Kind.SQS, "queues a message: published",
                   function="PublishConsumer", errors=("publish_failed",)),
    WebSocketRoute("lookup", Kind.HTTP_PROXY, "the upstream's answer"),
)  # fmt: skip

#: Every action a client can send, in the order the error frame lists them.
ACTIONS: tuple[str, ...] = tuple(r.key for r in ROUTES if r.is_action)


def route(key: str) -> WebSocketRoute:
    """The route of ``key``; ``KeyError`` if the table has none."""
    for candidate in ROUTES:
        if candidate.key == key:
            return candidate
    raise KeyError(key)
