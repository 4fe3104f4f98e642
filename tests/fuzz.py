"""How deep the hypothesis fuzz suites search.

Each fuzz test states its full example count: ``@settings(max_examples=fuzz_examples(300),
...)``. Two depths use it:

- the CI depth, what ``make test`` (and a plain ``pytest``) runs on every change: a quarter of
  the stated count, at least 25 examples (never more than stated). Every property still runs on
  every change; the example database (where a test keeps one) replays what failed before, and
  developers' runs explore fresh inputs each time while CI (``CI=true``) replays a fixed
  sequence (tests/conftest.py);
- ``make fuzz``, on demand and before a release: ``FUZZ_DEPTH`` times the stated count (10
  there; ``FUZZ_DEPTH=1`` runs exactly the stated counts), on fresh random inputs.
"""

from __future__ import annotations

import os

DEPTH_VARIABLE = "FUZZ_DEPTH"
#: The CI depth: the share of each stated count `make test` runs, and its floor.
CI_SHARE = 0.25
CI_MIN_EXAMPLES = 25


def fuzz_depth() -> float | None:
    """The multiplier from ``FUZZ_DEPTH`` (``None`` when unset: the CI depth); a clear error for
    a bad value."""
    raw = os.environ.get(DEPTH_VARIABLE, "").strip()
    if not raw:
        return None
    try:
        depth = float(raw)
    except ValueError:
        raise ValueError(f"{DEPTH_VARIABLE} must be a positive number, got {raw!r}") from None
    if not depth > 0:
        raise ValueError(f"{DEPTH_VARIABLE} must be a positive number, got {raw!r}")
    return depth


def fuzz_examples(stated: int) -> int:
    """The example count of a test that states ``stated``, at the depth of this run."""
    depth = fuzz_depth()
    if depth is None:
        return min(stated, max(CI_MIN_EXAMPLES, round(stated * CI_SHARE)))
    return max(1, round(stated * depth))
