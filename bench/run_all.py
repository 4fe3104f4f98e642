"""``make bench``: every benchmark of the project, then one table of every budgeted figure.

Each benchmark reports its figures through :func:`budget.report` (bench/budget.py), which
appends them to the file ``BENCH_RESULTS`` names; this script sets that file, runs the
benchmarks one after another (they time things, so never in parallel), times a warm ``make
test`` and prints every figure against its budget in one summary table. Exit status is non-zero
when any budget is missed, when a benchmark fails, or when a benchmark that holds budgets
reported none (its figures would otherwise silently drop out of the table).

``BENCH_SKIP_MAKE_TEST=1`` skips the ``make test`` timing (it runs the whole test suite);
``BENCH_QUICK=1`` makes every benchmark run few iterations (to check the harness, not to quote
figures). The cold start and local runtime benchmarks read the cloud assembly the synth
benchmark produced in this run (``BENCH_CDK_OUT``), so they measure the asset and templates
exactly as this checkout synthesizes them.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from budget import RESULTS_VARIABLE, Result, read_results, report

ROOT = Path(__file__).resolve().parents[1]


@dataclass(frozen=True)
class Benchmark:
    script: str
    #: Whether the script holds figures against budgets (and so must report at least one).
    budgeted: bool = True


BENCHMARKS = (
    Benchmark("bench_synth.py"),
    Benchmark("bench_handlers.py"),
    Benchmark("bench_dynamodel.py"),
    Benchmark("bench_rest_infra.py"),
    Benchmark("bench_broadcast.py"),
    Benchmark("bench_local_runtime.py"),
    Benchmark("bench_local_websocket.py", budgeted=False),
    Benchmark("bench_local_aws.py", budgeted=False),
)
#: Issue 13: warm `make test` on 2 cores, with everything the open issues add.
MAKE_TEST_BUDGET_S = 90.0
#: Written by `make test` when it passes: its caches (synth, mypy, fresh venv) are warm.
WARM_STAMP = ROOT / ".cache" / "make-test.passed"


def run_benchmark(
    bench: Benchmark, results: Path, cdk_out: Path, folder: Path = ROOT / "bench"
) -> list[str]:
    """Run one benchmark script; the problems it had (none when it ran and reported)."""
    script = folder / bench.script
    if not script.exists():
        print(f"== {bench.script}: missing", flush=True)
        return [f"{bench.script}: missing"]
    command = [sys.executable, str(script)]
    env = {**os.environ, RESULTS_VARIABLE: str(results), "BENCH_SOURCE": bench.script}
    if bench.script == "bench_synth.py":
        # The attributed run answers issue 13's "where does construction go" per construct.
        command += ["--keep-out", str(cdk_out), "--attribute", "15"]
    elif cdk_out.is_dir():
        env["BENCH_CDK_OUT"] = str(cdk_out)
    print(f"== {bench.script}", flush=True)
    before = len(read_results(results))
    problems = []
    if subprocess.run(command, cwd=ROOT, env=env, check=False).returncode:
        problems.append(f"{bench.script}: exited non-zero")
    if bench.budgeted and len(read_results(results)) == before:
        problems.append(f"{bench.script}: reported no figure through bench/budget.py")
    return problems


def time_make_test(results: Path) -> list[str]:
    """Time a warm ``make test`` (after one unmeasured run when its caches are cold)."""
    if not WARM_STAMP.exists():
        print("== make test: warming its caches first (not measured)", flush=True)
        _make_test()
    print("== make test (wall time, warm)", flush=True)
    start = time.perf_counter()
    code = _make_test()
    elapsed = time.perf_counter() - start
    os.environ[RESULTS_VARIABLE] = str(results)
    os.environ["BENCH_SOURCE"] = "run_all.py"
    report("make test, warm, 2 cores", elapsed, MAKE_TEST_BUDGET_S, "s")
    return [f"make test: exit {code}"] if code else []


def _make_test() -> int:
    command = ["make", "--no-print-directory", "test"]
    quiet = subprocess.DEVNULL
    done = subprocess.run(command, cwd=ROOT, check=False, stdout=quiet, stderr=subprocess.STDOUT)
    return done.returncode


def table(results: list[Result]) -> str:
    """The summary: one row per budgeted figure."""
    header = ("budget", "figure", "limit", "verdict", "from")
    rows = [header] + [
        (
            r.name,
            f"{r.figure:.3g} {r.unit}",
            f"{'<=' if r.better == 'lower' else '>='} {r.budget:.3g} {r.unit}",
            "ok" if r.met else "MISSED",
            r.source,
        )
        for r in results
    ]
    widths = [max(len(row[i]) for row in rows) for i in range(len(header))]
    lines = ["  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)) for row in rows]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(line.rstrip() for line in lines)


def main() -> int:
    problems: list[str] = []
    with tempfile.TemporaryDirectory() as tmp:
        results_file = Path(tmp) / "results.jsonl"
        cdk_out = Path(tmp) / "cdk.out"
        for bench in BENCHMARKS:
            problems += run_benchmark(bench, results_file, cdk_out)
        if os.environ.get("BENCH_SKIP_MAKE_TEST") == "1":
            print("== make test: skipped (BENCH_SKIP_MAKE_TEST=1), budget not checked")
        else:
            problems += time_make_test(results_file)
        results = read_results(results_file)
    print("\n== Budgets\n" + table(results))
    missed = [r.name for r in results if not r.met]
    for problem in problems:
        print(f"problem: {problem}")
    print("== budgets missed: " + (", ".join(missed) if missed else "none"))
    return 1 if missed or problems else 0


if __name__ == "__main__":
    sys.exit(main())
