"""What a fresh interpreter reports about the Lambda code (the modules a handler's import
loads, with tracing on or off), kept on disk under a key of everything the report depends on.

The import-graph and tracing tests each start a clean interpreter per handler (the test
process has loaded every module already), about half a second of CPU each. The report is a
function of the probe script and its arguments, the environment it is given, and the code it
imports: the Lambda code and pydynamodel's source (:data:`PROBE_INPUTS`), the Python version
and every installed distribution (Powertools, the X-Ray SDK, boto3). So it is stored in the
synth cache's folder (tests/infra/synth_cache.py) under a hash of all of them,
only when the interpreter exited 0, and any change of one runs the interpreter again; the
tests still assert on a report of a clean interpreter. ``SYNTH_CACHE=0`` turns it off.
"""

from __future__ import annotations

import subprocess
from typing import TYPE_CHECKING, Any

from tests.infra.synth_cache import CACHE_DIR, ROOT, cached_synth

#: What a probe's interpreter can import from the repository: the asset's code and the
#: modeling library (on the probes' path, and installed from source in the virtualenv).
PROBE_INPUTS = ("lambda", "packages/pydynamodel/src", "tests/probe_cache.py")

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence
    from pathlib import Path


def probe_output(
    argv: Sequence[str], env: Mapping[str, str], cwd: Path, *, cache_dir: Path = CACHE_DIR
) -> str:
    """The standard output of ``argv`` run in ``cwd`` with exactly ``env`` (no variable of
    this process is passed on, so the whole of ``env`` is in the key); an assertion error
    with its standard error when it fails."""

    def run() -> dict[str, Any]:
        result = subprocess.run(
            list(argv), env=dict(env), cwd=cwd, capture_output=True, text=True, check=False
        )
        assert result.returncode == 0, result.stderr[-3000:]
        return {"stdout": result.stdout}

    where = cwd.relative_to(ROOT).as_posix() if cwd.is_relative_to(ROOT) else str(cwd)
    key = {"probe:argv": list(argv), "probe:env": dict(sorted(env.items())), "probe:cwd": where}
    return str(cached_synth(key, run, cache_dir, paths=PROBE_INPUTS)["stdout"])
