"""The CDK modules app.py imports in a background thread (stacks/preimport.py): all that the
app's code imports, and none that talks to the jsii kernel (its runtime serves one thread)."""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

from stacks import preimport

ROOT = Path(__file__).resolve().parents[2]
SOURCES = [
    *sorted((ROOT / "stacks").rglob("*.py")),
    *sorted((ROOT / "packages/serverless-api-constructs/src").rglob("*.py")),
]

# Runs in a fresh interpreter: imports aws_cdk as preimport.start does, then counts every
# request sent to the kernel while the thread imports the rest.
_COUNT_TRIPS = """
import json, os, sys
from jsii._kernel.providers.process import _NodeProcess
from stacks import preimport

sent = []
send = _NodeProcess.send
def counted(self, request, response_type):
    sent.append(type(request).__name__)
    return send(self, request, response_type)
_NodeProcess.send = counted
import aws_cdk
before = len(sent)
thread = preimport.start({})
thread.join()
print(json.dumps({
    "requests": sent[before:],
    "missing": [m for m in preimport.MODULES if m not in sys.modules],
}))
"""


def _runtime_cdk_imports(source: Path) -> set[str]:
    """The ``aws_cdk.*`` modules ``source`` imports at run time (not under TYPE_CHECKING)."""
    tree = ast.parse(source.read_text())
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            node.body = []
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module == "aws_cdk":
            found.update(f"aws_cdk.{alias.name}" for alias in node.names if alias.name.islower())
        elif isinstance(node, ast.ImportFrom) and (node.module or "").startswith("aws_cdk."):
            found.add(str(node.module))
        elif isinstance(node, ast.Import):
            found.update(a.name for a in node.names if a.name.startswith("aws_cdk."))
    return found


def test_every_cdk_module_the_app_imports_is_preimported() -> None:
    # Given the CDK modules the stacks and the construct package import at run time
    imported = set().union(*(_runtime_cdk_imports(source) for source in SOURCES))
    assert "aws_cdk.aws_lambda" in imported  # the scan sees the app's imports
    # Then the background thread imports each of them
    assert imported - set(preimport.MODULES) == set()


def test_the_thread_imports_them_all_without_a_request_to_the_kernel() -> None:
    # Given a fresh interpreter that has imported aws_cdk (the kernel is running)
    # When the preimport thread runs to its end
    result = subprocess.run(
        [sys.executable, "-c", _COUNT_TRIPS],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    outcome = json.loads(result.stdout.splitlines()[-1])
    # Then every module is imported, and the kernel was asked nothing meanwhile
    assert outcome == {"requests": [], "missing": []}


def test_off_leaves_every_import_to_the_main_thread() -> None:
    # When APP_PREIMPORT=off, Then no thread is started
    assert preimport.start({preimport.PREIMPORT_VARIABLE: "off"}) is None
