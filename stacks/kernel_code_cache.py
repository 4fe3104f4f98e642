"""Let the jsii kernel keep V8's compiled code of the JavaScript it loads between synths.

Every synth process starts a Node kernel that loads and compiles aws-cdk-lib's and cdk-nag's
modules again (about 900 files; compiling them is a fifth of the kernel's CPU time in a synth).
``kernel_code_cache.js``, preloaded into the kernel by ``NODE_OPTIONS``, keeps the compiled code
in a directory keyed by each module's source (see that file for why Node's own compile cache
does not apply). Pure standard library: it must run before the CDK is imported, since
importing ``aws_cdk`` starts the kernel.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import MutableMapping

#: The directory of the compiled code (one subdirectory per Node version); ``off`` disables it.
CACHE_VARIABLE = "APP_KERNEL_CODE_CACHE"
PRELOAD = Path(__file__).resolve().with_name("kernel_code_cache.js")
DEFAULT_DIRECTORY = Path(__file__).resolve().parents[1] / ".cache" / "kernel-code"


def enable(environ: MutableMapping[str, str]) -> None:
    """Preload the code cache into every Node process started with ``environ`` (the jsii
    kernel, in this process and in the synth's parts), unless ``APP_KERNEL_CODE_CACHE=off``.
    Options already in ``NODE_OPTIONS`` are kept."""
    directory = environ.get(CACHE_VARIABLE) or str(DEFAULT_DIRECTORY)
    if directory == "off":
        return
    # NODE_OPTIONS splits on spaces outside double quotes, with JSON-like escapes inside.
    preload = f"--require {json.dumps(str(PRELOAD))}"
    options = environ.get("NODE_OPTIONS", "")
    if preload not in options:
        environ["NODE_OPTIONS"] = f"{options} {preload}".strip()
    environ[CACHE_VARIABLE] = directory
