"""Java semantics for values a mapping template touches (API Gateway's VTL runs on Java).

Templates call ``java.lang.String``, ``java.util.Map`` and ``java.util.List`` methods and print
values with Java's ``toString``. Values this package hands to a template are wrapped in the
subclasses below, whose methods follow Java where Python's namesakes differ (``split`` takes a
regular expression and drops trailing empty strings; ``indexOf`` answers -1; replacement
strings use ``$1``). Strings, maps and lists a template builds itself from literals are plain
Python objects: :func:`install_literal_methods` gives them the same methods through airspeed's
extension table, except where a Python method of the same name shadows it (``split``).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Mapping
from functools import lru_cache
from typing import Any

# Java's named groups are (?<name>...), Python's (?P<name>...); lookbehinds (?<= (?<! stay.
_JAVA_NAMED_GROUP = re.compile(r"(?<!\\)\(\?<(?=[A-Za-z])")


@lru_cache(maxsize=256)
def java_regex(pattern: str) -> re.Pattern[str]:
    """Compile a ``java.util.regex`` pattern (the common subset) with Python's ``re``."""
    try:
        return re.compile(_JAVA_NAMED_GROUP.sub("(?P<", pattern))
    except re.error as error:
        raise ValueError(f"invalid regular expression {pattern!r}: {error}") from error


def _java_replacement(replacement: str) -> Callable[[re.Match[str]], str]:
    """``Matcher.replaceAll`` replacement syntax: ``$n`` / ``${name}`` groups, ``\\x`` literal x."""
    parts: list[str | int] = []
    literal: list[str] = []
    i = 0
    while i < len(replacement):
        char = replacement[i]
        if char == "\\" and i + 1 < len(replacement):
            literal.append(replacement[i + 1])
            i += 2
        elif char == "$":
            named = re.match(r"\{([A-Za-z][A-Za-z0-9]*)\}", replacement[i + 1 :])
            digits = re.match(r"[0-9]+", replacement[i + 1 :])
            if named:
                parts.extend(["".join(literal), named.group(1)])
                i += 1 + named.end()
            elif digits:
                parts.extend(["".join(literal), int(digits.group(0))])
                i += 1 + digits.end()
            else:
                raise ValueError(f"illegal group reference in replacement {replacement!r}")
            literal = []
        else:
            literal.append(char)
            i += 1
    parts.append("".join(literal))

    def expand(match: re.Match[str]) -> str:
        out: list[str] = []
        for index, part in enumerate(parts):
            if index % 2 == 0:
                out.append(str(part))
            else:
                out.append(match.group(part) or "")
        return "".join(out)

    return expand


def java_split(text: str, regex: str, limit: int = 0) -> list[str]:
    """``String.split(regex, limit)``: captured groups left out, Java's empty-string rules."""
    if text == "":
        return [""]
    pieces: list[str] = []
    start = 0
    for match in java_regex(regex).finditer(text):
        if limit > 0 and len(pieces) == limit - 1:
            break
        if match.end() == 0:
            continue  # a zero-width match at the start never makes a leading empty string
        pieces.append(text[start : match.start()])
        start = match.end()
    pieces.append(text[start:])
    if limit == 0:
        while len(pieces) > 1 and pieces[-1] == "":
            pieces.pop()
        if pieces == [""] and text:
            return []
    return pieces


def to_string(value: Any) -> str:
    """Java's ``String.valueOf``: ``{k=v}`` maps, ``[a, b]`` lists, ``true``, ``null``."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, JsonArray):
        return json.dumps(to_plain(value), separators=(",", ":"), ensure_ascii=False)
    if isinstance(value, Mapping):
        return "{" + ", ".join(f"{to_string(k)}={to_string(v)}" for k, v in value.items()) + "}"
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(to_string(v) for v in value) + "]"
    return str(value)


def to_plain(value: Any) -> Any:
    """Plain ``dict``/``list``/``str`` again (for ``json.dumps``)."""
    if isinstance(value, Mapping):
        return {str(k): to_plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [to_plain(v) for v in value]
    if isinstance(value, str):
        return str(value)
    return value


class JavaString(str):
    """A ``str`` answering ``java.lang.String``'s methods."""

    def matches(self, regex: str) -> bool:
        return java_regex(regex).fullmatch(self) is not None

    def replaceAll(self, regex: str, replacement: str) -> JavaString:
        return JavaString(java_regex(regex).sub(_java_replacement(replacement), self))

    def replaceFirst(self, regex: str, replacement: str) -> JavaString:
        return JavaString(java_regex(regex).sub(_java_replacement(replacement), self, count=1))

    def replace(self, old: str, new: str, count: Any = -1) -> JavaString:
        # Java's replace(CharSequence, CharSequence) replaces every occurrence literally.
        return JavaString(str.replace(self, str(old), str(new)))

    def split(self, regex: str, limit: int = 0) -> JavaList:  # type: ignore[override]
        return JavaList(JavaString(piece) for piece in java_split(self, regex, limit))

    def length(self) -> int:
        return len(self)

    def isEmpty(self) -> bool:
        return len(self) == 0

    def charAt(self, index: int) -> JavaString:
        if not 0 <= index < len(self):
            raise IndexError(f"String index out of range: {index}")
        return JavaString(self[index])

    def substring(self, begin: int, end: int | None = None) -> JavaString:
        stop = len(self) if end is None else end
        if begin < 0 or stop > len(self) or begin > stop:
            raise IndexError(f"begin {begin}, end {stop}, length {len(self)}")
        return JavaString(self[begin:stop])

    def indexOf(self, needle: str, start: int = 0) -> int:
        return self.find(str(needle), max(start, 0))

    def lastIndexOf(self, needle: str) -> int:
        return self.rfind(str(needle))

    def contains(self, needle: str) -> bool:
        return str(needle) in self

    def startsWith(self, prefix: str) -> bool:
        return self.startswith(str(prefix))

    def endsWith(self, suffix: str) -> bool:
        return self.endswith(str(suffix))

    def equals(self, other: Any) -> bool:
        return isinstance(other, str) and str(self) == str(other)

    def equalsIgnoreCase(self, other: Any) -> bool:
        return isinstance(other, str) and self.lower() == other.lower()

    def toLowerCase(self) -> JavaString:
        return JavaString(self.lower())

    def toUpperCase(self) -> JavaString:
        return JavaString(self.upper())

    def trim(self) -> JavaString:
        # Java's trim() removes every character <= U+0020, not Unicode whitespace.
        return JavaString(self.strip("".join(chr(c) for c in range(33))))

    def concat(self, other: str) -> JavaString:
        return JavaString(self + str(other))

    def toString(self) -> JavaString:
        return self


class JavaList(list[Any]):
    """A ``list`` answering ``java.util.List``'s methods, printed as ``[a, b]``."""

    def __init__(self, items: Iterable[Any] = ()) -> None:
        super().__init__(items)

    def size(self) -> int:
        return len(self)

    def isEmpty(self) -> bool:
        return len(self) == 0

    def get(self, index: int) -> Any:
        if not 0 <= index < len(self):
            raise IndexError(f"Index {index} out of bounds for length {len(self)}")
        return self[index]

    def contains(self, value: Any) -> bool:
        return value in self

    def add(self, value: Any) -> bool:
        self.append(value)
        return True

    def indexOf(self, value: Any) -> int:
        return self.index(value) if value in self else -1

    def toString(self) -> str:
        return to_string(self)

    def __str__(self) -> str:
        return to_string(self)


class JsonArray(JavaList):
    """A JSON array from the request or ``parseJson``: json-smart prints it back as JSON."""


class JavaMap(dict[str, Any]):
    """A ``dict`` answering ``java.util.Map``'s methods, printed as ``{k=v}``."""

    def size(self) -> int:
        return len(self)

    def isEmpty(self) -> bool:
        return len(self) == 0

    def keySet(self) -> JavaList:
        return JavaList(self.keys())

    def values(self) -> JavaList:  # type: ignore[override]
        return JavaList(super().values())

    def entrySet(self) -> JavaList:
        return JavaList(JavaMap(key=k, value=v) for k, v in self.items())

    def containsKey(self, key: Any) -> bool:
        return key in self

    def put(self, key: str, value: Any) -> Any:
        previous = super().get(key)
        self[key] = value
        return previous

    def putAll(self, other: Mapping[str, Any]) -> None:
        self.update(other)

    def remove(self, key: str) -> Any:
        return self.pop(key, None)

    def toString(self) -> str:
        return to_string(self)

    def __str__(self) -> str:
        return to_string(self)


def java(value: Any, *, from_json: bool = False) -> Any:
    """Wrap ``value`` (recursively) in the Java-behaving types above."""
    if isinstance(value, str):
        return value if isinstance(value, JavaString) else JavaString(value)
    if isinstance(value, bool) or value is None or isinstance(value, (int, float)):
        return value
    if isinstance(value, Mapping):
        return JavaMap({str(k): java(v, from_json=from_json) for k, v in value.items()})
    if isinstance(value, (list, tuple)):
        items = (java(v, from_json=from_json) for v in value)
        return JsonArray(items) if from_json else JavaList(items)
    return value
