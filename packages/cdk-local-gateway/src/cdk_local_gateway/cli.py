"""Command line entry point (``cdk-local-gateway``)."""

from __future__ import annotations

import sys


def main(argv: list[str] | None = None) -> int:
    print("cdk-local-gateway: not built yet", file=sys.stderr)
    return 2
