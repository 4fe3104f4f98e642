"""The entry point for the runtime: serve every WebSocket API of some stacks."""

from __future__ import annotations

import socket
from dataclasses import dataclass
from typing import TYPE_CHECKING

from aiohttp import web

from cdk_local_gateway.websocket.model import read_websocket_apis
from cdk_local_gateway.websocket.server import WebSocketGateway
from cdk_local_gateway.websocket.services import Limits, WsServices

if TYPE_CHECKING:
    import ssl
    from collections.abc import Callable, Iterable

    from cdk_local_gateway.assembly import Stack
    from cdk_local_gateway.intrinsics import Resolver
    from cdk_local_gateway.lambdas.workers import FunctionSpec, LambdaService
    from cdk_local_gateway.websocket.model import WebSocketApi


@dataclass
class ServedWebSocketApi:
    api: WebSocketApi
    gateway: WebSocketGateway
    runner: web.AppRunner
    host: str
    port: int
    tls: bool = False

    def urls(self) -> dict[str, str]:
        """``ws://`` (``wss://``) URL of each stage."""
        scheme = "wss" if self.tls else "ws"
        return {s.name: f"{scheme}://{self.host}:{self.port}/{s.name}" for s in self.api.stages}

    def management_urls(self) -> dict[str, str]:
        """The ``@connections`` endpoint of each stage (a boto3 ``endpoint_url``)."""
        scheme = "https" if self.tls else "http"
        return {s.name: f"{scheme}://{self.host}:{self.port}/{s.name}" for s in self.api.stages}

    def callback_aliases(self, url_suffix: str = "amazonaws.com") -> dict[str, str]:
        """The deployed management endpoint of each stage (what a template's callback URL
        resolves to) -> the local one: a prefix rewrite for function environments."""
        api = self.api
        host = f"{api.api_id}.execute-api.{api.region}.{url_suffix}"
        return {f"https://{host}/{stage}": url for stage, url in self.management_urls().items()}

    async def stop(self) -> None:
        await self.runner.cleanup()


def websocket_endpoints(served: list[ServedWebSocketApi]) -> dict[str, str]:
    """The "websocket" object of ``endpoints.json``: the stack's display name (as for REST
    APIs) -> the ``ws://`` (``wss://``) URL; ``/<Api logical id>`` is added when a stack has
    several WebSocket APIs and ``/<stage>`` when an API has several stages."""
    per_stack: dict[str, int] = {}
    for api in served:
        per_stack[api.api.stack.display_name] = per_stack.get(api.api.stack.display_name, 0) + 1
    found: dict[str, str] = {}
    for api in served:
        name = api.api.stack.display_name
        if per_stack[name] > 1:
            name = f"{name}/{api.api.logical_id}"
        urls = api.urls()
        for stage, url in urls.items():
            found[name if len(urls) == 1 else f"{name}/{stage}"] = url
    return found


def _free_port(host: str) -> int:
    with socket.socket() as probe:
        probe.bind((host, 0))
        port: int = probe.getsockname()[1]
        return port


async def mount_websocket_apis(
    stacks: Iterable[Stack],
    *,
    resolver: Resolver,
    lambdas: LambdaService,
    functions: dict[str, FunctionSpec],
    aws_endpoint: str,
    credentials: tuple[str, str],
    host: str = "127.0.0.1",
    port: int = 0,
    limits: Limits | None = None,
    log: Callable[[str], None] = print,
    ssl_context: ssl.SSLContext | None = None,
    extra_credentials: dict[str, str] | None = None,
    http_overrides: dict[str, str] | None = None,
) -> list[ServedWebSocketApi]:
    """Serve each WebSocket API of ``stacks`` on its own port (``port`` and up, or free ports).

    Call after the local AWS is provisioned (integration URIs resolve to its queues) and
    ``lambdas`` is started; stop each result before stopping ``lambdas`` (closing a socket
    fires ``$disconnect``). What an API uses that is not emulated is logged as
    ``not emulated: ...``. With ``ssl_context`` (see :func:`local_tls`) the APIs speak
    ``wss://`` and ``https://``, so handlers building ``https://{domainName}/{stage}`` reach
    ``@connections`` (the functions need the CA in ``AWS_CA_BUNDLE``).
    """
    services = WsServices(
        lambdas=lambdas,
        functions=functions,
        aws_endpoint=aws_endpoint,
        credentials=credentials,
        account=resolver.account,
        limits=limits or Limits(),
        log=log,
        extra_credentials=dict(extra_credentials or {}),
        http_overrides=dict(http_overrides or {}),
        resolver=resolver,
    )
    served: list[ServedWebSocketApi] = []
    for stack in stacks:
        for api in read_websocket_apis(resolver, stack):
            for problem in api.problems:
                log(f"not emulated: {problem}")
            gateway = WebSocketGateway(api, services)
            runner = web.AppRunner(gateway.application(), access_log=None, shutdown_timeout=1.0)
            await runner.setup()
            chosen = port or _free_port(host)
            await web.TCPSite(runner, host, chosen, ssl_context=ssl_context).start()
            port = chosen + 1 if port else 0
            served.append(
                ServedWebSocketApi(api, gateway, runner, host, chosen, ssl_context is not None)
            )
    return served
