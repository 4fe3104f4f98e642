"""Attribute types (``from pydynamodel import fields as f``) and validators.

Every attribute is a descriptor generic over its Python type ``T``: ``Room.name`` (class access)
is the attribute itself, used to build conditions and updates; ``room.name`` (instance access)
is a ``T``. Values live in the instance ``__dict__`` so reads cost nothing extra at runtime.

Strings, integers, booleans and datetimes are defined here; the other types (numbers as float
or ``Decimal``, bytes, enums, lists, maps, nested models, sets, custom) in
:mod:`pydynamodel._extra_fields`, loaded on first use through this module (``f.List``), so a
cold start of code that needs none of them does not compile them.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from decimal import Decimal as _Decimal
from typing import TYPE_CHECKING, Any, ClassVar, Generic, NoReturn, overload
from typing import TypeVar as _RuntimeTypeVar

from pydynamodel.conditions import (
    Between,
    Compare,
    Condition,
    Function,
    In,
    Path,
    Size,
    UpdateAction,
    path_str,
)
from pydynamodel.errors import FieldError, ValidationError
from pydynamodel.serialization import (
    Wire,
    dump_any,
    dump_list,
    dump_map,
    dump_plain_map,
    load_any,
    load_list,
    load_map,
    load_number,
    number_problem,
    number_str,
)

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Sequence
    from typing import Self

    from typing_extensions import TypeVar

    from pydynamodel._extra_fields import (
        Any_,
        BinSet,
        Bytes,
        Custom,
        Decimal,
        Enum,
        Float,
        List,
        Map,
        Nested,
        Null,
        NumSet,
        StrSet,
    )

    T = TypeVar("T")
    StrT = TypeVar("StrT", default=str)
    IntT = TypeVar("IntT", default=int)
    FloatT = TypeVar("FloatT", default=float)
    DecT = TypeVar("DecT", default=_Decimal)
    BoolT = TypeVar("BoolT", default=bool)
    BytesT = TypeVar("BytesT", default=bytes)
    DtT = TypeVar("DtT", default=datetime)
    ListT = TypeVar("ListT", default=list[Any])
    MapT = TypeVar("MapT", default=dict[str, Any])
    SSetT = TypeVar("SSetT", default=set[str])
    NSetT = TypeVar("NSetT", default=set[_Decimal])
    BSetT = TypeVar("BSetT", default=set[bytes])
    AnyT = TypeVar("AnyT", default=Any)
else:  # Python 3.11/3.13 runtime: TypeVar defaults only matter to the type checker.
    T = StrT = IntT = FloatT = DecT = BoolT = BytesT = DtT = _RuntimeTypeVar("T")
    ListT = MapT = SSetT = NSetT = BSetT = AnyT = T

__all__ = [
    "TTL",
    "Any_",
    "Attribute",
    "BinSet",
    "Bool",
    "Bytes",
    "Custom",
    "DateTime",
    "Decimal",
    "Enum",
    "Float",
    "Int",
    "List",
    "Map",
    "Nested",
    "Null",
    "NumSet",
    "Str",
    "StrSet",
    "Validator",
    "Version",
    "in_range",
    "length",
    "one_of",
    "regex",
]


MAX_IN_VALUES = 100


class _Missing:
    __slots__ = ()

    def __repr__(self) -> str:
        return "MISSING"


MISSING: Any = _Missing()

# --------------------------------------------------------------------------- validators


class Validator:
    """A reusable check: call it with a value, get an error message or ``None``."""

    def __init__(self, check: Callable[[Any], bool], message: str) -> None:
        self.check = check
        self.message = message

    def __call__(self, value: Any) -> str | None:
        return None if self.check(value) else self.message


def length(min: int | None = None, max: int | None = None) -> Validator:
    """``len(value)`` within ``[min, max]``."""

    def check(v: Any) -> bool:
        n = len(v)
        return (min is None or n >= min) and (max is None or n <= max)

    return Validator(check, f"length must be between {min} and {max}")


def regex(pattern: str | re.Pattern[str]) -> Validator:
    """The whole string matches ``pattern``."""
    compiled = re.compile(pattern) if isinstance(pattern, str) else pattern
    return Validator(
        lambda v: compiled.fullmatch(v) is not None, f"must match {compiled.pattern!r}"
    )


def in_range(min: Any = None, max: Any = None) -> Validator:
    """``min <= value <= max`` (either bound optional)."""
    return Validator(
        lambda v: (min is None or v >= min) and (max is None or v <= max),
        f"must be between {min} and {max}",
    )


def one_of(choices: Iterable[Any]) -> Validator:
    """``value in choices``."""
    options = tuple(choices)
    return Validator(lambda v: v in options, f"must be one of {list(options)!r}")


def _run_validator(validator: Any, value: Any) -> str | None:
    if isinstance(validator, re.Pattern):
        return None if validator.fullmatch(value) else f"must match {validator.pattern!r}"
    try:
        result = validator(value)
    except (ValueError, TypeError) as exc:
        return str(exc) or f"failed {getattr(validator, '__name__', 'validator')}"
    if isinstance(validator, Validator):
        return result  # type: ignore[no-any-return]
    if result is False:
        return f"failed validator {getattr(validator, '__name__', repr(validator))}"
    if isinstance(result, str):
        return result
    return None


# --------------------------------------------------------------------------- base attribute


class Attribute(Generic[T]):
    """Base descriptor. Options shared by every attribute type:

    - ``required``: the value must not be ``None`` when saved.
    - ``default``: a value, or a zero-argument callable (factory). Mutable literals such as
      ``[]``/``{}``/``set()`` are refused when the model class is defined.
    - ``default_factory``: explicit factory.
    - ``validators``: callables (return ``False``/error string or raise ``ValueError`` to fail),
      compiled regexes, or :class:`Validator` objects (``length``, ``regex``, ``in_range``,
      ``one_of``).
    - ``choices``: shorthand for ``validators=[one_of(choices)]``.
    - ``set``: transform applied to the value before it is saved (also in ``update``).
    - ``get``: transform applied to the value after it is read.
    """

    dynamo_type: ClassVar[str] = "S"
    python_types: ClassVar[tuple[type, ...]] = (object,)
    type_name: ClassVar[str] = "value"
    always_dump: ClassVar[bool] = False
    #: A DynamoDB set type (``SS``/``NS``/``BS``): an empty value is stored as absent.
    is_set: ClassVar[bool] = False

    name: str
    path: Path

    def __init__(
        self,
        *,
        required: bool = False,
        default: Any = MISSING,
        default_factory: Callable[[], Any] | None = None,
        validators: Sequence[Any] = (),
        choices: Iterable[Any] | None = None,
        set: Callable[[Any], Any] | None = None,
        get: Callable[[Any], Any] | None = None,
    ) -> None:
        self.required = required
        if default_factory is None and callable(default) and not isinstance(default, type(self)):
            default_factory, default = default, MISSING
        self.default = default
        self.default_factory = default_factory
        self.validators: list[Any] = list(validators)
        if choices is not None:
            self.validators.append(one_of(choices))
        self.set_transform = set
        self.get_transform = get
        self.name = ""
        self.path = ()
        self.owner: type[Any] | None = None

    # ----------------------------------------------------------------- descriptor protocol
    def __set_name__(self, owner: type[Any], name: str) -> None:
        self.name = name
        self.path = (name,)
        self.owner = owner

    @overload
    def __get__(self, instance: None, owner: type[Any]) -> Self: ...
    @overload
    def __get__(self, instance: object, owner: type[Any]) -> T: ...
    def __get__(self, instance: object, owner: type[Any]) -> Any:
        # Only reached when the instance dict has no value (a non-data descriptor at runtime).
        if instance is None:
            return self
        value = self.make_default()
        if value is not None:
            instance.__dict__[self.name] = value
        return value

    if TYPE_CHECKING:  # For the type checker only: keeps runtime reads a plain dict lookup.

        def __set__(self, instance: object, value: T) -> None: ...

    def has_default(self) -> bool:
        return self.default is not MISSING or self.default_factory is not None

    def make_default(self) -> Any:
        if self.default_factory is not None:
            return self.default_factory()
        if self.default is MISSING:
            return None
        return self.default

    def check_definition(self, model_name: str) -> None:
        """Called when the owning model class is defined."""
        if isinstance(self.default, list | dict | set | bytearray):
            raise _definition_error(
                f"{model_name}.{self.name}: mutable default {self.default!r} would be shared by "
                f"every instance; use default_factory={type(self.default).__name__} "
                "(or a lambda) instead"
            )

    # ----------------------------------------------------------------- (de)serialization
    def dump(self, value: Any) -> Wire:
        """Python value -> DynamoDB wire value."""
        return dump_any(value)

    def load(self, wire: Wire) -> Any:
        """DynamoDB wire value -> Python value."""
        return load_any(wire)

    def dump_code(self, var: str) -> str | None:
        """Inline expression used by the precompiled model serializer (None = call dump)."""
        return None

    def load_code(self, var: str) -> str | None:
        return None

    def load_many_code(self, var: str) -> str | None:
        """Inline expression loading a list of these values (``var`` is the ``L`` payload) in
        one call, or ``None`` (a ``load_code`` per element)."""
        return None

    def codegen_names(self) -> dict[str, Any]:
        """Names the expressions of ``dump_code``/``load_code`` use besides
        ``CODEGEN_GLOBALS`` (unique to this attribute, e.g. a nested model's functions)."""
        return {}

    def key_str(self, value: Any) -> str:
        """The string a key template substitutes for this attribute."""
        wire = self.dump(value)
        for tag, v in wire.items():
            if tag in ("S", "N"):
                return str(v)
        raise TypeError(f"{self.name}: a {type(value).__name__} cannot be part of a key")

    # ----------------------------------------------------------------- validation
    def type_error(self, value: Any) -> str | None:
        if isinstance(value, self.python_types) and not (
            isinstance(value, bool) and bool not in self.python_types
        ):
            return None
        return f"expected {self.type_name}, got {type(value).__name__}"

    def validate(self, value: Any, path: str, errors: list[FieldError]) -> None:
        if value is None:
            if self.required:
                errors.append(FieldError(path, "is required"))
            return
        message = self.type_error(value)
        if message is not None:
            errors.append(FieldError(path, message))
            return
        self.validate_inner(value, path, errors)
        for validator in self.validators:
            problem = _run_validator(validator, value)
            if problem is not None:
                errors.append(FieldError(path, problem))

    def validate_inner(self, value: Any, path: str, errors: list[FieldError]) -> None:
        """Hook for containers: validate elements (paths like ``tags[2]``, ``address.zip``)."""

    # ----------------------------------------------------------------- paths
    def at(self, path: Path) -> Attribute[Any]:
        """A copy of this attribute bound to another document path (for nested access)."""
        clone = object.__new__(type(self))
        clone.__dict__.update(self.__dict__)
        clone.path = path
        return clone

    def element(self) -> Attribute[Any]:
        """The attribute describing list elements / map values (untyped by default)."""
        from pydynamodel._extra_fields import Any_

        return Any_()

    def __getitem__(self, key: int | str) -> Attribute[Any]:
        if isinstance(key, int) and key < 0:
            raise ValidationError([FieldError(self.path_name, f"list index {key} is negative")])
        return self.element().at((*self.path, key))

    @property
    def path_name(self) -> str:
        return path_str(self.path)

    # ----------------------------------------------------------------- conditions
    def wire_value(self, value: Any) -> Wire:
        if self.set_transform is not None and value is not None:
            value = self.set_transform(value)
        return self.dump(value)

    def eq(self, value: T) -> Condition:
        return Compare(self.path, "=", self.wire_value(value), value)

    def ne(self, value: T) -> Condition:
        return Compare(self.path, "<>", self.wire_value(value), value)

    def lt(self, value: T) -> Condition:
        return Compare(self.path, "<", self.wire_value(value), value)

    def le(self, value: T) -> Condition:
        return Compare(self.path, "<=", self.wire_value(value), value)

    def gt(self, value: T) -> Condition:
        return Compare(self.path, ">", self.wire_value(value), value)

    def ge(self, value: T) -> Condition:
        return Compare(self.path, ">=", self.wire_value(value), value)

    def __eq__(self, value: T) -> Condition:  # type: ignore[override]
        return self.eq(value)

    def __ne__(self, value: T) -> Condition:  # type: ignore[override]
        return self.ne(value)

    def __lt__(self, value: T) -> Condition:
        return self.lt(value)

    def __le__(self, value: T) -> Condition:
        return self.le(value)

    def __gt__(self, value: T) -> Condition:
        return self.gt(value)

    def __ge__(self, value: T) -> Condition:
        return self.ge(value)

    __hash__ = object.__hash__

    def __bool__(self) -> NoReturn:
        raise TypeError(f"attribute {self.path_name!r} has no truth value (use .exists())")

    def between(self, low: T, high: T) -> Condition:
        return Between(self.path, self.wire_value(low), self.wire_value(high), (low, high))

    def begins_with(self, prefix: str) -> Condition:
        return Function("begins_with", self.path, {"S": prefix}, prefix)

    def contains(self, value: Any) -> Condition:
        """Substring of a string, or element of a list or set."""
        if isinstance(self, Str):
            wire: Wire = {"S": value}
        else:
            wire = self.element().dump(value)
        return Function("contains", self.path, wire, value)

    def exists(self) -> Condition:
        return Function("attribute_exists", self.path)

    def not_exists(self) -> Condition:
        return Function("attribute_not_exists", self.path)

    def attribute_type(self, dynamo_type: str) -> Condition:
        """``attribute_type(path, "S")``; type is one of S N B BOOL NULL L M SS NS BS."""
        return Function("attribute_type", self.path, {"S": dynamo_type}, dynamo_type)

    def is_in(self, values: Iterable[T]) -> Condition:
        """``path IN (...)``: DynamoDB takes 1 to 100 values."""
        options = tuple(self.wire_value(v) for v in values)
        if not 1 <= len(options) <= MAX_IN_VALUES:
            raise ValidationError(
                [FieldError(self.path_name, f"IN takes 1 to 100 values, got {len(options)}")]
            )
        return In(self.path, options)

    def size(self) -> Size:
        return Size(self.path)

    # ----------------------------------------------------------------- updates
    def set(self, value: T) -> UpdateAction:
        """``SET path = value``."""
        return UpdateAction("set", self.path, None, value, self)

    def set_if_not_exists(self, value: T) -> UpdateAction:
        """``SET path = if_not_exists(path, value)``."""
        return UpdateAction("set_if_not_exists", self.path, None, value, self)

    if_not_exists = set_if_not_exists

    def remove(self) -> UpdateAction:
        """``REMOVE path``."""
        return UpdateAction("remove", self.path, None, None, self)

    def add(self, value: Any) -> UpdateAction:
        """``ADD path value``: atomic counter (number) or set union (set)."""
        return UpdateAction("add", self.path, None, value, self)

    def increment(self, by: int | float | _Decimal = 1) -> UpdateAction:
        """``SET path = if_not_exists(path, 0) + by`` (atomic counter)."""
        return UpdateAction("increment", self.path, {"N": number_str(by)}, by, self)

    def append(self, values: Sequence[Any]) -> UpdateAction:
        """Append elements to a list (creating it if missing)."""
        return UpdateAction("append", self.path, None, list(values), self)

    def prepend(self, values: Sequence[Any]) -> UpdateAction:
        return UpdateAction("prepend", self.path, None, list(values), self)

    def discard(self, values: Any) -> UpdateAction:
        """``DELETE path values``: remove elements from a set."""
        return UpdateAction("delete", self.path, None, values, self)


def _definition_error(message: str) -> Exception:
    from pydynamodel.errors import ModelDefinitionError

    return ModelDefinitionError(message)


# --------------------------------------------------------------------------- scalar types


class Str(Attribute[StrT]):
    dynamo_type = "S"
    python_types = (str,)
    type_name = "str"

    def dump(self, value: Any) -> Wire:
        return {"S": value}

    def load(self, wire: Wire) -> Any:
        return wire["S"]

    def dump_code(self, var: str) -> str:
        return f'{{"S": {var}}}'

    def load_code(self, var: str) -> str:
        return f'{var}["S"]'

    def key_str(self, value: Any) -> str:
        return value  # type: ignore[no-any-return]


class Int(Attribute[IntT]):
    dynamo_type = "N"
    python_types: ClassVar[tuple[type, ...]] = (int,)
    type_name = "int"

    def dump(self, value: Any) -> Wire:
        return {"N": str(value)}

    def load(self, wire: Wire) -> Any:
        return int(wire["N"])

    def dump_code(self, var: str) -> str | None:
        return f'{{"N": str({var})}}'

    def load_code(self, var: str) -> str:
        return f'int({var}["N"])'

    def validate_inner(self, value: Any, path: str, errors: list[FieldError]) -> None:
        _check_number(value, path, errors)


class Bool(Attribute[BoolT]):
    dynamo_type = "BOOL"
    python_types = (bool,)
    type_name = "bool"

    def dump(self, value: Any) -> Wire:
        return {"BOOL": value}

    def load(self, wire: Wire) -> Any:
        return wire["BOOL"]

    def dump_code(self, var: str) -> str:
        return f'{{"BOOL": {var}}}'

    def load_code(self, var: str) -> str:
        return f'{var}["BOOL"]'


def _dt_to_iso(value: datetime) -> str:
    if value.tzinfo is not UTC:
        value = value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
    return value.isoformat(timespec="microseconds")


def _dt_from_iso(text: str) -> datetime:
    return datetime.fromisoformat(text).astimezone(UTC)


class DateTime(Attribute[DtT]):
    """A timezone-aware UTC ``datetime`` (naive values are taken as UTC).

    ``format="iso"`` (default) stores a fixed-width ISO-8601 string
    (``2024-05-01T12:00:00.000000+00:00``) that sorts chronologically, so it can be part of a
    sort key; ``"epoch"`` stores integer seconds, ``"epoch_ms"`` integer milliseconds.
    ``auto_now_add`` sets the value when the instance is created (if not given) and
    ``auto_now`` on every save/update.
    """

    python_types = (datetime,)
    type_name = "datetime"

    def __init__(
        self,
        *,
        format: str = "iso",
        auto_now: bool = False,
        auto_now_add: bool = False,
        **options: Any,
    ) -> None:
        if format not in ("iso", "epoch", "epoch_ms"):
            raise ValueError("format must be 'iso', 'epoch' or 'epoch_ms'")
        if auto_now_add and "default" not in options and "default_factory" not in options:
            options["default_factory"] = _utcnow
        super().__init__(**options)
        self.format = format
        self.dynamo_type = "S" if format == "iso" else "N"  # type: ignore[misc]
        self.auto_now = auto_now
        self.auto_now_add = auto_now_add

    def dump(self, value: Any) -> Wire:
        if self.format == "iso":
            return {"S": _dt_to_iso(value)}
        ts = value.replace(tzinfo=UTC) if value.tzinfo is None else value
        if self.format == "epoch":
            return {"N": str(int(ts.timestamp()))}
        return {"N": str(int(ts.timestamp() * 1000))}

    def load(self, wire: Wire) -> Any:
        if self.format == "iso":
            return _dt_from_iso(wire["S"])
        n = int(wire["N"])
        return datetime.fromtimestamp(n if self.format == "epoch" else n / 1000, UTC)

    def dump_code(self, var: str) -> str | None:
        if self.format != "iso":
            return None
        # A plain datetime in UTC (the usual case) is written here as isoformat would, from
        # the two-digit strings of its fields (_P2): about half the cost of printf-style
        # formatting of the seven fields, which costs as much as isoformat(timespec=...).
        y, u = f"{var}_y", f"{var}_u"
        date = f"{{_P2[({y} := {var}.year) // 100]}}{{_P2[{y} % 100]}}"
        date += f"-{{_P2[{var}.month]}}-{{_P2[{var}.day]}}"
        time = f"{{_P2[{var}.hour]}}:{{_P2[{var}.minute]}}:{{_P2[{var}.second]}}"
        micro = f"{{_P2[({u} := {var}.microsecond) // 10000]}}{{_P2[{u} // 100 % 100]}}"
        micro += f"{{_P2[{u} % 100]}}"
        fast = f"{var}.__class__ is _datetime and {var}.tzinfo is _UTC"
        return f'{{"S": f"{date}T{time}.{micro}+00:00" if {fast} else _dt_to_iso({var})}}'

    def load_code(self, var: str) -> str | None:
        if self.format != "iso":
            return None
        # fromisoformat gives the UTC singleton for "+00:00" (what dump writes): that value is
        # returned as it is, without the astimezone call (which would cost more than the parse
        # and give an equal datetime); any other offset, or none, is converted as load does.
        t = f"{var}_t"
        parsed = f'({t} := _fromisoformat({var}["S"]))'
        return f"({t} if {parsed}.tzinfo is _UTC else {t}.astimezone(_UTC))"


def _utcnow() -> datetime:
    return datetime.now(UTC)


class Version(Int[int]):
    """Optimistic-locking counter: 1 on first save, +1 on each save/update; writes are
    conditional on the stored value matching the instance's. Conflicts raise
    ``VersionConflict`` (a ``ConditionFailed``)."""


class TTL(Int[int]):
    """Epoch-seconds expiry attribute for DynamoDB TTL. ``after=timedelta(...)`` gives a
    default of now + after. ``datetime`` values are accepted and converted."""

    python_types = (int, datetime)

    def __init__(self, *, after: timedelta | None = None, **options: Any) -> None:
        if after is not None and "default" not in options:
            options["default_factory"] = lambda: int((datetime.now(UTC) + after).timestamp())
        super().__init__(**options)

    def dump(self, value: Any) -> Wire:
        if isinstance(value, datetime):
            value = int(value.timestamp())
        return {"N": str(value)}

    def dump_code(self, var: str) -> str | None:
        return None


# --------------------------------------------------------------------------- containers


def _check_number(value: Any, path: str, errors: list[FieldError]) -> None:
    problem = number_problem(value)
    if problem is not None:
        errors.append(FieldError(path, problem))


# Names used by the generated (de)serializers.
CODEGEN_GLOBALS: dict[str, Any] = {
    "_Decimal": _Decimal,
    "_dt_to_iso": _dt_to_iso,
    "_dt_from_iso": _dt_from_iso,
    "_fromisoformat": datetime.fromisoformat,
    "_UTC": UTC,
    "_datetime": datetime,
    "_P2": tuple(f"{i:02}" for i in range(100)),
    "_number_str": number_str,
    "_dump_plain_map": dump_plain_map,
    "_dump_map": dump_map,
    "_load_number": load_number,
    "_dump_list": dump_list,
    "_load_list": load_list,
    "_load_map": load_map,
}


_EXTRA = frozenset(
    {
        "Any_",
        "BinSet",
        "Bytes",
        "Custom",
        "Decimal",
        "Enum",
        "Float",
        "List",
        "Map",
        "Nested",
        "Null",
        "NumSet",
        "StrSet",
    }
)

if not TYPE_CHECKING:
    # Hidden from type checkers, which see these names through the imports above.
    def __getattr__(name: str) -> Any:
        if name not in _EXTRA:
            raise AttributeError(f"module 'pydynamodel.fields' has no attribute {name!r}")
        from pydynamodel import _extra_fields

        value = getattr(_extra_fields, name)
        globals()[name] = value  # later reads are plain attribute lookups
        return value

    def __dir__() -> list[str]:
        return sorted(set(globals()) | _EXTRA)
