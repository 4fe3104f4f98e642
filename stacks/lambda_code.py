"""The one code asset every function of a stack shares: the ``lambda/`` directory, unbundled.

boto3 is in the Lambda runtime and Powertools comes from the AWS-managed layer, so the handlers
and the pydynamodel library ship as their source and its bytecode for the functions' Python
version (``stacks/lambda_bytecode.py``): no Docker, no bundling step.

Importing this module also makes the API contract (``lambda/contract``, imported as
``contract``, as the Lambda runtime imports it) importable by the stacks
(``stacks/contract_path.py``): they build routes, models and grants from it.
"""

from __future__ import annotations

import atexit
import shutil
import tempfile
from functools import cache
from pathlib import Path

from aws_cdk import aws_lambda as lambda_

from .contract_path import LAMBDA_DIR
from .lambda_bytecode import RUNTIME_NAME, RUNTIME_VERSION, add_bytecode

ROOT = Path(__file__).resolve().parents[1]
#: Import directories of the repository's packages that the Lambda code imports.
LIBRARY_DIRS = (ROOT / "packages" / "pydynamodel" / "src" / "pydynamodel",)
#: The runtime of every function: the version the asset's bytecode is compiled for.
LAMBDA_RUNTIME: lambda_.Runtime = getattr(lambda_.Runtime, "PYTHON_{}_{}".format(*RUNTIME_VERSION))
#: Why the functions do not run the newest Python runtime, for cdk-nag's latest-runtime rules.
RUNTIME_REASON = (
    f"{RUNTIME_NAME} on purpose: the code asset ships bytecode compiled by the build's own "
    f"{RUNTIME_NAME} interpreter (stacks/lambda_bytecode.py), so a cold start does not "
    "compile the source, and the build machines have no newer interpreter; it is a supported "
    "Lambda runtime with managed patch updates."
)
# The staged folder holds only what asset_dir() put there: its bytecode is kept.
_EXCLUDE = ["**/.mypy_cache", "**/*.md"]
_IGNORE = shutil.ignore_patterns("__pycache__", "*.pyc", ".mypy_cache", "*.md")


@cache
def asset_dir() -> Path:
    """The asset folder of this process: ``lambda/`` and each library's import directory,
    with their bytecode for :data:`LAMBDA_RUNTIME` (when this machine has its interpreter)."""
    staging = Path(tempfile.mkdtemp(prefix="lambda-asset-"))
    atexit.register(shutil.rmtree, staging, ignore_errors=True)
    target = staging / "lambda"
    shutil.copytree(LAMBDA_DIR, target, ignore=_IGNORE)
    for library in LIBRARY_DIRS:
        if (target / library.name).exists():
            raise ValueError(f"lambda/{library.name} would shadow packages' {library.name}")
        shutil.copytree(library, target / library.name, ignore=_IGNORE)
    add_bytecode(target)
    return target


def lambda_code() -> lambda_.Code:
    """A fresh asset reference to the staged folder (CDK stages identical assets only once)."""
    return lambda_.Code.from_asset(str(asset_dir()), exclude=_EXCLUDE)


#: The acknowledgements of :data:`LAMBDA_RUNTIME` on a function's resource
#: (``ServiceFunction(resource_acknowledgements=...)``: recorded in the call that records the
#: function's own, with no round trip to find the resource).
RUNTIME_ACKNOWLEDGEMENTS = {
    "AwsSolutions-L1": RUNTIME_REASON,
    "Serverless-LambdaLatestVersion": RUNTIME_REASON,
}
