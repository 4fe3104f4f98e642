"""Low-level conversion between Python values and DynamoDB wire values (``{"S": "x"}``).

Used for untyped containers (``f.List()``, ``f.Map()``), condition values and cursors. Typed
model attributes use precompiled per-model functions (see ``model.py``) for speed.
"""

from __future__ import annotations

from base64 import b64decode, b64encode
from collections.abc import Callable, Mapping
from decimal import Decimal
from typing import Any

Wire = dict[str, Any]

MAX_ITEM_BYTES = 400 * 1024


def number_str(value: int | float | Decimal) -> str:
    """Render a number for DynamoDB without float precision loss (floats go through str)."""
    if isinstance(value, float):
        if value != value or value in (float("inf"), float("-inf")):
            raise ValueError("NaN and Infinity cannot be stored in DynamoDB")
        return repr(value)
    if isinstance(value, Decimal) and not value.is_finite():
        raise ValueError("NaN and Infinity cannot be stored in DynamoDB")
    return str(value)


def load_number(text: str) -> int | Decimal:
    """Integral numbers load as ``int``; anything else as ``Decimal`` (never ``float``)."""
    if "." in text or "e" in text or "E" in text:
        return Decimal(text)
    return int(text)


def _dump_set(value: set[Any] | frozenset[Any]) -> Wire:
    if not value:
        raise ValueError("DynamoDB cannot store an empty set")
    first = next(iter(value))
    if isinstance(first, str):
        return {"SS": list(value)}
    if isinstance(first, bytes | bytearray):
        return {"BS": [bytes(v) for v in value]}
    if isinstance(first, int | float | Decimal) and not isinstance(first, bool):
        return {"NS": [number_str(v) for v in value]}
    raise TypeError(f"unsupported set element type {type(first).__name__}")


def dump_any(value: Any) -> Wire:
    """Serialize a plain Python value (str, numbers, bool, None, bytes, list, dict, set)."""
    t = type(value)
    if t is str:
        return {"S": value}
    if t is int:
        return {"N": str(value)}
    if t is bool:
        return {"BOOL": value}
    if t is dict:
        return {"M": {k: dump_any(v) for k, v in value.items()}}
    if t is list or t is tuple:
        return {"L": [dump_any(v) for v in value]}
    if t is Decimal or t is float:
        return {"N": number_str(value)}
    if value is None:
        return {"NULL": True}
    if t is bytes or t is bytearray:
        return {"B": bytes(value)}
    if t is set or t is frozenset:
        return _dump_set(value)
    # Subclasses (str enums, OrderedDict, ...) and other mappings/sequences.
    if isinstance(value, bool):
        return {"BOOL": bool(value)}
    if isinstance(value, str):
        return {"S": str(value)}
    if isinstance(value, int | float | Decimal):
        return {"N": number_str(value)}
    if isinstance(value, Mapping):
        return {"M": {str(k): dump_any(v) for k, v in value.items()}}
    if isinstance(value, list | tuple):
        return {"L": [dump_any(v) for v in value]}
    if isinstance(value, set | frozenset):
        return _dump_set(value)
    raise TypeError(f"cannot serialize {t.__name__} to DynamoDB")


def load_any(wire: Mapping[str, Any]) -> Any:
    """Deserialize a wire value into plain Python values."""
    for tag, v in wire.items():
        if tag == "S":
            return v
        if tag == "N":
            return load_number(v)
        if tag == "M":
            return {k: load_any(x) for k, x in v.items()}
        if tag == "L":
            return [load_any(x) for x in v]
        if tag == "BOOL":
            return v
        if tag == "NULL":
            return None
        if tag == "B":
            return bytes(v)
        if tag == "SS":
            return set(v)
        if tag == "NS":
            return {load_number(x) for x in v}
        if tag == "BS":
            return {bytes(x) for x in v}
        raise TypeError(f"unknown DynamoDB type tag {tag!r}")
    raise TypeError("empty DynamoDB value")


def _number_size(text: str) -> int:
    digits = text.lstrip("-").replace(".", "").split("e")[0].split("E")[0].strip("0")
    return (len(digits) + 1) // 2 + 1


def value_size(wire: Mapping[str, Any]) -> int:
    """Approximate DynamoDB's billing size of one attribute value in bytes."""
    for tag, v in wire.items():
        if tag == "S":
            return len(v.encode("utf-8"))
        if tag == "N":
            return _number_size(v)
        if tag in ("B",):
            return len(v)
        if tag in ("BOOL", "NULL"):
            return 1
        if tag == "SS":
            return sum(len(x.encode("utf-8")) for x in v)
        if tag == "NS":
            return sum(_number_size(x) for x in v)
        if tag == "BS":
            return sum(len(x) for x in v)
        if tag == "L":
            return 3 + sum(1 + value_size(x) for x in v)
        if tag == "M":
            return 3 + sum(len(k.encode("utf-8")) + 1 + value_size(x) for k, x in v.items())
    return 0


def item_size(item: Mapping[str, Mapping[str, Any]]) -> int:
    """Size of an item: UTF-8 length of each attribute name plus the size of its value."""
    return sum(len(k.encode("utf-8")) + value_size(v) for k, v in item.items())


def wire_to_json(wire: Mapping[str, Any]) -> dict[str, Any]:
    """Make a wire value JSON-safe (binary as base64) for cursors."""
    out: dict[str, Any] = {}
    for tag, v in wire.items():
        out[tag] = b64encode(v).decode() if tag == "B" else v
    return out


def wire_from_json(data: Mapping[str, Any]) -> Wire:
    out: Wire = {}
    for tag, v in data.items():
        if tag not in ("S", "N", "B") or not isinstance(v, str):
            raise ValueError("cursor key values must be S, N or B strings")
        out[tag] = b64decode(v) if tag == "B" else v
    return out


Dumper = Callable[[Any], Wire]
Loader = Callable[[Any], Any]
