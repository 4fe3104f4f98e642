"""One WebSocket API served by aiohttp: ``ws://host:port/<stage>`` and its ``@connections``.

``$connect`` runs the authorizer and the integration before the handshake is accepted (a
refusal is an HTTP status, as API Gateway answers it); every message is routed by the API's
route selection expression and handled in its own task (API Gateway handles the messages of
one connection concurrently); every end of a connection (client close, ``DELETE`` on
``@connections``, idle or maximum duration, an oversized or binary frame) fires
``$disconnect``.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from aiohttp import WSMsgType, web

from cdk_local_gateway.sigv4 import SignatureRejected, verify
from cdk_local_gateway.websocket.auth import Refused, authorize
from cdk_local_gateway.websocket.connections import Connection, new_id, now_ms
from cdk_local_gateway.websocket.events import Call
from cdk_local_gateway.websocket.expressions import evaluate
from cdk_local_gateway.websocket.integrations import Integrations
from cdk_local_gateway.websocket.limits import LimitedWebSocketResponse, TokenBucket

if TYPE_CHECKING:
    from collections.abc import Coroutine
    from typing import Any

    from cdk_local_gateway.websocket.model import WebSocketApi, WsStage
    from cdk_local_gateway.websocket.services import WsServices

_RESERVED = ("$connect", "$disconnect")


def _iso(epoch_ms: int) -> str:
    moment = datetime.fromtimestamp(epoch_ms / 1000, tz=UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{epoch_ms % 1000:03d}Z"


def _aws_error(status: int, error_type: str, message: str | None) -> web.Response:
    return web.json_response(
        {"message": message}, status=status, headers={"x-amzn-ErrorType": error_type}
    )


class WebSocketGateway:
    def __init__(self, api: WebSocketApi, services: WsServices) -> None:
        self.api = api
        self.services = services
        self.integrations = Integrations(services)
        self.stages = {stage.name: stage for stage in api.stages}
        self.connections: dict[str, Connection] = {}
        self._buckets: dict[tuple[str, str], TokenBucket] = {}
        self._tasks: set[asyncio.Task[None]] = set()

    def application(self) -> web.Application:
        # Large enough that an oversized POST gets API Gateway's 413 from us, not aiohttp's.
        app = web.Application(client_max_size=4 * 1024 * 1024)
        app.router.add_get("/{stage}", self._socket)
        path = "/{stage}/@connections/{connection_id}"
        app.router.add_post(path, self._management)
        app.router.add_get(path, self._management)
        app.router.add_delete(path, self._management)
        app.on_shutdown.append(self._shutdown)
        return app

    # -- helpers ------------------------------------------------------------------------------
    def _spawn(self, coroutine: Coroutine[Any, Any, None]) -> None:
        task = asyncio.get_running_loop().create_task(coroutine)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def _allowed(self, stage: WsStage, route_key: str) -> bool:
        key = (stage.name, route_key)
        if key not in self._buckets:
            throttle = stage.route_throttles.get(route_key, stage.throttle)
            self._buckets[key] = TokenBucket(throttle)
        return self._buckets[key].take()

    async def _error_frame(self, call: Call, message: str) -> None:
        socket = call.connection.socket
        if socket is not None and not socket.closed:
            frame = {
                "message": message,
                "connectionId": call.connection.id,
                "requestId": call.request_id,
            }
            with contextlib.suppress(ConnectionError, RuntimeError):
                await socket.send_str(json.dumps(frame))

    # -- the socket ---------------------------------------------------------------------------
    async def _socket(self, request: web.Request) -> web.StreamResponse:
        stage = self.stages.get(request.match_info["stage"])
        if stage is None:
            return web.json_response({"message": "Forbidden"}, status=403)
        if request.headers.get("Upgrade", "").lower() != "websocket":
            return web.json_response({"message": "Upgrade Required"}, status=426)
        connection = Connection(
            id=new_id(),
            stage=stage,
            source_ip=request.remote or "127.0.0.1",
            user_agent=request.headers.get("User-Agent", ""),
            headers=list(request.headers.items()),
            query=list(request.query.items()),
        )
        call = Call(self.api, connection, "$connect", "CONNECT", request.host)
        refusal = await self._connect(call)
        if refusal is not None:
            return refusal
        limits = self.services.limits
        socket = LimitedWebSocketResponse(
            frame_bytes=limits.frame_bytes, message_bytes=limits.message_bytes
        )
        await socket.prepare(request)
        connection.socket = socket
        self.connections[connection.id] = connection
        try:
            await self._receive(connection, request.host)
        finally:
            self.connections.pop(connection.id, None)
            self._spawn(self._disconnect(connection, request.host))
        return socket

    async def _connect(self, call: Call) -> web.Response | None:
        """``None`` to accept the handshake, else the refusal."""
        if not self._allowed(call.connection.stage, "$connect"):
            return web.json_response({"message": "Too Many Requests"}, status=429)
        route = self.api.routes.get("$connect")
        if route is None:
            return None
        if route.authorization == "CUSTOM" and route.authorizer is not None:
            try:
                call.connection.authorizer = await authorize(call, route.authorizer, self.services)
            except Refused as refused:
                return web.json_response({"message": refused.message}, status=refused.status)
        if route.integration is None:
            return None
        outcome = await self.integrations.run(route.integration, call)
        if outcome.failed:
            return web.json_response({"message": "Internal server error"}, status=500)
        if not 200 <= outcome.status < 300:
            return web.Response(status=outcome.status, text=outcome.body or "")
        return None

    async def _receive(self, connection: Connection, domain: str) -> None:
        socket = connection.socket
        assert socket is not None
        limits = self.services.limits
        while True:
            idle_end = connection.last_active_ms / 1000 + limits.idle_s
            max_end = connection.connected_at_ms / 1000 + limits.max_connection_s
            remaining = min(idle_end, max_end) - time.time()
            if remaining <= 0:
                connection.disconnect_status = 1001
                connection.disconnect_reason = "Going away"
                await socket.close(code=1001, message=b"Going away")
                return
            try:
                message = await socket.receive(timeout=remaining)
            except TimeoutError:
                continue
            if message.type == WSMsgType.TEXT:
                connection.last_active_ms = now_ms()
                self._spawn(self._message(connection, str(message.data), domain))
            elif message.type == WSMsgType.BINARY:
                # API Gateway does not accept binary frames: it closes with 1003.
                connection.disconnect_status = 1003
                connection.disconnect_reason = "Binary frames are not supported"
                await socket.close(code=1003, message=b"Binary frames are not supported")
                return
            else:
                if message.type == WSMsgType.CLOSE:
                    connection.disconnect_status = int(message.data or 1005)
                    connection.disconnect_reason = str(message.extra or "")
                elif message.type == WSMsgType.ERROR:
                    connection.disconnect_status = int(socket.close_code or 1006)
                    connection.disconnect_reason = str(message.data)
                return

    async def _message(self, connection: Connection, text: str, domain: str) -> None:
        call = Call(self.api, connection, "", "MESSAGE", domain, body=text)
        key = evaluate(self.api.route_selection, body=text)
        route = self.api.routes.get(key) if key and key not in _RESERVED else None
        route = route or self.api.routes.get("$default")
        if route is None:
            await self._error_frame(call, "Forbidden")
            return
        call.route_key = route.key
        if not self._allowed(connection.stage, route.key):
            await self._error_frame(call, "Too Many Requests")
            return
        if route.integration is None:
            await self._error_frame(call, "Internal server error")
            return
        outcome = await self.integrations.run(route.integration, call)
        if outcome.failed:
            await self._error_frame(call, "Internal server error")
        elif route.two_way and outcome.body is not None and connection.open:
            assert connection.socket is not None
            with contextlib.suppress(ConnectionError, RuntimeError):
                await connection.socket.send_str(outcome.body)

    async def _disconnect(self, connection: Connection, domain: str) -> None:
        route = self.api.routes.get("$disconnect")
        if route is None or route.integration is None:
            return
        call = Call(self.api, connection, "$disconnect", "DISCONNECT", domain)
        # Best effort, as on API Gateway: the client is gone whatever the integration answers.
        await self.integrations.run(route.integration, call)

    async def _shutdown(self, _: web.Application) -> None:
        for connection in list(self.connections.values()):
            if connection.socket is not None:
                connection.disconnect_status = 1001
                connection.disconnect_reason = "Going away"
                with contextlib.suppress(Exception):
                    await connection.socket.close(code=1001, message=b"Going away")
        # Each handler spawns its $disconnect as it ends: wait for the handlers, then for those.
        deadline = time.monotonic() + 5
        while self.connections and time.monotonic() < deadline:
            await asyncio.sleep(0.01)
        if self._tasks:
            await asyncio.wait(set(self._tasks), timeout=max(0.1, deadline - time.monotonic()))

    # -- @connections -------------------------------------------------------------------------
    async def _management(self, request: web.Request) -> web.Response:
        body = await request.read()
        try:
            verify(
                method=request.method,
                url=f"{request.scheme}://{request.host}{request.raw_path}",
                headers=dict(request.headers.items()),
                body=body,
                secrets=self.services.secrets(),
                # A function's role session must allow this call (docs/iam.md).
                action="execute-api:ManageConnections",
                resource=(
                    f"arn:aws:execute-api:{self.api.region}:{self.services.account}:"
                    f"{self.api.api_id}/{request.match_info['stage']}/{request.method}"
                    f"/@connections/{request.match_info['connection_id']}"
                ),
            )
        except SignatureRejected as rejected:
            return _aws_error(403, rejected.error_type, rejected.message)
        connection = self.connections.get(request.match_info["connection_id"])
        if (
            connection is None
            or connection.stage.name != request.match_info["stage"]
            or not connection.open
        ):
            return _aws_error(410, "GoneException", None)
        socket = connection.socket
        assert socket is not None
        if request.method == "GET":
            return web.json_response(
                {
                    "connectedAt": _iso(connection.connected_at_ms),
                    "identity": {
                        "sourceIp": connection.source_ip,
                        "userAgent": connection.user_agent,
                    },
                    "lastActiveAt": _iso(connection.last_active_ms),
                }
            )
        if request.method == "DELETE":
            connection.disconnect_status = 1000
            connection.disconnect_reason = ""
            self._spawn(self._close(socket))
            return web.Response(status=204)
        if len(body) > self.services.limits.message_bytes:
            return _aws_error(413, "PayloadTooLargeException", "Request entity too large")
        try:
            text = body.decode("utf-8")
        except UnicodeDecodeError:
            await socket.send_bytes(body)
        else:
            await socket.send_str(text)
        return web.Response(status=200)

    async def _close(self, socket: web.WebSocketResponse) -> None:
        with contextlib.suppress(Exception):
            await socket.close(code=1000)
