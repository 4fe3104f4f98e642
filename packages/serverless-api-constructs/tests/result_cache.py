"""A content-keyed cache of the suite's slow steps: installing the package from its path,
running a CDK app in a new process, and mypy over the examples.

Each step is a function of its inputs only, so its result is stored under a key hashed from
all of them, and reused while the key is the same:

- the relative path and bytes of every input file (the package's ``pyproject.toml``,
  ``README.md`` and ``src/``; the app's directory; the modules mypy checks), so editing,
  adding, renaming or removing any of them changes the key;
- the step's own arguments (the ``-c`` context of a synth, the command line);
- the environment that runs it: the Python version, every installed distribution with its
  version (aws-cdk-lib, jsii, mypy, pip ...), the ``node`` on ``PATH`` and its version (jsii
  runs the CDK on it), and every ``CDK_*`` / ``JSII_*`` variable.

A result is stored only when the step ended as the test expects (a synth that was expected
to succeed and did, mypy without errors ...); anything else runs again on every test run, so
the cache never hides a failure, and a test's assertions always run on the stored result.
Entries live under ``packages/serverless-api-constructs/.cache/`` (ignored by git); deleting
that folder empties the cache.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import shutil
import subprocess
import sys
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cache
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Iterator

PACKAGE = Path(__file__).resolve().parents[1]
CACHE = PACKAGE / ".cache"
#: The package's own inputs: what ``pip install <path>`` builds from.
PACKAGE_INPUTS = (PACKAGE / "pyproject.toml", PACKAGE / "README.md", PACKAGE / "src")
_SKIPPED = {"__pycache__", ".mypy_cache", ".pytest_cache", ".ruff_cache", ".cache"}
#: Entries kept per kind; older ones (by last use) are removed when a new one is stored.
_KEEP = 12


def _files(root: Path) -> list[Path]:
    if root.is_file():
        return [root]
    return sorted(
        path
        for path in root.rglob("*")
        if path.is_file()
        and path.suffix != ".pyc"
        and _SKIPPED.isdisjoint(path.relative_to(root).parts)
        and not any(part.endswith(".egg-info") for part in path.relative_to(root).parts)
    )


@cache
def environment() -> str:
    """Python, the installed distributions, node and the CDK/jsii variables, as text."""
    installed = sorted(f"{d.metadata['Name']}=={d.version}" for d in metadata.distributions())
    node = shutil.which("node") or "no node"
    node_version = (
        subprocess.run([node, "--version"], capture_output=True, text=True).stdout.strip()
        if node != "no node"
        else ""
    )
    variables = sorted(
        f"{name}={value}"
        for name, value in os.environ.items()
        if name.startswith(("CDK_", "JSII_")) and name not in ("CDK_OUTDIR", "CDK_CONTEXT_JSON")
    )
    return "\n".join([sys.version, *installed, node, node_version, *variables])


def content_key(*, files: Iterable[Path], arguments: object = None) -> str:
    """The key of a step reading ``files`` (each a file or a folder) with ``arguments``."""
    digest = hashlib.sha256()
    for root in files:
        digest.update(f"{root.name}\0{root.exists()}\0".encode())
        for path in _files(root) if root.exists() else []:
            digest.update(path.relative_to(root).as_posix().encode() + b"\0")
            digest.update(hashlib.sha256(path.read_bytes()).digest())
    digest.update(json.dumps(arguments, sort_keys=True, default=str).encode())
    digest.update(environment().encode())
    return digest.hexdigest()


@contextmanager
def _locked(kind: str, key: str) -> Iterator[Path]:
    """``kind``'s folder, with ``key`` locked against the other pytest-xdist worker (which
    then finds the entry stored instead of running the step as well)."""
    folder = CACHE / kind
    folder.mkdir(parents=True, exist_ok=True)
    with (folder / f".{key}.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield folder
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def _store(folder: Path, key: str, fill: Callable[[Path], None]) -> Path:
    """Fill a temporary folder and move it into place as ``key``'s entry (all or nothing)."""
    partial = folder / f".{key}.partial"
    shutil.rmtree(partial, ignore_errors=True)
    partial.mkdir()
    fill(partial)
    entry = folder / key
    partial.rename(entry)
    # Processes store and evict side by side: an entry listed here may be gone before it is
    # looked at again.
    dated = []
    for path in folder.iterdir():
        if path.name.startswith("."):
            continue
        try:
            if path.is_dir():
                dated.append((path.stat().st_mtime, path))
        except FileNotFoundError:
            continue
    for _, stale in sorted(dated, reverse=True)[_KEEP:]:
        shutil.rmtree(stale, ignore_errors=True)
        (folder / f".{stale.name}.lock").unlink(missing_ok=True)
    return entry


def installed_package() -> Path:
    """A folder holding the package installed from its path (``pip install --no-deps --target``,
    as another team would install it), keyed by the package's files and the environment."""
    key = content_key(files=PACKAGE_INPUTS)
    with _locked("site", key) as folder:
        entry = folder / key
        if not entry.is_dir():

            def install(target: Path) -> None:
                subprocess.run(
                    [
                        *(sys.executable, "-m", "pip", "install", "--quiet", "--no-deps"),
                        *("--disable-pip-version-check", "--target", str(target), str(PACKAGE)),
                    ],
                    check=True,
                    capture_output=True,
                )

            entry = _store(folder, key, install)
        entry.touch()  # last use, for pruning
        return entry


@dataclass(frozen=True)
class Run:
    """How a process ended: its exit code, output and error output."""

    returncode: int
    stdout: str
    stderr: str


def cached_run(
    kind: str,
    key: str,
    run: Callable[[Path], Run],
    *,
    out: Path,
    expect_success: bool = True,
) -> Run:
    """``run(out)``'s result, with the files it wrote into ``out``: stored only when it ended
    as expected (exit code 0; or not 0 with ``expect_success=False``), and then restored into
    ``out`` instead of running again. An unexpected end is returned as is and not stored."""
    with _locked(kind, key) as folder:
        entry = folder / key
        if entry.is_dir():
            entry.touch()
            if (entry / "out").is_dir():
                shutil.copytree(entry / "out", out, dirs_exist_ok=True)
            return Run(**json.loads((entry / "result.json").read_text()))
        result = run(out)
        if (result.returncode == 0) == expect_success:

            def fill(partial: Path) -> None:
                if out.is_dir():
                    shutil.copytree(out, partial / "out")
                (partial / "result.json").write_text(json.dumps(result.__dict__))

            _store(folder, key, fill)
        return result
