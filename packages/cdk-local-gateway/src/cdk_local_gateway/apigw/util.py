"""``$util``: API Gateway's helper functions with the Java library behaviour behind them."""

from __future__ import annotations

import base64
import binascii
import json
from typing import Any
from urllib.parse import quote_plus, unquote_plus

from cdk_local_gateway.apigw.java import JavaString, java, to_string

# commons-lang 2 StringEscapeUtils.escapeJavaScript: these get a backslash; other control
# characters and everything above U+007F become \uXXXX (upper-case hex, UTF-16 units).
_JS_ESCAPES = {
    "'": "\\'",
    '"': '\\"',
    "\\": "\\\\",
    "/": "\\/",
    "\b": "\\b",
    "\f": "\\f",
    "\n": "\\n",
    "\r": "\\r",
    "\t": "\\t",
}


def escape_javascript(value: str) -> str:
    """``StringEscapeUtils.escapeJavaScript``: note ``'`` becomes ``\\'`` (not valid JSON)."""
    out: list[str] = []
    for char in value:
        if char in _JS_ESCAPES:
            out.append(_JS_ESCAPES[char])
        elif ord(char) < 32 or ord(char) > 0x7F:
            units = char.encode("utf-16-be")
            out.extend(
                f"\\u{int.from_bytes(units[i : i + 2], 'big'):04X}" for i in range(0, len(units), 2)
            )
        else:
            out.append(char)
    return "".join(out)


def url_encode(value: str) -> str:
    """``URLEncoder.encode(value, "UTF-8")``: keeps ``A-Za-z0-9.-*_``, space becomes ``+``."""
    return quote_plus(value, safe="*").replace("~", "%7E")


def url_decode(value: str) -> str:
    """``URLDecoder.decode(value, "UTF-8")``: ``+`` is a space; a bad ``%`` escape fails."""
    for index, char in enumerate(value):
        if char == "%" and not all(
            c in "0123456789abcdefABCDEF" for c in value[index + 1 : index + 3].ljust(2, "x")
        ):
            raise ValueError(f"URLDecoder: Illegal hex characters in escape (%) pattern: {value}")
    return unquote_plus(value, errors="replace")


class Util:
    """The object templates reach as ``$util``.

    A null argument (an undefined reference) gives null, which the template prints as nothing:
    commons-lang documents it for ``escapeJavaScript``; the other helpers follow suit here.
    """

    def escapeJavaScript(self, value: Any) -> JavaString | None:
        return None if value is None else JavaString(escape_javascript(to_string(value)))

    def parseJson(self, value: Any) -> Any:
        if value is None:
            return None
        try:
            return java(json.loads(to_string(value)), from_json=True)
        except ValueError as error:
            raise ValueError(f"$util.parseJson: not JSON: {error}") from error

    def urlEncode(self, value: Any) -> JavaString | None:
        return None if value is None else JavaString(url_encode(to_string(value)))

    def urlDecode(self, value: Any) -> JavaString | None:
        return None if value is None else JavaString(url_decode(to_string(value)))

    def base64Encode(self, value: Any) -> JavaString | None:
        if value is None:
            return None
        return JavaString(base64.b64encode(to_string(value).encode()).decode())

    def base64Decode(self, value: Any) -> JavaString | None:
        if value is None:
            return None
        try:
            raw = base64.b64decode(to_string(value).encode(), validate=False)
        except binascii.Error as error:
            raise ValueError(f"$util.base64Decode: {error}") from error
        # Java's new String(bytes, UTF_8) replaces malformed input with U+FFFD.
        return JavaString(raw.decode(errors="replace"))
