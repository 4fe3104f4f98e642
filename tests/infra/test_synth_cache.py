"""The on-disk synth cache (tests/infra/synth_cache.py): any input change misses it, and a
failed synth is never stored."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any

import pytest

from tests.infra import synth_cache
from tests.infra.synth_cache import cache_key, cached_synth, run_inputs

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


def test_a_result_its_check_refuses_is_returned_but_never_stored(tmp_path: Path) -> None:
    # Given a run whose outcome is not what its test expects (a CLI run that failed, say)
    calls: list[int] = []

    def run() -> dict[str, Any]:
        calls.append(1)
        return {"returncode": 1}

    def passed(outcome: dict[str, Any]) -> bool:
        return bool(outcome["returncode"] == 0)

    # When it is asked for twice with a check of what may be stored
    first = cached_synth({"probe": 5}, run, tmp_path, store_if=passed)
    second = cached_synth({"probe": 5}, run, tmp_path, store_if=passed)
    # Then the test gets the outcome each time, and each time from a run of its own
    assert first == second == {"returncode": 1}
    assert len(calls) == 2
    assert list(tmp_path.glob("*.json")) == []


def test_a_runs_key_changes_with_its_files_and_the_variables_the_run_reads(
    tmp_path: Path,
) -> None:
    # Given a run's own files (its test, a fixture app) and its environment
    root = _checkout(tmp_path)
    fixture = root / "fixture_app.py"
    fixture.write_text("APP = 1\n")
    environ = {"PATH": "/bin", "APP_SYNTH_PARTS": "2", "CDK_OUTDIR": "/tmp/x", "TERM": "xterm"}

    def key(env: dict[str, str]) -> str:
        return cache_key(run_inputs(env, [fixture], root=root, ignore={"CDK_OUTDIR"}), root)

    before = key(environ)
    # When a variable the run does not read changes, or one its test sets per run
    # Then the key stays
    assert key({**environ, "TERM": "dumb", "PYTEST_CURRENT_TEST": "x"}) == before
    assert key({**environ, "CDK_OUTDIR": "/tmp/y"}) == before
    # When the fixture, PATH, the app's, the CLI's, jsii's, Node's or AWS's variables change
    # Then the key changes each time
    keys = {before}
    for changed in (
        {"PATH": "/usr/bin"},
        {"APP_KERNEL_HOST": "off"},
        {"CDK_DEFAULT_REGION": "eu-west-1"},
        {"JSII_RUNTIME": "x"},
        {"NODE_OPTIONS": "--jitless"},
        {"AWS_REGION": "us-east-1"},
        {"PYTHONHASHSEED": "0"},
    ):
        keys.add(key({**environ, **changed}))
    fixture.write_text("APP = 2\n")
    keys.add(key(environ))
    assert len(keys) == 9


def test_an_entry_another_process_evicts_meanwhile_does_not_fail_the_eviction(
    tmp_path: Path,
) -> None:
    # Given a full cache, and an entry that is gone by the time it is looked at (another
    # process evicted it between the listing and the stat: here a dangling link)
    for i in range(synth_cache.KEEP + 2):
        entry = tmp_path / f"old{i:03}.json"
        entry.write_text("{}")
        os.utime(entry, (i, i))
    (tmp_path / "gone.json").symlink_to(tmp_path / "deleted-meanwhile.json")
    # When a synth stores its result and evicts
    cached_synth({"run": "new"}, lambda: {"templates": {}}, tmp_path, paths=())
    # Then it succeeded and kept the newest entries, its own included
    kept = sorted(p.name for p in tmp_path.glob("*.json") if p.exists())
    assert len(kept) == synth_cache.KEEP
    assert "old000.json" not in kept
    assert "old001.json" not in kept
