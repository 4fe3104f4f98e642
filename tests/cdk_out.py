"""The app's cdk.out as tests read it: brought up to date by ``make synth-cached`` (under a file
lock, so xdist workers share it), which synthesizes unless a passing synth of exactly the
current inputs wrote it. E2E_REUSE_CDK_OUT=1 takes an existing cdk.out as it is (e.g. while
the stacks are mid-edit); E2E_CDK_OUT=path takes another one (e.g. a clean checkout's)."""

from __future__ import annotations

import fcntl
import functools
import os
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
CDK_OUT = Path(os.environ.get("E2E_CDK_OUT") or ROOT / "cdk.out")


def _reuse_as_is() -> bool:
    manifest = CDK_OUT / "manifest.json"
    reuse = os.environ.get("E2E_REUSE_CDK_OUT") == "1" or os.environ.get("E2E_CDK_OUT")
    return bool(reuse) and manifest.is_file()


def ensure_synthesized() -> None:
    """``make synth-cached``: cdk.out as a passing synth of the current sources wrote it.

    The Makefile keys cdk.out by the content of every synth input (a warm `make test` has just
    checked it, so this costs a hash); one worker at a time, so a stale cdk.out is synthesized
    once."""
    if _reuse_as_is():
        return
    synthesize_checkout()


@functools.cache
def synthesize_checkout() -> Path:
    """The checkout's own cdk.out as ``cdk synth`` (cdk-nag on) writes it from the current
    sources and cdk.json, whatever E2E_REUSE_CDK_OUT and E2E_CDK_OUT say: ``make synth-cached``
    under the lock, once per test process (the inputs do not change during a run)."""
    _synth_cached()
    return ROOT / "cdk.out"


def _synth_cached() -> None:
    lock = ROOT / ".cache" / "e2e-synth.lock"
    lock.parent.mkdir(exist_ok=True)
    with lock.open("w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            done = subprocess.run(
                ["make", "--no-print-directory", "synth-cached"],
                cwd=ROOT,
                capture_output=True,
                text=True,
                timeout=900,
                check=False,
            )
        except (OSError, subprocess.TimeoutExpired) as exc:
            pytest.fail(f"cdk.out could not be brought up to date: {exc}")
        if done.returncode != 0:
            pytest.fail(f"cdk synth failed: {(done.stdout + done.stderr)[-2000:]}")
