"""Synthesized templates cached on disk, keyed by a hash of everything a synth reads.

Synthesizing the whole app costs seconds of jsii round trips, and every pytest-xdist worker and
a few property tests would each pay it. A synth's templates are a pure function of its inputs,
so they are stored under ``.cache/synth-tests/<key>.json`` and a later synth with the same key
reads them back instead. Other pure functions of the same inputs are kept the same way (the
synth with a probe file added to the asset, cdk-dia's description of the assembly): their
callers add what else they read to the key through ``context``. So are the outcomes of the
app and of a fixture app run through the CDK CLI (:func:`run_inputs` adds the files and
environment variables such a run reads); their checks pass ``store_if``, so that only an
outcome the test accepts is kept.

The key hashes, so that any change of an input misses the cache (a cache must never hide a
failure; a synth that fails is never stored):

- the content and path of every file under :data:`INPUT_PATHS` (the app, its stacks, the Lambda
  code the asset is built from, the repository's packages, the tests' stages and this synth
  code), bytecode caches excepted;
- the synth's context (stages, feature flags), serialized with sorted keys;
- the Python version and every installed distribution's name and version (aws-cdk-lib,
  constructs, cdk-nag, jsii ...), and package-lock.json (the Node packages jsii may load).

Concurrent workers wait for one another on a lock per key, so a cold run synthesizes each
distinct app once, not once per worker. ``SYNTH_CACHE=0`` turns the cache off.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import sys
from functools import cache
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Callable, Collection, Iterable, Mapping

ROOT = Path(__file__).resolve().parents[2]
CACHE_DIR = ROOT / ".cache" / "synth-tests"
#: Everything a synth reads, relative to the repository root (files or folders).
INPUT_PATHS = (
    "app.py",
    "cdk.json",
    "package-lock.json",
    "stacks",
    "lambda",
    "packages/serverless-api-constructs/src",
    "packages/pydynamodel/src",
    "tests/infra/conftest.py",
    "tests/infra/fixed_stages.py",
    "tests/infra/stages.json",
    "tests/infra/templates.py",
    "tests/infra/synth_cache.py",
)
_SKIPPED_DIRS = {"__pycache__", ".mypy_cache", ".pytest_cache"}
#: Entries kept on disk (older ones are removed when a new one is written): a state of the
#: inputs writes about thirty (the session synth, the changed-asset synth, test_synth_exit's
#: reference and CLI run, the probe synth, the diagram, the nag fixture's two CLI runs, and
#: about twenty small import reports of tests/probe_cache.py).
KEEP = 120

Templates = dict[str, Any]

#: The environment variables a run of the app through the CLI reads, by prefix: the app's own
#: switches (kernel host, parts, preimport), the CDK CLI's, jsii's, Node's, the Lambda bytecode
#: build's (and pyenv's, where it finds the runtime's interpreter), Python's, AWS's and the nag
#: fixture's. PATH picks node, cdk and that interpreter.
RUN_VARIABLE_PREFIXES = (
    "APP_",
    "AWS_",
    "CDK_",
    "JSII_",
    "LAMBDA_",
    "NAG_",
    "NODE_",
    "PYENV_",
    "PYTHON",
)
#: Files the CDK CLI reads besides the app: the context it keeps, the user's settings.
CLI_SETTINGS = (Path("cdk.context.json"), Path.home() / ".cdk.json")


def input_files(root: Path = ROOT, paths: Iterable[str] = INPUT_PATHS) -> list[Path]:
    """Every file a synth reads, in a stable order."""
    found: list[Path] = []
    for name in paths:
        path = root / name
        if path.is_file():
            found.append(path)
        elif path.is_dir():
            found += sorted(
                p
                for p in path.rglob("*")
                if p.is_file() and p.suffix != ".pyc" and _SKIPPED_DIRS.isdisjoint(p.parts)
            )
    return found


@cache
def environment_fingerprint() -> str:
    """The Python version and every installed distribution with its version (read once per
    process: nothing is installed while tests run)."""
    installed = sorted(
        f"{dist.metadata['Name']}=={dist.version}" for dist in metadata.distributions()
    )
    return "\n".join([sys.version, *installed])


def cache_key(
    context: dict[str, Any], root: Path = ROOT, paths: Iterable[str] = INPUT_PATHS
) -> str:
    """The hash of every input of a synth of ``context`` (see the module docstring); a
    result that reads less than a synth names its own ``paths``."""
    digest = hashlib.sha256()
    for path in input_files(root, paths):
        digest.update(path.relative_to(root).as_posix().encode() + b"\0")
        digest.update(hashlib.sha256(path.read_bytes()).digest())
    digest.update(json.dumps(context, sort_keys=True, default=str).encode() + b"\0")
    digest.update(environment_fingerprint().encode())
    return digest.hexdigest()


def run_inputs(
    environ: Mapping[str, str],
    files: Iterable[Path],
    *,
    root: Path = ROOT,
    ignore: Collection[str] = (),
) -> dict[str, Any]:
    """What a subprocess run of the app (or of a fixture app) reads beyond a synth's inputs,
    as a ``cached_synth`` context: the content of ``files`` and of the CLI's settings files
    (``None`` when absent), and the variables of ``environ`` named by
    :data:`RUN_VARIABLE_PREFIXES` or ``PATH``, without those in ``ignore`` (the ones a test
    sets to a fresh value per run, such as its output directory)."""
    read = [*files, *(root / path for path in CLI_SETTINGS)]
    return {
        "run:files": {
            str(path): hashlib.sha256(path.read_bytes()).hexdigest() if path.is_file() else None
            for path in read
        },
        "run:environment": {
            name: value
            for name, value in sorted(environ.items())
            if name not in ignore and (name == "PATH" or name.startswith(RUN_VARIABLE_PREFIXES))
        },
    }


def cached_synth(
    context: dict[str, Any],
    synthesize: Callable[[], Templates],
    cache_dir: Path = CACHE_DIR,
    *,
    store_if: Callable[[Templates], bool] | None = None,
    paths: Iterable[str] = INPUT_PATHS,
) -> Templates:
    """``synthesize()``'s result for ``context``, from the cache when its key is there.

    ``synthesize`` returns JSON-serializable data; it runs at most once per key at a time
    across processes. A result ``store_if`` refuses is returned but not stored: the next call
    runs again."""
    if os.environ.get("SYNTH_CACHE") == "0":
        return synthesize()
    paths = tuple(paths)
    key = cache_key(context, paths=paths)
    entry = cache_dir / f"{key}.json"
    cache_dir.mkdir(parents=True, exist_ok=True)
    with (cache_dir / f"{key}.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if entry.is_file():
            cached: Templates = json.loads(entry.read_text())
            os.utime(entry)  # most recently used: kept longest
            return cached
        result = synthesize()
        # An input edited while the synth ran: its result belongs to neither key.
        if cache_key(context, paths=paths) == key and (store_if is None or store_if(result)):
            partial = entry.with_suffix(f".{os.getpid()}.tmp")
            partial.write_text(json.dumps(result))
            partial.replace(entry)
    _evict(cache_dir)
    return result


def _evict(cache_dir: Path) -> None:
    # Processes evict side by side: an entry listed here may be gone before it is looked at.
    dated = []
    for path in cache_dir.glob("*.json"):
        try:
            dated.append((path.stat().st_mtime, path))
        except FileNotFoundError:
            continue
    entries = [path for _, path in sorted(dated, reverse=True)]
    for stale in entries[KEEP:]:
        stale.unlink(missing_ok=True)
        stale.with_suffix(".lock").unlink(missing_ok=True)
