"""The jsii kernel's code cache (stacks/kernel_code_cache.js, preloaded by app.py): a module the
kernel loads is served from V8's compiled code of an earlier synth, exactly as Node would run it
otherwise (same results, same stack traces, which CDK writes into the assembly's metadata), and
never as the compiled code of another source text.

Each test runs the pinned Node on a small package under ``node_modules`` (as the kernel loads
aws-cdk-lib) with and without the preload. That a whole synth with the cache writes exactly what
one without it writes is held by tests/infra/test_synth_exit.py (app.py run as the CLI runs it,
against an in-process synth without the preload).
"""

from __future__ import annotations

import os
import subprocess
from typing import TYPE_CHECKING

from stacks import kernel_code_cache
from tests.infra.kernel_node import NODE

if TYPE_CHECKING:
    from pathlib import Path


#: A module whose exports record where its code runs: line 1 (where the loader's wrapper
#: would shift the columns) and line 3.
MODULE = (
    "function f() { return new Error('f').stack.split('\\n')[1].trim(); }\n"
    "module.exports = { value: 'first',\n"
    "  where: [f(), new Error('g').stack.split('\\n')[1].trim()] };\n"
)
MAIN = "console.log(JSON.stringify(require('lib')));\n"


def project(tmp_path: Path, module: str = MODULE) -> Path:
    """A directory with ``main.js`` requiring the package ``lib`` (``node_modules/lib``)."""
    (tmp_path / "node_modules" / "lib").mkdir(parents=True, exist_ok=True)
    (tmp_path / "node_modules" / "lib" / "index.js").write_text(module)
    (tmp_path / "main.js").write_text(MAIN)
    return tmp_path


def run_node(where: Path, cache: Path | None, *node_options: str) -> str:
    """What ``main.js`` prints, run by the pinned Node; with the preload when ``cache``."""
    own = ("NODE_OPTIONS", kernel_code_cache.CACHE_VARIABLE)
    env = {k: v for k, v in os.environ.items() if k not in own}
    env["NODE_OPTIONS"] = " ".join(node_options)
    if cache is not None:
        env[kernel_code_cache.CACHE_VARIABLE] = str(cache)
        kernel_code_cache.enable(env)
    result = subprocess.run(
        [str(NODE), "main.js"], cwd=where, env=env, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


def entries(cache: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in cache.rglob("*") if p.is_file()}


def test_a_module_runs_from_the_cache_as_node_runs_it(tmp_path: Path) -> None:
    # Given a package and an empty cache
    where, cache = project(tmp_path / "app"), tmp_path / "cache"

    # When it is loaded without the preload, then twice with it
    plain = run_node(where, None)
    first = run_node(where, cache)
    written = entries(cache)
    mtimes = {p.name: p.stat().st_mtime_ns for p in cache.rglob("*") if p.is_file()}
    second = run_node(where, cache)

    # Then every run gives the same exports and the same stack frames (file, line, column)
    assert first == plain
    assert second == plain
    assert '"value":"first"' in plain
    assert "index.js:1:" in plain
    assert "index.js:3:" in plain
    # ... the first run wrote the module's compiled code (one entry per source text), and the
    # second ran from it: V8 accepted it, so nothing was written again
    assert len(written) == 2  # the module and main.js
    assert entries(cache) == written
    assert {p.name: p.stat().st_mtime_ns for p in cache.rglob("*") if p.is_file()} == mtimes


def test_a_changed_module_is_compiled_again_not_served_stale(tmp_path: Path) -> None:
    # Given a module served from the cache
    where, cache = project(tmp_path / "app"), tmp_path / "cache"
    run_node(where, cache)

    # When its source changes without changing its length (V8's own check is by length)
    changed = MODULE.replace("'first'", "'other'")
    assert len(changed) == len(MODULE)
    project(where, changed)

    # Then the new source runs, and its compiled code is kept beside the old one
    assert '"value":"other"' in run_node(where, cache)
    assert len(entries(cache)) == 3


def test_an_unreadable_entry_is_compiled_again_and_replaced(tmp_path: Path) -> None:
    # Given a cache whose entries are not V8's code (truncated, another Node's, damaged)
    where, cache = project(tmp_path / "app"), tmp_path / "cache"
    run_node(where, cache)
    for entry in cache.rglob("*"):
        if entry.is_file():
            entry.write_bytes(b"not a code cache")

    # When the module is loaded again
    output = run_node(where, cache)

    # Then it runs as without the cache, and the entries are rewritten with usable code
    assert output == run_node(where, None)
    assert all(content != b"not a code cache" for content in entries(cache).values())


def test_a_module_the_cache_cannot_compile_goes_to_nodes_loader(tmp_path: Path) -> None:
    # Given a .js module in ES module syntax (Node detects it) and one with a syntax error
    where, cache = project(tmp_path / "app", "export const value = 'esm';\n"), tmp_path / "cache"
    broken = project(tmp_path / "broken", "module.exports = ;\n")

    # When each is loaded with the preload / Then Node's loader handles it as without it
    assert run_node(where, cache) == run_node(where, None)
    env = {**os.environ, kernel_code_cache.CACHE_VARIABLE: str(cache)}
    kernel_code_cache.enable(env)
    failed = subprocess.run(
        [str(NODE), "main.js"], cwd=broken, env=env, capture_output=True, text=True, check=False
    )
    assert failed.returncode != 0
    assert "SyntaxError" in failed.stderr
    assert "index.js:1" in failed.stderr


def test_with_source_maps_on_modules_are_left_to_node(tmp_path: Path) -> None:
    # Given Node run with source maps (stack traces then point into the original sources)
    where, cache = project(tmp_path / "app"), tmp_path / "cache"

    # When the module is loaded with the preload
    output = run_node(where, cache, "--enable-source-maps")

    # Then Node compiled it (nothing is cached), with the same result
    assert output == run_node(where, None, "--enable-source-maps")
    assert not cache.exists()


def test_the_preload_is_added_once_to_the_options_node_already_has() -> None:
    # Given an environment with Node options of its own
    env = {"NODE_OPTIONS": "--max-old-space-size=4096"}

    # When the cache is enabled twice (app.py, then a part it starts)
    kernel_code_cache.enable(env)
    kernel_code_cache.enable(env)

    # Then the preload is there once, after the existing options, with the default directory
    preload = f'--require "{kernel_code_cache.PRELOAD}"'
    assert env["NODE_OPTIONS"] == f"--max-old-space-size=4096 {preload}"
    assert env[kernel_code_cache.CACHE_VARIABLE] == str(kernel_code_cache.DEFAULT_DIRECTORY)


def test_the_cache_can_be_turned_off() -> None:
    # Given APP_KERNEL_CODE_CACHE=off / When enabled / Then Node's options are left alone
    env = {kernel_code_cache.CACHE_VARIABLE: "off"}
    kernel_code_cache.enable(env)
    assert "NODE_OPTIONS" not in env
