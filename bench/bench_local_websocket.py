"""Local runtime (cdk-local-gateway) WebSocket figures of issue 9, each against a baseline
measured in the same run: a bare aiohttp server in its own process, over TLS like the
runtime (``bench/baseline_server.py``).

1. Broadcast: 1,000 connections (100 with ``BENCH_QUICK=1``) join one room through the real
   path ($connect with the token authorizer, the ``join`` route's Lambda); one of them sends a
   message: frame -> ``send`` route -> Lambda -> ``@connections`` POST per member -> 1,000
   sockets. Timed from the send to the last member's delivery, in this process, which holds
   every socket. Baseline: the same frame to the same number of sockets of the bare server,
   which writes it to each by direct calls in its process. Reported: the ratio of the
   medians and connections/s of the real path. Median of 3 broadcasts (2 quick), after one
   that warms the send function's worker.
2. Ping/pong, the MOCK ``ping`` route: round trip of 2,000 frames (200 quick) on one
   connection, p50 and p99, each frame followed by one to the bare server (which answers
   the same pong), so both see the same load.

The runtime enforces the stage's default route throttling (per route: rate/s and burst from
the template), so frames and connections are paced at 90% of it: the figures are latencies
under that pace, not throughput limits. No budget is set for these figures (issue 9 asks for
them to be reported); the exit status is 1 only when a delivery is missing.

Run: ``.venv/bin/python bench/bench_local_websocket.py`` (``BENCH_WS_CONNECTIONS`` and
``BENCH_WS_PINGS`` override the counts).
"""

from __future__ import annotations

import asyncio
import json
import os
import ssl
import statistics
import sys
import time
import urllib.request
import uuid
from typing import TYPE_CHECKING, Any

from local_runtime import QUICK, BaselineServer, Runtime, percentile, websocket_throttle
from websockets.asyncio.client import connect
from websockets.exceptions import InvalidStatus

if TYPE_CHECKING:
    from websockets.asyncio.client import ClientConnection

CONNECTIONS = int(os.environ.get("BENCH_WS_CONNECTIONS", "100" if QUICK else "1000"))
BROADCASTS = 2 if QUICK else 3
PINGS = int(os.environ.get("BENCH_WS_PINGS", "200" if QUICK else "2000"))
#: Concurrent $connect/join requests: few, so few Lambda workers start cold for them.
SETUP_CONCURRENCY = 2
#: A refused handshake is retried (a client reconnects): 429 is the stage throttle, 500 a
#: $connect function that timed out (a cold start on a loaded machine). Retries are counted.
RETRIED_STATUSES = (429, 500)
RETRIES: dict[str, int] = {}
#: A send refused ``unavailable`` means the app's DynamoDB region breaker opened (a call timed
#: out); it skips the region for 30 s, so a retry waits that out.
BREAKER_WAIT_S = 31.0
RECEIVE_S = 60.0


class Pacer:
    """A client-side token bucket below the runtime's: the call waits for a token."""

    def __init__(self, rate: float, burst: float) -> None:
        self.rate, self.capacity = rate, max(1.0, burst)
        self.tokens = self.capacity
        self.updated = time.monotonic()
        self.lock = asyncio.Lock()

    async def wait(self) -> None:
        async with self.lock:
            while True:
                now = time.monotonic()
                self.tokens = min(self.capacity, self.tokens + (now - self.updated) * self.rate)
                self.updated = now
                if self.tokens >= 1:
                    self.tokens -= 1
                    return
                await asyncio.sleep((1 - self.tokens) / self.rate)


async def frame(socket: ClientConnection) -> dict[str, Any]:
    answer: dict[str, Any] = json.loads(await asyncio.wait_for(socket.recv(), RECEIVE_S))
    return answer


async def open_sockets(
    url: str, tls: ssl.SSLContext, count: int, pacer: Pacer | None
) -> list[ClientConnection]:
    sockets: list[ClientConnection] = []
    gate = asyncio.Semaphore(SETUP_CONCURRENCY if pacer else 50)

    async def one() -> None:
        async with gate:
            while True:
                if pacer:
                    await pacer.wait()
                try:
                    sockets.append(
                        await connect(
                            url, ssl=tls, ping_interval=None, open_timeout=RECEIVE_S, max_queue=64
                        )
                    )
                    return
                except InvalidStatus as refused:
                    status = refused.response.status_code
                    if status not in RETRIED_STATUSES or RETRIES.get(str(status), 0) >= count:
                        raise
                    RETRIES[str(status)] = RETRIES.get(str(status), 0) + 1
                    await asyncio.sleep(0.2)

    # One alone first: the authorizer's and $connect's workers start cold, once.
    await one()
    await asyncio.gather(*(one() for _ in range(count - 1)))
    return sockets


async def join_all(sockets: list[ClientConnection], room_id: str, pacer: Pacer) -> None:
    gate = asyncio.Semaphore(SETUP_CONCURRENCY)

    async def one(socket: ClientConnection) -> None:
        async with gate:
            while True:
                await pacer.wait()
                await socket.send(json.dumps({"action": "join", "room_id": room_id}))
                answer = await frame(socket)
                if answer.get("action") == "joined":
                    return
                if answer.get("message") != "Too Many Requests":
                    raise SystemExit(f"join failed: {answer}")
                RETRIES["join 429"] = RETRIES.get("join 429", 0) + 1
                await asyncio.sleep(0.2)

    await one(sockets[0])  # the join function's worker starts cold, once
    await asyncio.gather(*(one(s) for s in sockets[1:]))


class SendRefused(Exception):
    """The send route answered an error frame (e.g. ``unavailable``: the app's DynamoDB
    region breaker opened after a timeout on a loaded machine)."""


async def broadcast_seconds(sockets: list[ClientConnection], room_id: str) -> float:
    """Send from the first socket; seconds until every socket has the message. A refused
    send is sent again (a new message) after the others drained, as its error frame asks;
    refusals are counted."""
    for _ in range(3):
        try:
            return await _broadcast_once(sockets, room_id)
        except SendRefused as refused:
            RETRIES[f"send refused ({refused})"] = RETRIES.get(f"send refused ({refused})", 0) + 1
            await asyncio.sleep(BREAKER_WAIT_S if str(refused) == "unavailable" else 1.0)
            await asyncio.gather(*(drain(s) for s in sockets))
    raise SystemExit("the send was refused 3 times")


async def _broadcast_once(sockets: list[ClientConnection], room_id: str) -> float:
    client_id = f"bench-{uuid.uuid4()}"

    async def delivered(socket: ClientConnection) -> float:
        while True:
            answer = await frame(socket)
            if answer.get("action") == "message" and answer.get("client_id") == client_id:
                return time.perf_counter()
            if socket is sender and answer.get("action") == "error":
                raise SendRefused(answer.get("error", answer))
            if socket is sender and answer.get("action") != "sent":
                raise SystemExit(f"the send was answered {answer}")

    sender = sockets[0]
    # The sender's own copy is one of the deliveries; its ack is read aside.
    receivers = [asyncio.ensure_future(delivered(s)) for s in sockets]
    await asyncio.sleep(0)
    start = time.perf_counter()
    await sender.send(
        json.dumps(
            {"action": "send", "room_id": room_id, "body": "broadcast", "client_id": client_id}
        )
    )
    try:
        times = await asyncio.gather(*receivers)
    except SendRefused:
        for receiver in receivers:
            receiver.cancel()
        await asyncio.gather(*receivers, return_exceptions=True)
        raise
    except TimeoutError:
        done = sum(1 for r in receivers if r.done() and not r.cancelled() and not r.exception())
        raise SystemExit(f"only {done}/{len(sockets)} sockets received the broadcast") from None
    return max(times) - start


async def drain(socket: ClientConnection) -> None:
    """Read what is left (the sender's ack) so the next run starts clean."""
    while True:
        try:
            await asyncio.wait_for(socket.recv(), 0.5)
        except TimeoutError:
            return


async def round_trip_ms(socket: ClientConnection) -> float:
    start = time.perf_counter()
    await socket.send('{"action": "ping"}')
    answer = await frame(socket)
    elapsed = (time.perf_counter() - start) * 1000
    if answer != {"action": "pong"}:
        raise SystemExit(f"ping answered {answer}")
    return elapsed


def create_room(api: str, token: str) -> str:
    request = urllib.request.Request(
        f"{api}/rooms",
        data=json.dumps({"name": "bench-broadcast"}).encode(),
        headers={"Authorization": token, "Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=60) as answer:
        return str(json.loads(answer.read())["room_id"])


async def measure(runtime: Runtime, baseline: BaselineServer) -> dict[str, Any]:
    rate, burst = websocket_throttle()
    pace = {route: Pacer(rate * 0.9, burst * 0.9) for route in ("$connect", "join", "ping")}
    room_id = create_room(runtime.rest_url(), runtime.token("bench"))
    url = f"{runtime.ws_url()}?token={runtime.token('bench', app=True)}"
    tls = ssl.create_default_context(cafile=runtime.endpoints["ca_bundle"])
    base_tls = ssl.create_default_context(cafile=baseline.ca_file)
    results: dict[str, Any] = {"rate": rate, "burst": burst}

    setup = time.perf_counter()
    sockets = await open_sockets(url, tls, CONNECTIONS, pace["$connect"])
    await join_all(sockets, room_id, pace["join"])
    results["setup_s"] = time.perf_counter() - setup
    base_sockets = await open_sockets(baseline.wss_url, base_tls, CONNECTIONS, None)
    real, direct = [], []
    # Warm: the send function's worker starts cold on the first send, as Lambda's would.
    for group in (sockets, base_sockets):
        await broadcast_seconds(group, room_id)
        await drain(group[0])
    for _ in range(BROADCASTS):
        real.append(await broadcast_seconds(sockets, room_id))
        await drain(sockets[0])
        direct.append(await broadcast_seconds(base_sockets, room_id))
        await drain(base_sockets[0])
    results["real"], results["direct"] = real, direct
    pinger, base_pinger = sockets[0], base_sockets[0]
    for _ in range(10):  # warm
        await pace["ping"].wait()
        await round_trip_ms(pinger)
        await round_trip_ms(base_pinger)
    pings, base_pings = [], []
    for _ in range(PINGS):
        await pace["ping"].wait()
        pings.append(await round_trip_ms(pinger))
        base_pings.append(await round_trip_ms(base_pinger))
    results["pings"], results["base_pings"] = pings, base_pings
    await asyncio.gather(*(s.close() for s in base_sockets))
    await close_paced(sockets, Pacer(rate * 0.9, burst * 0.9))
    return results


async def close_paced(sockets: list[ClientConnection], pacer: Pacer) -> None:
    """Close the runtime's connections at the stage's pace: each close runs ``$disconnect``,
    and the runtime starts one worker process per concurrent invocation (as Lambda starts
    an execution environment), so closing 1,000 at once would start hundreds."""
    gate = asyncio.Semaphore(SETUP_CONCURRENCY)

    async def one(socket: ClientConnection) -> None:
        async with gate:
            await pacer.wait()
            await socket.close()

    await asyncio.gather(*(one(s) for s in sockets))


def main() -> int:
    runtime = Runtime().start()
    baseline = BaselineServer(b"{}", "application/json")
    try:
        results = asyncio.run(measure(runtime, baseline))
    finally:
        baseline.stop()
        runtime.stop()
    mode = "BENCH_QUICK: fewer connections and frames, indicative only" if QUICK else "full count"
    real, direct = statistics.median(results["real"]), statistics.median(results["direct"])
    print(
        f"WebSocket broadcast to {CONNECTIONS} connections in one room ({mode}), "
        f"median of {BROADCASTS}"
    )
    print(
        f"  setup: {CONNECTIONS} $connect + join through the runtime in "
        f"{results['setup_s']:.1f} s (paced under the stage throttle, "
        f"{results['rate']:.0f}/s burst {results['burst']:.0f} per route)"
    )
    print("  retried: " + (", ".join(f"{n} x {k}" for k, n in sorted(RETRIES.items())) or "none"))
    print(
        "  real path (frame -> send -> Lambda -> @connections -> sockets): "
        f"{real:.3f} s; runs {', '.join(f'{r:.3f}' for r in results['real'])}"
    )
    print(
        "  direct in-process writes, bare aiohttp server (baseline): "
        f"{direct:.3f} s; runs {', '.join(f'{r:.3f}' for r in results['direct'])}"
    )
    print(
        f"  ratio real / direct: {real / direct:.1f}x; real path "
        f"{CONNECTIONS / real:.0f} connections/s (direct {CONNECTIONS / direct:.0f}/s)"
    )
    pings, base = results["pings"], results["base_pings"]
    print(f"WebSocket ping/pong round trip, {PINGS} frames ({mode}), paced, p50 / p99 (ms)")
    print(
        f"  bare aiohttp wss server (baseline)      {percentile(base, 50):7.2f} "
        f"{percentile(base, 99):7.2f}"
    )
    print(
        f"  MOCK ping route through the runtime     {percentile(pings, 50):7.2f} "
        f"{percentile(pings, 99):7.2f}"
    )
    print(
        f"  ratio p50 {percentile(pings, 50) / percentile(base, 50):.1f}x; added p50 "
        f"{percentile(pings, 50) - percentile(base, 50):.2f} ms (no budget: reported)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
