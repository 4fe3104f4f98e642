"""The functions' Python version, and the bytecode the code asset ships for it.

Lambda unpacks the asset into ``/var/task``, which is read-only: without bytecode in the
asset, Python compiles every module of it on every cold start (no ``__pycache__`` can be
written). So the asset carries ``__pycache__/*.cpython-3XX.pyc`` for every module, compiled
by the interpreter of the functions' own Python version: Python accepts only bytecode with
its own magic number and ignores the rest silently, so bytecode of any other version would be
dead weight. The files are *unchecked-hash* ``.pyc`` (PEP 552): a timestamp-validated one
would be rejected, since a deployment package does not keep source modification times.

Building them needs that interpreter on the build machine (``make synth``, CI): found as
``$LAMBDA_BUILD_PYTHON``, else ``python3.X`` on ``PATH``, else a pyenv install of that
version. Where none is found, the asset ships source only (the functions behave the same;
their cold start compiles the source) and the synth says so on stderr; with
``LAMBDA_BYTECODE=required`` it fails instead. The compiled files are cached in
``.cache/lambda-bytecode/`` under a key of the sources' paths and bytes, so a synth of
unchanged sources does not start the interpreter.

The output is reproducible: the same sources give the same bytes (``PYTHONHASHSEED=0``,
one process compiling the files in a sorted order, every path recorded as under
``/var/task``), so the asset hash, and the deployment, change only when the code does.

Standard library only: the cold-start benchmark reads the version and the interpreter from
here without starting the CDK.
"""

from __future__ import annotations

import glob
import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
from functools import cache
from pathlib import Path

#: The Python version every function runs on (``Runtime.PYTHON_3_13``) and the bytecode the
#: asset ships is compiled for. 3.13 rather than the newest runtime because its interpreter is
#: the newest the build machines have (docs/performance.md, "Cold start").
RUNTIME_VERSION = (3, 13)
#: The runtime's name as the templates spell it.
RUNTIME_NAME = f"python{RUNTIME_VERSION[0]}.{RUNTIME_VERSION[1]}"
#: The bytecode files' tag: ``module.cpython-313.pyc``.
CACHE_TAG = f"cpython-{RUNTIME_VERSION[0]}{RUNTIME_VERSION[1]}"
#: An interpreter of :data:`RUNTIME_VERSION` to compile with (overrides the search).
INTERPRETER_VARIABLE = "LAMBDA_BUILD_PYTHON"
#: ``required``: fail the synth when no interpreter is found, instead of shipping source only.
REQUIRED_VARIABLE = "LAMBDA_BYTECODE"
#: Where the asset's paths are recorded in the bytecode (Lambda's task root).
TASK_ROOT = "/var/task"

ROOT = Path(__file__).resolve().parents[1]
CACHE_DIR = ROOT / ".cache" / "lambda-bytecode"


class BytecodeError(RuntimeError):
    """The asset's bytecode could not be built as configured."""


def _version_of(candidate: str) -> tuple[int, int] | None:
    try:
        answer = subprocess.run(
            [candidate, "-c", "import sys; print(*sys.version_info[:2])"],
            capture_output=True, text=True, timeout=30, check=False,
        )  # fmt: skip
    except OSError:
        return None
    if answer.returncode:
        return None  # e.g. a pyenv shim of a version that is not selected
    major, minor = answer.stdout.split()
    return int(major), int(minor)


def _candidates() -> list[str]:
    name = RUNTIME_NAME
    found = [path for path in (shutil.which(name),) if path]
    pyenv = os.environ.get("PYENV_ROOT", str(Path.home() / ".pyenv"))
    pattern = f"{pyenv}/versions/{RUNTIME_VERSION[0]}.{RUNTIME_VERSION[1]}.*/bin/{name}"
    found += sorted(glob.glob(pattern), reverse=True)
    return found


@cache
def find_interpreter() -> str | None:
    """An interpreter of :data:`RUNTIME_VERSION`, or None when this machine has none.

    ``$LAMBDA_BUILD_PYTHON``, when set, must be one: a wrong one is an error naming it."""
    chosen = os.environ.get(INTERPRETER_VARIABLE)
    if chosen:
        version = _version_of(chosen)
        if version != RUNTIME_VERSION:
            got = "does not run" if version is None else f"is Python {version[0]}.{version[1]}"
            raise BytecodeError(
                f"{INTERPRETER_VARIABLE}={chosen!r} {got}; the functions run {RUNTIME_NAME}"
            )
        return chosen
    for candidate in _candidates():
        if _version_of(candidate) == RUNTIME_VERSION:
            return candidate
    return None


def sources_key(folder: Path) -> str:
    """The key of a folder's Python sources: every ``.py`` file's relative path and bytes."""
    digest = hashlib.sha256(f"{CACHE_TAG} unchecked-hash {TASK_ROOT}\n".encode())
    for path in sorted(folder.rglob("*.py")):
        relative = path.relative_to(folder).as_posix()
        digest.update(f"{relative}\0{path.stat().st_size}\0".encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


def _compile(folder: Path, interpreter: str) -> None:
    environment = {"PATH": os.environ.get("PATH", ""), "PYTHONHASHSEED": "0"}
    answer = subprocess.run(
        [
            interpreter, "-m", "compileall", "-q",
            "--invalidation-mode", "unchecked-hash",
            "-s", str(folder), "-p", TASK_ROOT,
            str(folder),
        ],
        env=environment, capture_output=True, text=True, check=False,
    )  # fmt: skip
    if answer.returncode:
        raise BytecodeError(
            f"{interpreter} could not compile the Lambda asset:\n{answer.stdout}{answer.stderr}"
        )


def _bytecode_files(folder: Path) -> list[Path]:
    return sorted(folder.rglob(f"__pycache__/*.{CACHE_TAG}.pyc"))


def add_bytecode(folder: Path, *, cache_dir: Path = CACHE_DIR) -> bool:
    """Put the bytecode of every module of ``folder`` (a staged asset, without any
    ``__pycache__``) beside it; False when no interpreter was found (source only, said on
    stderr; an error under ``LAMBDA_BYTECODE=required``)."""
    key = sources_key(folder)
    cached = cache_dir / key
    if not cached.is_dir():
        interpreter = find_interpreter()
        if interpreter is None:
            message = (
                f"no {RUNTIME_NAME} interpreter on this machine (${INTERPRETER_VARIABLE}, PATH, "
                f"pyenv): the Lambda asset ships source only and every cold start compiles it"
            )
            if os.environ.get(REQUIRED_VARIABLE) == "required":
                raise BytecodeError(f"{message}; {REQUIRED_VARIABLE}=required")
            print(f"warning: {message}", file=sys.stderr)
            return False
        cache_dir.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory(dir=cache_dir) as scratch:
            work = Path(scratch) / "asset"
            shutil.copytree(folder, work)
            _compile(work, interpreter)
            store = Path(scratch) / "store"
            for file in _bytecode_files(work):
                target = store / file.relative_to(work)
                target.parent.mkdir(parents=True, exist_ok=True)
                file.replace(target)
            try:
                store.rename(cached)  # atomic: parallel synths may race; one wins, same bytes
            except OSError:
                if not cached.is_dir():
                    raise
    for file in _bytecode_files(cached):
        target = folder / file.relative_to(cached)
        target.parent.mkdir(exist_ok=True)
        shutil.copyfile(file, target)
    return True
