"""`make unit` runs the tests in two processes side by side (docs/testing.md): the tests that
load the CDK (``CDK_TESTS`` in the Makefile) in one, and the rest (``RUNTIME_TESTS`` without
``RUNTIME_IGNORE``) on xdist workers that never import the CDK or start a jsii kernel. These
tests hold the split to what it promises: every test module runs in exactly one of the two,
and collecting the runtime tests loads none of the CDK.

The collection runs in a fresh interpreter, as an xdist worker's does; its report is kept in
the synth cache under a key of every file it reads (tests/probe_cache.py does the same for
the import probes), so a warm run does not collect the suite again.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from functools import cache
from typing import Any

from tests.infra.synth_cache import ROOT, cached_synth
from tests.tools.cdk_import_probe import MARKER

#: Everything the runtime tests' collection reads from the repository.
COLLECTION_INPUTS = (
    "Makefile",
    "pyproject.toml",
    "tests",
    "stacks",
    "lambda",
    "bench",
    "packages/cdk-local-gateway",
    "packages/pydynamodel",
    "packages/serverless-api-constructs",
)
#: Where the repository keeps test modules.
TEST_FOLDERS = (
    "tests",
    "bench",
    "packages/cdk-local-gateway/tests",
    "packages/pydynamodel/tests",
    "packages/serverless-api-constructs/tests",
)


def make_variable(name: str) -> list[str]:
    """The words of the Makefile's variable ``name``, as make expands it."""
    rule = f"print-{name}: ; @echo $({name})"
    result = subprocess.run(
        ["make", "-s", "--no-print-directory", "--eval", rule, f"print-{name}"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    words = result.stdout.split()
    assert words, f"the Makefile's {name} is empty"
    return words


@cache
def runtime_collection() -> dict[str, Any]:
    """What collecting ``unit-runtime``'s tests in a fresh interpreter loaded and found."""
    argv = [
        sys.executable,
        "-m",
        "pytest",
        "--collect-only",
        "-q",
        "-p",
        "tests.tools.cdk_import_probe",
        "-p",
        "no:randomly",
        "-p",
        "no:cacheprovider",
        *make_variable("RUNTIME_IGNORE"),
        *make_variable("RUNTIME_TESTS"),
    ]
    env = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith(("PYTEST_", "SUITE_CACHE"))
    }

    def collect() -> dict[str, Any]:
        result = subprocess.run(argv, cwd=ROOT, env=env, capture_output=True, text=True)
        lines = [line for line in result.stdout.splitlines() if line.startswith(MARKER)]
        assert lines, result.stdout[-3000:] + result.stderr[-3000:]
        report: dict[str, Any] = json.loads(lines[-1][len(MARKER) :])
        return report

    # Kept only when it loaded none of the CDK, as the runs of the other CLI tests keep only
    # the outcome their test accepts: a failing report is collected again on every run.
    return cached_synth(
        {"tests:collect": argv},
        collect,
        paths=COLLECTION_INPUTS,
        store_if=lambda report: report["cdk_modules"] == [],
    )


def test_collecting_the_runtime_tests_loads_none_of_the_cdk() -> None:
    # Given unit-runtime's folders, as the Makefile names them
    # When a fresh interpreter collects them, as each xdist worker does
    report = runtime_collection()

    # Then it found tests, and no module of the CDK or of jsii was imported
    assert len(report["files"]) > 50
    assert report["cdk_modules"] == []


def test_every_test_module_runs_in_exactly_one_of_the_two_processes() -> None:
    # Given every test module of the repository and the CDK process's folders
    modules = sorted(
        path.relative_to(ROOT).as_posix()
        for folder in TEST_FOLDERS
        for path in (ROOT / folder).rglob("test_*.py")
        if "__pycache__" not in path.parts
    )
    cdk = make_variable("CDK_TESTS")

    # When the runtime process's collection is compared with them
    runtime = set(runtime_collection()["files"])

    def in_cdk(module: str) -> bool:
        return any(module == path or module.startswith(path.rstrip("/") + "/") for path in cdk)

    # Then each module is in one process or the other, never in both and never in neither
    assert [m for m in modules if in_cdk(m) and m in runtime] == []
    assert [m for m in modules if not in_cdk(m) and m not in runtime] == []
