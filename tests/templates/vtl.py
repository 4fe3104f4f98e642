"""Renders API Gateway mapping templates with airspeed (a Python Velocity engine).

API Gateway's VTL runs on Java: strings have Java methods (``matches``, ``replaceAll`` ...)
and ``$input``/``$util``/``$context`` are provided by the gateway. This shim provides the
parts our templates use, with Java's semantics where they differ from Python's (JavaScript
escaping of single quotes, URL-encoding of spaces as ``+``).
"""

from __future__ import annotations

import base64
import json
import re
from dataclasses import dataclass, field
from functools import cache
from typing import Any
from urllib.parse import quote_plus

import airspeed

from stacks.rest.templates import load_template


class JavaString(str):
    """A ``str`` with the ``java.lang.String`` methods mapping templates call."""

    def matches(self, regex: str) -> bool:
        return re.fullmatch(regex, self) is not None

    def replaceAll(self, regex: str, replacement: str) -> JavaString:
        return JavaString(re.sub(regex, lambda _: replacement, self))

    def replaceFirst(self, regex: str, replacement: str) -> JavaString:
        return JavaString(re.sub(regex, lambda _: replacement, self, count=1))

    def length(self) -> int:
        return len(self)


def _java(value: Any) -> Any:
    """Wrap strings (also nested in lists and dicts) as :class:`JavaString`."""
    if isinstance(value, str):
        return JavaString(value)
    if isinstance(value, list):
        return [_java(v) for v in value]
    if isinstance(value, dict):
        return {k: _java(v) for k, v in value.items()}
    return value


_JS_ESCAPES = {"'": "\\'", '"': '\\"', "\\": "\\\\", "/": "\\/", "\b": "\\b", "\f": "\\f",
               "\n": "\\n", "\r": "\\r", "\t": "\\t"}  # fmt: skip


class Util:
    """``$util`` (commons-lang ``StringEscapeUtils.escapeJavaScript``, ``URLEncoder``)."""

    def escapeJavaScript(self, value: str) -> JavaString:
        out = []
        for char in str(value):
            if char in _JS_ESCAPES:
                out.append(_JS_ESCAPES[char])
            elif ord(char) < 32 or ord(char) > 0x7F:
                # Java strings are UTF-16: characters beyond the BMP escape as a surrogate pair.
                units = char.encode("utf-16-be")
                for i in range(0, len(units), 2):
                    out.append(f"\\u{int.from_bytes(units[i : i + 2], 'big'):04X}")
            else:
                out.append(char)
        return JavaString("".join(out))

    def urlEncode(self, value: str) -> JavaString:
        # java.net.URLEncoder keeps only alphanumerics and ".-*_", and encodes " " as "+".
        return JavaString(quote_plus(str(value), safe="*").replace("~", "%7E"))

    def base64Encode(self, value: str) -> JavaString:
        return JavaString(base64.b64encode(str(value).encode()).decode())

    def base64Decode(self, value: str) -> JavaString:
        # Java decodes malformed UTF-8 to U+FFFD rather than failing.
        return JavaString(base64.b64decode(str(value).encode()).decode(errors="replace"))


def _json_path(document: Any, path: str) -> Any:
    """The subset of JSONPath templates use: ``$`` and ``$.a.b``. Missing -> ``None``."""
    if path == "$":
        return document
    value = document
    for key in path.removeprefix("$.").split("."):
        if not isinstance(value, dict) or key not in value:
            return None
        value = value[key]
    return value


@dataclass
class Input:
    """``$input``: the method request as API Gateway exposes it to templates."""

    body: str = ""
    path_params: dict[str, str] = field(default_factory=dict)
    query: dict[str, str] = field(default_factory=dict)
    headers: dict[str, str] = field(default_factory=dict)

    def params(self, name: str) -> JavaString:
        # API Gateway searches path, query string, then headers; missing is "".
        for source in (self.path_params, self.query, self.headers):
            if name in source:
                return JavaString(source[name])
        return JavaString("")

    def _document(self) -> Any:
        return json.loads(self.body) if self.body else {}

    def json(self, path: str) -> str:
        return json.dumps(_json_path(self._document(), path))

    def path(self, path: str) -> Any:
        value = _json_path(self._document(), path)
        return JavaString("") if value is None else _java(value)


@cache
def _compiled(text: str) -> airspeed.Template:
    template = airspeed.Template(text)
    template.ensure_compiled()
    return template


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
    # Velocity (Java) takes backslashes in string literals literally, airspeed unescapes them:
    # doubling them makes airspeed see what API Gateway sees. Our templates use backslashes
    # only inside string literals (regular expressions), never in output text.
    template = _compiled(text.replace("\\", "\\\\"))
    return str(
        template.merge(
            {"input": request or Input(), "util": Util(), "context": _java(context or {})}
        )
    )
