"""Low-level conversion between Python values and DynamoDB wire values (``{"S": "x"}``).

Used for untyped containers (``f.List()``, ``f.Map()``), condition values and cursors. Typed
model attributes use precompiled per-model functions (see ``model.py``) for speed.
"""

from __future__ import annotations

from base64 import b64decode, b64encode
from collections.abc import Callable, Iterable, Mapping
from decimal import Decimal
from typing import Any

from pydynamodel.errors import FieldError

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


MAX_DIGITS = 38
MAX_EXPONENT = 125  # 9.9999999999999999999999999999999999999E+125 is the largest magnitude
MIN_EXPONENT = -130  # 1E-130 is the smallest non-zero magnitude
MAX_DEPTH = 32  # maps and lists nest at most 32 levels deep


def number_problem(value: int | float | Decimal) -> str | None:
    """Why DynamoDB would refuse this number (``None`` if it stores it): at most 38
    significant digits, magnitudes from 1E-130 to 9.99...E+125, no NaN or Infinity."""
    if isinstance(value, int):
        # Every int below 10**38 in magnitude fits: skip the Decimal work for them.
        if -(10**MAX_DIGITS) < value < 10**MAX_DIGITS:
            return None
        number = Decimal(value)
    else:
        try:
            number = Decimal(number_str(value))
        except ValueError as exc:
            return str(exc)
    if not number:
        return None
    digits = "".join(map(str, number.as_tuple().digits)).strip("0")
    if len(digits) > MAX_DIGITS:
        return f"has {len(digits)} significant digits; DynamoDB stores at most {MAX_DIGITS}"
    if number.adjusted() > MAX_EXPONENT:
        return f"is too large for DynamoDB (largest magnitude {'9.' + '9' * 37}E+125)"
    if number.adjusted() < MIN_EXPONENT:
        return "is too small for DynamoDB (smallest non-zero magnitude 1E-130)"
    return None


def duplicate_numbers(values: Iterable[int | float | Decimal]) -> bool:
    """Whether two members of a number set render to the same DynamoDB number (``0.1`` and
    ``Decimal("0.1")`` differ in Python; DynamoDB refuses the set)."""
    rendered = [Decimal(number_str(v)) for v in values]
    return len(set(rendered)) != len(rendered)


_PLAIN_SCALARS = (str, bytes, bytearray, bool)


def check_plain(value: Any, path: str, errors: list[FieldError], depth: int = 0) -> None:
    """Validate an untyped value (``f.Any_``, ``f.List()``, ``f.Map()``, ``f.Custom``) as
    ``dump_any`` would store it, so what DynamoDB refuses is reported with its path."""
    if value is None or isinstance(value, _PLAIN_SCALARS):
        return
    if isinstance(value, int | float | Decimal):
        problem = number_problem(value)
        if problem is not None:
            errors.append(FieldError(path, problem))
        return
    if isinstance(value, Mapping | list | tuple):
        _check_container(value, path, errors, depth)
        return
    if isinstance(value, set | frozenset):
        check_set(value, path, errors)
        return
    errors.append(FieldError(path, f"cannot store a {type(value).__name__} in DynamoDB"))


def _check_container(
    value: Mapping[Any, Any] | list[Any] | tuple[Any, ...],
    path: str,
    errors: list[FieldError],
    depth: int,
) -> None:
    if depth >= MAX_DEPTH:
        errors.append(FieldError(path, f"nests deeper than DynamoDB's {MAX_DEPTH} levels"))
        return
    if not isinstance(value, Mapping):
        for i, v in enumerate(value):
            check_plain(v, f"{path}[{i}]", errors, depth + 1)
        return
    for k, v in value.items():
        if not isinstance(k, str):
            errors.append(FieldError(f"{path}.{k}", "map keys must be strings"))
        else:
            check_plain(v, f"{path}.{k}", errors, depth + 1)


def check_set(value: set[Any] | frozenset[Any], path: str, errors: list[FieldError]) -> None:
    """An untyped set: not empty, one element type (str, number or bytes), storable."""
    if not value:
        errors.append(FieldError(path, "DynamoDB cannot store an empty set (use None)"))
        return
    kinds = {
        "number"
        if isinstance(v, int | float | Decimal) and not isinstance(v, bool)
        else "string"
        if isinstance(v, str)
        else "binary"
        if isinstance(v, bytes | bytearray)
        else type(v).__name__
        for v in value
    }
    if len(kinds) > 1 or not kinds <= {"number", "string", "binary"}:
        errors.append(
            FieldError(path, f"a set holds strings, numbers or bytes, got {sorted(kinds)}")
        )
        return
    if kinds == {"number"}:
        before = len(errors)
        for v in value:
            problem = number_problem(v)
            if problem is not None:
                errors.append(FieldError(path, f"{v}: {problem}"))
        if len(errors) == before and duplicate_numbers(value):
            errors.append(FieldError(path, "two members are the same DynamoDB number"))


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


def _dump_number(value: Any) -> Wire:
    return {"N": number_str(value)}


def _dump_bytes(value: bytes | bytearray) -> Wire:
    return {"B": bytes(value)}


def _dump_null(value: None) -> Wire:
    return {"NULL": True}


# Exact types first (one dict lookup); subclasses (str enums, OrderedDict, ...) and other
# mappings and sequences take the isinstance path in ``_dump_subclass``.
_DUMP_BY_TYPE: dict[type, Callable[[Any], Wire]] = {
    str: lambda v: {"S": v},
    int: lambda v: {"N": str(v)},
    bool: lambda v: {"BOOL": v},
    dict: lambda v: {"M": dump_map(v)},
    list: lambda v: {"L": dump_list(v)},
    tuple: lambda v: {"L": dump_list(v)},
    Decimal: _dump_number,
    float: _dump_number,
    type(None): _dump_null,
    bytes: _dump_bytes,
    bytearray: _dump_bytes,
    set: lambda v: _dump_set(v),
    frozenset: lambda v: _dump_set(v),
}


def dump_any(value: Any) -> Wire:
    """Serialize a plain Python value (str, numbers, bool, None, bytes, list, dict, set)."""
    dump = _DUMP_BY_TYPE.get(type(value))
    if dump is not None:
        return dump(value)
    return _dump_subclass(value)


def _dump_subclass(value: Any) -> Wire:
    if isinstance(value, bool):
        return {"BOOL": bool(value)}
    if isinstance(value, str):
        return {"S": str(value)}
    if isinstance(value, int | float | Decimal):
        return {"N": number_str(value)}
    if isinstance(value, Mapping):
        return {"M": {str(k): dump_any(v) for k, v in value.items()}}
    if isinstance(value, list | tuple):
        return {"L": dump_list(value)}
    if isinstance(value, set | frozenset):
        return _dump_set(value)
    raise TypeError(f"cannot serialize {type(value).__name__} to DynamoDB")


def dump_plain_map(value: Mapping[str, Any]) -> Wire:
    """The wire value of an untyped map (``f.Map()``): a ``dict`` or any other mapping."""
    if type(value) is dict:
        return {"M": dump_map(value)}
    return {"M": {k: dump_any(v) for k, v in value.items()}}


# The container loops below inline the common element types instead of calling dump_any /
# load_any per element: a Python call per value is most of the cost of a nested document.


def dump_map(value: dict[str, Any]) -> dict[str, Wire]:
    """The ``M`` payload of a plain dict (``dump_any`` on each value)."""
    out: dict[str, Wire] = {}
    for k, v in value.items():
        t = type(v)
        if t is str:
            out[k] = {"S": v}
        elif t is int:
            out[k] = {"N": str(v)}
        elif t is bool:
            out[k] = {"BOOL": v}
        elif t is dict:
            out[k] = {"M": dump_map(v)}
        elif t is list:
            out[k] = {"L": dump_list(v)}
        else:
            out[k] = dump_any(v)
    return out


def dump_list(value: Iterable[Any]) -> list[Wire]:
    """The ``L`` payload of a list or tuple (``dump_any`` on each element)."""
    out: list[Wire] = []
    append = out.append
    for v in value:
        t = type(v)
        if t is str:
            append({"S": v})
        elif t is int:
            append({"N": str(v)})
        elif t is bool:
            append({"BOOL": v})
        elif t is dict:
            append({"M": dump_map(v)})
        elif t is list:
            append({"L": dump_list(v)})
        else:
            append(dump_any(v))
    return out


def _identity(value: Any) -> Any:
    return value


def _load_null(value: Any) -> None:
    return None


_LOAD_BY_TAG: dict[str, Callable[[Any], Any]] = {
    "S": _identity,
    "N": load_number,
    "M": lambda v: load_map(v),
    "L": lambda v: load_list(v),
    "BOOL": _identity,
    "NULL": _load_null,
    "B": bytes,
    "SS": set,
    "NS": lambda v: {load_number(x) for x in v},
    "BS": lambda v: {bytes(x) for x in v},
}


def load_any(wire: Mapping[str, Any]) -> Any:
    """Deserialize a wire value into plain Python values."""
    for tag, v in wire.items():
        load = _LOAD_BY_TAG.get(tag)
        if load is None:
            raise TypeError(f"unknown DynamoDB type tag {tag!r}")
        return load(v)
    raise TypeError("empty DynamoDB value")


def load_map(value: Mapping[str, Mapping[str, Any]]) -> dict[str, Any]:
    """A plain dict from an ``M`` payload (``load_any`` on each value)."""
    # The common tags are tested with ``in`` (one lookup, no method call) in a fixed order, S
    # and N first; a ``{"S": None}`` still ends in load_any, which gives None as before. An
    # all-digit number skips the three ``in`` tests of ``load_number`` (same result: int).
    out: dict[str, Any] = {}
    for k, w in value.items():
        if "S" in w:
            s = w["S"]
            if s is not None:
                out[k] = s
                continue
        if "N" in w:
            n = w["N"]
            if n is not None:
                out[k] = (
                    int(n)
                    if n.isdigit()
                    else Decimal(n)
                    if ("." in n or "e" in n or "E" in n)
                    else int(n)
                )
                continue
        if "M" in w:
            out[k] = load_map(w["M"])
        elif "L" in w:
            out[k] = load_list(w["L"])
        elif "BOOL" in w:
            out[k] = w["BOOL"]
        else:
            out[k] = load_any(w)
    return out


def load_list(value: Iterable[Mapping[str, Any]]) -> list[Any]:
    """A plain list from an ``L`` payload (``load_any`` on each element; tags as in
    ``load_map``)."""
    out: list[Any] = []
    append = out.append
    for w in value:
        if "S" in w:
            s = w["S"]
            if s is not None:
                append(s)
                continue
        if "N" in w:
            n = w["N"]
            if n is not None:
                append(
                    int(n)
                    if n.isdigit()
                    else Decimal(n)
                    if ("." in n or "e" in n or "E" in n)
                    else int(n)
                )
                continue
        if "M" in w:
            append(load_map(w["M"]))
        elif "L" in w:
            append(load_list(w["L"]))
        elif "BOOL" in w:
            append(w["BOOL"])
        else:
            append(load_any(w))
    return out


def _number_size(text: str) -> int:
    digits = text.lstrip("-").replace(".", "").split("e")[0].split("E")[0].strip("0")
    return (len(digits) + 1) // 2 + 1


def _utf8_size(text: str) -> int:
    return len(text.encode("utf-8"))


def _one_byte(value: Any) -> int:
    return 1


_SIZE_BY_TAG: dict[str, Callable[[Any], int]] = {
    "S": _utf8_size,
    "N": _number_size,
    "B": len,
    "BOOL": _one_byte,
    "NULL": _one_byte,
    "SS": lambda v: sum(_utf8_size(x) for x in v),
    "NS": lambda v: sum(_number_size(x) for x in v),
    "BS": lambda v: sum(len(x) for x in v),
    "L": lambda v: 3 + sum(1 + value_size(x) for x in v),
    "M": lambda v: 3 + sum(_utf8_size(k) + 1 + value_size(x) for k, x in v.items()),
}


def value_size(wire: Mapping[str, Any]) -> int:
    """Approximate DynamoDB's billing size of one attribute value in bytes."""
    for tag, v in wire.items():
        size = _SIZE_BY_TAG.get(tag)
        if size is not None:
            return size(v)
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
