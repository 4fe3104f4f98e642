#!/usr/bin/env python3
"""CDK entry point: one ``cdk.Stage`` per stage defined in the ``stages`` context of cdk.json."""

from __future__ import annotations

import atexit
import os
import sys
from typing import NoReturn

import aws_cdk as cdk

from stacks.app_builder import build_app, write_openapi
from stacks.config import ConfigError

#: Set by the CDK CLI for the app it runs: where the cloud assembly goes.
CLI_OUTDIR_VARIABLE = "CDK_OUTDIR"


def main() -> None:
    try:
        app = build_app(cdk.App(builtin_cloud_formation_validation=False))
    except ConfigError as error:
        # One clear line (stage, key, value) instead of a jsii stack trace.
        print(f"Invalid stage configuration in cdk.json: {error}", file=sys.stderr)
        raise SystemExit(2) from None
    write_openapi(app, app.synth())
    if os.environ.get(CLI_OUTDIR_VARIABLE):
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
