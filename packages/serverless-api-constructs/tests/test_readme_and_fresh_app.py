"""The README's examples and a fresh CDK app, as another team would use the package.

The fresh app (``fresh_app/``: ``app.py`` + ``cdk.json`` + ``lambda/``, the shape ``cdk init``
gives) runs against the package installed from its path into a directory of its own, the way
the CDK CLI runs it (the ``app`` command of ``cdk.json``, ``CDK_OUTDIR`` and
``CDK_CONTEXT_JSON`` in the environment), so it proves the package installs and works outside
this repository. The examples and the app also pass ``mypy --strict``.

The installation, each synth and mypy are content-keyed (``result_cache.py``): they run again
whenever the package, the app, the example or the environment changes, and a result is reused
only when it ended as the test expects; the assertions always run.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from result_cache import PACKAGE_INPUTS, Run, cached_run, content_key, installed_package

PACKAGE = Path(__file__).resolve().parents[1]
FRESH_APP = Path(__file__).parent / "fresh_app"
EXAMPLES = re.findall(r"```python\n(.*?)```", (PACKAGE / "README.md").read_text(), re.DOTALL)
#: mypy's own incremental cache (ignored by git): aws-cdk-lib's stubs take minutes cold.
MYPY_CACHE = PACKAGE / ".cache" / "mypy-incremental"
REPLICA_ERROR = (
    "SingleTable: replica_regions=['us-east-1'] need the stack's region, and the stack is "
    "region-agnostic; give the stack env=cdk.Environment(region=...)"
)


@pytest.fixture(scope="module")
def installed() -> Path:
    """The package installed from its path (``pip install --no-deps --target <dir> <path>``)
    into a directory of its own, without dependencies (aws-cdk-lib is the interpreter's)."""
    return installed_package()


@pytest.fixture(scope="module")
def fresh_app(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the fresh app in a directory outside the repository."""
    app_dir = tmp_path_factory.mktemp("fresh") / "app"
    shutil.copytree(FRESH_APP, app_dir, ignore=shutil.ignore_patterns("__pycache__"))
    return app_dir


def _run_app(
    app_dir: Path,
    out: Path,
    *,
    installed: Path | None = None,
    context: dict[str, object] | None = None,
    expect_success: bool = True,
) -> Run:
    """Run the app as the CDK CLI does: the ``app`` command of ``cdk.json`` in its directory,
    a new process with ``CDK_OUTDIR`` and ``CDK_CONTEXT_JSON`` set (content-keyed on the app's
    files, the package's, the context and the environment)."""
    command = shlex.split(json.loads((app_dir / "cdk.json").read_text())["app"])
    command[0] = sys.executable  # "python3" of cdk.json, this interpreter
    env = {**os.environ, "CDK_OUTDIR": str(out), "CDK_CONTEXT_JSON": json.dumps(context or {})}
    if installed is not None:
        env["PYTHONPATH"] = str(installed)

    def run(out: Path) -> Run:
        done = subprocess.run(command, cwd=app_dir, env=env, capture_output=True, text=True)
        return Run(done.returncode, done.stdout, done.stderr)

    key = content_key(
        files=[app_dir, *PACKAGE_INPUTS],
        arguments={"command": command[1:], "context": context, "installed": installed is not None},
    )
    return cached_run("synth", key, run, out=out, expect_success=expect_success)


def test_the_readme_has_the_three_examples() -> None:
    assert len(EXAMPLES) == 3


@pytest.mark.parametrize("number", range(len(EXAMPLES)))
def test_every_readme_example_synthesizes(number: int, tmp_path: Path) -> None:
    # Given the example as the app of a CDK project, next to the lambda/ directory it expects
    shutil.copytree(FRESH_APP / "lambda", tmp_path / "lambda")
    (tmp_path / "app.py").write_text(EXAMPLES[number])
    shutil.copy(FRESH_APP / "cdk.json", tmp_path / "cdk.json")
    # When it runs
    result = _run_app(tmp_path, tmp_path / "cdk.out")
    # Then it synthesized a cloud assembly with at least one stack template
    assert result.returncode == 0, result.stderr
    manifest = json.loads((tmp_path / "cdk.out" / "manifest.json").read_text())
    assert any(a["type"] == "aws:cloudformation:stack" for a in manifest["artifacts"].values())


def test_the_fresh_app_synthesizes_both_services_in_region_agnostic_stacks(
    installed: Path, fresh_app: Path, tmp_path: Path
) -> None:
    # When the fresh app runs against the installed package
    result = _run_app(fresh_app, tmp_path, installed=installed)
    # Then it succeeds, using the installed copy
    assert result.returncode == 0, result.stderr
    manifest = json.loads((tmp_path / "manifest.json").read_text())
    stacks = {
        name: artifact
        for name, artifact in manifest["artifacts"].items()
        if artifact["type"] == "aws:cloudformation:stack"
    }
    assert set(stacks) == {"NotesService", "ChatService"}
    # And both stacks are region-agnostic
    for artifact in stacks.values():
        assert artifact["environment"] == "aws://unknown-account/unknown-region"
    # And one holds the REST service, the other the WebSocket service
    notes = json.loads((tmp_path / "NotesService.template.json").read_text())["Resources"]
    chat = json.loads((tmp_path / "ChatService.template.json").read_text())["Resources"]
    assert {"AWS::ApiGateway::RestApi", "AWS::DynamoDB::GlobalTable", "AWS::WAFv2::WebACL"} <= {
        r["Type"] for r in notes.values()
    }
    websocket = [r for r in chat.values() if r["Type"] == "AWS::ApiGatewayV2::Api"]
    assert [r["Properties"]["ProtocolType"] for r in websocket] == ["WEBSOCKET"]


def test_the_fresh_app_imports_the_installed_package(installed: Path, fresh_app: Path) -> None:
    # find_spec locates the package as `import` would, without running it (and the CDK)
    env = {**os.environ, "PYTHONPATH": str(installed)}
    find = "import importlib.util as u; print(u.find_spec('serverless_api_constructs').origin)"
    where = subprocess.run(
        [sys.executable, "-c", find],
        cwd=fresh_app,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    assert Path(where).is_relative_to(installed)


def test_the_fresh_app_asking_for_replicas_fails_with_single_tables_message(
    installed: Path, fresh_app: Path, tmp_path: Path
) -> None:
    # When the app is given replica regions in its region-agnostic stack (cdk synth -c ...)
    result = _run_app(
        fresh_app,
        tmp_path,
        installed=installed,
        context={"replica_regions": ["us-east-1"]},
        expect_success=False,
    )
    # Then synthesis fails, and the last line says which prop needs a region and what to do
    assert result.returncode != 0
    assert result.stderr.strip().splitlines()[-1] == f"ValueError: {REPLICA_ERROR}"


def test_the_fresh_app_and_every_readme_example_pass_mypy_strict(
    installed: Path, fresh_app: Path, tmp_path: Path
) -> None:
    # Given the app and the examples as modules of one directory
    shutil.copy(fresh_app / "app.py", tmp_path / "app.py")
    for number, example in enumerate(EXAMPLES):
        (tmp_path / f"readme_example_{number}.py").write_text(example)
    modules = sorted(p.name for p in tmp_path.glob("*.py"))
    command = [sys.executable, "-m", "mypy", "--strict", "--cache-dir", str(MYPY_CACHE), *modules]

    def run(_: Path) -> Run:
        done = subprocess.run(
            command,
            cwd=tmp_path,
            env={**os.environ, "MYPYPATH": str(installed)},
            capture_output=True,
            text=True,
        )
        return Run(done.returncode, done.stdout, done.stderr)

    # When mypy --strict checks them against the installed package
    key = content_key(files=[tmp_path, *PACKAGE_INPUTS], arguments=command[1:])
    result = cached_run("mypy", key, run, out=tmp_path / "no-files")
    # Then there is no error
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"no issues found in {len(modules)} source files" in result.stdout
