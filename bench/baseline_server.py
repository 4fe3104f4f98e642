"""The local runtime benchmarks' baseline: a bare aiohttp server, in its own process like the
runtime, answering what the runtime's routes answer with nothing in between.

- ``GET /<stage>/health`` (plain HTTP): the body and content type the runtime's MOCK route
  returned, read from ``--body-file``;
- ``GET /<stage>`` (WebSocket over TLS, a per-run CA written to ``--tls-dir``): a
  ``{"action": "ping"}`` frame is answered ``{"action": "pong"}``; a ``{"action": "send"}``
  frame is written to every open socket by direct calls in this process, then acknowledged
  to the sender.

Prints one JSON line ``{"http": port, "wss": port, "ca_file": path}`` once listening, then
serves until stdin closes.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from pathlib import Path

from aiohttp import WSMsgType, web
from cdk_local_gateway.websocket.tls import local_tls


class Baseline:
    def __init__(self, body: bytes, content_type: str) -> None:
        self.body = body
        self.content_type = content_type
        self.sockets: set[web.WebSocketResponse] = set()

    async def health(self, _: web.Request) -> web.Response:
        return web.Response(body=self.body, content_type=self.content_type)

    async def socket(self, request: web.Request) -> web.WebSocketResponse:
        socket = web.WebSocketResponse()
        await socket.prepare(request)
        self.sockets.add(socket)
        try:
            async for message in socket:
                if message.type != WSMsgType.TEXT:
                    break
                frame = json.loads(message.data)
                if frame.get("action") == "ping":
                    await socket.send_str('{"action": "pong"}')
                elif frame.get("action") == "send":
                    out = json.dumps({**frame, "action": "message"})
                    for member in list(self.sockets):
                        if not member.closed:
                            await member.send_str(out)
                    await socket.send_str(json.dumps({"action": "sent"}))
        finally:
            self.sockets.discard(socket)
        return socket


async def serve(args: argparse.Namespace) -> None:
    content_type = args.content_type.split(";", 1)[0]
    baseline = Baseline(Path(args.body_file).read_bytes(), content_type)
    app = web.Application()
    app.router.add_get(f"/{args.stage}/health", baseline.health)
    app.router.add_get(f"/{args.stage}", baseline.socket)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    tls = local_tls(Path(args.tls_dir))
    http = web.TCPSite(runner, "127.0.0.1", 0)
    wss = web.TCPSite(runner, "127.0.0.1", 0, ssl_context=tls.server_context())
    await http.start()
    await wss.start()
    ports = [site._server.sockets[0].getsockname()[1] for site in (http, wss)]  # type: ignore[union-attr]
    print(json.dumps({"http": ports[0], "wss": ports[1], "ca_file": str(tls.ca_file)}), flush=True)
    # Serve until the benchmark closes our stdin (or dies).
    await asyncio.get_running_loop().run_in_executor(None, sys.stdin.read)
    await runner.cleanup()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stage", required=True)
    parser.add_argument("--body-file", required=True)
    parser.add_argument("--content-type", default="application/json")
    parser.add_argument("--tls-dir", required=True)
    asyncio.run(serve(parser.parse_args()))


if __name__ == "__main__":
    main()
