"""Request validation (JSON Schema draft 4 bodies, required parameters) in API Gateway's words."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Mapping

_NO_MODELS: Mapping[str, Mapping[str, Any]] = {}


def validate_body(
    schema: Mapping[str, Any], body: str, *, models: Mapping[str, Mapping[str, Any]] = _NO_MODELS
) -> str | None:
    """``None`` when ``body`` satisfies ``schema``; else API Gateway's error message.

    ``models`` maps model names to schemas so ``$ref`` to another model of the API resolves.
    """
    raise NotImplementedError


def validate_parameters(
    required: Mapping[str, bool], params: Mapping[str, Mapping[str, str]]
) -> str | None:
    """``None`` when every required ``method.request.<where>.<name>`` is present.

    Otherwise API Gateway's message, e.g. ``Missing required request parameters: [limit]``.
    """
    raise NotImplementedError
