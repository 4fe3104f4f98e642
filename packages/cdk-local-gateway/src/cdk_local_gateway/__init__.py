"""Serve the API Gateway APIs of a synthesized CDK cloud assembly (``cdk.out``) locally."""

from __future__ import annotations

__version__ = "0.1.0"
