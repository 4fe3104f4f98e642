#!/usr/bin/env python3
"""CDK entry point: one ``cdk.Stage`` per stage defined in the ``stages`` context of cdk.json."""

from __future__ import annotations

import sys

import aws_cdk as cdk

from stacks.app_builder import build_app, write_openapi
from stacks.config import ConfigError


def main() -> None:
    try:
        app = build_app(cdk.App(builtin_cloud_formation_validation=False))
    except ConfigError as error:
        # One clear line (stage, key, value) instead of a jsii stack trace.
        print(f"Invalid stage configuration in cdk.json: {error}", file=sys.stderr)
        raise SystemExit(2) from None
    write_openapi(app, app.synth())


if __name__ == "__main__":
    main()
