"""The pytest plugin that compares each function's grants with the calls recorded by the
handler tests, at the end of a run that ran all of them.

Wiring (works with and without pytest-xdist):

- the controller makes a run directory in ``pytest_configure`` and hands it to each xdist
  worker through ``workerinput``;
- each process writes its recorded calls there when its session ends (``records-*.json``),
  and, when ``tests/infra`` synthesizes the app in it, the Dev functions' grants
  (``grants-*.json``), so the app is synthesized once per run;
- the controller checks in ``pytest_sessionfinish`` that every handler test module was
  collected, none was deselected and every handler test ran to its end, reads the records
  and grants (synthesizing the app itself when no worker did), compares them and fails the
  run on any difference, with the list in the terminal summary. On a partial run it says
  why it skipped the comparison instead.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from tests.iam import recorder
from tests.iam.actions import Access
from tests.iam.compare import Finding, compare
from tests.iam.grants import grants_by_handler
from tests.iam.unexercised import UNEXERCISED

if TYPE_CHECKING:
    from collections.abc import Generator, Mapping, Sequence

ROOT = Path(__file__).resolve().parents[2]
#: The test packages whose handler calls are recorded.
HANDLER_TESTS = ("tests/handlers/", "tests/ws/")
_WORKERINPUT_KEY = "iam_run_dir"


def expected_modules(root: Path = ROOT) -> set[str]:
    """The test modules of the handler test packages, as nodeid prefixes."""
    return {
        path.relative_to(root).as_posix()
        for package in HANDLER_TESTS
        for path in (root / package).glob("test_*.py")
    }


def _is_handler_test(nodeid: str) -> bool:
    return nodeid.startswith(HANDLER_TESTS)


def _dump_grants(grants: Mapping[str, set[Access]]) -> dict[str, list[list[str]]]:
    return {h: [[a.action, a.resource] for a in sorted(g)] for h, g in grants.items()}


class LeastPrivilegePlugin:
    def __init__(self, config: pytest.Config) -> None:
        self.config = config
        workerinput: dict[str, Any] | None = getattr(config, "workerinput", None)
        self.is_controller = workerinput is None
        self.worker = "main" if workerinput is None else str(workerinput["workerid"])
        if workerinput is None:
            self.run_dir = Path(tempfile.mkdtemp(prefix="iam-records-"))
        else:
            self.run_dir = Path(workerinput[_WORKERINPUT_KEY])
        # Known at the start: a module added while the suite runs is not this run's.
        self.expected = expected_modules()
        self.collected: set[str] = set()
        self.finished: set[str] = set()
        self.failed: set[str] = set()
        self.outcome: list[str] = []

    # -- every process -----------------------------------------------------------------------

    def pytest_deselected(self, items: Sequence[pytest.Item]) -> None:
        if any(_is_handler_test(item.nodeid) for item in items):
            (self.run_dir / f"partial-{self.worker}").write_text("deselected handler tests")

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_protocol(self, item: pytest.Item) -> Generator[None, object, object]:
        recorder.current_test = item.nodeid
        try:
            return (yield)
        finally:
            recorder.current_test = "?"

    @pytest.hookimpl(wrapper=True)
    def pytest_fixture_setup(
        self, fixturedef: pytest.FixtureDef[Any]
    ) -> Generator[None, object, object]:
        result = yield
        # Reuse the app tests/infra synthesized (its session fixture `stacks`) when it ran here.
        if fixturedef.argname == "stacks" and fixturedef.func.__module__ == "tests.infra.conftest":
            grants = _dump_grants(grants_by_handler(result))  # type: ignore[arg-type]
            (self.run_dir / f"grants-{self.worker}.json").write_text(json.dumps(grants))
        return result

    @pytest.hookimpl(tryfirst=True)
    def pytest_sessionfinish(self, session: pytest.Session) -> None:
        records = [[h, a.action, a.resource, t] for (h, a), t in recorder.RECORDS.items()]
        (self.run_dir / f"records-{self.worker}.json").write_text(json.dumps(records))
        if self.is_controller:
            self._compare(session)

    # -- the controller ----------------------------------------------------------------------

    def pytest_collection_finish(self, session: pytest.Session) -> None:
        self.collected.update(i.nodeid for i in session.items if _is_handler_test(i.nodeid))

    @pytest.hookimpl(optionalhook=True)
    def pytest_configure_node(self, node: Any) -> None:
        node.workerinput[_WORKERINPUT_KEY] = str(self.run_dir)

    @pytest.hookimpl(optionalhook=True)
    def pytest_xdist_node_collection_finished(self, node: Any, ids: Sequence[str]) -> None:
        self.collected.update(i for i in ids if _is_handler_test(i))

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        if not _is_handler_test(report.nodeid):
            return
        if report.failed:
            self.failed.add(report.nodeid)
        if report.when == "teardown":
            self.finished.add(report.nodeid)

    def _skip_reason(self) -> str | None:
        missing = sorted(
            m for m in self.expected if not any(i.startswith(m) for i in self.collected)
        )
        if missing:
            return f"not every handler test module ran ({len(missing)} missing: {missing[0]} ...)"
        if any(self.run_dir.glob("partial-*")):
            return "some handler tests were deselected"
        if self.collected - self.finished:
            return f"{len(self.collected - self.finished)} handler tests did not run to the end"
        return None

    def _grants(self) -> dict[str, set[Access]]:
        files = sorted(self.run_dir.glob("grants-*.json"))
        if files:
            raw: dict[str, list[list[str]]] = json.loads(files[0].read_text())
            return {h: {Access(a, r) for a, r in g} for h, g in raw.items()}
        # No worker synthesized the app (tests/infra not in this run): synthesize it here.
        from tests.infra.conftest import synth

        return grants_by_handler(synth(self.run_dir / "cdk.out"))

    def _used(self) -> dict[str, dict[Access, str]]:
        used: dict[str, dict[Access, str]] = {}
        for path in sorted(self.run_dir.glob("records-*.json")):
            for handler, action, resource, test in json.loads(path.read_text()):
                used.setdefault(handler, {}).setdefault(Access(action, resource), test)
        return used

    def _compare(self, session: pytest.Session) -> None:
        if not self.collected:
            return
        reason = self._skip_reason()
        if reason is not None:
            self.outcome = [f"skipped: {reason}"]
            return
        findings: list[Finding] = compare(self._grants(), self._used(), UNEXERCISED)
        # A failing test may have stopped before some calls: say so, as an over-grant may be
        # one of those, but still compare (the run fails anyway, and a missing grant is real).
        self.outcome = []
        if self.failed:
            self.outcome.append(
                f"note: {len(self.failed)} handler tests failed; a call they did not reach"
                f" shows as an over-grant (first: {min(self.failed)})"
            )
        if not findings:
            self.outcome.append("every Dev function's role grants exactly what its handler calls")
            return
        self.outcome += [
            f"FAILED: {len(findings)} differences between the Dev roles and the handler tests'"
            " recorded calls (grant exactly what is called, or declare an unexercised path in"
            " tests/iam/unexercised.py):",
            *(f"  {finding}" for finding in sorted(findings)),
        ]
        session.exitstatus = pytest.ExitCode.TESTS_FAILED

    def pytest_terminal_summary(self, terminalreporter: Any) -> None:
        if self.outcome:
            terminalreporter.write_sep("=", "IAM least privilege (tests/iam)")
            for line in self.outcome:
                terminalreporter.write_line(line)

    def pytest_unconfigure(self) -> None:
        # IAM_KEEP_RUN_DIR=1 keeps the records and grants for a look after the run.
        if self.is_controller and not os.environ.get("IAM_KEEP_RUN_DIR"):
            shutil.rmtree(self.run_dir, ignore_errors=True)
