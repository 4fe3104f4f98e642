"""The suite's result cache keeps working when processes store and evict side by side."""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

import result_cache

if TYPE_CHECKING:
    import pytest


def test_an_entry_another_process_evicts_meanwhile_does_not_fail_a_store(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given a full cache folder, and one entry that another process removes between this
    # process listing it and reading its modification time
    for i in range(result_cache._KEEP + 2):
        entry = tmp_path / f"entry{i:02}"
        entry.mkdir()
        os.utime(entry, (i + 1, i + 1))
    gone = tmp_path / "entry05"
    real_stat = Path.stat
    seen: list[Path] = []

    def stat(self: Path, *args: Any, **kwargs: Any) -> os.stat_result:
        if self == gone:
            seen.append(self)
            if len(seen) > 1:  # listed (is_dir) first, then gone
                raise FileNotFoundError(2, "No such file or directory", str(self))
        return real_stat(self, *args, **kwargs)

    monkeypatch.setattr(Path, "stat", stat)

    # When a result is stored and the folder evicted
    def fill(folder: Path) -> None:
        (folder / "result").write_text("ok")

    stored = result_cache._store(tmp_path, "new", fill)
    monkeypatch.undo()
    # Then the store succeeded and the newest entries are kept, the new one among them
    assert (stored / "result").read_text() == "ok"
    kept = sorted(p.name for p in tmp_path.iterdir() if not p.name.startswith("."))
    assert "new" in kept
    assert "entry00" not in kept
    assert len(kept) <= result_cache._KEEP + 1
