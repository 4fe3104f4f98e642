"""Broadcast benchmark: one frame to a room of 1,000 connections through a local @connections
endpoint that answers each post after a fixed delay (standing in for API Gateway's latency).

Ideal time = connections x delay / concurrency (posts perfectly overlapped). The budget is
measured <= 1.25 x ideal. The endpoint runs in its own process so that its request handling
does not share this process's GIL with the broadcaster, as on AWS. Also printed: a baseline
measured in the same run (sequential posts, concurrency 1, on a slice of the room) and the
speed-up of the bounded thread pool over it.

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

from domain.realtime.broadcast import DEFAULT_CONCURRENCY, Broadcaster, Recipient  # noqa: E402

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


def _by_delay(urls: list[str], delay: float) -> tuple[str, str]:
    """(local, remote) endpoint URLs: each server reports its delay in its stage name."""
    local = [u for u in urls if u.endswith(_stage(delay))]
    return local[0], next(u for u in urls if u != local[0])


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
    servers = [
        ctx.Process(target=serve, args=(delay, ready, stop), daemon=True)
        for delay in (args.delay, args.remote_delay)
    ]
    for server in servers:
        server.start()
    try:
        urls = sorted((ready.get(timeout=30), ready.get(timeout=30)))
        url, remote_url = _by_delay(urls, args.delay)
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
    met = report("broadcast measured / ideal", ratio, BUDGET, "x")
    return 0 if met else 1


if __name__ == "__main__":
    raise SystemExit(main())
