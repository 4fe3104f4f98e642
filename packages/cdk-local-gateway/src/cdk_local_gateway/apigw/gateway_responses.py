"""Gateway responses: defaults per response type, their fallback, and plain substitution."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Mapping

DEFAULT_RESPONSES: Mapping[str, tuple[int, str]] = {}


def render_gateway_response(
    template: str,
    *,
    context: Mapping[str, Any],
    stage_variables: Mapping[str, str],
    params: Mapping[str, Mapping[str, str]],
) -> str:
    """Substitute ``$context.x``, ``$stageVariables.x`` and ``method.request.*`` (not VTL)."""
    raise NotImplementedError


def response_parameter_value(
    expression: str,
    *,
    context: Mapping[str, Any] | None = None,
    stage_variables: Mapping[str, str] | None = None,
    params: Mapping[str, Mapping[str, str]] | None = None,
    integration_headers: Mapping[str, str] | None = None,
    integration_body: str | None = None,
) -> str | None:
    """The value of a response parameter mapping expression (``'*'``, ``method.request.header.X``,
    ``context.authorizer.x``, ``stageVariables.x``, ``integration.response.header.X``,
    ``integration.response.body.a.b``); ``None`` when it names nothing."""
    raise NotImplementedError
