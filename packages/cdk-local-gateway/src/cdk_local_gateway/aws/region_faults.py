"""Region outages on demand: a reverse proxy in front of the local AWS that can take a region
down, for testing what an application does when its primary region fails.

Every AWS call of the functions, integrations and event sources goes through the proxy when
it is enabled (the runtime's own provisioning does not; IAM and STS stay up). A call is
attributed to the region of its SigV4 credential scope, the region moto serves it from. For a
region that is down the proxy answers
``unavailable`` (HTTP 503 ``ServiceUnavailable``, which AWS SDKs retry and then raise) or
``hang`` (holds the call open until the region comes back up or ``hang_s`` has passed, then
503: what a client's read timeout meets). The replicator is told too: replication to and
from a region that is down stops and catches up once it is up again, as a global table's
would.

Not emulated: partial outages (one service of a region), latency without failure, and the
endpoints of the runtime itself (the APIs of a region that is "down" still answer; clients
choose which region's URL they call).
"""

from __future__ import annotations

import asyncio
import json
import re
import socket
from typing import TYPE_CHECKING

import aiohttp
from aiohttp import web

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping

_SCOPE = re.compile(r"Credential=[^/,\s]+/\d{8}/([a-z0-9-]+)/([a-z0-9-]+)/")
#: Global services (credentials for the functions' role sessions) stay up.
_GLOBAL = {"iam", "sts"}
MODES = ("unavailable", "hang")
#: ``POST <proxy>/_local/regions/<region>/down?mode=hang|unavailable`` and ``.../up`` switch
#: a region from a terminal; ``GET <proxy>/_local/regions`` lists the regions down.
CONTROL = "/_local/regions"
#: Headers that describe one hop of the connection, not the message.
_HOP = {"connection", "keep-alive", "transfer-encoding", "content-length", "host"}


def signed_region(headers: Mapping[str, str], query: Mapping[str, str]) -> str | None:
    """The region of a SigV4-signed request (header or presigned query) to a regional
    service; None if unsigned or global (IAM, STS)."""
    found = _SCOPE.search(headers.get("Authorization", "") or "")
    if found:
        region, service = found.group(1), found.group(2)
    else:
        parts = query.get("X-Amz-Credential", "").split("/")
        if len(parts) < 5:
            return None
        region, service = parts[2], parts[3]
    return None if service in _GLOBAL else region


class RegionFaults:
    """The proxy: :meth:`start` it, give its :attr:`url` to everything instead of the local
    AWS endpoint, then :meth:`down` and :meth:`up` regions."""

    def __init__(self, upstream: str, *, host: str = "127.0.0.1", hang_s: float = 600.0) -> None:
        self.upstream = upstream.rstrip("/")
        self.host = host
        self.hang_s = hang_s
        self.url = ""
        self._down: dict[str, str] = {}
        self._restored: dict[str, asyncio.Event] = {}
        self._runner: web.AppRunner | None = None
        self._session: aiohttp.ClientSession | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        # Calls held open by "hang" right now.
        self.held = 0

    def down(self, region: str, mode: str = "unavailable") -> None:
        """Take ``region`` down; from any thread, in effect when this returns."""
        if mode not in MODES:
            raise ValueError(f"mode {mode!r}: one of {', '.join(MODES)}")
        self._in_loop(self._set_down, region, mode)

    def up(self, region: str) -> None:
        """Bring ``region`` back; calls held by ``hang`` go through."""
        self._in_loop(self._set_up, region)

    def _set_down(self, region: str, mode: str) -> None:
        self._down[region] = mode
        self._restored.setdefault(region, asyncio.Event()).clear()

    def _set_up(self, region: str) -> None:
        self._down.pop(region, None)
        restored = self._restored.get(region)
        if restored is not None:
            restored.set()

    def _in_loop(self, change: Callable[..., None], *args: str) -> None:
        # The proxy's state belongs to its event loop (asyncio.Event is not thread-safe).
        try:
            current = asyncio.get_running_loop()
        except RuntimeError:
            current = None
        if self._loop is None or current is self._loop:
            change(*args)
            return

        async def apply() -> None:
            change(*args)

        asyncio.run_coroutine_threadsafe(apply(), self._loop).result(10)

    def regions_down(self) -> dict[str, str]:
        return dict(self._down)

    def available(self, region: str) -> bool:
        """Whether ``region`` is up (safe from any thread: a read of one key)."""
        return region not in self._down

    async def start(self) -> str:
        self._loop = asyncio.get_running_loop()
        # Many workers call at once; no per-host limit (the local AWS is one host).
        self._session = aiohttp.ClientSession(
            connector=aiohttp.TCPConnector(limit=0),
            timeout=aiohttp.ClientTimeout(total=None),
            auto_decompress=False,
        )
        app = web.Application(client_max_size=64 * 1024 * 1024)
        app.router.add_post(CONTROL + "/{region}/{state}", self._control)
        app.router.add_get(CONTROL, self._status)
        app.router.add_route("*", "/{tail:.*}", self._forward)
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=1.0)
        await self._runner.setup()
        with socket.socket() as probe:
            probe.bind((self.host, 0))
            port = probe.getsockname()[1]
        await web.TCPSite(self._runner, self.host, port).start()
        self.url = f"http://{self.host}:{port}"
        return self.url

    async def stop(self) -> None:
        for event in self._restored.values():
            event.set()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
        if self._session is not None:
            await self._session.close()
            self._session = None

    async def _control(self, request: web.Request) -> web.Response:
        region, state = request.match_info["region"], request.match_info["state"]
        mode = request.query.get("mode", "unavailable")
        if state == "down" and mode in MODES:
            self._set_down(region, mode)
        elif state == "up":
            self._set_up(region)
        else:
            return web.json_response(
                {"message": f"use {CONTROL}/<region>/down?mode=hang|unavailable or .../up"},
                status=400,
            )
        return await self._status(request)

    async def _status(self, _: web.Request) -> web.Response:
        return web.json_response({"down": self.regions_down()})

    async def _forward(self, request: web.Request) -> web.StreamResponse:
        region = signed_region(request.headers, request.query)
        mode = self._down.get(region or "")
        if mode == "hang":
            restored = self._restored[str(region)]
            self.held += 1
            try:
                await asyncio.wait_for(restored.wait(), self.hang_s)
            except TimeoutError:
                return _unavailable(str(region))
            finally:
                self.held -= 1
            mode = self._down.get(str(region))
        if mode is not None:
            return _unavailable(str(region))
        assert self._session is not None
        body = await request.read()
        headers = {k: v for k, v in request.headers.items() if k.lower() not in _HOP}
        # The local AWS sees the Host the caller signed.
        headers["Host"] = request.headers.get("Host", "")
        async with self._session.request(
            request.method,
            self.upstream + request.path_qs,
            data=body,
            headers=headers,
            allow_redirects=False,
        ) as answer:
            payload = await answer.read()
            kept = [(k, v) for k, v in answer.headers.items() if k.lower() not in _HOP]
        response = web.Response(status=answer.status, body=payload)
        for name, value in kept:
            response.headers.add(name, value)
        return response


def _unavailable(region: str) -> web.Response:
    return web.Response(
        status=503,
        text=json.dumps(
            {
                "__type": "ServiceUnavailable",
                "message": f"{region} is down (local region outage)",
            }
        ),
        content_type="application/x-amz-json-1.0",
        headers={"x-amzn-ErrorType": "ServiceUnavailable"},
    )
