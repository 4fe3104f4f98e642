"""`cdk synth` through the pinned CDK CLI fails on an unacknowledged cdk-nag finding.

The CLI asks the app to leave validation failures to it (the context key
``@aws-cdk/core:failSynthOnValidationErrors`` set to false), and then reports only the
findings of the stacks it selected: ``cdk synth`` without a selector selects none of an app
whose stacks are all in stages, and exits 0 with findings. These tests run the CLI itself on
such an app, not an in-process synth.

The two CLI runs (findings unacknowledged, acknowledged) are started side by side once per
module, each into a directory of its own; each test reads the outcome of its own run.
"""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
FIXTURE = Path(__file__).resolve().parent / "fixtures" / "nag_finding_app.py"


@dataclass(frozen=True)
class CliSynth:
    """A finished ``cdk synth`` of the fixture app: its exit status and output, and the
    directory it was asked to write the cloud assembly into."""

    returncode: int
    output: str
    out: Path


def start_cli_synth(out: Path, *, acknowledge: bool) -> subprocess.Popen[str]:
    env = {
        **os.environ,
        "PATH": f"{ROOT / 'node_modules' / '.bin'}{os.pathsep}{os.environ.get('PATH', '')}",
        "CDK_DISABLE_VERSION_CHECK": "1",
        "CDK_DISABLE_CLI_TELEMETRY": "1",
        "NAG_FIXTURE_ACKNOWLEDGE": "1" if acknowledge else "0",
    }
    return subprocess.Popen(
        [
            "cdk", "synth", "--quiet", "--no-notices",
            "--app", f"{sys.executable} -O {FIXTURE}",
            "--output", str(out),
        ],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip


@pytest.fixture(scope="module")
def cli_synths(tmp_path_factory: pytest.TempPathFactory) -> dict[bool, CliSynth]:
    """The fixture app synthesized by the CLI with its findings unacknowledged (``False``)
    and acknowledged (``True``), the two runs side by side."""
    outs = {ack: tmp_path_factory.mktemp(f"acknowledge-{ack}") / "cdk.out" for ack in (False, True)}
    running = {ack: start_cli_synth(out, acknowledge=ack) for ack, out in outs.items()}
    done: dict[bool, CliSynth] = {}
    for ack, process in running.items():
        with process:
            output, _ = process.communicate(timeout=600)
        done[ack] = CliSynth(process.returncode, output, outs[ack])
    return done


@pytest.mark.xdist_group("cdk-cli")
def test_an_unacknowledged_finding_fails_cdk_synth_through_the_cli(
    cli_synths: dict[bool, CliSynth],
) -> None:
    # Given an app whose queue breaks three rules, none acknowledged
    # When the CDK CLI synthesizes it
    done = cli_synths[False]

    # Then the synth fails, naming the rule
    assert done.returncode != 0, done.output
    assert "AwsSolutions-SQS3" in done.output


@pytest.mark.xdist_group("cdk-cli")
def test_acknowledged_findings_pass_cdk_synth_through_the_cli(
    cli_synths: dict[bool, CliSynth],
) -> None:
    # Given the same app with its findings acknowledged on the queue, with a reason
    # When the CDK CLI synthesizes it
    done = cli_synths[True]

    # Then the synth succeeds
    assert done.returncode == 0, done.output[-3000:]
    assert list((done.out / "assembly-Test").glob("*.template.json"))
