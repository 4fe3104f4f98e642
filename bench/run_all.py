"""``make bench``: every benchmark of the project, each printing figures and ratios measured
against a baseline in the same run, then the wall time of ``make test``.

Exit status is non-zero when any budget is missed. ``BENCH_SKIP_MAKE_TEST=1`` skips the last
step (it runs the whole test suite).
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BENCHMARKS = [
    "bench_synth.py",
    "bench_dynamodel.py",
    "bench_rest_infra.py",
    "bench_handlers.py",
    "bench_broadcast.py",
]


def main() -> int:
    failed: list[str] = []
    for name in BENCHMARKS:
        script = ROOT / "bench" / name
        if not script.exists():
            print(f"== {name}: missing", flush=True)
            failed.append(name)
            continue
        print(f"== {name}", flush=True)
        if subprocess.run([sys.executable, str(script)], cwd=ROOT, check=False).returncode:
            failed.append(name)
    if os.environ.get("BENCH_SKIP_MAKE_TEST") != "1":
        print("== make test (wall time)", flush=True)
        start = time.perf_counter()
        result = subprocess.run(["make", "test"], cwd=ROOT, check=False,
                                stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)  # fmt: skip
        elapsed = time.perf_counter() - start
        print(f"make test: {elapsed:.0f} s (exit {result.returncode})")
        if result.returncode:
            failed.append("make test")
    print("== budgets missed: " + (", ".join(failed) if failed else "none"))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
