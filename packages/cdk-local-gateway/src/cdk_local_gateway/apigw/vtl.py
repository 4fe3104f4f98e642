"""API Gateway mapping templates (VTL) rendered on airspeed-ext with API Gateway's variables."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Mapping


@dataclass(frozen=True)
class TemplateInput:
    """What a mapping template sees.

    ``body`` is the raw request body (request templates) or the integration response body
    (response templates). ``params`` is ``{"path": {...}, "querystring": {...}, "header": {...}}``
    as ``$input.params()`` returns it. ``context`` is ``$context`` (whatever keys are given:
    requestId, stage, identity{...}, authorizer{...}, connectionId ...).
    """

    body: str = ""
    params: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    context: Mapping[str, Any] = field(default_factory=dict)
    stage_variables: Mapping[str, str] = field(default_factory=dict)


@dataclass
class Rendered:
    """A rendered template plus the overrides it set through ``$context.*Override``."""

    text: str
    request_override: dict[str, dict[str, str]] = field(
        default_factory=lambda: {"header": {}, "querystring": {}, "path": {}}
    )
    response_override: dict[str, Any] = field(
        default_factory=lambda: {"status": None, "header": {}}
    )


class TemplateError(Exception):
    """A template API Gateway would fail on; the message says why."""


def render(template: str, data: TemplateInput) -> Rendered:
    """Render ``template`` as API Gateway would, with ``$input``, ``$util``, ``$context``."""
    raise NotImplementedError
