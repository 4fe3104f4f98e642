"""Helpers shared by the construct package's tests: bare stacks and inline Lambda code.

Every construct is synthesized in a plain ``cdk.Stack`` with inline code, so no asset is
staged and no template carries an asset hash.
"""

from __future__ import annotations

import re

import aws_cdk as cdk
import pytest
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from aws_cdk.assertions import Template

ACCOUNT = "123456789012"
REGION = "eu-west-1"
OTHER_REGION = "us-east-1"
RETENTION = logs.RetentionDays.ONE_WEEK


def new_stack(*, region: str | None = REGION, stack_id: str = "Test") -> cdk.Stack:
    """A stack of a fresh app, bound to ``ACCOUNT``/``region`` (``None``: region-agnostic)."""
    env = None if region is None else cdk.Environment(account=ACCOUNT, region=region)
    return cdk.Stack(cdk.App(), stack_id, env=env)


def inline_code(body: str = "def handler(event, context):\n    return {}\n") -> lambda_.Code:
    return lambda_.Code.from_inline(body)


def plain_function(stack: cdk.Stack, construct_id: str = "Fn") -> lambda_.Function:
    """A bare Lambda function with inline code, for constructs that take one."""
    return lambda_.Function(
        stack,
        construct_id,
        runtime=lambda_.Runtime.PYTHON_3_13,
        handler="index.handler",
        code=inline_code(),
    )


def template_of(stack: cdk.Stack) -> Template:
    return Template.from_stack(stack)


def refused(message: str) -> pytest.RaisesExc[ValueError]:
    """``pytest.raises`` for a ``ValueError`` whose message is exactly ``message``."""
    return pytest.raises(ValueError, match=f"^{re.escape(message)}$")
