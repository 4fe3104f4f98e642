"""The on-disk synth cache (tests/infra/synth_cache.py): any input change misses it, and a
failed synth is never stored."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest

from tests.infra.synth_cache import cache_key, cached_synth

if TYPE_CHECKING:
    from pathlib import Path


def _checkout(root: Path) -> Path:
    (root / "lambda" / "handlers").mkdir(parents=True)
    (root / "lambda" / "handlers" / "rooms.py").write_text("ROOMS = 1\n")
    (root / "stacks").mkdir()
    (root / "stacks" / "api.py").write_text("API = 1\n")
    (root / "cdk.json").write_text('{"context": {}}')
    return root


def test_every_input_edit_changes_the_key_and_bytecode_does_not(tmp_path: Path) -> None:
    # Given a checkout and its key
    root = _checkout(tmp_path)
    before = cache_key({"stages": {}}, root)
    # When only bytecode caches appear, Then the key stays
    (root / "lambda" / "handlers" / "__pycache__").mkdir()
    (root / "lambda" / "handlers" / "__pycache__" / "rooms.cpython-311.pyc").write_bytes(b"x")
    assert cache_key({"stages": {}}, root) == before
    # When a Lambda file, a stack, cdk.json or the context changes, Then the key changes
    keys = {before}
    (root / "lambda" / "handlers" / "rooms.py").write_text("ROOMS = 2\n")
    keys.add(cache_key({"stages": {}}, root))
    (root / "lambda" / "handlers" / "new.py").write_text("")
    keys.add(cache_key({"stages": {}}, root))
    (root / "stacks" / "api.py").write_text("API = 2\n")
    keys.add(cache_key({"stages": {}}, root))
    (root / "cdk.json").write_text('{"context": {"flag": true}}')
    keys.add(cache_key({"stages": {}}, root))
    keys.add(cache_key({"stages": {"dev": {}}}, root))
    assert len(keys) == 6


def test_a_file_renamed_with_the_same_content_changes_the_key(tmp_path: Path) -> None:
    root = _checkout(tmp_path)
    before = cache_key({}, root)
    (root / "lambda" / "handlers" / "rooms.py").rename(root / "lambda" / "handlers" / "r.py")
    assert cache_key({}, root) != before


def test_a_second_synth_of_the_same_inputs_is_read_back(tmp_path: Path) -> None:
    # Given a synth that counts its calls
    calls: list[int] = []

    def synthesize() -> dict[str, Any]:
        calls.append(1)
        return {"templates": {"Dev/Data": {"Resources": {}}}}

    # When the same context is synthesized twice, and another context once
    first = cached_synth({"probe": 1}, synthesize, tmp_path)
    second = cached_synth({"probe": 1}, synthesize, tmp_path)
    cached_synth({"probe": 2}, synthesize, tmp_path)
    # Then the second is read back, equal to the first, and the other context synthesizes
    assert first == second
    assert len(calls) == 2


def test_a_failed_synth_is_never_stored(tmp_path: Path) -> None:
    # Given a synth that fails (a cdk-nag finding, say)
    def failing() -> dict[str, Any]:
        raise RuntimeError("AwsSolutions-IAM5 finding")

    with pytest.raises(RuntimeError, match="IAM5"):
        cached_synth({"probe": 3}, failing, tmp_path)
    # Then the next synth of the same inputs runs again, and still fails
    with pytest.raises(RuntimeError, match="IAM5"):
        cached_synth({"probe": 3}, failing, tmp_path)
    assert list(tmp_path.glob("*.json")) == []


def test_the_cache_can_be_turned_off(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SYNTH_CACHE", "0")
    calls: list[int] = []

    def synthesize() -> dict[str, Any]:
        calls.append(1)
        return {}

    cached_synth({"probe": 4}, synthesize, tmp_path)
    cached_synth({"probe": 4}, synthesize, tmp_path)
    assert len(calls) == 2
