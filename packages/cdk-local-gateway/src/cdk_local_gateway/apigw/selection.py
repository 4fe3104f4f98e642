"""Integration response selection and request/response template selection."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence


def select_integration_response(
    responses: Sequence[Mapping[str, Any]],
    *,
    status_code: str | None = None,
    error_message: str | None = None,
) -> Mapping[str, Any] | None:
    """Pick the CloudFormation ``IntegrationResponses`` item API Gateway would use.

    Lambda custom integrations pass ``error_message`` (the function's ``errorMessage``, or
    ``None`` on success); HTTP, AWS and MOCK integrations pass ``status_code``.
    """
    raise NotImplementedError


def select_template(
    templates: Mapping[str, str], content_type: str | None, passthrough: str | None
) -> tuple[str | None, int | None]:
    """``(template, None)`` to render (``None`` template = pass the body through), or
    ``(None, 415)`` when ``PassthroughBehavior`` refuses the request."""
    raise NotImplementedError
