"""`cdk synth` through the pinned CDK CLI fails on an unacknowledged cdk-nag finding.

The CLI asks the app to leave validation failures to it (the context key
``@aws-cdk/core:failSynthOnValidationErrors`` set to false), and then reports only the
findings of the stacks it selected: ``cdk synth`` without a selector selects none of an app
whose stacks are all in stages, and exits 0 with findings. These tests run the CLI itself on
such an app, not an in-process synth.

The two CLI runs (findings unacknowledged, acknowledged) are started side by side once per
module, each into a directory of its own; each test reads the outcome of its own run. An
outcome is a function of the synth inputs, the fixture app, this module and the environment
the CLI reads, so it is kept in the synth cache under a key of all of them
(tests/infra/synth_cache.py), and only when it is the outcome its test expects: an edit to
any of them runs the CLI again, and a failure is never replayed.
"""

from __future__ import annotations

import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.infra.synth_cache import cached_synth, run_inputs

ROOT = Path(__file__).resolve().parents[2]
FIXTURE = Path(__file__).resolve().parent / "fixtures" / "nag_finding_app.py"


#: The rule each run's test looks for in the output of the unacknowledged run.
RULE = "AwsSolutions-SQS3"


@dataclass(frozen=True)
class CliSynth:
    """A finished ``cdk synth`` of the fixture app: its exit status and output, and the
    templates it wrote into the assembly of the ``Test`` stage."""

    returncode: int
    output: str
    templates: list[str]


def expected(acknowledge: bool, outcome: dict[str, Any]) -> bool:
    """Whether ``outcome`` is what the test of that run expects (only such an outcome is
    cached): the unacknowledged run fails naming the rule, the acknowledged one writes
    templates."""
    if acknowledge:
        return bool(outcome["returncode"] == 0 and outcome["templates"])
    return bool(outcome["returncode"] != 0 and RULE in outcome["output"])


def cli_synth(out: Path, *, acknowledge: bool) -> CliSynth:
    env = {
        **os.environ,
        "PATH": f"{ROOT / 'node_modules' / '.bin'}{os.pathsep}{os.environ.get('PATH', '')}",
        "CDK_DISABLE_VERSION_CHECK": "1",
        "CDK_DISABLE_CLI_TELEMETRY": "1",
        "NAG_FIXTURE_ACKNOWLEDGE": "1" if acknowledge else "0",
    }

    def run() -> dict[str, Any]:
        with subprocess.Popen(
            [
                "cdk", "synth", "--quiet", "--no-notices",
                "--app", f"{sys.executable} -O {FIXTURE}",
                "--output", str(out),
            ],
            cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        ) as process:  # fmt: skip
            output, _ = process.communicate(timeout=600)
        templates = sorted(p.name for p in (out / "assembly-Test").glob("*.template.json"))
        return {"returncode": process.returncode, "output": output, "templates": templates}

    key = {
        **run_inputs(env, [FIXTURE, Path(__file__)]),
        "tests:run": "cdk synth of the nag fixture app",
        "tests:acknowledge": acknowledge,
    }
    outcome = cached_synth(key, run, store_if=lambda o: expected(acknowledge, o))
    return CliSynth(outcome["returncode"], outcome["output"], outcome["templates"])


@pytest.fixture(scope="module")
def cli_synths(tmp_path_factory: pytest.TempPathFactory) -> dict[bool, CliSynth]:
    """The fixture app synthesized by the CLI with its findings unacknowledged (``False``)
    and acknowledged (``True``), the two runs side by side."""
    outs = {ack: tmp_path_factory.mktemp(f"acknowledge-{ack}") / "cdk.out" for ack in (False, True)}
    with ThreadPoolExecutor(max_workers=2) as pool:
        running = {ack: pool.submit(cli_synth, out, acknowledge=ack) for ack, out in outs.items()}
        return {ack: future.result() for ack, future in running.items()}


@pytest.mark.xdist_group("cdk-cli")
def test_an_unacknowledged_finding_fails_cdk_synth_through_the_cli(
    cli_synths: dict[bool, CliSynth],
) -> None:
    # Given an app whose queue breaks three rules, none acknowledged
    # When the CDK CLI synthesizes it
    done = cli_synths[False]

    # Then the synth fails, naming the rule
    assert done.returncode != 0, done.output
    assert RULE in done.output


@pytest.mark.xdist_group("cdk-cli")
def test_acknowledged_findings_pass_cdk_synth_through_the_cli(
    cli_synths: dict[bool, CliSynth],
) -> None:
    # Given the same app with its findings acknowledged on the queue, with a reason
    # When the CDK CLI synthesizes it
    done = cli_synths[True]

    # Then the synth succeeds
    assert done.returncode == 0, done.output[-3000:]
    assert done.templates


def test_only_the_outcome_each_test_expects_is_kept() -> None:
    # Given the outcomes the two runs are expected to have
    failed = {
        "returncode": 1,
        "output": f"[Error at /Test/Queues/Plain/Resource] {RULE}",
        "templates": [],
    }
    passed = {"returncode": 0, "output": "", "templates": ["TestQueues.template.json"]}
    # When either run ends otherwise / Then its outcome is not one to keep
    assert expected(False, failed)
    assert expected(True, passed)
    assert not expected(False, passed)
    assert not expected(False, {**failed, "output": "Error: cannot find module"})
    assert not expected(True, failed)
    assert not expected(True, {**passed, "templates": []})
