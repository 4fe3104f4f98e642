"""Broadcast benchmark: one frame to a room of 1,000 connections through a local @connections
endpoint that answers each post after a fixed delay (standing in for API Gateway's latency).

Ideal time = connections x delay / concurrency (posts perfectly overlapped). The budget is
measured <= 1.25 x ideal. The endpoint runs in its own process so that its request handling
does not share this process's GIL with the broadcaster, as on AWS. Also printed: a baseline
measured in the same run (sequential posts, concurrency 1, on a slice of the room) and the
speed-up of the bounded thread pool over it; and, informational, what the broadcaster's own
management API client saves against boto3's ``apigatewaymanagementapi`` client: the CPU of
one post (sequential, on an endpoint without delay) and the same broadcast made with boto3's
client.

Run: .venv/bin/python bench/bench_broadcast.py [--connections N] [--delay S] [--concurrency C]
Exits 1 when the median ratio exceeds the budget.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import statistics
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "lambda"), str(ROOT)]
os.environ.setdefault("AWS_ACCESS_KEY_ID", "bench")
os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "bench")
os.environ.setdefault("AWS_DEFAULT_REGION", "eu-west-1")

from budget import report  # noqa: E402

from domain.realtime.broadcast import (  # noqa: E402
    DEFAULT_CONCURRENCY,
    Broadcaster,
    Recipient,
    management_client,
)

BUDGET = 1.25


def serve(delay: float, ready: Any, stop: Any) -> None:
    """Child process: run the endpoint until ``stop`` is set."""
    from tests.ws.management_endpoint import ManagementEndpoint

    with ManagementEndpoint(stage=_stage(delay), delay=delay) as endpoint:
        ready.put(endpoint.url)
        stop.wait()


def broadcast_seconds(broadcaster: Broadcaster, recipients: list[Recipient]) -> float:
    data = b'{"action":"message","room_id":"bench","body":"hello"}'
    start = time.perf_counter()
    delivery = broadcaster.deliver(recipients, data)
    elapsed = time.perf_counter() - start
    if len(delivery.delivered) != len(recipients):
        raise SystemExit(
            f"only {len(delivery.delivered)}/{len(recipients)} delivered: {delivery.failed[:3]}"
        )
    return elapsed


def _by_delay(urls: list[str], delay: float) -> str:
    """The endpoint URL of the server with ``delay``: each reports its delay in its stage name."""
    return next(u for u in urls if u.endswith("/" + _stage(delay)))


def boto3_client(endpoint: str, region: str) -> Any:
    """boto3's management API client with the broadcaster's timeouts and attempts."""
    import boto3
    from botocore.config import Config

    from domain.realtime import broadcast

    config = Config(
        connect_timeout=broadcast.CONNECT_TIMEOUT_S,
        read_timeout=broadcast.READ_TIMEOUT_S,
        max_pool_connections=DEFAULT_CONCURRENCY,
        retries={"mode": "standard", "total_max_attempts": broadcast.MAX_ATTEMPTS},
    )
    return boto3.session.Session().client(
        "apigatewaymanagementapi", endpoint_url=endpoint, region_name=region, config=config
    )


def cpu_per_post(client: Any, posts: int) -> float:
    """Median over 5 rounds of the CPU seconds of one post, sequential."""
    for i in range(5):  # warm: connection, first-call caches
        client.post_to_connection(ConnectionId=f"warm-{i}", Data=b"{}")
    rounds = []
    for _ in range(5):
        start = time.process_time()
        for i in range(posts):
            client.post_to_connection(ConnectionId=f"cpu-{i}", Data=b'{"action":"message"}')
        rounds.append((time.process_time() - start) / posts)
    return statistics.median(rounds)


def _stage(delay: float) -> str:
    return f"bench{round(delay * 1000)}ms"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--connections", type=int, default=1000)
    parser.add_argument("--delay", type=float, default=0.020)
    parser.add_argument("--concurrency", type=int, default=DEFAULT_CONCURRENCY)
    parser.add_argument(
        "--runs", type=int, default=2 if os.environ.get("BENCH_QUICK") == "1" else 5
    )
    parser.add_argument(
        "--remote-delay",
        type=float,
        default=0.080,
        help="per-post delay of the second region (informational two-region scenario)",
    )
    args = parser.parse_args()

    ctx = multiprocessing.get_context("spawn")
    ready = ctx.Queue()
    stop = ctx.Event()
    delays = (args.delay, args.remote_delay, 0.0)
    servers = [
        ctx.Process(target=serve, args=(delay, ready, stop), daemon=True) for delay in delays
    ]
    for server in servers:
        server.start()
    try:
        urls = [ready.get(timeout=30) for _ in servers]
        url, remote_url, undelayed = (_by_delay(urls, delay) for delay in delays)
        recipients = [Recipient(f"conn-{i:05d}", url, "eu-west-1") for i in range(args.connections)]

        # Baseline in the same run: sequential posts (concurrency 1) on a slice of the room.
        sequential = Broadcaster(concurrency=1)
        sample = recipients[:50]
        broadcast_seconds(sequential, sample[:5])  # warm: client, connection
        per_post = statistics.median(
            broadcast_seconds(sequential, sample) / len(sample) for _ in range(3)
        )

        broadcaster = Broadcaster(concurrency=args.concurrency)
        broadcast_seconds(broadcaster, recipients[: args.concurrency * 2])  # warm the pool
        runs = [broadcast_seconds(broadcaster, recipients) for _ in range(args.runs)]

        # Two regions: half the room behind a second endpoint with cross-region latency, all
        # posted by one pool (informational: the same bound, a different mix).
        mixed = [
            Recipient(r.connection_id, remote_url if i % 2 else url, "us-east-1")
            for i, r in enumerate(recipients)
        ]
        broadcast_seconds(broadcaster, mixed[: args.concurrency * 2])
        mixed_runs = [broadcast_seconds(broadcaster, mixed) for _ in range(3)]

        # The broadcaster's management API client against boto3's (informational).
        posts = 50 if os.environ.get("BENCH_QUICK") == "1" else 300
        region = "eu-west-1"
        cpu_ours = cpu_per_post(management_client(undelayed, region), posts)
        cpu_boto3 = cpu_per_post(boto3_client(undelayed, region), posts)
        with_boto3 = Broadcaster(concurrency=args.concurrency, client_factory=boto3_client)
        broadcast_seconds(with_boto3, recipients[: args.concurrency * 2])
        boto3_runs = [broadcast_seconds(with_boto3, recipients) for _ in range(3)]
    finally:
        stop.set()
        for server in servers:
            server.join(timeout=5)

    measured = statistics.median(runs)
    ideal = args.connections * args.delay / args.concurrency
    ratio = measured / ideal
    sequential_total = per_post * args.connections
    print(
        f"broadcast to {args.connections} connections, {args.delay * 1000:.0f} ms per post, "
        f"concurrency {args.concurrency}"
    )
    print(f"  runs (s):                 {', '.join(f'{r:.3f}' for r in runs)}")
    print(f"  measured (median):        {measured:.3f} s")
    print(f"  ideal (N x delay / C):    {ideal:.3f} s")
    print(
        f"  baseline per post (C=1):  {per_post * 1000:.1f} ms "
        f"(overhead over the delay: {(per_post - args.delay) * 1000:.1f} ms)"
    )
    print(
        f"  sequential estimate:      {sequential_total:.2f} s -> speed-up "
        f"{sequential_total / measured:.1f}x"
    )
    half = args.connections / 2
    mixed_ideal = (half * args.delay + half * args.remote_delay) / args.concurrency
    mixed_measured = statistics.median(mixed_runs)
    print(
        f"two regions: half the room at {args.delay * 1000:.0f} ms, half at "
        f"{args.remote_delay * 1000:.0f} ms per post (informational)"
    )
    print(f"  measured (median of 3):   {mixed_measured:.3f} s")
    print(f"  ideal (sum of delays / C): {mixed_ideal:.3f} s")
    print(f"  ratio measured / ideal:   {mixed_measured / mixed_ideal:.3f}")
    print("management API client: the broadcaster's vs boto3's (informational)")
    print(
        f"  CPU per post (sequential): {cpu_ours * 1000:.3f} ms vs {cpu_boto3 * 1000:.3f} ms "
        f"({cpu_boto3 / cpu_ours:.2f}x)"
    )
    boto3_measured = statistics.median(boto3_runs)
    print(
        f"  same broadcast with boto3's client (median of 3): {boto3_measured:.3f} s, "
        f"ratio to ideal {boto3_measured / ideal:.3f}"
    )
    met = report("broadcast measured / ideal", ratio, BUDGET, "x")
    return 0 if met else 1


if __name__ == "__main__":
    raise SystemExit(main())
