"""Environment a local run sets over a function's template values, checked as Lambda checks a
function's environment (no import of the runtime: the CLI checks its arguments with it)."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Mapping

#: Environment variables Lambda defines for every function (a function may not set them).
RESERVED_ENVIRONMENT = frozenset(
    {
        "_HANDLER",
        "_X_AMZN_TRACE_ID",
        "AWS_ACCESS_KEY",
        "AWS_ACCESS_KEY_ID",
        "AWS_DEFAULT_REGION",
        "AWS_EXECUTION_ENV",
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE",
        "AWS_LAMBDA_FUNCTION_NAME",
        "AWS_LAMBDA_FUNCTION_VERSION",
        "AWS_LAMBDA_INITIALIZATION_TYPE",
        "AWS_LAMBDA_LOG_GROUP_NAME",
        "AWS_LAMBDA_LOG_STREAM_NAME",
        "AWS_LAMBDA_RUNTIME_API",
        "AWS_REGION",
        "AWS_SECRET_ACCESS_KEY",
        "AWS_SESSION_TOKEN",
        "LAMBDA_RUNTIME_DIR",
        "LAMBDA_TASK_ROOT",
    }
)
_ENVIRONMENT_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def check_environment(environment: Mapping[str, str]) -> None:
    """Refuse names Lambda would refuse (not a letter/underscore name, or reserved) and
    values that are not strings, naming the offending entry."""
    for name, value in environment.items():
        if not _ENVIRONMENT_NAME.fullmatch(name):
            raise ValueError(f"environment: {name!r} is not a valid variable name")
        if name in RESERVED_ENVIRONMENT:
            raise ValueError(f"environment: {name!r} is reserved by Lambda (the runtime sets it)")
        if not isinstance(value, str):
            raise ValueError(f"environment: {name}={value!r} must be a string")
