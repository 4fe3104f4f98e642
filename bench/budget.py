"""The one protocol every benchmark reports a budgeted figure through.

A benchmark calls :func:`report` once per figure it holds against a budget::

    from budget import report          # bench/ is the script's own directory
    report("synth ratio", 1.12, 1.15, "x")
    report("dynamodel flat serialize vs PynamoDB", 9.1, 8.0, "x", better="higher")

Each call prints one human-readable line and, when ``BENCH_RESULTS`` names a file (``make
bench`` sets it), appends the figure to it as one JSON line, so ``bench/run_all.py`` can print
every budget of the run in one table and fail when any is missed, whichever script measured it.
Appending whole lines keeps the file readable even if a script dies half-way.
"""

from __future__ import annotations

import json
import math
import os
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Literal

RESULTS_VARIABLE = "BENCH_RESULTS"
Better = Literal["lower", "higher"]


@dataclass(frozen=True)
class Result:
    """One budgeted figure: ``figure`` (in ``unit``) against ``budget``."""

    name: str
    figure: float
    budget: float
    unit: str
    better: Better
    source: str = ""

    @property
    def met(self) -> bool:
        """A figure that is not a number (a failed measurement) never meets its budget."""
        if math.isnan(self.figure):
            return False
        if self.better == "lower":
            return self.figure <= self.budget
        return self.figure >= self.budget

    def line(self) -> str:
        relation = "<=" if self.better == "lower" else ">="
        verdict = "ok" if self.met else "MISSED"
        return (
            f"{self.name}: {self.figure:.3g} {self.unit} "
            f"(budget {relation} {self.budget:.3g} {self.unit}) {verdict}"
        )

    def to_json(self) -> str:
        return json.dumps(asdict(self), sort_keys=True)

    @classmethod
    def from_json(cls, line: str) -> Result:
        """Parse one line of a results file; a malformed line is a clear ``ValueError``."""
        try:
            raw = json.loads(line)
            better = raw["better"]
            if better not in ("lower", "higher"):
                raise ValueError(f"better must be 'lower' or 'higher', got {better!r}")
            return cls(
                name=str(raw["name"]),
                figure=float(raw["figure"]),
                budget=float(raw["budget"]),
                unit=str(raw["unit"]),
                better=better,
                source=str(raw.get("source", "")),
            )
        except (KeyError, TypeError, json.JSONDecodeError) as exc:
            raise ValueError(f"not a benchmark result line: {line!r} ({exc})") from None


def report(name: str, figure: float, budget: float, unit: str, better: Better = "lower") -> bool:
    """Print ``figure`` against ``budget`` and record it for ``make bench``'s summary.

    Returns whether the budget is met, so a script can still compute its own exit status."""
    if better not in ("lower", "higher"):
        raise ValueError(f"better must be 'lower' or 'higher', got {better!r}")
    source = Path(os.environ.get("BENCH_SOURCE", "") or _caller_script()).name
    result = Result(name, float(figure), float(budget), unit, better, source)
    print(result.line(), flush=True)
    target = os.environ.get(RESULTS_VARIABLE)
    if target:
        with Path(target).open("a", encoding="utf-8") as handle:
            handle.write(result.to_json() + "\n")
    return result.met


def read_results(path: Path) -> list[Result]:
    """Every result recorded in ``path`` (none when the file does not exist)."""
    if not path.exists():
        return []
    lines = path.read_text(encoding="utf-8").splitlines()
    return [Result.from_json(line) for line in lines if line.strip()]


def _caller_script() -> str:
    import sys

    return sys.argv[0] if sys.argv and sys.argv[0] else ""
