"""The project's mapping templates rendered through cdk-local-gateway's API Gateway layer.

One engine and one API Gateway layer: the local runtime renders templates with
:func:`cdk_local_gateway.apigw.render`, and so do these tests. This module only adapts the
names the template tests use (``Input``, ``render``, ``render_text``) to that function.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from cdk_local_gateway.apigw import TemplateInput
from cdk_local_gateway.apigw import render as render_template

from stacks.rest.templates import load_template


@dataclass
class Input:
    """``$input``: the method request (or integration response) a template reads."""

    body: str = ""
    path_params: dict[str, str] = field(default_factory=dict)
    query: dict[str, str] = field(default_factory=dict)
    headers: dict[str, str] = field(default_factory=dict)


def render(
    name: str,
    *,
    request: Input | None = None,
    context: dict[str, Any] | None = None,
    **placeholders: str,
) -> str:
    """Render ``stacks/rest/templates/<name>.vtl`` as API Gateway would."""
    return render_text(load_template(name, **placeholders), request=request, context=context)


def render_text(
    text: str, *, request: Input | None = None, context: dict[str, Any] | None = None
) -> str:
    """Render the mapping template ``text`` (REST or WebSocket) as API Gateway would."""
    request = request or Input()
    data = TemplateInput(
        body=request.body,
        params={
            "path": request.path_params,
            "querystring": request.query,
            "header": request.headers,
        },
        context=context or {},
    )
    return render_template(text, data).text
