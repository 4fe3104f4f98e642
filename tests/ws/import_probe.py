"""Import a Lambda handler module in a fresh interpreter and report what that import did.

Each handler gets one interpreter of its own, started once however many tests ask about it:
a handler's import must start from a clean ``sys.modules`` (handlers share modules, and this
process has loaded them all), while everything a test asks about a handler's cold start can be
read from the one import. The interpreter has the asset's import path, no bytecode writing and
a dummy Lambda environment. Its report is kept under a key of everything it depends on
(tests/probe_cache.py), so an unchanged checkout reads it instead of starting the interpreter.
"""

from __future__ import annotations

import json
import os
import sys
from dataclasses import dataclass
from pathlib import Path

from tests.probe_cache import probe_output

ROOT = Path(__file__).resolve().parents[2]
PYTHONPATH = os.pathsep.join(str(ROOT / p) for p in ("lambda", "packages/pydynamodel/src"))
DUMMY_ENV = {
    "AWS_REGION": "eu-west-1",
    "AWS_DEFAULT_REGION": "eu-west-1",
    "AWS_ACCESS_KEY_ID": "dummy",
    "AWS_SECRET_ACCESS_KEY": "dummy",
    "POWERTOOLS_SERVICE_NAME": "import-graph",
    "POWERTOOLS_METRICS_NAMESPACE": "ImportGraph",
    "TABLE_NAME": "rooms",
}

# The module list is taken right after the import, before anything else runs. For a handler
# whose validators are asked about, the request validators' cache is read next (how many
# validators the import built) and once more after the partner message's validator is used
# (whether that built it again).
_PROBE = """\
import json, sys
import {module}
report = {{"loaded": sorted(sys.modules)}}
if {validators}:
    from domain.validation import PARTNER_MESSAGE, validator
    built = validator.cache_info()
    PARTNER_MESSAGE.load()
    report["validator_builds"] = [built.currsize, built.misses, validator.cache_info().misses]
print(json.dumps(report))
"""


@dataclass(frozen=True)
class ImportReport:
    """What importing one handler module in a fresh interpreter did."""

    loaded: frozenset[str]
    """Every module in ``sys.modules`` right after the import."""
    validator_builds: tuple[int, int, int] | None
    """Validators cached and built at import, and built after the partner message's validator
    was used; None when not asked for."""


class ImportProbe:
    """One fresh interpreter per handler module, run on first question and remembered.

    ``validators_of``: the handler modules whose request validators' cache is asked about
    (reading it imports ``domain.validation``, so only they pay that)."""

    def __init__(self, validators_of: frozenset[str] = frozenset()) -> None:
        self._validators_of = validators_of
        self._reports: dict[str, ImportReport] = {}

    def loaded(self, module: str) -> set[str]:
        """The modules loaded once ``import module`` returned."""
        return set(self.report(module).loaded)

    def validator_builds(self, module: str) -> tuple[int, int, int] | None:
        """Validators cached and built by ``import module``, and built after that."""
        assert module in self._validators_of, f"{module}: not in validators_of"
        return self.report(module).validator_builds

    def report(self, module: str) -> ImportReport:
        if module not in self._reports:
            self._reports[module] = _run(module, validators=module in self._validators_of)
        return self._reports[module]


def _run(module: str, *, validators: bool) -> ImportReport:
    env = {
        "PATH": os.environ.get("PATH", ""),
        "PYTHONPATH": PYTHONPATH,
        "PYTHONDONTWRITEBYTECODE": "1",
        **DUMMY_ENV,
    }
    output = probe_output(
        [sys.executable, "-c", _PROBE.format(module=module, validators=validators)], env, ROOT
    )
    answer = json.loads(output.strip().splitlines()[-1])
    builds = answer.get("validator_builds")
    return ImportReport(frozenset(answer["loaded"]), None if builds is None else tuple(builds))
