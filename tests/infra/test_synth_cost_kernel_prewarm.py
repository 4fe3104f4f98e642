"""The kernel host loads, while the jsii kernel idles, the modules the previous synth's kernel
loaded (stacks/kernel_prewarm.js): the same files by the same paths, in the recorded order,
none of a package before the kernel has loaded it, and nothing when turned off."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PREWARM = ROOT / "stacks" / "kernel_prewarm.js"
NODE = shutil.which(
    "node", path=f"{ROOT / 'node_modules' / '.bin'}{os.pathsep}{os.environ['PATH']}"
)

# Stands in for the host: the kernel has required pkg-a's main module; then the host is idle.
_DRIVER = """
const prewarm = require(process.argv[1]);
global.loaded = [];
require(process.argv[2]);
const steps = [];
while (prewarm.step()) { steps.push(global.loaded.slice(-1)[0]); }
const fs = require('fs');
fs.mkdirSync(process.argv[3]);
fs.writeFileSync(process.argv[3] + '/c.js', "global.loaded.push('c');");
while (prewarm.step()) { steps.push(global.loaded.slice(-1)[0]); }
console.log(JSON.stringify({ steps, loaded: global.loaded, polling: prewarm.pollingFd() }));
"""


def _module(path: Path, name: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f"global.loaded.push({name!r});\n")


@pytest.fixture
def kernel(tmp_path: Path) -> Path:
    """A kernel's node_modules: pkg-a (index.js, a.js) and @scope/pkg-b (b.js)."""
    modules = tmp_path / "jsii-kernel-AbC123" / "node_modules"
    _module(modules / "pkg-a" / "index.js", "index")
    _module(modules / "pkg-a" / "a.js", "a")
    _module(modules / "@scope" / "pkg-b" / "b.js", "b")
    return modules


def _run(kernel: Path, listed: object, prewarm: str | None) -> dict[str, object]:
    assert NODE is not None
    env = {k: v for k, v in os.environ.items() if k != "APP_KERNEL_PREWARM"}
    if prewarm is not None:
        env["APP_KERNEL_PREWARM"] = prewarm
        if prewarm != "off":
            Path(prewarm).write_text(json.dumps(listed))
    result = subprocess.run(
        [
            NODE,
            "--preserve-symlinks",
            "-e",
            _DRIVER,
            str(PREWARM),
            str(kernel / "pkg-a" / "index.js"),
            str(kernel / "pkg-c"),
        ],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    outcome: dict[str, object] = json.loads(result.stdout)
    return outcome


def test_the_recorded_modules_load_in_order_each_once_its_package_is_there(
    kernel: Path, tmp_path: Path
) -> None:
    # Given a recorded list: pkg-a's modules, one of pkg-c (not loaded by the kernel yet), b
    listed = ["pkg-a/index.js", "pkg-a/a.js", "pkg-c/c.js", "@scope/pkg-b/b.js"]
    # When the host idles before and after pkg-c's directory appears
    outcome = _run(kernel, listed, str(tmp_path / "prewarm.json"))
    # Then the loaded index is not loaded again, a and b are, in the recorded order, without
    # waiting for c, and c once its package is there
    assert outcome["steps"] == ["a", "b", "c"]
    assert outcome["loaded"] == ["index", "a", "b", "c"]
    # And with the list done there is nothing to poll for
    assert "polling" not in outcome


def test_at_exit_the_kernels_modules_are_recorded_in_load_order(
    kernel: Path, tmp_path: Path
) -> None:
    # Given no list yet
    listing = tmp_path / "prewarm.json"
    listing.write_text("not a list")
    # When a kernel loads modules and exits
    assert NODE is not None
    subprocess.run(
        [
            NODE,
            "--preserve-symlinks",
            "-e",
            "global.loaded = []; const p = require(process.argv[1]);"
            "require(process.argv[2]); require(process.argv[3]); process.on('exit', p.record);",
            str(PREWARM),
            str(kernel / "@scope" / "pkg-b" / "b.js"),
            str(kernel / "pkg-a" / "a.js"),
        ],
        env={**os.environ, "APP_KERNEL_PREWARM": str(listing)},
        check=True,
    )
    # Then the list names them relative to the kernel's node_modules, in the order loaded
    assert json.loads(listing.read_text()) == ["@scope/pkg-b/b.js", "pkg-a/a.js"]


def test_off_loads_nothing_ahead(kernel: Path) -> None:
    # When APP_KERNEL_PREWARM=off
    outcome = _run(kernel, None, "off")
    # Then the host loads nothing while idle
    assert outcome["steps"] == []
    assert outcome["loaded"] == ["index"]
