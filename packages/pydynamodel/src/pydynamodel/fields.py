"""Attribute types (``from pydynamodel import fields as f``) and validators.

Every attribute is a descriptor generic over its Python type ``T``: ``Room.name`` (class access)
is the attribute itself, used to build conditions and updates; ``room.name`` (instance access)
is a ``T``. Values live in the instance ``__dict__`` so reads cost nothing extra at runtime.
"""

from __future__ import annotations

import enum as _enum
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
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
    check_plain,
    dump_any,
    dump_list,
    dump_map,
    dump_plain_map,
    duplicate_numbers,
    load_any,
    load_list,
    load_map,
    load_number,
    number_problem,
    number_str,
)

if TYPE_CHECKING:
    from typing import Self

    from typing_extensions import TypeVar

    from pydynamodel.model import Model

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


class Any_(Attribute[AnyT]):
    """Untyped value stored with the generic serializer (also: list elements, map values)."""

    python_types = (object,)
    type_name = "any value"

    def type_error(self, value: Any) -> str | None:
        return None

    def validate_inner(self, value: Any, path: str, errors: list[FieldError]) -> None:
        check_plain(value, path, errors)


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


class Float(Attribute[FloatT]):
    """A float stored as a DynamoDB number via ``repr`` (shortest exact round-trip)."""

    dynamo_type = "N"
    python_types = (float, int)
    type_name = "float"

    def dump(self, value: Any) -> Wire:
        return {"N": number_str(float(value))}

    def load(self, wire: Wire) -> Any:
        return float(wire["N"])

    def load_code(self, var: str) -> str:
        return f'float({var}["N"])'

    def validate_inner(self, value: Any, path: str, errors: list[FieldError]) -> None:
        if value != value or value in (float("inf"), float("-inf")):
            errors.append(FieldError(path, "NaN and Infinity cannot be stored"))
            return
        _check_number(value, path, errors)


class Decimal(Attribute[DecT]):
    """An exact number (``decimal.Decimal``); ints and floats are accepted and converted."""

    dynamo_type = "N"
    python_types = (_Decimal, int, float)
    type_name = "Decimal"

    def dump(self, value: Any) -> Wire:
        return {"N": number_str(value)}

    def load(self, wire: Wire) -> Any:
        return _Decimal(wire["N"])

    def dump_code(self, var: str) -> str:
        return f'{{"N": _number_str({var})}}'

    def load_code(self, var: str) -> str:
        return f'_Decimal({var}["N"])'

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


class Bytes(Attribute[BytesT]):
    dynamo_type = "B"
    python_types = (bytes, bytearray)
    type_name = "bytes"

    def dump(self, value: Any) -> Wire:
        return {"B": bytes(value)}

    def load(self, wire: Wire) -> Any:
        return bytes(wire["B"])


class Null(Attribute[None]):
    """Always stored as DynamoDB ``NULL``."""

    dynamo_type = "NULL"
    python_types = (type(None),)
    type_name = "None"
    always_dump = True

    def dump(self, value: Any) -> Wire:
        return {"NULL": True}

    def load(self, wire: Wire) -> Any:
        return None


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
        # A plain datetime in UTC (the usual case) is formatted here, as isoformat would:
        # printf-style formatting of its fields is faster than isoformat(timespec=...).
        parts = ("year", "month", "day", "hour", "minute", "second", "microsecond")
        fields = ", ".join(f"{var}.{a}" for a in parts)
        fast = f"{var}.__class__ is _datetime and {var}.tzinfo is _UTC"
        return f'{{"S": _UTC_ISO % ({fields}) if {fast} else _dt_to_iso({var})}}'

    def load_code(self, var: str) -> str | None:
        # fromisoformat gives the UTC singleton for "+00:00", so astimezone is a no-op then.
        return f'_fromisoformat({var}["S"]).astimezone(_UTC)' if self.format == "iso" else None


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


E = _RuntimeTypeVar("E")


class Enum(Attribute[T]):
    """Stores ``member.value`` (string or number); loads the member."""

    def __init__(self, enum_type: type[T], **options: Any) -> None:
        super().__init__(**options)
        if not (isinstance(enum_type, type) and issubclass(enum_type, _enum.Enum)):
            raise TypeError("f.Enum needs an enum.Enum subclass")
        self.enum_type: type[Any] = enum_type
        self.python_types = (enum_type,)  # type: ignore[misc]
        self.type_name = enum_type.__name__  # type: ignore[misc]

    def dump(self, value: Any) -> Wire:
        return dump_any(value.value)

    def load(self, wire: Wire) -> Any:
        return self.enum_type(load_any(wire))

    def key_str(self, value: Any) -> str:
        return str(value.value)


# --------------------------------------------------------------------------- containers


class List(Attribute[ListT]):
    """A list; ``of=`` types (and validates) the elements, e.g. ``f.List(f.Str())``."""

    dynamo_type = "L"
    python_types = (list, tuple)
    type_name = "list"

    def __init__(self, of: Attribute[Any] | None = None, **options: Any) -> None:
        super().__init__(**options)
        self.of = of

    def element(self) -> Attribute[Any]:
        return self.of if self.of is not None else Any_()

    def dump(self, value: Any) -> Wire:
        of = self.of
        if of is None:
            return {"L": dump_list(value)}
        d = of.dump
        return {"L": [d(v) for v in value]}

    def load(self, wire: Wire) -> Any:
        of = self.of
        if of is None:
            return load_list(wire["L"])
        ld = of.load
        return [ld(v) for v in wire["L"]]

    def dump_code(self, var: str) -> str | None:
        if self.of is None:
            return f'{{"L": _dump_list({var})}}'
        element = f"{var}_e"  # a name per nesting level, for lists of lists
        inner = self.of.dump_code(element)
        return None if inner is None else f'{{"L": [{inner} for {element} in {var}]}}'

    def load_code(self, var: str) -> str | None:
        if self.of is None:
            return f'_load_list({var}["L"])'
        many = self.of.load_many_code(f'{var}["L"]')
        if many is not None:
            return many
        element = f"{var}_e"
        inner = self.of.load_code(element)
        return None if inner is None else f'[{inner} for {element} in {var}["L"]]'

    def codegen_names(self) -> dict[str, Any]:
        return {} if self.of is None else self.of.codegen_names()

    def validate_inner(self, value: Any, path: str, errors: list[FieldError]) -> None:
        if self.of is None:
            check_plain(value, path, errors)
            return
        for i, item in enumerate(value):
            _validate_element(self.of, item, f"{path}[{i}]", errors)


class Map(Attribute[MapT]):
    """A string-keyed dict; ``of=`` types the values, e.g. ``f.Map(f.Int())``."""

    dynamo_type = "M"
    python_types = (dict, Mapping)
    type_name = "dict"

    def __init__(self, of: Attribute[Any] | None = None, **options: Any) -> None:
        super().__init__(**options)
        self.of = of

    def element(self) -> Attribute[Any]:
        return self.of if self.of is not None else Any_()

    def __getattr__(self, name: str) -> Attribute[Any]:
        if name.startswith("_") or name in ("of", "name", "path", "owner"):
            raise AttributeError(name)
        return self[name]

    def dump(self, value: Any) -> Wire:
        of = self.of
        if of is None:
            return dump_plain_map(value)
        d = of.dump
        return {"M": {k: d(v) for k, v in value.items()}}

    def load(self, wire: Wire) -> Any:
        of = self.of
        if of is None:
            return load_map(wire["M"])
        ld = of.load
        return {k: ld(v) for k, v in wire["M"].items()}

    def dump_code(self, var: str) -> str | None:
        if self.of is not None:
            return None
        return f'({{"M": _dump_map({var})}} if {var}.__class__ is dict else _dump_plain_map({var}))'

    def load_code(self, var: str) -> str | None:
        return f'_load_map({var}["M"])' if self.of is None else None

    def validate_inner(self, value: Any, path: str, errors: list[FieldError]) -> None:
        for k, item in value.items():
            if not isinstance(k, str):
                errors.append(FieldError(f"{path}.{k}", "map keys must be strings"))
            elif self.of is not None:
                _validate_element(self.of, item, f"{path}.{k}", errors)
            else:
                check_plain(item, f"{path}.{k}", errors, 1)


class Nested(Attribute[T]):
    """A nested model stored as a map: ``address = f.Nested(Address)`` where ``Address`` is a
    ``Model`` subclass without keys. Conditions reach inside: ``User.address.zip == "1000"``.
    Validation errors carry the full path (``address.zip``)."""

    dynamo_type = "M"

    def __init__(self, model: type[T], **options: Any) -> None:
        super().__init__(**options)
        self.model: type[Model] = model  # type: ignore[assignment]
        self.python_types = (model,)  # type: ignore[misc]
        self.type_name = model.__name__  # type: ignore[misc]

    def __getattr__(self, name: str) -> Attribute[Any]:
        if name.startswith("_") or name in ("model", "name", "path", "owner"):
            raise AttributeError(name)
        fields = self.model.__fields__
        if name not in fields:
            raise AttributeError(f"{self.model.__name__} has no attribute {name!r}")
        return fields[name].at((*self.path, name))

    def dump(self, value: Any) -> Wire:
        return {"M": value._dump_fields()}

    def load(self, wire: Wire) -> Any:
        return self.model._load_fields(wire["M"])

    # The generated code calls the nested model's own generated functions directly. An
    # instance of a subclass of the declared model dumps its own fields, as ``dump`` does.
    def dump_code(self, var: str) -> str:
        n = id(self)
        return f'{{"M": _nd{n}({var}) if {var}.__class__ is _nm{n} else {var}._dump_fields()}}'

    def load_code(self, var: str) -> str:
        return f'_nl{id(self)}({var}["M"])'

    def load_many_code(self, var: str) -> str:
        return f"_nlm{id(self)}({var})"

    def codegen_names(self) -> dict[str, Any]:
        codec = self.model._get_codec()
        n = id(self)
        return {
            f"_nd{n}": codec.dump_fields,
            f"_nl{n}": codec.fast_load,
            f"_nlm{n}": codec.fast_load_many,
            f"_nm{n}": self.model,
        }

    def validate_inner(self, value: Any, path: str, errors: list[FieldError]) -> None:
        value._collect_errors(path + ".", errors)


class _SetAttribute(Attribute[T]):
    python_types = (set, frozenset)
    type_name = "set"

    element_class: ClassVar[type[Attribute[Any]]] = Any_

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        # Stored per instance: an Attribute class attribute would act as a descriptor.
        self._element: Attribute[Any] = self.element_class()

    def element(self) -> Attribute[Any]:
        return self._element

    def validate_inner(self, value: Any, path: str, errors: list[FieldError]) -> None:
        if not value:
            return  # empty sets are stored as "absent"
        for i, item in enumerate(value):
            self._element.validate(item, f"{path}[{i}]", errors)


class StrSet(_SetAttribute[SSetT]):
    """String set (``SS``). Empty sets are not stored (DynamoDB has no empty sets)."""

    dynamo_type = "SS"
    element_class = Str

    def dump(self, value: Any) -> Wire:
        return {"SS": sorted(value)}

    def load(self, wire: Wire) -> Any:
        return set(wire["SS"])

    def dump_code(self, var: str) -> str:
        return f'{{"SS": sorted({var})}}'

    def load_code(self, var: str) -> str:
        return f'set({var}["SS"])'


class NumSet(_SetAttribute[NSetT]):
    """Number set (``NS``); elements load as ``number_type`` (``Decimal`` by default)."""

    dynamo_type = "NS"
    element_class = Decimal

    def __init__(self, number_type: Callable[[str], Any] = _Decimal, **options: Any) -> None:
        super().__init__(**options)
        self.number_type = number_type

    def dump(self, value: Any) -> Wire:
        return {"NS": [number_str(v) for v in value]}

    def validate_inner(self, value: Any, path: str, errors: list[FieldError]) -> None:
        before = len(errors)
        super().validate_inner(value, path, errors)
        if len(errors) == before and value and duplicate_numbers(value):
            errors.append(FieldError(path, "two members are the same DynamoDB number"))

    def load(self, wire: Wire) -> Any:
        nt = self.number_type
        if nt is int:
            return {int(load_number(x)) for x in wire["NS"]}
        return {nt(x) for x in wire["NS"]}

    def dump_code(self, var: str) -> str:
        # int members (the usual case) need no float/NaN checks.
        element = f"{var}_e"
        number = f"str({element}) if {element}.__class__ is int else _number_str({element})"
        return f'{{"NS": [{number} for {element} in {var}]}}'

    def load_code(self, var: str) -> str:
        element = f"{var}_e"
        if self.number_type is int:
            return f'{{int(_load_number({element})) for {element} in {var}["NS"]}}'
        return f'{{_nt{id(self)}({element}) for {element} in {var}["NS"]}}'

    def codegen_names(self) -> dict[str, Any]:
        return {f"_nt{id(self)}": self.number_type}


class BinSet(_SetAttribute[BSetT]):
    """Binary set (``BS``)."""

    dynamo_type = "BS"
    element_class = Bytes

    def dump(self, value: Any) -> Wire:
        return {"BS": [bytes(v) for v in value]}

    def load(self, wire: Wire) -> Any:
        return {bytes(x) for x in wire["BS"]}


class Custom(Attribute[T]):
    """Custom-type hook: ``to_dynamo`` maps your type to a plain value (str, number, bool,
    bytes, list, dict, set), ``from_dynamo`` maps it back. For full control subclass
    :class:`Attribute` and override ``dump``/``load``/``type_error``."""

    def __init__(
        self,
        to_dynamo: Callable[[Any], Any],
        from_dynamo: Callable[[Any], T],
        *,
        python_type: type | tuple[type, ...] = object,
        **options: Any,
    ) -> None:
        super().__init__(**options)
        self.to_dynamo = to_dynamo
        self.from_dynamo = from_dynamo
        self.python_types = python_type if isinstance(python_type, tuple) else (python_type,)  # type: ignore[misc]
        self.type_name = "/".join(t.__name__ for t in self.python_types)  # type: ignore[misc]

    def dump(self, value: Any) -> Wire:
        return dump_any(self.to_dynamo(value))

    def load(self, wire: Wire) -> Any:
        return self.from_dynamo(load_any(wire))

    def validate_inner(self, value: Any, path: str, errors: list[FieldError]) -> None:
        try:
            plain = self.to_dynamo(value)
        except (TypeError, ValueError) as exc:
            errors.append(FieldError(path, f"to_dynamo failed: {exc}"))
            return
        check_plain(plain, path, errors)


def _check_number(value: Any, path: str, errors: list[FieldError]) -> None:
    problem = number_problem(value)
    if problem is not None:
        errors.append(FieldError(path, problem))


def _validate_element(of: Attribute[Any], item: Any, path: str, errors: list[FieldError]) -> None:
    """A typed list element or map value; an empty set there would reach DynamoDB as one (only
    top-level empty sets are left out of the item)."""
    if isinstance(of, _SetAttribute) and isinstance(item, set | frozenset) and not item:
        errors.append(FieldError(path, "DynamoDB cannot store an empty set (use None)"))
        return
    of.validate(item, path, errors)


# Names used by the generated (de)serializers.
CODEGEN_GLOBALS: dict[str, Any] = {
    "_Decimal": _Decimal,
    "_dt_to_iso": _dt_to_iso,
    "_dt_from_iso": _dt_from_iso,
    "_fromisoformat": datetime.fromisoformat,
    "_UTC": UTC,
    "_datetime": datetime,
    "_UTC_ISO": "%04d-%02d-%02dT%02d:%02d:%02d.%06d+00:00",
    "_number_str": number_str,
    "_dump_plain_map": dump_plain_map,
    "_dump_map": dump_map,
    "_load_number": load_number,
    "_dump_list": dump_list,
    "_load_list": load_list,
    "_load_map": load_map,
}
