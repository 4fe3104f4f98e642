"""Whole-app ``cdk synth`` (every stage, cdk-nag included) against an empty CDK app.

Both run through the same pinned CLI, Node 22 and Python venv, alternating, so machine noise
hits both alike; the figure that matters is the ratio of medians. Budget: at most 1.5x.

The baseline is what ``cdk init`` users get: an app with one empty stack and CDK's default
settings (the built-in CloudFormation validator on). Ours turns that validator off because
cfn-lint checks the same templates in ``make test``.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BUDGET = 1.5

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


def synth_seconds(app_dir: Path, outdir: Path) -> float:
    cdk = ROOT / "node_modules" / ".bin" / "cdk"
    start = time.perf_counter()
    subprocess.run(
        [str(cdk), "synth", "--quiet", "--no-notices", "--output", str(outdir)],
        cwd=app_dir,
        env=_env(),
        check=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    return time.perf_counter() - start


def make_empty_app(where: Path) -> Path:
    app = where / "empty-app"
    app.mkdir()
    (app / "app.py").write_text(EMPTY_APP)
    python = ROOT / ".venv" / "bin" / "python"
    (app / "cdk.json").write_text(f'{{"app": "{python} app.py"}}\n')
    return app


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=5, help="alternating runs of each app")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        tmp_path = Path(tmp)
        empty = make_empty_app(tmp_path)
        # One warm-up each: the first run extracts jsii packages into the cache.
        synth_seconds(empty, tmp_path / "warm-empty")
        synth_seconds(ROOT, tmp_path / "warm-ours")
        ours: list[float] = []
        base: list[float] = []
        for i in range(args.runs):
            base.append(synth_seconds(empty, tmp_path / f"empty-{i}"))
            ours.append(synth_seconds(ROOT, tmp_path / f"ours-{i}"))
            shutil.rmtree(tmp_path / f"ours-{i}", ignore_errors=True)

    m_ours, m_base = statistics.median(ours), statistics.median(base)
    ratio = m_ours / m_base
    print(f"synth: empty CDK app (defaults)  median {m_base:6.2f} s  runs {_fmt(base)}")
    print(f"synth: whole app, every stage    median {m_ours:6.2f} s  runs {_fmt(ours)}")
    verdict = "ok" if ratio <= BUDGET else "OVER BUDGET"
    print(f"synth: ratio {ratio:.2f}x (budget {BUDGET}x) {verdict}")
    return 0 if ratio <= BUDGET else 1


def _fmt(values: list[float]) -> str:
    return " ".join(f"{v:.2f}" for v in values)


if __name__ == "__main__":
    sys.exit(main())
