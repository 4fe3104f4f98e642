"""The code asset ships bytecode for the functions' runtime, and that bytecode is what loads.

Proven with the runtime's own interpreter where this machine has it (the tests that need it
are skipped, saying so, where it does not): its import system must take the asset's modules
from the bytecode without reading their source.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from typing import TYPE_CHECKING

import pytest

from stacks import lambda_bytecode
from stacks.lambda_bytecode import (
    CACHE_TAG,
    INTERPRETER_VARIABLE,
    REQUIRED_VARIABLE,
    RUNTIME_NAME,
    BytecodeError,
    add_bytecode,
    find_interpreter,
)
from stacks.lambda_code import LAMBDA_RUNTIME, asset_dir

if TYPE_CHECKING:
    from pathlib import Path

INTERPRETER = find_interpreter()
needs_interpreter = pytest.mark.skipif(
    INTERPRETER is None, reason=f"no {RUNTIME_NAME} interpreter on this machine"
)


def sample_asset(folder: Path) -> Path:
    """Given a small asset: a package with a module importing another, and a constant set."""
    (folder / "pkg").mkdir(parents=True)
    (folder / "pkg" / "__init__.py").write_text('"""Package."""\n')
    (folder / "pkg" / "a.py").write_text("from pkg.b import VALUE\nNAMES = frozenset({'x', 'y'})\n")
    (folder / "pkg" / "b.py").write_text("VALUE = 42\n")
    return folder


def bytecode_of(folder: Path) -> dict[str, bytes]:
    return {
        p.relative_to(folder).as_posix(): p.read_bytes()
        for p in sorted(folder.rglob("__pycache__/*.pyc"))
    }


def test_the_functions_run_the_version_the_bytecode_is_compiled_for() -> None:
    assert LAMBDA_RUNTIME.name == RUNTIME_NAME
    assert "cpython-" + RUNTIME_NAME.removeprefix("python").replace(".", "") == CACHE_TAG


@needs_interpreter
def test_every_module_of_the_staged_asset_has_unchecked_hash_bytecode() -> None:
    # Given the asset folder as the synth stages it
    folder = asset_dir()
    sources = sorted(folder.rglob("*.py"))
    assert sources, "the staged asset has no Python source"

    # Then every source has bytecode of the runtime's tag beside it, and nothing else is
    # bytecode; each file's flags say hash-based and unchecked (PEP 552: flags 0b01)
    for source in sources:
        pyc = source.parent / "__pycache__" / f"{source.stem}.{CACHE_TAG}.pyc"
        assert pyc.is_file(), pyc
        assert int.from_bytes(pyc.read_bytes()[4:8], "little") == 0b01, pyc
    assert len(list(folder.rglob("*.pyc"))) == len(sources)


@needs_interpreter
def test_the_runtime_interpreter_loads_the_bytecode_without_reading_the_source(
    tmp_path: Path,
) -> None:
    # Given a copy of the staged asset whose sources are all replaced by a module that fails
    task = tmp_path / "task"
    shutil.copytree(asset_dir(), task)
    for source in task.rglob("*.py"):
        source.write_text("raise SystemExit('the source was read, not the bytecode')\n")

    # When the runtime's interpreter imports modules of the asset (ones that need no layer)
    assert INTERPRETER is not None
    done = subprocess.run(
        [INTERPRETER, "-S", "-B", "-c",
         "import contract.limits, contract.table; print(contract.limits.MAX_PAGE_SIZE)"],
        cwd=task, capture_output=True, text=True, check=False,
    )  # fmt: skip

    # Then they load and run from the bytecode
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().isdigit()


@needs_interpreter
def test_the_same_sources_give_the_same_bytes(tmp_path: Path) -> None:
    # Given the same asset staged twice, each compiled afresh (separate caches)
    first = sample_asset(tmp_path / "one")
    second = sample_asset(tmp_path / "two")

    # When bytecode is added to each
    assert add_bytecode(first, cache_dir=tmp_path / "cache-one")
    assert add_bytecode(second, cache_dir=tmp_path / "cache-two")

    # Then the bytes are equal (the asset hash moves only when the code does), and the paths
    # recorded are Lambda's task root, not the staging folder
    assert bytecode_of(first) == bytecode_of(second)
    assert set(bytecode_of(first)) == {
        f"pkg/__pycache__/{name}.{CACHE_TAG}.pyc" for name in ("__init__", "a", "b")
    }
    assert b"/var/task/pkg/a.py" in bytecode_of(first)[f"pkg/__pycache__/a.{CACHE_TAG}.pyc"]
    assert str(tmp_path).encode() not in b"".join(bytecode_of(first).values())


@needs_interpreter
def test_unchanged_sources_are_not_compiled_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given an asset compiled once into a cache
    cache = tmp_path / "cache"
    assert add_bytecode(sample_asset(tmp_path / "one"), cache_dir=cache)

    # When the same sources are staged again, with compiling made impossible
    def refuse(folder: Path, interpreter: str) -> None:
        raise AssertionError("compiled again")

    monkeypatch.setattr(lambda_bytecode, "_compile", refuse)
    again = sample_asset(tmp_path / "two")

    # Then the bytecode comes from the cache
    assert add_bytecode(again, cache_dir=cache)
    assert bytecode_of(again) == bytecode_of(tmp_path / "one")


def test_an_interpreter_of_another_version_is_refused_naming_the_variable(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Given LAMBDA_BUILD_PYTHON set to this test's interpreter, which is not the runtime's
    monkeypatch.setenv(INTERPRETER_VARIABLE, sys.executable)
    find_interpreter.cache_clear()
    try:
        if sys.version_info[:2] == lambda_bytecode.RUNTIME_VERSION:
            pytest.skip("this interpreter is the runtime's version")
        # Then finding the interpreter fails, naming the variable, its value and the runtime
        with pytest.raises(BytecodeError, match=rf"{INTERPRETER_VARIABLE}=.*{RUNTIME_NAME}"):
            find_interpreter()
    finally:
        find_interpreter.cache_clear()


def test_without_the_interpreter_the_asset_ships_source_only_and_says_so(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # Given a machine without the runtime's interpreter
    monkeypatch.setattr(lambda_bytecode, "find_interpreter", lambda: None)
    folder = sample_asset(tmp_path / "asset")

    # When bytecode is added
    added = add_bytecode(folder, cache_dir=tmp_path / "cache")

    # Then the asset is left as source, with a warning naming the runtime
    assert not added
    assert not list(folder.rglob("*.pyc"))
    assert f"no {RUNTIME_NAME} interpreter" in capsys.readouterr().err


def test_without_the_interpreter_a_required_build_fails(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given a machine without the runtime's interpreter, and bytecode required
    monkeypatch.setattr(lambda_bytecode, "find_interpreter", lambda: None)
    monkeypatch.setenv(REQUIRED_VARIABLE, "required")

    # Then adding bytecode fails, naming the setting
    with pytest.raises(BytecodeError, match=f"{REQUIRED_VARIABLE}=required"):
        add_bytecode(sample_asset(tmp_path / "asset"), cache_dir=tmp_path / "cache")
