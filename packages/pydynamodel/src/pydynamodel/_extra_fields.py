"""The attribute types beyond strings, integers, booleans and datetimes: numbers as float or
``Decimal``, bytes, ``NULL``, enums, lists, maps, nested models, sets and custom types.

They are part of :mod:`pydynamodel.fields` (``f.List``, ``f.Map``, ...), which loads this
module the first time one of them is used: a Lambda handler compiles the library's source on
every cold start, and models built from strings, numbers and datetimes need none of this.
"""

from __future__ import annotations

import enum as _enum
from collections.abc import Callable, Mapping
from decimal import Decimal as _Decimal
from typing import TYPE_CHECKING, Any, ClassVar
from typing import TypeVar as _RuntimeTypeVar

from pydynamodel.errors import FieldError
from pydynamodel.fields import Attribute, Str, _check_number
from pydynamodel.serialization import (
    Wire,
    check_plain,
    dump_any,
    dump_list,
    dump_plain_map,
    duplicate_numbers,
    load_any,
    load_list,
    load_map,
    load_number,
    number_str,
)

if TYPE_CHECKING:
    from typing_extensions import TypeVar

    from pydynamodel.model import Model

    T = TypeVar("T")
    FloatT = TypeVar("FloatT", default=float)
    DecT = TypeVar("DecT", default=_Decimal)
    BytesT = TypeVar("BytesT", default=bytes)
    ListT = TypeVar("ListT", default=list[Any])
    MapT = TypeVar("MapT", default=dict[str, Any])
    SSetT = TypeVar("SSetT", default=set[str])
    NSetT = TypeVar("NSetT", default=set[_Decimal])
    BSetT = TypeVar("BSetT", default=set[bytes])
    AnyT = TypeVar("AnyT", default=Any)
else:  # Python 3.11/3.13 runtime: TypeVar defaults only matter to the type checker.
    T = FloatT = DecT = BytesT = _RuntimeTypeVar("T")
    ListT = MapT = SSetT = NSetT = BSetT = AnyT = T

__all__ = [
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
]


class Any_(Attribute[AnyT]):
    """Untyped value stored with the generic serializer (also: list elements, map values)."""

    python_types = (object,)
    type_name = "any value"

    def type_error(self, value: Any) -> str | None:
        return None

    def validate_inner(self, value: Any, path: str, errors: list[FieldError]) -> None:
        check_plain(value, path, errors)


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
        # A finite Decimal (the usual value) is its own str; anything else: number_str.
        finite = f"{var}.__class__ is _Decimal and {var}.is_finite()"
        return f'{{"N": str({var}) if {finite} else _number_str({var})}}'

    def load_code(self, var: str) -> str:
        return f'_Decimal({var}["N"])'

    def validate_inner(self, value: Any, path: str, errors: list[FieldError]) -> None:
        _check_number(value, path, errors)


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
    is_set = True

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


def _validate_element(of: Attribute[Any], item: Any, path: str, errors: list[FieldError]) -> None:
    """A typed list element or map value; an empty set there would reach DynamoDB as one (only
    top-level empty sets are left out of the item)."""
    if isinstance(of, _SetAttribute) and isinstance(item, set | frozenset) and not item:
        errors.append(FieldError(path, "DynamoDB cannot store an empty set (use None)"))
        return
    of.validate(item, path, errors)
