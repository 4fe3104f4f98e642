"""Condition, filter, key-condition and update expressions.

Every expression compiles to a string using only placeholders: attribute names become
``#n0, #n1 ...`` and values ``:v0, :v1 ...``. User values are never spliced into the string.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, NoReturn

if TYPE_CHECKING:
    from collections.abc import Iterable, Sequence

    from pydynamodel.serialization import Wire

PathPart = str | int
Path = tuple[PathPart, ...]


class ExpressionBuilder:
    """Collects name and value placeholders shared by the expressions of one request."""

    __slots__ = ("_by_name", "names", "values")

    def __init__(self) -> None:
        self.names: dict[str, str] = {}
        self._by_name: dict[str, str] = {}
        self.values: dict[str, Wire] = {}

    def name(self, name: str) -> str:
        ph = self._by_name.get(name)
        if ph is None:
            ph = f"#n{len(self._by_name)}"
            self._by_name[name] = ph
            self.names[ph] = name
        return ph

    def path(self, path: Path) -> str:
        out: list[str] = []
        for part in path:
            if isinstance(part, int):
                out.append(f"[{part}]")
            else:
                out.append(("." if out else "") + self.name(part))
        return "".join(out)

    def value(self, wire: Wire) -> str:
        ph = f":v{len(self.values)}"
        self.values[ph] = wire
        return ph

    def params(self) -> dict[str, Any]:
        """``ExpressionAttributeNames``/``Values`` entries (omitted when empty)."""
        out: dict[str, Any] = {}
        if self.names:
            out["ExpressionAttributeNames"] = dict(self.names)
        if self.values:
            out["ExpressionAttributeValues"] = dict(self.values)
        return out


def path_str(path: Path) -> str:
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else part)
    return out


class Condition:
    """A boolean expression over item attributes. Combine with ``&``, ``|`` and ``~``."""

    __slots__ = ()

    def compile(self, b: ExpressionBuilder) -> str:
        raise NotImplementedError

    def __and__(self, other: Condition) -> Condition:
        return And(self, other)

    def __or__(self, other: Condition) -> Condition:
        return Or(self, other)

    def __invert__(self) -> Condition:
        return Not(self)

    def __bool__(self) -> NoReturn:
        raise TypeError(
            "a pydynamodel Condition has no truth value: use &, | and ~ instead of and/or/not, "
            "and do not use conditions in if statements"
        )

    def __repr__(self) -> str:
        b = ExpressionBuilder()
        return f"<Condition {self.compile(b)} names={b.names} values={b.values}>"


class Compare(Condition):
    __slots__ = ("op", "path", "raw", "value")
    path: Path
    op: str
    value: Wire
    raw: Any

    def __init__(self, path: Path, op: str, value: Wire, raw: Any = None) -> None:
        self.path = path
        self.op = op
        self.value = value
        self.raw = raw

    def compile(self, b: ExpressionBuilder) -> str:
        return f"{b.path(self.path)} {self.op} {b.value(self.value)}"


class Between(Condition):
    __slots__ = ("high", "low", "path", "raw")
    path: Path
    low: Wire
    high: Wire
    raw: tuple[Any, Any]

    def __init__(
        self, path: Path, low: Wire, high: Wire, raw: tuple[Any, Any] = (None, None)
    ) -> None:
        self.path = path
        self.low = low
        self.high = high
        self.raw = raw

    def compile(self, b: ExpressionBuilder) -> str:
        return f"{b.path(self.path)} BETWEEN {b.value(self.low)} AND {b.value(self.high)}"


class In(Condition):
    __slots__ = ("options", "path")
    path: Path
    options: tuple[Wire, ...]

    def __init__(self, path: Path, options: tuple[Wire, ...]) -> None:
        self.path = path
        self.options = options

    def compile(self, b: ExpressionBuilder) -> str:
        values = ", ".join(b.value(v) for v in self.options)
        return f"{b.path(self.path)} IN ({values})"


class Function(Condition):
    """``begins_with``, ``contains``, ``attribute_exists``, ``attribute_not_exists``,
    ``attribute_type``."""

    __slots__ = ("func", "path", "raw", "value")

    def __init__(self, func: str, path: Path, value: Wire | None = None, raw: Any = None) -> None:
        self.func = func
        self.path = path
        self.value = value
        self.raw = raw

    def compile(self, b: ExpressionBuilder) -> str:
        if self.value is None:
            return f"{self.func}({b.path(self.path)})"
        return f"{self.func}({b.path(self.path)}, {b.value(self.value)})"


class SizeCompare(Condition):
    __slots__ = ("op", "path", "value")
    path: Path
    op: str
    value: int

    def __init__(self, path: Path, op: str, value: int) -> None:
        self.path = path
        self.op = op
        self.value = value

    def compile(self, b: ExpressionBuilder) -> str:
        return f"size({b.path(self.path)}) {self.op} {b.value({'N': str(self.value)})}"


class _Junction(Condition):
    """``(left <keyword> right)``: the shape of ``And`` and ``Or``."""

    __slots__ = ("left", "right")
    keyword = ""
    left: Condition
    right: Condition

    def __init__(self, left: Condition, right: Condition) -> None:
        self.left = left
        self.right = right

    def compile(self, b: ExpressionBuilder) -> str:
        return f"({self.left.compile(b)} {self.keyword} {self.right.compile(b)})"


class And(_Junction):
    __slots__ = ()
    keyword = "AND"


class Or(_Junction):
    __slots__ = ()
    keyword = "OR"


class Not(Condition):
    __slots__ = ("inner",)
    inner: Condition

    def __init__(self, inner: Condition) -> None:
        self.inner = inner

    def compile(self, b: ExpressionBuilder) -> str:
        return f"(NOT {self.inner.compile(b)})"


def all_of(conditions: Iterable[Condition | None]) -> Condition | None:
    """AND together the non-None conditions (None when there are none)."""
    out: Condition | None = None
    for c in conditions:
        if c is not None:
            out = c if out is None else And(out, c)
    return out


class Size:
    """``size(path)`` operand: compare with ``==, !=, <, <=, >, >=``."""

    __slots__ = ("path",)

    def __init__(self, path: Path) -> None:
        self.path = path

    def __eq__(self, n: int) -> Condition:  # type: ignore[override]
        return SizeCompare(self.path, "=", n)

    def __ne__(self, n: int) -> Condition:  # type: ignore[override]
        return SizeCompare(self.path, "<>", n)

    def __lt__(self, n: int) -> Condition:
        return SizeCompare(self.path, "<", n)

    def __le__(self, n: int) -> Condition:
        return SizeCompare(self.path, "<=", n)

    def __gt__(self, n: int) -> Condition:
        return SizeCompare(self.path, ">", n)

    def __ge__(self, n: int) -> Condition:
        return SizeCompare(self.path, ">=", n)

    __hash__ = object.__hash__


# --------------------------------------------------------------------------- sort keys


class KeyCondition:
    """A sort-key condition on the raw (already rendered) key string."""

    __slots__ = ("high", "op", "value")

    def __init__(self, op: str, value: str, high: str | None = None) -> None:
        self.op = op  # "=", "<", "<=", ">", ">=", "between", "begins_with"
        self.value = value
        self.high = high

    def __repr__(self) -> str:
        return f"KeyCondition({self.op!r}, {self.value!r}, {self.high!r})"

    def compile(self, b: ExpressionBuilder, attr: str) -> str:
        name = b.name(attr)
        if self.op == "begins_with":
            return f"begins_with({name}, {b.value({'S': self.value})})"
        if self.op == "between":
            assert self.high is not None
            low, high = b.value({"S": self.value}), b.value({"S": self.high})
            return f"{name} BETWEEN {low} AND {high}"
        return f"{name} {self.op} {b.value({'S': self.value})}"


class SortKey:
    """Raw sort-key conditions: ``SortKey.begins_with("MSG#")``, ``SortKey.between(a, b)``."""

    @staticmethod
    def eq(value: str) -> KeyCondition:
        return KeyCondition("=", value)

    @staticmethod
    def lt(value: str) -> KeyCondition:
        return KeyCondition("<", value)

    @staticmethod
    def le(value: str) -> KeyCondition:
        return KeyCondition("<=", value)

    @staticmethod
    def gt(value: str) -> KeyCondition:
        return KeyCondition(">", value)

    @staticmethod
    def ge(value: str) -> KeyCondition:
        return KeyCondition(">=", value)

    @staticmethod
    def between(low: str, high: str) -> KeyCondition:
        return KeyCondition("between", low, high)

    @staticmethod
    def begins_with(prefix: str) -> KeyCondition:
        return KeyCondition("begins_with", prefix)


# --------------------------------------------------------------------------- updates


class UpdateAction:
    """One clause of an update expression; build them from attributes (``Room.name.set(x)``)."""

    __slots__ = ("attr", "kind", "path", "raw", "value")

    def __init__(
        self,
        kind: str,  # set, set_if_not_exists, append, prepend, add, remove, delete, increment
        path: Path,
        value: Wire | None = None,
        raw: Any = None,
        attr: Any = None,
    ) -> None:
        self.kind = kind
        self.path = path
        self.value = value
        self.raw = raw
        self.attr = attr

    def replace(self, **changes: Any) -> UpdateAction:
        """A copy with some fields changed."""
        fields = {n: getattr(self, n) for n in ("kind", "path", "value", "raw", "attr")}
        fields.update(changes)
        return UpdateAction(**fields)

    def __repr__(self) -> str:
        return f"UpdateAction({self.kind!r}, {self.path!r}, {self.value!r})"

    def compile(self, b: ExpressionBuilder) -> tuple[str, str]:
        """Return (clause keyword, clause text)."""
        p = b.path(self.path)
        k = self.kind
        if k == "remove":
            return "REMOVE", p
        assert self.value is not None
        if k == "set":
            return "SET", f"{p} = {b.value(self.value)}"
        if k == "set_if_not_exists":
            return "SET", f"{p} = if_not_exists({p}, {b.value(self.value)})"
        if k == "append":
            empty = b.value({"L": []})
            return "SET", f"{p} = list_append(if_not_exists({p}, {empty}), {b.value(self.value)})"
        if k == "prepend":
            empty = b.value({"L": []})
            return "SET", f"{p} = list_append({b.value(self.value)}, if_not_exists({p}, {empty}))"
        if k == "increment":
            zero = b.value({"N": "0"})
            return "SET", f"{p} = if_not_exists({p}, {zero}) + {b.value(self.value)}"
        if k == "add":
            return "ADD", f"{p} {b.value(self.value)}"
        if k == "delete":
            return "DELETE", f"{p} {b.value(self.value)}"
        raise ValueError(f"unknown update action {k}")


def compile_update(actions: Sequence[UpdateAction], b: ExpressionBuilder) -> str:
    """Compile actions into ``SET ... REMOVE ... ADD ... DELETE ...``."""
    clauses: dict[str, list[str]] = {}
    for action in actions:
        keyword, text = action.compile(b)
        clauses.setdefault(keyword, []).append(text)
    order = ("SET", "REMOVE", "ADD", "DELETE")
    return " ".join(f"{k} {', '.join(clauses[k])}" for k in order if k in clauses)
