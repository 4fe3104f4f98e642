"""Whole-app ``cdk synth`` (every stage, cdk-nag included) against an empty CDK app, and where
the time goes.

1. Budget (issue 13): at most 1.15x. Both apps run through the same pinned CLI, Node and
   Python venv, in alternating pairs (empty, ours), so load drift hits both alike; the
   budgeted figure is the median of the per-pair ratios (the ratio of the medians is printed
   too). The baseline is what ``cdk init`` users get: an app with one empty stack and CDK's
   default settings (the built-in CloudFormation validator on). Ours turns that validator off
   because cfn-lint checks the same templates in ``make test``.
2. Breakdown (information): one more CLI run of each app with ``synth_probe.py`` as the app
   command, ours as one process (``APP_SYNTH_PARTS=1``: the work its parallel parts share):
   CLI start, interpreter start, imports + jsii kernel start, construction (with its jsii
   round trips), synthesis (cdk-nag validation inside it), what the app does after synth,
   its exit (exit handlers, teardown), and the CLI's finish. The probe's diagnostics
   (construct count, cost of one trivial round trip) run right after synth and are excluded.
   The timed runs of ours split the stages among parallel processes when the machine has
   idle cores (``stacks/synth_parts.py``); how many is printed.

3. Attribution (``--attribute N``, information): one more probed run of ours whose
   construction round trips are attributed (``BENCH_PROBE_ATTRIBUTE``, see ``synth_probe.py``):
   the N largest shares by construct class of this repository, by function, and the shares of
   ``stacks/`` and of the construct package. Its timings are not printed (the attribution
   slows it).

``--keep-out DIR`` keeps the cloud assembly of the last unprobed run of ours (the cold start
benchmark reads it). ``BENCH_QUICK=1``: 2 pairs and no warm-up run.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from budget import report

ROOT = Path(__file__).resolve().parents[1]
PYTHON = ROOT / ".venv" / "bin" / "python"
PROBE = Path(__file__).resolve().parent / "synth_probe.py"
QUICK = os.environ.get("BENCH_QUICK") == "1"
BUDGET = 1.15

EMPTY_APP = """\
import aws_cdk as cdk

app = cdk.App()
cdk.Stack(app, "Empty")
app.synth()
"""


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env["PATH"] = f"{ROOT / 'node_modules' / '.bin'}{os.pathsep}{env.get('PATH', '')}"
    env.setdefault("CDK_DISABLE_VERSION_CHECK", "1")
    env.setdefault("CDK_DISABLE_CLI_TELEMETRY", "1")
    # Both apps run in the environment `make synth` sets: the checkout's jsii package cache,
    # and bytecode caching allowed (the baseline's modules are compiled at install anyway).
    env.setdefault("JSII_RUNTIME_PACKAGE_CACHE_ROOT", str(ROOT / ".cache" / "jsii"))
    env["PYTHONDONTWRITEBYTECODE"] = ""
    return env


def synth_seconds(
    app_dir: Path, outdir: Path, *, app: str | None = None, attribute: int = 0
) -> float:
    cdk = ROOT / "node_modules" / ".bin" / "cdk"
    command = [str(cdk), "synth", "--quiet", "--no-notices", "--output", str(outdir)]
    env = _env()
    if app is not None:
        command += ["--app", app]
        env["BENCH_PROBE_OUT"] = str(outdir.with_suffix(".probe.json"))
        env["APP_SYNTH_PARTS"] = "1"
        if attribute:
            env["BENCH_PROBE_ATTRIBUTE"] = str(attribute)
    start = time.perf_counter()
    result = subprocess.run(
        command, cwd=app_dir, env=env, check=False,
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    if result.returncode:
        raise SystemExit(f"cdk synth failed in {app_dir}:\n{result.stderr[-3000:]}")
    return time.perf_counter() - start


def make_empty_app(where: Path) -> Path:
    app = where / "empty-app"
    app.mkdir()
    (app / "app.py").write_text(EMPTY_APP)
    (app / "cdk.json").write_text(json.dumps({"app": f"{PYTHON} app.py"}) + "\n")
    return app


def probe(
    app_dir: Path, script: Path, outdir: Path, *, optimize: bool, attribute: int = 0
) -> dict[str, Any]:
    """One probed CLI run: the phases in seconds (see ``synth_probe.py``); with
    ``attribute``, only the attribution of its construction round trips."""
    exit_file = outdir.with_suffix(".exit")
    flag = " -O" if optimize else ""
    app = f"{PYTHON}{flag} {PROBE} {script} && date +%s.%N > {exit_file}"
    launch = time.time()
    synth_seconds(app_dir, outdir, app=app, attribute=attribute)
    end = time.time()
    r: dict[str, Any] = json.loads(outdir.with_suffix(".probe.json").read_text())
    if attribute:
        return {"construction_trips": r["construction_trips"], **r["attribution"]}
    exited = float(exit_file.read_text())
    diagnostics = r["diagnostics_s"]
    phases = {
        "CLI start (launch to app process)": r["process_start"] - launch,
        "interpreter start": r["first_line"] - r["process_start"],
        "imports + jsii kernel start": r["imports_end"] - r["first_line"],
        "construction": r["synth_start"] - r["imports_end"],
        "synthesis (App.synth)": r["synth_end"] - r["synth_start"],
        "after synth (OpenAPI documents)": r["main_end"] - r["synth_end"] - diagnostics,
        "exit (handlers, teardown)": exited - r["main_end"],
        "CLI finish (app exit to CLI exit)": end - exited,
    }
    phases["total (diagnostics excluded)"] = (end - launch) - diagnostics
    phases["  of synthesis: cdk-nag validation"] = r.get("nag_s", 0.0)
    (py_0, kernel_0), (py_1, kernel_1), (py_2, kernel_2) = (
        r["imports_end_cpu"],
        r["synth_start_cpu"],
        r["synth_end_cpu"],
    )
    phases["  construction CPU: Python"] = py_1 - py_0
    phases["  construction CPU: jsii kernel (Node)"] = kernel_1 - kernel_0
    phases["  synthesis CPU: Python + kernel"] = (py_2 - py_1) + (kernel_2 - kernel_1)
    counts = {
        "jsii round trips: imports": r["imports_trips"],
        "jsii round trips: construction": r["construction_trips"],
        "jsii round trips: synthesis": r["synth_trips"],
        "jsii round trips: all phases": r["trips"],
        "constructs": r["constructs"],
        "one trivial round trip (us)": r["trip_s"] * 1e6,
        "round-trip overhead, all phases (s)": r["trips"] * r["trip_s"],
    }
    return {**phases, **counts}


def print_breakdown(ours: dict[str, float], empty: dict[str, float]) -> None:
    print("synth breakdown: one probed CLI run of each (seconds unless stated)")
    print(f"  {'phase':<42}{'whole app':>10}{'empty app':>10}")
    for key, value in ours.items():
        other = empty.get(key, 0.0)
        if key.startswith(("jsii", "constructs")):
            print(f"  {key:<42}{value:>10.0f}{other:>10.0f}")
        else:
            print(f"  {key:<42}{value:>10.2f}{other:>10.2f}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    # Single synths on this shared machine spread over a second or more; why 15 pairs (and the
    # spread measured) is in docs/performance.md, "Synth".
    parser.add_argument("--runs", type=int, default=2 if QUICK else 15, help="alternating pairs")
    parser.add_argument("--keep-out", type=Path, help="keep the last cloud assembly of ours here")
    parser.add_argument("--no-breakdown", action="store_true", help="skip the probed runs")
    parser.add_argument(
        "--attribute",
        type=int,
        default=0,
        metavar="N",
        help="one more probed run of ours: its N largest round-trip shares",
    )
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        tmp_path = Path(tmp)
        empty = make_empty_app(tmp_path)
        if not QUICK:  # the first run extracts jsii packages into the cache
            synth_seconds(empty, tmp_path / "warm-empty")
            synth_seconds(ROOT, tmp_path / "warm-ours")
        ours: list[float] = []
        base: list[float] = []
        for i in range(args.runs):
            base.append(synth_seconds(empty, tmp_path / f"empty-{i}"))
            ours.append(synth_seconds(ROOT, tmp_path / f"ours-{i}"))
        if args.keep_out is not None:
            shutil.rmtree(args.keep_out, ignore_errors=True)
            shutil.copytree(tmp_path / f"ours-{args.runs - 1}", args.keep_out, symlinks=True)
        if not args.no_breakdown:
            # As each app's cdk.json runs it: ours with -O, the baseline without.
            ours_phases = probe(ROOT, ROOT / "app.py", tmp_path / "probe-ours", optimize=True)
            empty_phases = probe(empty, empty / "app.py", tmp_path / "probe-e", optimize=False)
        if args.attribute:
            shares = probe(
                ROOT, ROOT / "app.py", tmp_path / "probe-a", optimize=True, attribute=args.attribute
            )

    m_ours, m_base = statistics.median(ours), statistics.median(base)
    load = os.getloadavg()[0]
    print(f"synth: ours in {parts_now()} parallel part(s) if run now (load average {load:.1f})")
    paired = statistics.median(o / b for o, b in zip(ours, base, strict=True))
    print(f"synth: empty CDK app (defaults)  median {m_base:6.2f} s  runs {_fmt(base)}")
    print(f"synth: whole app, every stage    median {m_ours:6.2f} s  runs {_fmt(ours)}")
    print(f"synth: ratio of medians {m_ours / m_base:.2f}x")
    if not args.no_breakdown:
        print_breakdown(ours_phases, empty_phases)
    if args.attribute:
        print_attribution(shares)
    met = report("synth whole app / empty CDK app (CLI, median paired ratio)", paired, BUDGET, "x")
    return 0 if met else 1


def print_attribution(shares: dict[str, Any]) -> None:
    """The largest shares of the construction round trips (see ``synth_probe.py``)."""
    total = shares["construction_trips"]
    print(f"synth construction round trips: {total} (one probed run, attributed)")
    for folder, trips in shares["by_folder"]:
        print(f"  {trips:>6}  asked for by code in {folder}")
    for title, key in (("construct class", "by_construct_class"), ("function", "by_function")):
        print(f"  by innermost {title} of this repository:")
        for name, trips in shares[key]:
            print(f"  {trips:>6}  {name}")


def parts_now() -> int:
    """How many processes app.py would share cdk.json's stages among, run now."""
    sys.path.insert(0, str(ROOT))
    from stacks.config import load_stages
    from stacks.synth_parts import plan_parts, worker_count

    stages = json.loads((ROOT / "cdk.json").read_text())["context"]["stages"]
    return len(plan_parts(load_stages(stages), worker_count(os.environ)))


def _fmt(values: list[float]) -> str:
    return " ".join(f"{v:.2f}" for v in values)


if __name__ == "__main__":
    sys.exit(main())
