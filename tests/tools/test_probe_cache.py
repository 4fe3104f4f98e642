"""A fresh interpreter's report on the Lambda code (tests/probe_cache.py) is run again whenever
anything it reads changes, and kept only when the interpreter succeeded."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

import pytest

from tests.probe_cache import probe_output

if TYPE_CHECKING:
    from pathlib import Path

COUNTING_PROBE = """
import pathlib, sys
calls = pathlib.Path(sys.argv[1])
calls.write_text(calls.read_text() + "x")
print("report", sys.argv[2])
"""


def test_a_report_is_read_back_until_its_script_arguments_or_environment_change(
    tmp_path: Path,
) -> None:
    # Given a probe that counts its runs
    calls = tmp_path / "calls"
    calls.write_text("")
    env = {"PATH": "/bin", "AWS_REGION": "eu-west-1"}

    def ask(script: str = COUNTING_PROBE, arg: str = "a", **extra: str) -> str:
        return probe_output(
            [sys.executable, "-c", script, str(calls), arg],
            {**env, **extra},
            tmp_path,
            cache_dir=tmp_path / "cache",
        )

    # When it is asked the same twice, Then it ran once and both answers are its report
    assert ask() == ask() == "report a\n"
    assert calls.read_text() == "x"
    # When the script, an argument or the environment differs, Then it runs again each time
    ask(script=COUNTING_PROBE + "\n")
    ask(arg="b")
    ask(AWS_REGION="us-east-1")
    assert calls.read_text() == "xxxx"


def test_a_failed_probe_fails_the_caller_and_is_never_kept(tmp_path: Path) -> None:
    # Given a probe that fails (an import error in a handler, say)
    calls = tmp_path / "calls"
    calls.write_text("")
    failing = COUNTING_PROBE + "raise ImportError('no module named handlers.rest.gone')\n"

    def ask() -> str:
        return probe_output(
            [sys.executable, "-c", failing, str(calls), "a"],
            {"PATH": "/bin"},
            tmp_path,
            cache_dir=tmp_path / "cache",
        )

    # When it is asked twice / Then each time it runs and fails with its error
    for _ in range(2):
        with pytest.raises(AssertionError, match=r"handlers\.rest\.gone"):
            ask()
    assert calls.read_text() == "xx"


def test_the_key_covers_the_lambda_code_and_pydynamodel_and_not_the_stacks() -> None:
    from tests.infra.synth_cache import ROOT, input_files
    from tests.probe_cache import PROBE_INPUTS

    # Given the files a probe's key is made of
    read = {path.relative_to(ROOT).parts[:2] for path in input_files(ROOT, PROBE_INPUTS)}
    # Then they include every handler and the modeling library, and no stack or app.py
    assert ("lambda", "handlers") in read
    assert ("packages", "pydynamodel") in read
    assert not {parts for parts in read if parts[0] in ("stacks", "app.py", "cdk.json")}
