"""Local runtime (cdk-local-gateway) budgets of issue 8: startup, and the latency it adds on a
MOCK route and on a warm Lambda-proxy route.

1. Startup: ``cdk-local-gateway serve`` for Dev launched as a user launches it (its own
   process, its own moto server), timed from launch to ``endpoints.json`` written (the file
   is written once every API accepts requests); cold worker starts are not part of it, since
   workers start on first use. Median of 3 launches (1 with ``BENCH_QUICK=1``). Budget < 5 s.
2. Added latency, sequential requests over one keep-alive connection (``http.client``), in
   alternating blocks so load that comes and goes hits every subject alike; p50 and p99:
   - MOCK ``GET /health`` through the runtime vs a bare aiohttp server in its own process
     answering the same body (``bench/baseline_server.py``). Budget: p50 added < 2 ms.
   - Lambda proxy ``GET /rooms/{room_id}`` (Cognito token, warm worker, DynamoDB GetItem on
     the runtime's moto) vs the same handler called directly in a process with the worker's
     own environment (``bench/direct_handler.py``: copied from the running worker, so the
     same table on the same moto), with the event the runtime builds (its own
     ``proxy_event``). Budget: p50 over the direct call < 5 ms.
   2,000 requests per subject (200 with ``BENCH_QUICK=1``).

Run: ``.venv/bin/python bench/bench_local_runtime.py`` (exit 1 when a budget is missed).
"""

from __future__ import annotations

import base64
import http.client
import json
import statistics
import subprocess
import sys
import time
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from budget import report
from local_runtime import QUICK, ROOT, BaselineServer, Runtime, percentile

if TYPE_CHECKING:
    from pathlib import Path

STARTUP_RUNS = 1 if QUICK else 3
REQUESTS = 200 if QUICK else 2000
BLOCK = 50 if QUICK else 100
STARTUP_BUDGET_S = 5.0
MOCK_BUDGET_MS = 2.0
PROXY_BUDGET_MS = 5.0
ROOMS_HANDLER = "handlers.rest.rooms.handler"


class Client:
    """Sequential requests on one keep-alive connection; each timed to the last body byte."""

    def __init__(self, base_url: str, headers: dict[str, str] | None = None) -> None:
        parts = urlsplit(base_url)
        self.prefix = parts.path
        self.connection = http.client.HTTPConnection(parts.hostname or "", parts.port)
        self.headers = headers or {}

    def get(self, path: str) -> tuple[int, bytes, str]:
        self.connection.request("GET", self.prefix + path, headers=self.headers)
        response = self.connection.getresponse()
        return response.status, response.read(), response.getheader("Content-Type", "")

    def timed(self, path: str, count: int) -> list[float]:
        durations = []
        for _ in range(count):
            start = time.perf_counter()
            status, _body, _type = self.get(path)
            durations.append((time.perf_counter() - start) * 1000)
            if status != 200:
                raise SystemExit(f"GET {path}: {status}")
        return durations


class DirectHandler:
    """``bench/direct_handler.py`` in the worker's environment."""

    def __init__(self, environment: dict[str, str], event_file: Path, log: Path) -> None:
        self.log = log
        with log.open("wb") as stderr:
            self.process = subprocess.Popen(
                [
                    sys.executable,
                    "-I",
                    "-S",
                    str(ROOT / "bench" / "direct_handler.py"),
                    str(event_file),
                ],
                env=environment,
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=stderr,
                text=True,
            )
        self.first = json.loads(self._line())

    def _line(self) -> str:
        assert self.process.stdout is not None
        line = self.process.stdout.readline()
        if not line:
            raise SystemExit(f"direct handler failed:\n{self.log.read_text()[-3000:]}")
        return line

    def timed(self, count: int) -> list[float]:
        assert self.process.stdin is not None
        self.process.stdin.write(f"{count}\n")
        self.process.stdin.flush()
        durations: list[float] = json.loads(self._line())
        return durations

    def stop(self) -> None:
        assert self.process.stdin is not None
        self.process.stdin.close()
        self.process.wait(10)


def claims_of(token: str) -> dict[str, str]:
    """The ID token's claims as API Gateway hands them to a Cognito-authorized proxy route."""
    payload = token.split(".")[1]
    claims: dict[str, Any] = json.loads(
        base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4))
    )
    return {k: v if isinstance(v, str) else json.dumps(v) for k, v in claims.items()}


def rooms_event(base_url: str, room_id: str, token: str) -> dict[str, Any]:
    """The proxy event of ``GET /rooms/{room_id}``, built by the runtime's own builder."""
    from cdk_local_gateway.rest.request import Incoming, proxy_event, request_context

    parts = urlsplit(base_url)
    stage = parts.path.strip("/")
    incoming = Incoming(
        http_method="GET",
        raw_path=f"/rooms/{room_id}",
        stage_path=f"/{stage}/rooms/{room_id}",
        query=[],
        headers=[
            ("Host", parts.netloc),
            ("Accept-Encoding", "identity"),
            ("Authorization", token),
        ],
        body=b"",
        source_ip="127.0.0.1",
        host=parts.netloc,
        path_parameters={"room_id": room_id},
        authorizer={"claims": claims_of(token)},
    )
    context = request_context(
        incoming,
        api_id="bench",
        account="000000000000",
        stage=stage,
        resource_path="/rooms/{room_id}",
        resource_id="bench",
    )
    return proxy_event(
        incoming,
        resource_path="/rooms/{room_id}",
        context=context,
        stage_variables={},
        binary=False,
    )


def row(label: str, durations: list[float]) -> str:
    return f"  {label:<50} {percentile(durations, 50):7.2f} {percentile(durations, 99):7.2f}"


def measure_startup() -> tuple[Runtime, bool]:
    """Start the runtime STARTUP_RUNS times; the last one stays up for the latency runs."""
    startups: list[float] = []
    runtime: Runtime | None = None
    for run in range(STARTUP_RUNS):
        runtime = Runtime().start()
        startups.append(runtime.startup_s)
        if run < STARTUP_RUNS - 1:
            runtime.stop()
    assert runtime is not None
    print(
        f"local runtime startup, Dev (serve launched -> endpoints.json written), median of "
        f"{STARTUP_RUNS}; runs (s): {', '.join(f'{s:.2f}' for s in startups)}; last run's log: "
        f"{runtime.ready_line()}"
    )
    met = report("local runtime startup (Dev)", statistics.median(startups), STARTUP_BUDGET_S, "s")
    return runtime, met


def create_room(api: str, headers: dict[str, str]) -> str:
    client = Client(api, headers)
    client.connection.request(
        "POST",
        client.prefix + "/rooms",
        body=json.dumps({"name": "bench"}),
        headers={**headers, "Content-Type": "application/json"},
    )
    return str(json.loads(client.connection.getresponse().read())["room_id"])


def measure_latency(runtime: Runtime) -> dict[str, list[float]]:
    """Alternating blocks of MOCK, a bare server, the Lambda proxy and the direct call."""
    baseline: BaselineServer | None = None
    direct: DirectHandler | None = None
    try:
        api = runtime.rest_url()
        status, health_body, health_type = Client(api).get("/health")
        assert status == 200, status
        token = runtime.token("bench")
        headers = {"Authorization": token}
        room_id = create_room(api, headers)
        proxy = Client(api, headers)
        proxy.timed(f"/rooms/{room_id}", 20)  # cold start of the worker, then warm
        _status, via_runtime, _type = proxy.get(f"/rooms/{room_id}")
        event_file = runtime.folder / "event.json"
        event_file.write_text(json.dumps(rooms_event(api, room_id, token)))
        direct = DirectHandler(
            runtime.worker_environment(ROOMS_HANDLER), event_file, runtime.folder / "direct.log"
        )
        answer = direct.first
        if answer.get("statusCode") != 200 or json.loads(answer["body"]) != json.loads(via_runtime):
            raise SystemExit(f"the direct call answered otherwise: {answer} vs {via_runtime!r}")
        direct.timed(BLOCK)  # warm
        baseline = BaselineServer(health_body, health_type)
        mock, bare = Client(api), Client(baseline.http_url)
        for client in (mock, bare):
            client.timed("/health", BLOCK)  # warm
        timings: dict[str, list[float]] = {"mock": [], "bare": [], "proxy": [], "direct": []}
        for _ in range(REQUESTS // BLOCK):
            timings["mock"] += mock.timed("/health", BLOCK)
            timings["bare"] += bare.timed("/health", BLOCK)
            timings["proxy"] += proxy.timed(f"/rooms/{room_id}", BLOCK)
            timings["direct"] += direct.timed(BLOCK)
        return timings
    finally:
        if direct is not None:
            direct.stop()
        if baseline is not None:
            baseline.stop()


def report_latency(timings: dict[str, list[float]]) -> bool:
    p50 = {name: percentile(values, 50) for name, values in timings.items()}
    print(
        f"REST added latency: {REQUESTS} sequential requests each "
        f"({'BENCH_QUICK: fewer requests, indicative only' if QUICK else 'full count'}), "
        "one keep-alive connection, alternating blocks of "
        f"{BLOCK}"
    )
    print(f"  {'(ms)':<50} {'p50':>7} {'p99':>7}")
    print(row("bare aiohttp server, same body (baseline)", timings["bare"]))
    print(row("MOCK GET /health through the runtime", timings["mock"]))
    print(f"    MOCK: {p50['mock'] / p50['bare']:.2f}x the bare server at p50")
    mock_met = report(
        "local runtime MOCK added p50", p50["mock"] - p50["bare"], MOCK_BUDGET_MS, "ms"
    )
    print(row("rooms handler called directly, in-process (baseline)", timings["direct"]))
    print(row("Lambda proxy GET /rooms/{room_id}, warm", timings["proxy"]))
    print(
        f"    Lambda proxy: {p50['proxy'] / p50['direct']:.2f}x the direct call at p50; "
        f"HTTP to a bare server {p50['bare']:.2f} ms"
    )
    proxy_met = report(
        "local runtime Lambda proxy added p50", p50["proxy"] - p50["direct"], PROXY_BUDGET_MS, "ms"
    )
    return mock_met and proxy_met


def main() -> int:
    runtime, startup_met = measure_startup()
    try:
        timings = measure_latency(runtime)
    finally:
        runtime.stop()
    latency_met = report_latency(timings)
    return 0 if startup_met and latency_met else 1


if __name__ == "__main__":
    sys.exit(main())
