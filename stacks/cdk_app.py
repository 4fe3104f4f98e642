"""The ``cdk.App`` every synth of this project starts from, and how its synth fails.

cdk-nag runs as a CDK validation plugin (:mod:`stacks.guardrails`), and a finding must fail
``cdk synth``. The CDK CLI tells the app to leave validation failures to it (context
``@aws-cdk/core:failSynthOnValidationErrors`` = false) and then reports only the findings of
the stacks it selected; ``cdk synth`` without a selector selects none of an app whose stacks
all live in stages, as ours do, and exits 0 with findings. So the app sets the key back to
true with precedence over the CLI's context (``post_cli_context``): ``App.synth`` then prints
the validation report and raises, whoever runs it (tests/infra/test_guardrails_cli.py runs
the pinned CLI on such an app).
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, NoReturn

import aws_cdk as cdk

if TYPE_CHECKING:
    from pathlib import Path

    from aws_cdk import cx_api

#: The context key through which the CLI turns synth-time validation failures off.
FAIL_ON_VALIDATION_ERRORS = "@aws-cdk/core:failSynthOnValidationErrors"
#: How the CDK words the error it raises from ``App.synth`` when a validation plugin failed.
_VALIDATION_FAILED = "ValidationFailed"


def new_app(*, outdir: Path | None = None) -> cdk.App:
    """An app whose synth fails on any validation finding, with CloudFormation's built-in
    validator off (cfn-lint over cdk.out checks the same templates in ``make test``, and the
    validator costs seconds on every synth)."""
    return cdk.App(
        builtin_cloud_formation_validation=False,
        outdir=None if outdir is None else str(outdir),
        post_cli_context={FAIL_ON_VALIDATION_ERRORS: True},
    )


def synthesize(app: cdk.App) -> cx_api.CloudAssembly:
    """``app.synth()``; a validation failure ends the process with status 1 and one line
    after the report the CDK printed (no jsii stack trace)."""
    try:
        return app.synth()
    except RuntimeError as error:
        if not str(error).startswith(_VALIDATION_FAILED):
            raise
        _fail(str(error))


def _fail(message: str) -> NoReturn:
    print(f"cdk synth: {message}", file=sys.stderr)
    raise SystemExit(1) from None
