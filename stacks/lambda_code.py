"""The one code asset every function of a stack shares: the ``lambda/`` directory, unbundled.

boto3 is in the Lambda runtime and Powertools comes from the AWS-managed layer, so the handlers
and the dynamodel library ship as plain source: no Docker, no bundling step.
"""

from __future__ import annotations

from pathlib import Path

from aws_cdk import aws_lambda as lambda_

LAMBDA_DIR = Path(__file__).resolve().parents[1] / "lambda"
_EXCLUDE = ["**/__pycache__", "**/*.pyc", "**/.mypy_cache", "**/*.md"]


def lambda_code() -> lambda_.Code:
    """A fresh asset reference to ``lambda/`` (CDK stages identical assets only once)."""
    return lambda_.Code.from_asset(str(LAMBDA_DIR), exclude=_EXCLUDE)
