"""The jsii kernel's requires are resolved as Node resolves them (stacks/kernel_resolve.js,
loaded by stacks/kernel_host.js), without the work Node repeats: the same file, or the same
error, for every request from every folder, in any order, symlinks preserved or not.

Node itself, with the module off, is the reference. That a whole synth through the host
writes exactly what one without it writes is held by tests/infra/test_synth_exit.py.
"""

from __future__ import annotations

import json
import os
import subprocess
from typing import TYPE_CHECKING, Any

import pytest

from tests.infra.fixed_stages import ROOT
from tests.infra.kernel_node import NODE, replaces_hook

if TYPE_CHECKING:
    from pathlib import Path

RESOLVE = ROOT / "stacks" / "kernel_resolve.js"

#: A package store laid out as the kernel's: packages linked into node_modules from elsewhere,
#: a package with dependencies of its own, a folder shadowing one with a node_modules of its
#: own, a folder that is a package of its own (with a self-reference), exports maps, a scope.
TREE: dict[str, Any] = {
    "store/pkg/package.json": {
        "name": "pkg",
        "exports": {".": "./index.js", "./a/x": "./a/x.js", "./entry": "./b/deep/z.js"},
    },
    "store/pkg/index.js": "",
    "store/pkg/a/x.js": "",
    "store/pkg/a/y.js": "",
    "store/pkg/a/data.json": {},
    "store/pkg/a/folder/index.js": "",
    "store/pkg/b/deep/z.js": "",
    "store/pkg/b/deep/index.js": "",
    "store/pkg/b/index.js": "",
    "store/pkg/node_modules/dep/package.json": {"name": "dep", "main": "lib/main.js"},
    "store/pkg/node_modules/dep/lib/main.js": "",
    "store/pkg/node_modules/dep/lib/other.js": "",
    "store/pkg/b/node_modules/dep/index.js": "",
    "store/pkg/c/package.json": {"name": "inner", "exports": {"./z": "./z.js"}},
    "store/pkg/c/z.js": "",
    "store/pkg/c/deep/w.js": "",
    "root/node_modules/dep/index.js": "",
    "root/node_modules/other/package.json": {"name": "other", "exports": {"./p": "./p.js"}},
    "root/node_modules/other/p.js": "",
    "root/node_modules/other/hidden.js": "",
    "root/node_modules/@scope/pk/package.json": {"name": "@scope/pk"},
    "root/node_modules/@scope/pk/index.js": "",
    "root/node_modules/@scope/pk/lib/q.js": "",
}

#: Requests, by the file (under root/node_modules) they are made from.
REQUESTS = {
    "pkg/a/x.js": [
        "./y",
        "../b/deep/z",
        "./data.json",
        "./data",
        "./folder",
        "./folder/",
        "./missing",
        "../../other/p",
        "dep",
        "dep/lib/other",
        "pkg",
        "pkg/a/x",
        "pkg/entry",
        "pkg/a/y",
        "other/p",
        "other/hidden",
        "@scope/pk",
        "@scope/pk/lib/q",
        "inner/z",
        "fs",
        "node:path",
        "nothing-here",
        ".",
        "..",
        "./index",
    ],
    "pkg/b/deep/z.js": [
        "dep",
        "dep/lib/other",
        "dep/lib/main",
        "pkg/a/x",
        "other/p",
        "../../a/y",
        "./a/x",
    ],
    "pkg/c/deep/w.js": ["inner/z", "dep", "pkg", "../z", "pkg/entry"],
    "pkg/c/z.js": ["inner/z", "dep", "./deep/w"],
    # The same requests starting with a dot from several folders of one package: each is
    # resolved against its own folder ("..foo" is a file name, not a package).
    "pkg/a/folder/index.js": [".", "..", "../..", "..foo", "./"],
    "pkg/b/deep/index.js": [".", "..", "../..", "..foo", "./"],
    "pkg/index.js": ["dep", "./a/x", "pkg/a/x", "other/p"],
    "@scope/pk/lib/q.js": ["../index", "..", "dep", "other/p", "@scope/pk"],
}

#: Resolves every (file, request) pair in the order given, from a require made for the file as
#: Node makes one for a module; prints what each gives: the file, or the error's code and text.
SCRIPT = r"""
const Module = require('module');
const path = require('path');
if (process.env.RESOLVE_MODULE) require(process.env.RESOLVE_MODULE);
const [base, pairs] = [process.argv[1], JSON.parse(process.argv[2])];
const answers = pairs.map(([from, request]) => {
  const require = Module.createRequire(path.join(base, from));
  try {
    return { file: require.resolve(request) };
  } catch (error) {
    return { code: error.code, message: error.message };
  }
});
console.log(JSON.stringify(answers));
"""


def _lay_out(tmp_path: Path) -> Path:
    for name, content in TREE.items():
        target = tmp_path / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(json.dumps(content) if isinstance(content, dict) else content)
    # Linked in as the kernel links the packages it loads.
    (tmp_path / "root" / "node_modules" / "pkg").symlink_to(tmp_path / "store" / "pkg")
    return tmp_path / "root" / "node_modules"


def _resolve(base: Path, pairs: list[tuple[str, str]], *, memo: bool, flags: list[str]) -> Any:
    env = {k: v for k, v in os.environ.items() if k not in ("NODE_OPTIONS", "NODE_PATH")}
    if memo:
        env["RESOLVE_MODULE"] = str(RESOLVE)
    result = subprocess.run(
        [str(NODE), *flags, "-e", SCRIPT, str(base), json.dumps(pairs)],
        env=env,
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    return json.loads(result.stdout)


@pytest.mark.parametrize("flags", [["--preserve-symlinks"], []], ids=["symlinks-kept", "real"])
@pytest.mark.parametrize("order", ["as-listed", "reversed"])
def test_every_request_resolves_as_node_resolves_it(
    tmp_path: Path, flags: list[str], order: str
) -> None:
    # Given packages laid out as the kernel lays them out, and requests from several folders
    base = _lay_out(tmp_path)
    pairs = [(origin, request) for origin, requests in REQUESTS.items() for request in requests]
    if order == "reversed":
        pairs.reverse()

    # When each is resolved with the module and by Node alone
    ours = _resolve(base, pairs, memo=True, flags=flags)
    nodes = _resolve(base, pairs, memo=False, flags=flags)

    # Then each gives the same file, or the same error with the same text
    assert [(pair, answer) for pair, answer in zip(pairs, ours, strict=True)] == [
        (pair, answer) for pair, answer in zip(pairs, nodes, strict=True)
    ]
    # ... and the cases that tell a folder's own resolution from its package's are there
    answers = dict(zip(pairs, nodes, strict=True))
    shadowed = answers["pkg/b/deep/z.js", "dep"]["file"]
    assert shadowed.endswith(os.path.join("b", "node_modules", "dep", "index.js"))
    assert answers["pkg/a/x.js", "dep"]["file"].endswith(os.path.join("lib", "main.js"))
    assert "file" in answers["pkg/c/deep/w.js", "inner/z"]
    assert "code" in answers["pkg/a/x.js", "inner/z"]
    assert answers["pkg/a/x.js", "./missing"]["code"] == "MODULE_NOT_FOUND"
    # ... "." and ".." from two folders of one package give each folder's own
    assert answers["pkg/b/deep/index.js", "."]["file"].endswith(os.path.join("deep", "index.js"))
    assert answers["pkg/b/deep/index.js", ".."]["file"].endswith(os.path.join("b", "index.js"))
    assert "code" in answers["pkg/a/folder/index.js", ".."]
    # (relative to the folder: from a subfolder, the package's own files are not found)
    assert "code" in answers["pkg/a/x.js", "./index"]
    assert "code" in answers["pkg/b/deep/z.js", "./a/x"]


def test_off_leaves_nodes_resolution_in_place() -> None:
    # Given the module, loaded as the host loads it and with APP_KERNEL_RESOLVE=off
    # When each is required / Then only the first replaces Node's resolution
    assert replaces_hook(RESOLVE, "_resolveFilename")
    assert not replaces_hook(RESOLVE, "_resolveFilename", APP_KERNEL_RESOLVE="off")
