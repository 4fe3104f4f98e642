"""Print a content hash of files and folders: the key of a cached `make test` step.

``python .ci/content_key.py [--env] PATH...`` hashes the relative path and the bytes of every
file under each PATH (bytecode and tool caches excepted), so renaming, adding, removing or
editing any file changes the key, and touching one without changing it does not. ``--env``
adds the Python version and every installed distribution with its version (a cdk-lib,
cdk-nag or cfn-lint upgrade changes the key). A missing PATH is part of the key too.

The Makefile stores a step's key only after the step passed and reruns the step whenever the
key differs, so a cache never hides a failure.
"""

from __future__ import annotations

import hashlib
import sys
from importlib import metadata
from pathlib import Path

_SKIPPED_DIRS = {"__pycache__", ".mypy_cache", ".pytest_cache", ".ruff_cache"}


def files_under(path: Path) -> list[Path]:
    """``path`` itself, or every file below it in a stable order."""
    if path.is_file():
        return [path]
    return sorted(
        p
        for p in path.rglob("*")
        if p.is_file() and p.suffix != ".pyc" and _SKIPPED_DIRS.isdisjoint(p.parts)
    )


def environment() -> str:
    installed = sorted(f"{d.metadata['Name']}=={d.version}" for d in metadata.distributions())
    return "\n".join([sys.version, *installed])


def content_key(paths: list[str], *, with_environment: bool = False) -> str:
    digest = hashlib.sha256()
    for name in paths:
        root = Path(name)
        digest.update(f"{name}\0{'exists' if root.exists() else 'missing'}\0".encode())
        for path in files_under(root) if root.exists() else []:
            digest.update(path.as_posix().encode() + b"\0")
            digest.update(hashlib.sha256(path.read_bytes()).digest())
    if with_environment:
        digest.update(environment().encode())
    return digest.hexdigest()


def main(argv: list[str]) -> int:
    with_environment = "--env" in argv
    paths = [a for a in argv if a != "--env"]
    if not paths:
        print("usage: content_key.py [--env] PATH...", file=sys.stderr)
        return 2
    print(content_key(paths, with_environment=with_environment))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
