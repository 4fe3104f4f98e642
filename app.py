#!/usr/bin/env python3
"""CDK entry point: one ``cdk.Stage`` per stage defined in the ``stages`` context of cdk.json.

Run by the CDK CLI on a machine with more than one core, the stages are synthesized by
parallel processes and their assemblies joined (:mod:`stacks.synth_parts`); the CDK is imported
only once those processes are started.
"""

from __future__ import annotations

import atexit
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn

from stacks import kernel_code_cache, kernel_host, preimport
from stacks.config import ConfigError, StageConfig, load_stages
from stacks.synth_parts import (
    LIGHTER_NICENESS,
    NICE_VARIABLE,
    PART_STAGES_VARIABLE,
    cli_context,
    join_parts,
    lighter_parts,
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
    """Synthesize ``parts[0]`` here and every other part in a process of its own, side by side,
    into ``outdir/.part-<n>``; then join them into ``outdir`` and exit (a failed part fails
    the synth with its exit status, its own output already printed). The processes of the
    ``lighter`` parts lower their priority (``stacks.synth_parts.lighter_parts``)."""
    part_dirs = [outdir / f".part-{i}" for i in range(len(parts))]
    command = [sys.executable, *(["-O"] if sys.flags.optimize else []), str(Path(__file__))]
    children = [
        subprocess.Popen(
            command,
            env={
                **os.environ,
                PART_STAGES_VARIABLE: ",".join(names),
                CLI_OUTDIR_VARIABLE: str(d),
                NICE_VARIABLE: str(LIGHTER_NICENESS if i in lighter else ""),
            },
        )
        for i, (names, d) in enumerate(zip(parts[1:], part_dirs[1:], strict=True), start=1)
    ]
    if 0 in lighter:
        os.nice(LIGHTER_NICENESS)
    try:
        preimport.start(os.environ)
        synth(only=parts[0], outdir=part_dirs[0])
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


def exit_without_teardown() -> NoReturn:
    """End the process once the cloud assembly and the OpenAPI documents are written.

    The CLI reads the assembly only after the app has exited, and nothing left to do changes
    it; but the interpreter's own teardown (finalizing CDK's very large generated modules)
    costs about a quarter of a second per synth. Exit handlers still run: they stop the jsii
    kernel (Node's last output is forwarded before it ends) and remove the temporary
    directories (the staged Lambda asset, the jsii runtime's scripts). Only used when the CLI
    runs the app: a process that imports this module keeps Python's normal exit.
    """
    sys.stdout.flush()
    sys.stderr.flush()
    atexit._run_exitfuncs()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(0)


if __name__ == "__main__":
    main()
