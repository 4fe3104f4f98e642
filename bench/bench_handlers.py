"""REST handler budgets: cold import of each handler module, and warm per-request overhead.

1. Cold import: each handler module is imported in a fresh interpreter (``python -c``), with
   the environment of a Lambda container (``LAMBDA_TASK_ROOT`` set, so the X-Ray SDK picks
   its Lambda sampler as it does in AWS). Runs alternate between the baseline (``import
   boto3`` alone) and every handler; the figure is the median import time of N runs, and the
   budget is a ratio of 2.0x over the baseline median.
2. Warm overhead: the GET /rooms/{room_id} handler (resolver, Logger, Tracer, Metrics,
   validation, JSON) is invoked thousands of times with an in-memory table installed through
   ``domain.runtime.install_table``, so no DynamoDB round trip is measured. The baseline is
   a bare function returning the same response dict; the budget is 1 ms median overhead.

Run: ``.venv/bin/python bench/bench_handlers.py`` (exit 1 when a budget is missed).
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
LAMBDA_DIR = ROOT / "lambda"
HANDLERS = [
    "handlers.rest.rooms",
    "handlers.rest.report",
    "handlers.rest.admin",
    "handlers.rest.ingest_consumer",
    "handlers.rest.internal_service",
    "handlers.authorizer",
]
IMPORT_RUNS = int(os.environ.get("BENCH_IMPORT_RUNS", "11"))
IMPORT_BUDGET = 2.0
WARM_CALLS = int(os.environ.get("BENCH_WARM_CALLS", "5000"))
WARM_BUDGET_MS = 1.0

LAMBDA_ENV = {
    "LAMBDA_TASK_ROOT": str(LAMBDA_DIR),
    "AWS_LAMBDA_FUNCTION_NAME": "bench-handlers",
    "AWS_REGION": "eu-west-1",
    "AWS_DEFAULT_REGION": "eu-west-1",
    "POWERTOOLS_SERVICE_NAME": "bench",
    "POWERTOOLS_METRICS_NAMESPACE": "Bench",
    "PYTHONPATH": str(LAMBDA_DIR),
    "PYTHONDONTWRITEBYTECODE": "0",
}

_TIMER = (
    "import time as _t; _s = _t.perf_counter(); import {module}; "
    "print((_t.perf_counter() - _s) * 1000)"
)


_INIT = (
    "import time as _t; _s = _t.perf_counter(); import {module}; import boto3; "
    "_b = boto3.session.Session(); _b.client('dynamodb', region_name='eu-west-1'); "
    "_b.client('secretsmanager', region_name='eu-west-1'); "
    "print((_t.perf_counter() - _s) * 1000)"
)


def import_ms(module: str, *, lambda_env: bool = True, script: str = _TIMER) -> float:
    env = {**os.environ, **LAMBDA_ENV}
    if not lambda_env:
        env.pop("LAMBDA_TASK_ROOT")
    out = subprocess.run(
        [sys.executable, "-c", script.format(module=module)],
        env=env,
        cwd=LAMBDA_DIR,
        capture_output=True,
        text=True,
        check=True,
    )
    return float(out.stdout.strip().splitlines()[-1])


def cold_imports() -> bool:
    modules = ["boto3", *HANDLERS]
    for module in modules:  # warm the bytecode cache once, so every run reads .pyc files
        import_ms(module)
    times: dict[str, list[float]] = {m: [] for m in modules}
    for _ in range(IMPORT_RUNS):
        for module in modules:  # alternating: machine noise hits every module alike
            times[module].append(import_ms(module))
    base = statistics.median(times["boto3"])
    print(f"cold import, median of {IMPORT_RUNS} fresh interpreters (Lambda environment)")
    print(f"  {'import boto3 (baseline)':<34} {base:7.1f} ms   1.00x")
    ok = True
    for module in HANDLERS:
        median = statistics.median(times[module])
        ratio = median / base
        verdict = "ok" if ratio <= IMPORT_BUDGET else f"OVER {IMPORT_BUDGET:.1f}x"
        ok &= ratio <= IMPORT_BUDGET
        print(f"  {module:<34} {median:7.1f} ms  {ratio:5.2f}x  {verdict}")
    # Context, not budgeted: where the rest of a cold start goes.
    outside = statistics.median(
        import_ms("handlers.rest.rooms", lambda_env=False) for _ in range(IMPORT_RUNS)
    )
    with_init = statistics.median(
        import_ms("handlers.rest.rooms", script=_INIT) for _ in range(IMPORT_RUNS)
    )
    print("  (info) rooms outside Lambda (X-Ray centralized sampler builds clients)")
    print(f"  {'':<34} {outside:7.1f} ms  {outside / base:5.2f}x")
    print("  (info) rooms + boto3 DynamoDB/Secrets Manager clients (first-request init)")
    print(f"  {'':<34} {with_init:7.1f} ms  {with_init / base:5.2f}x")
    return ok


class FakeTable:
    """Answers ``find`` from memory: the handler's DynamoDB round trip is left out."""

    def __init__(self, room: Any) -> None:
        self.room = room

    def find(self, model: type[Any], **key: Any) -> Any:
        return self.room


def warm_overhead() -> bool:
    os.environ.update({k: v for k, v in LAMBDA_ENV.items() if k != "LAMBDA_TASK_ROOT"})
    os.environ["POWERTOOLS_TRACE_DISABLED"] = "1"  # no X-Ray daemon here
    os.environ["POWERTOOLS_LOG_LEVEL"] = "WARNING"
    sys.path.insert(0, str(LAMBDA_DIR))
    sys.path.insert(0, str(ROOT))
    import warnings

    warnings.simplefilter("ignore")  # "no metrics to publish" on every read
    from domain.models import Room
    from domain.runtime import install_table
    from handlers.rest import rooms
    from tests.handlers.conftest import FakeLambdaContext, load_event

    room = Room(room_id="01JDQ8Y2ZK3N5V7W9X1A2B3C4D", name="General", created_by="u1", version=3)
    room.prepare_save()
    install_table(FakeTable(room))  # type: ignore[arg-type]
    event = load_event("room_get.json")
    context = FakeLambdaContext()
    devnull = open(os.devnull, "w")  # noqa: SIM115 - Metrics prints EMF to stdout
    real_stdout, sys.stdout = sys.stdout, devnull
    try:
        expected = rooms.handler(event, context)
    finally:
        sys.stdout = real_stdout
    assert expected["statusCode"] == 200, expected
    canned: dict[str, Any] = json.loads(json.dumps(expected))

    def baseline(event: dict[str, Any], context: Any) -> dict[str, Any]:
        return canned

    def per_call_ms(fn: Any) -> list[float]:
        samples = []
        for _ in range(WARM_CALLS):
            start = time.perf_counter_ns()
            fn(event, context)
            samples.append((time.perf_counter_ns() - start) / 1e6)
        return samples

    sys.stdout = devnull
    try:
        handler_runs, baseline_runs = [], []
        for _ in range(3):  # alternate handler and baseline blocks
            handler_runs.append(statistics.median(per_call_ms(rooms.handler)))
            baseline_runs.append(statistics.median(per_call_ms(baseline)))
    finally:
        sys.stdout = real_stdout
        devnull.close()
    handler_ms = statistics.median(handler_runs)
    baseline_ms = statistics.median(baseline_runs)
    overhead = handler_ms - baseline_ms
    verdict = "ok" if overhead < WARM_BUDGET_MS else f"OVER {WARM_BUDGET_MS} ms"
    print(f"warm GET /rooms/{{room_id}}, median of {WARM_CALLS} calls x 3 blocks")
    print(f"  bare function (baseline)          {baseline_ms * 1000:8.1f} us")
    print(f"  rooms handler (in-memory table)   {handler_ms * 1000:8.1f} us")
    print(f"  overhead per request              {overhead * 1000:8.1f} us  {verdict}")
    return overhead < WARM_BUDGET_MS


def main() -> int:
    ok = cold_imports()
    ok &= warm_overhead()
    print("budgets: " + ("met" if ok else "MISSED"))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
