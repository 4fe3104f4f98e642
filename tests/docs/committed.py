"""Generated files kept in the repository: a test regenerates one and fails, naming the command
that refreshes it, when the committed copy differs."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from pathlib import Path


def assert_committed(path: Path, fresh: str, stale: str) -> None:
    """Fail with ``stale`` and the first differing line unless ``path`` holds ``fresh``."""
    committed = path.read_text() if path.exists() else ""
    if fresh == committed:
        return
    changed = next(
        (
            f"first difference at line {n}: committed {old!r}, now {new!r}"
            for n, (old, new) in enumerate(
                zip(committed.splitlines(), fresh.splitlines(), strict=False), 1
            )
            if old != new
        ),
        "one is a prefix of the other",
    )
    pytest.fail(f"{stale} ({changed})")
