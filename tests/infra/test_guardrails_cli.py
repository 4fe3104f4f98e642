"""`cdk synth` through the pinned CDK CLI fails on an unacknowledged cdk-nag finding.

The CLI asks the app to leave validation failures to it (the context key
``@aws-cdk/core:failSynthOnValidationErrors`` set to false), and then reports only the
findings of the stacks it selected: ``cdk synth`` without a selector selects none of an app
whose stacks are all in stages, and exits 0 with findings. These tests run the CLI itself on
such an app, not an in-process synth.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
FIXTURE = Path(__file__).resolve().parent / "fixtures" / "nag_finding_app.py"


def cli_synth(tmp_path: Path, *, acknowledge: bool) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "PATH": f"{ROOT / 'node_modules' / '.bin'}{os.pathsep}{os.environ.get('PATH', '')}",
        "CDK_DISABLE_VERSION_CHECK": "1",
        "CDK_DISABLE_CLI_TELEMETRY": "1",
        "NAG_FIXTURE_ACKNOWLEDGE": "1" if acknowledge else "0",
    }
    return subprocess.run(
        [
            "cdk", "synth", "--quiet", "--no-notices",
            "--app", f"{sys.executable} -O {FIXTURE}",
            "--output", str(tmp_path / "cdk.out"),
        ],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=600, check=False,
    )  # fmt: skip


@pytest.mark.xdist_group("cdk-cli")
def test_an_unacknowledged_finding_fails_cdk_synth_through_the_cli(tmp_path: Path) -> None:
    # Given an app whose queue breaks three rules, none acknowledged
    # When the CDK CLI synthesizes it
    done = cli_synth(tmp_path, acknowledge=False)

    # Then the synth fails, naming the rule
    assert done.returncode != 0, done.stdout + done.stderr
    assert "AwsSolutions-SQS3" in done.stdout + done.stderr


@pytest.mark.xdist_group("cdk-cli")
def test_acknowledged_findings_pass_cdk_synth_through_the_cli(tmp_path: Path) -> None:
    # Given the same app with its findings acknowledged on the queue, with a reason
    # When the CDK CLI synthesizes it
    done = cli_synth(tmp_path, acknowledge=True)

    # Then the synth succeeds
    assert done.returncode == 0, (done.stdout + done.stderr)[-3000:]
    assert list((tmp_path / "cdk.out" / "assembly-Test").glob("*.template.json"))
