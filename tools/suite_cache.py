"""Skip a package's test suite in ``make test`` when it passed on exactly these inputs before.

The three packages under ``packages/`` are libraries with suites of their own that depend on
their own files, a few declared files of the repository, and the installed tools, never on
the app: an edit to the app cannot change their outcome. So, as ``make test`` already does
for the synth and cfn-lint, each suite's result is kept under a key of all its inputs and the
suite runs again whenever the key differs:

- the relative path and bytes of every file of the package and of its declared extra inputs
  (:data:`SUITES`);
- the Python version, every installed distribution with its version, and the ``node`` that
  runs the CDK, dynalite and the CLI, with its version.

A key is stored (``.cache/suites/<name>.passed``) only after a run in which every test of the
suite was selected and the whole session passed. Only with ``SUITE_CACHE=1`` (``make
test``): a plain ``pytest`` runs everything.

**The declarations are checked.** While a suite's tests run, an audit hook records every file
of the repository that the test process opens; one outside the suite's inputs (the virtualenv,
``node_modules`` and tool caches aside) keeps the result from being stored and is reported,
so an input the declaration misses shows up on the first run, not as a stale pass. What the
suites' child processes read (servers, Lambda workers) is not seen by the hook: they run the
package's own code and fixtures, which are inputs anyway.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from functools import cache
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pytest

ROOT = Path(__file__).resolve().parents[1]
STAMPS = ROOT / ".cache" / "suites"
ENABLE_VARIABLE = "SUITE_CACHE"
#: Parts of a path that are never an input: environments, tool caches, build output.
_NOT_INPUTS = {
    ".venv", "node_modules", ".git", ".cache", ".pytest_cache", ".mypy_cache", ".ruff_cache",
    ".hypothesis", "__pycache__", "cdk.out", "build",
}  # fmt: skip


@dataclass(frozen=True)
class Suite:
    """A package's test suite: the folder of its tests and every input its outcome depends
    on (folders or files, relative to the repository)."""

    name: str
    tests: str
    inputs: tuple[str, ...]


SUITES = (
    Suite(
        "pydynamodel",
        "packages/pydynamodel/tests",
        # The guide's runnable examples and the behaviour suite its docs point to (tests of
        # the docs read both); dynalite, pinned by the lock file.
        (
            "packages/pydynamodel",
            "docs/dynamodel-guide.md",
            "tests/dynamodel",
            "package.json",
            "package-lock.json",
        ),
    ),
    Suite(
        "cdk-local-gateway",
        "packages/cdk-local-gateway/tests",
        ("packages/cdk-local-gateway", "package.json", "package-lock.json"),
    ),
    Suite(
        "serverless-api-constructs",
        "packages/serverless-api-constructs/tests",
        # Its fresh-app and README synths run the pinned CDK CLI.
        ("packages/serverless-api-constructs", "package.json", "package-lock.json"),
    ),
)


def _files(path: Path) -> list[Path]:
    if path.is_file():
        return [path]
    return sorted(
        p
        for p in path.rglob("*")
        if p.is_file()
        and p.suffix != ".pyc"
        and _NOT_INPUTS.isdisjoint(p.relative_to(path).parts)
        and not any(part.endswith(".egg-info") for part in p.relative_to(path).parts)
    )


@cache
def environment() -> str:
    """Python, the installed distributions and the ``node`` on PATH with its version."""
    installed = sorted(f"{d.metadata['Name']}=={d.version}" for d in metadata.distributions())
    node = shutil.which("node") or "no node"
    version = ""
    if node != "no node":
        version = subprocess.run([node, "--version"], capture_output=True, text=True).stdout
    return "\n".join([sys.version, *installed, node, version.strip()])


def suite_key(suite: Suite, root: Path = ROOT) -> str:
    digest = hashlib.sha256(environment().encode())
    for name in suite.inputs:
        path = root / name
        digest.update(f"\0{name}\0{path.exists()}\0".encode())
        for file in _files(path) if path.exists() else []:
            digest.update(file.relative_to(root).as_posix().encode() + b"\0")
            digest.update(hashlib.sha256(file.read_bytes()).digest())
    return digest.hexdigest()


def _suite_of(path: Path) -> Suite | None:
    for suite in SUITES:
        if path.is_relative_to(ROOT / suite.tests):
            return suite
    return None


def _is_input(suite: Suite, path: Path) -> bool:
    relative = path.relative_to(ROOT)
    if not _NOT_INPUTS.isdisjoint(relative.parts) or any(
        part.endswith((".egg-info", ".dist-info")) for part in relative.parts
    ):
        # Not an input at all: an environment or a cache. Installed packages' metadata is in
        # the key through the distributions and versions.
        return True
    return any(relative.is_relative_to(name) for name in suite.inputs)


class SuiteCache:
    """The plugin: skips suites that passed on their key, stores keys of suites that pass."""

    def __init__(self, config: pytest.Config) -> None:
        self.config = config
        self.enabled = os.environ.get(ENABLE_VARIABLE) == "1"
        self.keys = {suite.name: suite_key(suite) for suite in SUITES} if self.enabled else {}
        # Decided once, before this run stores anything, and the same in every xdist process.
        self.skipped = [suite for suite in SUITES if self.enabled and self.passed_before(suite)]
        self.collected: dict[str, int] = {}
        self.undeclared: dict[str, set[str]] = {}
        self.current: Suite | None = None
        if self.enabled:
            sys.addaudithook(self._audit)

    def _audit(self, event: str, args: tuple[Any, ...]) -> None:
        if event != "open" or self.current is None or not isinstance(args[0], str | Path):
            return
        path = Path(os.path.abspath(args[0]))
        # A relative name may be relative to a directory descriptor (shutil's copytree and
        # rmtree open entries that way), not to the working directory: a name that is no
        # file of the repository is not one of its files being read.
        if path.is_relative_to(ROOT) and not path.is_relative_to(ROOT / "tools") and path.is_file():
            suite = self.current
            if not _is_input(suite, path):
                self.undeclared.setdefault(suite.name, set()).add(str(path.relative_to(ROOT)))

    def passed_before(self, suite: Suite) -> bool:
        stamp = STAMPS / f"{suite.name}.passed"
        return stamp.is_file() and stamp.read_text().strip() == self.keys.get(suite.name)

    # -- hooks ---------------------------------------------------------------------------
    def pytest_collection_modifyitems(
        self, config: pytest.Config, items: list[pytest.Item]
    ) -> None:
        if not self.enabled:
            return
        keep: list[pytest.Item] = []
        drop: list[pytest.Item] = []
        for item in items:
            suite = _suite_of(Path(str(item.path)))
            if suite is not None:
                self.collected[suite.name] = self.collected.get(suite.name, 0) + 1
            (drop if suite is not None and suite in self.skipped else keep).append(item)
        if drop:
            config.hook.pytest_deselected(items=drop)
            items[:] = keep

    def pytest_runtest_setup(self, item: pytest.Item) -> None:
        self.current = _suite_of(Path(str(item.path)))

    def pytest_runtest_teardown(self, item: pytest.Item) -> None:
        self.current = None

    def pytest_sessionfinish(self, session: pytest.Session, exitstatus: int) -> None:
        workeroutput = getattr(self.config, "workeroutput", None)
        if workeroutput is not None:  # an xdist worker: hand what it saw to the controller
            workeroutput["suite_cache"] = json.dumps(
                {"collected": self.collected, "undeclared": sorted(self._undeclared_pairs())}
            )
            return
        if not self.enabled or exitstatus != 0 or self._narrowed():
            return
        STAMPS.mkdir(parents=True, exist_ok=True)
        for suite in SUITES:
            ran = suite.name in self.collected and suite not in self.skipped
            if ran and self._whole(suite) and suite.name not in self.undeclared:
                (STAMPS / f"{suite.name}.passed").write_text(self.keys[suite.name] + "\n")

    def pytest_testnodedown(self, node: Any, error: Any) -> None:
        output = getattr(node, "workeroutput", {}).get("suite_cache")
        if output:
            seen = json.loads(output)
            for name, count in seen["collected"].items():
                self.collected[name] = max(self.collected.get(name, 0), count)
            for name, path in seen["undeclared"]:
                self.undeclared.setdefault(name, set()).add(path)

    def pytest_terminal_summary(self, terminalreporter: Any) -> None:
        if not self.enabled:
            return
        for suite in self.skipped:
            if suite.name not in self.collected:
                continue  # not asked for in this run
            key = self.keys[suite.name][:12]
            terminalreporter.write_line(
                f"suite {suite.name}: passed on exactly these inputs before (key {key}), not run"
            )
        for name, paths in sorted(self.undeclared.items()):
            listed = ", ".join(sorted(paths)[:5])
            terminalreporter.write_line(
                f"suite {name}: read files outside its declared inputs (tools/suite_cache.py), "
                f"result not kept: {listed}",
                yellow=True,
            )

    def _undeclared_pairs(self) -> list[tuple[str, str]]:
        return [(name, path) for name, paths in self.undeclared.items() for path in paths]

    def _whole(self, suite: Suite) -> bool:
        """Whether the run was asked for the suite's whole folder (or a folder above it)."""
        folder = ROOT / suite.tests
        asked = [Path(os.path.abspath(arg.split("::")[0])) for arg in self.config.args]
        return any(folder.is_relative_to(path) for path in asked)

    def _narrowed(self) -> bool:
        """A run narrowed by -k, -m or --lf does not prove a whole suite."""
        option = self.config.option
        return bool(
            getattr(option, "keyword", "")
            or getattr(option, "markexpr", "")
            or getattr(option, "lf", False)
        )


def pytest_configure(config: pytest.Config) -> None:
    config.pluginmanager.register(SuiteCache(config), "suite-cache")
