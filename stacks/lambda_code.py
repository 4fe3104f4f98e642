"""The one code asset every function of a stack shares: the ``lambda/`` directory, unbundled.

boto3 is in the Lambda runtime and Powertools comes from the AWS-managed layer, so the handlers
and the pydynamodel library ship as plain source: no Docker, no bundling step.

Importing this module also makes the API contract (``lambda/contract``, imported as
``contract``, as the Lambda runtime imports it) importable by the stacks: they build routes,
models and grants from it. ``lambda/`` is appended to ``sys.path``, after everything else, so
its packages never shadow an installed one.
"""

from __future__ import annotations

import ast
import atexit
import operator
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


_OPERATIONS = {
    ast.Mult: operator.mul,
    ast.Add: operator.add,
    ast.Sub: operator.sub,
    ast.LShift: operator.lshift,
}


def lambda_constant(module: str, name: str) -> int | str:
    """The value of constant ``name`` of ``lambda/<module>`` (``domain/settings.py``), for
    infrastructure that must agree with a limit the handlers declare.

    The module is parsed, not imported (the CDK app runs no Lambda code). Supported values:
    integer expressions of literals (``16 * 1024``), strings, and ``re.compile("...")``
    (its pattern)."""
    source = (LAMBDA_DIR / module).read_text()
    for node in ast.parse(source).body:
        target: ast.expr | None = node.target if isinstance(node, ast.AnnAssign) else None
        if isinstance(node, ast.Assign) and len(node.targets) == 1:
            target = node.targets[0]
        value = getattr(node, "value", None)
        if isinstance(target, ast.Name) and target.id == name and value is not None:
            constant = _constant(value)
            if constant is None:
                raise ValueError(f"lambda/{module}: {name} is not a constant expression")
            return constant
    raise LookupError(f"lambda/{module} declares no {name}")


def _constant(node: ast.expr) -> int | str | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, int | str):
        return node.value if not isinstance(node.value, bool) else None
    if isinstance(node, ast.BinOp) and type(node.op) in _OPERATIONS:
        left, right = _constant(node.left), _constant(node.right)
        if isinstance(left, int) and isinstance(right, int):
            return int(_OPERATIONS[type(node.op)](left, right))
        return None
    is_compile = (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr == "compile"
        and len(node.args) == 1
    )
    if is_compile and isinstance(node, ast.Call):
        pattern = _constant(node.args[0])
        return pattern if isinstance(pattern, str) else None
    return None
