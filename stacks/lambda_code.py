"""The one code asset every function of a stack shares: the ``lambda/`` directory, unbundled.

boto3 is in the Lambda runtime and Powertools comes from the AWS-managed layer, so the handlers
and the pydynamodel library ship as plain source: no Docker, no bundling step.

Importing this module also makes the API contract (``lambda/contract``, imported as
``contract``, as the Lambda runtime imports it) importable by the stacks: they build routes,
models and grants from it. ``lambda/`` is appended to ``sys.path``, after everything else, so
its packages never shadow an installed one.
"""

from __future__ import annotations

import atexit
import shutil
import sys
import tempfile
from functools import cache
from pathlib import Path

from aws_cdk import aws_lambda as lambda_

ROOT = Path(__file__).resolve().parents[1]
LAMBDA_DIR = ROOT / "lambda"
#: Import directories of the repository's packages that the Lambda code imports.
LIBRARY_DIRS = (ROOT / "packages" / "pydynamodel" / "src" / "pydynamodel",)
if str(LAMBDA_DIR) not in sys.path:
    sys.path.append(str(LAMBDA_DIR))
_EXCLUDE = ["**/__pycache__", "**/*.pyc", "**/.mypy_cache", "**/*.md"]
_IGNORE = shutil.ignore_patterns("__pycache__", "*.pyc", ".mypy_cache", "*.md")


@cache
def asset_dir() -> Path:
    """The asset folder of this process: ``lambda/`` and each library's import directory."""
    staging = Path(tempfile.mkdtemp(prefix="lambda-asset-"))
    atexit.register(shutil.rmtree, staging, ignore_errors=True)
    target = staging / "lambda"
    shutil.copytree(LAMBDA_DIR, target, ignore=_IGNORE)
    for library in LIBRARY_DIRS:
        if (target / library.name).exists():
            raise ValueError(f"lambda/{library.name} would shadow packages' {library.name}")
        shutil.copytree(library, target / library.name, ignore=_IGNORE)
    return target


def lambda_code() -> lambda_.Code:
    """A fresh asset reference to the staged folder (CDK stages identical assets only once)."""
    return lambda_.Code.from_asset(str(asset_dir()), exclude=_EXCLUDE)
