"""How deep the hypothesis fuzz suites search.

Each fuzz test states its example count at CI depth, the depth `make test` runs on every
change: ``@settings(max_examples=fuzz_examples(300), ...)``. ``make fuzz`` multiplies every
count by ``FUZZ_DEPTH`` (10 there) and explores fresh random inputs, so a deep search runs on
demand and before a release without making every `make test` pay for it.
"""

from __future__ import annotations

import os

DEPTH_VARIABLE = "FUZZ_DEPTH"


def fuzz_depth() -> float:
    """The multiplier from ``FUZZ_DEPTH`` (default 1); a clear error for a bad value."""
    raw = os.environ.get(DEPTH_VARIABLE, "").strip()
    if not raw:
        return 1.0
    try:
        depth = float(raw)
    except ValueError:
        raise ValueError(f"{DEPTH_VARIABLE} must be a positive number, got {raw!r}") from None
    if not depth > 0:
        raise ValueError(f"{DEPTH_VARIABLE} must be a positive number, got {raw!r}")
    return depth


def fuzz_examples(ci_examples: int) -> int:
    """``ci_examples`` scaled by the fuzz depth (at least one example)."""
    return max(1, round(ci_examples * fuzz_depth()))
