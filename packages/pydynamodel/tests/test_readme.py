"""The README works as written for a new user: ``pip install`` the package into a fresh virtual
environment, start moto's server, run the README's Python code.

How the package gets into the fresh environment (the test reports which way it went):

- ``index`` (the default whenever the package index answers): ``python -m venv`` without
  system site-packages, then ``pip install <a copy of packages/pydynamodel>``, exactly the
  README's install line. pip builds the wheel in an isolated build environment and resolves
  boto3/botocore (and setuptools for the build) from the configured package index, as it does
  for a user; nothing of this repository's own environment leaks in.
- ``offline`` (only when the index cannot be reached, or when
  ``PYDYNAMODEL_README_INSTALL=offline``): the same fresh venv, but nothing can be downloaded,
  so the package is not built: a ``.pth`` file puts a copy of ``src/`` and the installed
  boto3 dependency closure of the outer environment (boto3, botocore and what they require;
  no moto, no pytest) on the venv's path. This still proves the README code runs with only
  pydynamodel and boto3 importable; it does not prove the packaging, which the index mode
  does. ``PYDYNAMODEL_README_INSTALL=index`` forbids the fallback (for CI with an index).

An ``index`` install is kept in ``.cache/pydynamodel-venv/<key>`` and reused by later runs
with the same key: the hash of every file copied into the venv's build (the package without its
tests), the Python version, and the UTC date (pip resolves boto3/botocore from the index, which
publishes new releases almost daily, so a day's runs share one resolution and the next day's
first run installs afresh). An install that failed, or fell back to ``offline``, is never
kept. ``PYDYNAMODEL_README_FRESH=1`` always installs into a new venv.

The README's ```python blocks run in order as one script, with a scrubbed environment (no AWS
credentials or region from the caller, HOME in a temporary directory): whatever the code
needs, it must say itself. Only ``DYNAMODB_ENDPOINT_URL`` is set, to the moto server on a
free loopback port, as the README documents.
"""

from __future__ import annotations

import datetime
import fcntl
import hashlib
import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from importlib.metadata import distribution
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from pydynamodel_testkit import PACKAGE, README, code_blocks

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence

TESTS_OF_THE_LIBRARY = PACKAGE.parents[1] / "tests" / "dynamodel"

# pip's messages when the index cannot be reached (and only then): anything else is a real
# packaging failure and fails the test.
_UNREACHABLE = (
    "NewConnectionError",
    "Temporary failure in name resolution",
    "Network is unreachable",
    "Could not fetch URL",
    "No matching distribution found for setuptools",
    "No matching distribution found for boto3",
    "No matching distribution found for botocore",
)


@dataclass(frozen=True)
class Venv:
    python: Path
    mode: str  # "index" or "offline"
    home: Path


def _run(
    args: Sequence[str | Path],
    *,
    cwd: Path | None = None,
    env: dict[str, str] | None = None,
    timeout: float | None = None,
) -> subprocess.CompletedProcess[str]:
    """Run a command, capturing its output; by default in this environment minus
    PYTHONPATH/PYTHONHOME, so nothing of this process's import path reaches the venv."""
    if env is None:
        env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME")}
    return subprocess.run(
        [str(a) for a in args],
        capture_output=True,
        text=True,
        check=False,
        cwd=cwd,
        env=env,
        timeout=timeout,
    )


def _requirement_names(dist_name: str) -> list[str]:
    """Names of what ``dist_name`` requires outside extras (environment markers kept: a
    requirement for another Python version only adds a package the venv may not need)."""
    names = []
    for req in distribution(dist_name).requires or []:
        if "extra ==" in req:
            continue
        match = re.match(r"[A-Za-z0-9._-]+", req)
        if match:
            names.append(match.group(0))
    return names


def _link_closure(root: str, target: Path) -> None:
    """Symlink the top-level modules of ``root`` and its requirements (recursively) from the
    outer environment into ``target``."""
    seen: set[str] = set()
    pending = [root]
    while pending:
        name = pending.pop()
        key = name.lower().replace("_", "-")
        if key in seen:
            continue
        seen.add(key)
        dist = distribution(name)
        for file in dist.files or ():
            top = file.parts[0]
            if top.endswith((".dist-info", ".egg-info")) or top in ("..", "__pycache__"):
                continue
            link = target / top
            if not link.exists():
                link.symlink_to(Path(str(dist.locate_file(top))))
        pending += _requirement_names(name)


VENV_CACHE = PACKAGE.parents[1] / ".cache" / "pydynamodel-venv"
_COPY_IGNORE = shutil.ignore_patterns("build", "*.egg-info", "__pycache__", "tests", ".*")


def venv_key(package: Path = PACKAGE, today: datetime.date | None = None) -> str:
    """The cache key of an index install (see the module docstring)."""
    digest = hashlib.sha256()
    skipped = ("build", "tests", "__pycache__")
    for path in sorted(package.rglob("*")):
        parts = path.relative_to(package).parts
        if not path.is_file() or any(p in skipped or p.startswith(".") for p in parts):
            continue
        if any(p.endswith(".egg-info") for p in parts):
            continue
        digest.update("/".join(parts).encode() + b"\0" + hashlib.sha256(path.read_bytes()).digest())
    day = today or datetime.datetime.now(datetime.UTC).date()
    digest.update(f"{sys.version}\0{day.isoformat()}".encode())
    return digest.hexdigest()[:32]


def evict_stale_venvs(cache: Path, keep: int = 3) -> None:
    """Remove all but the ``keep`` most recently installed venvs of ``cache``. Test processes
    evict side by side: a venv listed here may be gone before its marker is looked at."""
    dated = []
    for marker in cache.glob("*/installed"):
        try:
            dated.append((marker.stat().st_mtime, marker))
        except FileNotFoundError:
            continue
    for _, stale in sorted(dated, reverse=True)[keep:]:
        shutil.rmtree(stale.parent, ignore_errors=True)


def _cached_venv(scratch: Path) -> Venv:
    """This key's index install from the cache, made (under a lock) when missing; HOME is a
    new directory under ``scratch`` either way."""
    if os.environ.get("PYDYNAMODEL_README_FRESH") == "1":
        return _fresh_venv(scratch)
    VENV_CACHE.mkdir(parents=True, exist_ok=True)
    key = venv_key()
    root = VENV_CACHE / key
    python = root / "venv" / "bin" / "python"
    with (VENV_CACHE / f"{key}.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not ((root / "installed").is_file() and python.exists()):
            shutil.rmtree(root, ignore_errors=True)
            venv = _fresh_venv(root)
            if venv.mode != "index":
                return venv  # not kept: the next run tries the index again
            (root / "installed").write_text(key)
    evict_stale_venvs(VENV_CACHE)
    home = scratch / "home"
    home.mkdir(parents=True)
    return Venv(python, "index", home)


def _fresh_venv(root: Path) -> Venv:
    """A fresh virtual environment under ``root`` with pydynamodel in it (see the module
    docstring)."""
    root.mkdir(parents=True)
    source = root / "pydynamodel"
    # A copy: the build writes build/ and *.egg-info next to the sources, which must not
    # happen in the working tree (other work may be going on there).
    shutil.copytree(PACKAGE, source, ignore=_COPY_IGNORE)
    home = root / "home"
    home.mkdir()
    created = _run([sys.executable, "-m", "venv", root / "venv"])
    assert created.returncode == 0, created.stderr
    python = root / "venv" / "bin" / "python"

    mode = os.environ.get("PYDYNAMODEL_README_INSTALL", "auto")
    if mode != "offline":
        installed = _run([python, "-m", "pip", "install", "--disable-pip-version-check", source])
        output = installed.stdout + installed.stderr
        if installed.returncode == 0:
            return Venv(python, "index", home)
        if mode == "index" or not any(marker in output for marker in _UNREACHABLE):
            pytest.fail(f"pip install {source} failed:\n{output}")

    deps = root / "deps"
    deps.mkdir()
    _link_closure("boto3", deps)
    purelib = _run([python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"])
    site = Path(purelib.stdout.strip())
    (site / "pydynamodel-offline.pth").write_text(f"{source / 'src'}\n{deps}\n")
    return Venv(python, "offline", home)


def test_pip_install_in_a_fresh_venv_then_the_readme_runs_as_written_against_moto(
    moto_endpoint: str, tmp_path: Path, record_property: Callable[[str, object], None]
) -> None:
    # Given a fresh venv with pydynamodel installed as the README says (this key's, cached)
    venv = _cached_venv(tmp_path / "install")
    record_property("install_mode", venv.mode)
    work = tmp_path / "work"
    work.mkdir()

    if venv.mode == "index":
        # When it imports pydynamodel from outside any checkout
        probe = (
            "import importlib.metadata as m, pathlib, pydynamodel\n"
            "print(pathlib.Path(pydynamodel.__file__).parent)\n"
            "print(sorted(r for r in m.requires('pydynamodel') if 'extra ==' not in r))\n"
        )
        result = _run([venv.python, "-c", probe], cwd=work)
        assert result.returncode == 0, result.stderr
        location, requires = result.stdout.splitlines()
        # Then the import comes from its site-packages, typed (py.typed), needing boto3 only
        assert "site-packages" in location
        assert not location.startswith(str(PACKAGE))
        assert (Path(location) / "py.typed").is_file()
        assert requires == "['boto3>=1.34', 'botocore>=1.34']"

    # When the README's python blocks run in order, as one script, in that venv, from an
    # empty directory, with nothing in the environment but the endpoint
    blocks = code_blocks(README)
    assert blocks, "the README has no ```python blocks"
    script = work / "readme.py"
    script.write_text("\n\n".join(b.text for b in blocks))
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(venv.home),
        "DYNAMODB_ENDPOINT_URL": moto_endpoint,
        "AWS_EC2_METADATA_DISABLED": "true",  # no instance-metadata probe for credentials
    }
    result = _run([venv.python, script], cwd=work, env=env, timeout=300)

    # Then it finishes without an error (its asserts are the README's claims)
    assert result.returncode == 0, (
        f"README code failed ({venv.mode} install):\n{result.stdout}\n{result.stderr}"
    )


def _table_rows(markdown: str) -> list[list[str]]:
    """The body rows of the README's feature table, split into cells."""
    section = markdown.split("## Feature table", 1)[1].split("\n## ", 1)[0]
    rows = [line for line in section.splitlines() if line.startswith("| ")]
    return [re.split(r"(?<!\\)\|", row.strip().strip("|")) for row in rows[1:]]


def test_every_feature_row_names_a_test_that_exists_in_the_library_suite() -> None:
    # Given the feature table of the README
    rows = _table_rows(README.read_text(encoding="utf-8"))
    assert len(rows) >= 15

    for cells in rows:
        # When the last cell names test files and tests as `file.py::test_name`
        named = re.findall(r"`(test_\w+\.py)::(test_\w+)`", cells[-1])
        assert named, f"row {cells[0].strip()!r} names no test"
        for file, test in named:
            # Then each is a test function of that file in tests/dynamodel
            source = (TESTS_OF_THE_LIBRARY / file).read_text(encoding="utf-8")
            assert re.search(rf"^def {test}\(", source, re.MULTILINE), f"{file}::{test}"


def test_every_link_of_the_readme_points_to_a_file_of_the_package() -> None:
    links = re.findall(r"\]\(((?:docs/)?[\w.-]+\.md)\)", README.read_text(encoding="utf-8"))
    assert len(links) >= 11
    missing = [link for link in links if not (PACKAGE / link).is_file()]
    assert missing == []


def test_the_install_cache_key_follows_what_pip_builds_and_the_day(tmp_path: Path) -> None:
    # Given a package and its key on one day
    package = tmp_path / "pydynamodel"
    (package / "src" / "pydynamodel").mkdir(parents=True)
    (package / "src" / "pydynamodel" / "table.py").write_text("A = 1\n")
    (package / "pyproject.toml").write_text("[project]\n")
    day = datetime.date(2026, 11, 28)
    key = venv_key(package, day)
    # When only its tests, bytecode or build outputs change, Then the key stays
    for ignored in ("tests/test_x.py", "src/pydynamodel/__pycache__/t.pyc", "build/lib/x.py"):
        (package / ignored).parent.mkdir(parents=True, exist_ok=True)
        (package / ignored).write_text("x")
    assert venv_key(package, day) == key
    # When a source file, the project file or the day changes, Then the key changes
    (package / "src" / "pydynamodel" / "table.py").write_text("A = 2\n")
    edited = venv_key(package, day)
    (package / "pyproject.toml").write_text("[project]\nname = 'x'\n")
    assert len({key, edited, venv_key(package, day), venv_key(package, day.replace(day=29))}) == 4


def test_a_venv_another_process_evicts_meanwhile_does_not_fail_the_eviction(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given five cached venvs, one of which another process removes between this process
    # listing it and reading its marker's modification time
    for i in range(5):
        marker = tmp_path / f"venv{i}" / "installed"
        marker.parent.mkdir()
        marker.write_text("key")
        os.utime(marker, (i + 1, i + 1))
    gone = tmp_path / "venv4" / "installed"
    real_stat = Path.stat
    seen: list[Path] = []

    def stat(self: Path, *args: Any, **kwargs: Any) -> os.stat_result:
        if self == gone:
            seen.append(self)
            if len(seen) > 1:  # found by the listing first, then gone
                raise FileNotFoundError(2, "No such file or directory", str(self))
        return real_stat(self, *args, **kwargs)

    monkeypatch.setattr(Path, "stat", stat)
    # When the cache is evicted down to three
    evict_stale_venvs(tmp_path, keep=3)
    monkeypatch.undo()
    # Then the three newest of the others are kept and the oldest is removed
    assert sorted(p.name for p in tmp_path.iterdir()) == ["venv1", "venv2", "venv3", "venv4"]
