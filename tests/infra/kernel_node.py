"""The pinned Node the jsii kernel runs on, for the tests of the kernel host's modules
(``stacks/kernel_*.js``)."""

from __future__ import annotations

import json
import os
import subprocess
from typing import TYPE_CHECKING

from tests.infra.fixed_stages import ROOT

if TYPE_CHECKING:
    from pathlib import Path

#: package.json pins it (``make install`` puts it there).
NODE = ROOT / "node_modules" / ".bin" / "node"


def replaces_hook(module: Path, hook: str, **environ: str) -> bool:
    """Whether requiring ``module`` in a fresh Node, with ``environ`` added to this process's
    environment (``NODE_OPTIONS`` left out), replaces Node's ``Module.<hook>``."""
    env = {k: v for k, v in os.environ.items() if k != "NODE_OPTIONS"} | environ
    script = (
        f"const Module = require('module'); const before = Module.{hook};"
        f"require({json.dumps(str(module))});"
        f"console.log(Module.{hook} !== before)"
    )
    result = subprocess.run(
        [str(NODE), "-e", script], env=env, capture_output=True, text=True, check=True, timeout=60
    )
    return result.stdout.strip() == "true"
