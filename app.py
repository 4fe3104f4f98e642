#!/usr/bin/env python3
"""CDK entry point: one ``cdk.Stage`` per stage defined in the ``stages`` context of cdk.json.

Run by the CDK CLI on a machine with more than one core, the stages are synthesized by
parallel processes and their assemblies joined (:mod:`stacks.synth_parts`): forks of this one
once it has imported the CDK, each with a jsii kernel of its own (:mod:`stacks.kernel_fork`),
or, where that is not possible, fresh processes started before the CDK is imported.
"""

from __future__ import annotations

import atexit
import os
import shutil
import subprocess
import sys
import traceback
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn

from stacks import kernel_code_cache, kernel_fork, kernel_host, preimport
from stacks.config import ConfigError, StageConfig, load_stages
from stacks.synth_parts import (
    LIGHTER_NICENESS,
    NICE_VARIABLE,
    PART_STAGES_VARIABLE,
    cli_context,
    join_parts,
    lighter_parts,
    local_part,
    plan_parts,
    remove_stale_parts,
    worker_count,
)

if TYPE_CHECKING:
    from collections.abc import Collection, Sequence

#: This app's name for the modules its jsii kernels load (``kernel_host.enable``).
KERNEL_APP = "app"
#: Set by the CDK CLI for the app it runs: where the cloud assembly goes.
CLI_OUTDIR_VARIABLE = "CDK_OUTDIR"


def main() -> None:
    # Before the CDK is imported: importing it starts the jsii kernel, in the parts too.
    kernel_code_cache.enable(os.environ)
    kernel_host.enable(os.environ, app=KERNEL_APP)
    outdir = os.environ.get(CLI_OUTDIR_VARIABLE)
    part = os.environ.get(PART_STAGES_VARIABLE)
    if part is not None and os.environ.get(NICE_VARIABLE):
        os.nice(int(os.environ[NICE_VARIABLE]))
    if outdir and part is None:
        remove_stale_parts(Path(outdir))
    if outdir and part is None and worker_count(os.environ) > 1:
        configs = _configs(cli_context(os.environ).get("stages"))
        parts = plan_parts(configs, worker_count(os.environ))
        if len(parts) > 1:
            _synth_in_parts(
                Path(outdir),
                parts,
                [config.construct_id for config in configs],
                lighter=lighter_parts(configs, parts),
            )
    preimport.start(os.environ)
    synth(only=part.split(",") if part else None)
    if outdir:
        exit_without_teardown()


def synth(*, only: Collection[str] | None = None, outdir: Path | None = None) -> None:
    """Build and synthesize the app (the stages named in ``only``, by default all) into
    ``outdir`` (by default where the CLI asks), with its OpenAPI documents."""
    from stacks.app_builder import build_app, write_openapi
    from stacks.cdk_app import new_app, synthesize

    app = new_app(outdir=outdir)
    try:
        build_app(app, only=only)
    except ConfigError as error:
        _refuse(error)
    write_openapi(app, synthesize(app))


def _configs(stages: object) -> tuple[StageConfig, ...]:
    try:
        return load_stages(stages if isinstance(stages, dict) else None)
    except ConfigError as error:
        _refuse(error)


def _refuse(error: ConfigError) -> NoReturn:
    # One clear line (stage, key, value) instead of a jsii stack trace.
    print(f"Invalid stage configuration in cdk.json: {error}", file=sys.stderr)
    raise SystemExit(2) from None


def _synth_in_parts(
    outdir: Path,
    parts: Sequence[tuple[str, ...]],
    stage_ids: list[str],
    *,
    lighter: Collection[int] = (),
) -> None:
    """Synthesize the largest part here (``local_part``) and every other part in a process of
    its own, side by side, into ``outdir/.part-<n>``; then join them into ``outdir`` and exit
    (a failed part fails the synth with its exit status, its own output already printed).
    The processes of the ``lighter`` parts lower their priority
    (``stacks.synth_parts.lighter_parts``).

    The other parts are forks of this process once it has imported the CDK (they skip those
    imports, about a second of CPU each), or fresh processes started right away when this
    process cannot fork them (``stacks.kernel_fork``)."""
    part_dirs = [outdir / f".part-{i}" for i in range(len(parts))]
    here = local_part(parts, lighter)
    others = [(i, (parts[i], part_dirs[i])) for i in range(len(parts)) if i != here]
    loads = kernel_fork.recorder(os.environ)
    children: list[_Part] = []
    if loads is None:
        children = [_Part(process=_start(names, d, i in lighter)) for i, (names, d) in others]
    try:
        thread = preimport.start(os.environ)
        if loads is not None:
            preimport.complete(thread)
            children = [_fork(loads, names, d, i in lighter) for i, (names, d) in others]
        synth(only=parts[here], outdir=part_dirs[here])
        failed = next((code for code in (c.wait() for c in children) if code), 0)
        if failed:
            raise SystemExit(failed)
        join_parts(outdir, part_dirs, stage_ids)
    except BaseException:
        # Not terminated: a part ends by itself and then removes its temporary directories.
        for child in children:
            child.wait()
        for part_dir in part_dirs:
            shutil.rmtree(part_dir, ignore_errors=True)
        raise
    exit_without_teardown()


class _Part:
    """A synth part running in another process: a fresh one, or a fork of this one."""

    def __init__(self, *, process: subprocess.Popen[bytes] | None = None, pid: int = 0) -> None:
        self._process = process
        self._pid = pid
        self._code: int | None = None

    def wait(self) -> int:
        if self._process is not None:
            return self._process.wait()
        if self._code is None:
            self._code = os.waitstatus_to_exitcode(os.waitpid(self._pid, 0)[1])
        return self._code


def _part_env(names: Sequence[str], part_dir: Path) -> dict[str, str]:
    return {PART_STAGES_VARIABLE: ",".join(names), CLI_OUTDIR_VARIABLE: str(part_dir)}


def _start(names: Sequence[str], part_dir: Path, lighter: bool) -> subprocess.Popen[bytes]:
    """A fresh process running this script for one part."""
    command = [sys.executable, *(["-O"] if sys.flags.optimize else []), str(Path(__file__))]
    env = {
        **os.environ,
        **_part_env(names, part_dir),
        NICE_VARIABLE: str(LIGHTER_NICENESS if lighter else ""),
    }
    return subprocess.Popen(command, env=env)


def _fork(
    loads: kernel_fork.LoadRecorder, names: Sequence[str], part_dir: Path, lighter: bool
) -> _Part:
    """A fork of this process synthesizing one part (a fresh process if it cannot fork)."""
    pid = loads.fork()
    if pid is None:
        return _Part(process=_start(names, part_dir, lighter))
    if pid:
        return _Part(pid=pid)
    code = 1
    try:
        # Before the child's kernel starts: it reads the output directory from its environment.
        os.environ.update(_part_env(names, part_dir))
        if lighter:
            os.nice(LIGHTER_NICENESS)
        loads.reload()
        synth(only=names)
        code = 0
    except SystemExit as stop:
        code = stop.code if isinstance(stop.code, int) else int(stop.code is not None)
    except BaseException:
        traceback.print_exc()
    finally:
        # Never the parent's code after this: the child ends here, with its own exit handlers
        # (its kernel's stop, its temporary folders) and without the interpreter's teardown.
        _exit(code)


def _exit(code: int) -> NoReturn:
    """The exit handlers, then the end of the process with ``code`` (no teardown)."""
    sys.stdout.flush()
    sys.stderr.flush()
    atexit._run_exitfuncs()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


def exit_without_teardown() -> NoReturn:
    """End the process once the cloud assembly and the OpenAPI documents are written.

    The CLI reads the assembly only after the app has exited, and nothing left to do changes
    it; but the interpreter's own teardown (finalizing CDK's very large generated modules)
    costs about a quarter of a second per synth. Exit handlers still run: they stop the jsii
    kernel (Node's last output is forwarded before it ends) and remove the temporary
    directories (the staged Lambda asset, the jsii runtime's scripts). Only used when the CLI
    runs the app: a process that imports this module keeps Python's normal exit.
    """
    _exit(0)


if __name__ == "__main__":
    main()
