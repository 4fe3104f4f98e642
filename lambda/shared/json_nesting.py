"""How deeply a JSON text nests, measured before ``json.loads`` can recurse into it."""

from __future__ import annotations


def nesting_depth(text: str) -> int:
    """Deepest ``[``/``{`` nesting outside strings: a cheap scan that lets a parser refuse a
    text like thousands of ``[`` before ``json.loads`` hits Python's recursion limit."""
    depth = deepest = 0
    in_string = escaped = False
    for ch in text:
        if in_string:
            if escaped:
                escaped = False
            elif ch == "\\":
                escaped = True
            elif ch == '"':
                in_string = False
        elif ch == '"':
            in_string = True
        elif ch in "[{":
            depth += 1
            deepest = max(deepest, depth)
        elif ch in "]}":
            depth -= 1
    return deepest
