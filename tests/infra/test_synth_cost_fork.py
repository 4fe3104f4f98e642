"""A synth part forked from a process that has imported the CDK (stacks/kernel_fork.py, used by
app.py): the child gets a jsii kernel of its own with the parent's assemblies loaded, the
parent's kernel is left working, and a parent already holding kernel objects is not forked.

That the forked parts write exactly what one process writes is held by
tests/infra/test_synth_exit.py (app.py run by the CLI in two parts).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

from stacks import kernel_fork
from tests.infra.fixed_stages import ROOT

#: Records the loads, imports ``constructs`` (one assembly), forks; the child builds a construct
#: on its kernel and reports; the parent then builds one on its own kernel.
FORKING = r"""
import json, os, sys
from stacks import kernel_fork
from jsii._kernel.providers.process import ProcessProvider

def kernel_pid():
    return ProcessProvider()._process._process.pid

loads = kernel_fork.recorder(os.environ)
import constructs
parent_kernel = kernel_pid()
if sys.argv[1] == "hold":
    held = constructs.RootConstruct("held")
pid = loads.fork()
if pid == 0:
    loads.reload()
    root = constructs.RootConstruct("child")
    child = constructs.Construct(root, "c")
    print(json.dumps({"who": "child", "path": child.node.path, "kernel": kernel_pid(),
                      "parent_kernel": parent_kernel, "loads": [n for n, _, _ in loads.loads]}),
          flush=True)
    os._exit(0)
status = None if pid is None else os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1])
own = constructs.Construct(constructs.RootConstruct("parent"), "p")
print(json.dumps({"who": "parent", "status": status, "path": own.node.path,
                  "kernel": kernel_pid()}), flush=True)
"""


def _run(mode: str, **env: str) -> list[dict[str, object]]:
    result = subprocess.run(
        [sys.executable, "-c", FORKING, mode],
        cwd=ROOT,
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    return [json.loads(line) for line in result.stdout.splitlines()]


def test_a_forked_child_works_on_a_kernel_of_its_own_and_the_parents_keeps_working() -> None:
    # Given a process that has loaded an assembly and holds no kernel object
    # When it forks, the child builds constructs, and then the parent builds some
    child, parent = _run("plain")

    # Then the child built them on a new kernel with the parent's assembly loaded into it
    assert child["who"] == "child"
    assert child["path"] == "child/c"
    assert child["loads"] == ["constructs"]
    assert child["kernel"] != child["parent_kernel"]
    # ... and the parent's kernel, left alone by the child and its exit, still answers
    assert parent == {
        "who": "parent",
        "status": 0,
        "path": "parent/p",
        "kernel": child["parent_kernel"],
    }


def test_a_process_holding_kernel_objects_is_not_forked() -> None:
    # Given a process that holds an object of its kernel (which a child's kernel would lack)
    # When it is asked to fork
    (parent,) = _run("hold")

    # Then it does not (the caller starts a fresh process instead), and goes on as before
    assert parent["who"] == "parent"
    assert parent["status"] is None
    assert parent["path"] == "parent/p"


def test_off_records_nothing() -> None:
    # Given forking turned off
    # When a recorder is asked for / Then there is none: parts start as fresh processes
    assert kernel_fork.recorder({kernel_fork.FORK_VARIABLE: "off"}) is None
