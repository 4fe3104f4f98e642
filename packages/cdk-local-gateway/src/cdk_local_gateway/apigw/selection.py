"""Integration response selection and request/response template selection."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from cdk_local_gateway.apigw.java import java_regex

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

DEFAULT_CONTENT_TYPE = "application/json"
UNSUPPORTED_MEDIA_TYPE = 415


def _pattern(response: Mapping[str, Any]) -> str:
    return str(response.get("SelectionPattern") or "")


def select_integration_response(
    responses: Sequence[Mapping[str, Any]],
    *,
    status_code: str | None = None,
    error_message: str | None = None,
) -> Mapping[str, Any] | None:
    """Pick the CloudFormation ``IntegrationResponses`` item API Gateway would use.

    Lambda custom integrations pass ``error_message`` (the function's ``errorMessage``, or
    ``None`` on success); HTTP, AWS and MOCK integrations pass ``status_code``. A pattern must
    match the whole string with Java's ``Pattern.matches``: ``.`` does not cross a newline, so a
    multi-line ``errorMessage`` needs ``(\\n|.)+`` or ``[\\s\\S]*``, as on API Gateway. When no
    pattern matches, the default response (no or empty ``SelectionPattern``) answers, errors
    included; ``None`` when there is no default either.
    """
    default = next((r for r in responses if _pattern(r) == ""), None)
    subject = error_message if error_message is not None else status_code
    if subject is None:
        return default
    for response in responses:
        pattern = _pattern(response)
        if pattern and java_regex(pattern).fullmatch(subject) is not None:
            return response
    return default


# MOCK request templates are often JavaScript-ish, not JSON ({ statusCode: 200 }).
_MOCK_STATUS = re.compile(r"""["']?statusCode["']?\s*:\s*["']?(\d{3})\b""")


def mock_status_code(rendered_request: str) -> str:
    """The status a MOCK integration answers, from its rendered request template.

    ``{"statusCode": 200}`` and the unquoted ``{ statusCode: 200 }`` both read as ``"200"``;
    a template naming no status answers 200 (unverified).
    """
    match = _MOCK_STATUS.search(rendered_request)
    return match.group(1) if match else "200"


def _media_type(content_type: str) -> str:
    return content_type.split(";", 1)[0].strip().lower()


def select_template(
    templates: Mapping[str, str],
    content_type: str | None,
    passthrough: str | None,
    *,
    response: bool = False,
) -> tuple[str | None, int | None]:
    """The mapping template for ``content_type``: ``(template, None)``; ``(None, None)`` to pass
    the body through untransformed; ``(None, 415)`` when ``PassthroughBehavior`` refuses.

    Requests (``response=False``) select by ``Content-Type`` (absent means application/json);
    ``passthrough`` is ``WHEN_NO_MATCH`` (the default), ``WHEN_NO_TEMPLATES`` or ``NEVER``.
    Responses (``response=True``) select by the ``Accept`` type, fall back to application/json
    and then to the first template, and always pass an unmatched body through.
    """
    by_type = {_media_type(name): template for name, template in templates.items()}
    wanted = _media_type(content_type) if content_type else DEFAULT_CONTENT_TYPE
    if wanted in by_type:
        return by_type[wanted], None
    if response:
        if DEFAULT_CONTENT_TYPE in by_type:
            return by_type[DEFAULT_CONTENT_TYPE], None
        return (next(iter(by_type.values())), None) if by_type else (None, None)
    behaviour = (passthrough or "WHEN_NO_MATCH").upper()
    if behaviour == "WHEN_NO_MATCH" or (behaviour == "WHEN_NO_TEMPLATES" and not templates):
        return None, None
    return None, UNSUPPORTED_MEDIA_TYPE
