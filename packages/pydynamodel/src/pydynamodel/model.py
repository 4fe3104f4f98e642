"""``Model`` base class, key templates (``Keys``) and the precompiled (de)serializers."""

from __future__ import annotations

import string
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, ClassVar, dataclass_transform

from pydynamodel.codec import ENTITY_ATTR, Codec, Item, key_sets
from pydynamodel.errors import FieldError, ModelDefinitionError, ValidationError
from pydynamodel.fields import Attribute, DateTime, Version
from pydynamodel.serialization import MAX_ITEM_BYTES, Wire, item_size

if TYPE_CHECKING:
    from collections.abc import Iterator, Mapping

MAX_PK_BYTES = 2048
MAX_SK_BYTES = 1024

__all__ = ["ENTITY_ATTR", "Item", "Keys", "Model", "Template"]

_formatter = string.Formatter()


class Template:
    """A key template such as ``"ROOM#{room_id}"``: literal text and attribute placeholders."""

    __slots__ = ("parts", "text")

    def __init__(self, text: str) -> None:
        self.text = text
        parts: list[tuple[str, str | None]] = []
        for literal, name, spec, conv in _formatter.parse(self.text):
            if spec or conv:
                raise ModelDefinitionError(f"key template {self.text!r}: no format specs allowed")
            parts.append((literal, name or None))
        self.parts: tuple[tuple[str, str | None], ...] = tuple(parts)

    @property
    def fields(self) -> tuple[str, ...]:
        return tuple(name for _, name in self.parts if name is not None)

    @property
    def prefix(self) -> str:
        """The literal text before the first placeholder."""
        return self.parts[0][0] if self.parts else ""

    def render(self, strings: Mapping[str, str]) -> str:
        return "".join(
            lit + (strings[name] if name is not None else "") for lit, name in self.parts
        )

    def render_prefix(self, strings: Mapping[str, str]) -> tuple[str, str | None]:
        """Render up to the first field missing from ``strings``; return (text, missing)."""
        out = ""
        for lit, name in self.parts:
            out += lit
            if name is None:
                continue
            if name not in strings:
                return out, name
            out += strings[name]
        return out, None


class Keys:
    """Key templates for the table (``index=None``) or a global secondary index.

    Table keys are stored as ``pk``/``sk`` and index keys as ``<index>PK``/``<index>SK``
    (``GSI1PK``/``GSI1SK``) unless ``pk_attr``/``sk_attr`` say otherwise. An index key is only
    written when every attribute its templates use has a value (sparse index).
    """

    def __init__(
        self,
        pk: str,
        sk: str | None = None,
        *,
        index: str | None = None,
        pk_attr: str | None = None,
        sk_attr: str | None = None,
    ) -> None:
        self.pk = Template(pk)
        self.sk = Template(sk) if sk is not None else None
        self.index = index
        self.pk_attr = pk_attr or (f"{index}PK" if index else "pk")
        self.sk_attr = (sk_attr or (f"{index}SK" if index else "sk")) if sk is not None else None
        self.attr_name = ""

    def __set_name__(self, owner: type[Any], name: str) -> None:
        self.attr_name = name

    @property
    def fields(self) -> tuple[str, ...]:
        return self.pk.fields + (self.sk.fields if self.sk else ())

    def templates(self) -> Iterator[tuple[str, Template]]:
        yield self.pk_attr, self.pk
        if self.sk is not None and self.sk_attr is not None:
            yield self.sk_attr, self.sk

    def __repr__(self) -> str:
        sk = self.sk.text if self.sk else None
        return f"Keys(pk={self.pk.text!r}, sk={sk!r}, index={self.index!r})"


def _collect_definitions(
    cls: type[Any],
) -> tuple[dict[str, Attribute[Any]], Keys | None, dict[str, Keys]]:
    """The attributes, table keys and index keys a model class declares or inherits."""
    fields: dict[str, Attribute[Any]] = {}
    keys: Keys | None = None
    indexes: dict[str, Keys] = {}
    for klass in reversed(cls.__mro__):
        # A model class's own attributes are out of its dict (``_move_out_fields``).
        moved: dict[str, Attribute[Any]] = vars(klass).get(_MOVED, {})
        for name, value in [*moved.items(), *vars(klass).items()]:
            if isinstance(value, Attribute):
                fields[name] = value
            elif isinstance(value, Keys) and value.index is None:
                keys = value
            elif isinstance(value, Keys):
                indexes[value.index or ""] = value
    return fields, keys, indexes


def _check_names(
    model: str, fields: dict[str, Attribute[Any]], keys: Keys | None, indexes: dict[str, Keys]
) -> None:
    """Attribute names must not collide with what the item stores besides them, and key
    templates may only use declared attributes."""
    all_keys = ([keys] if keys else []) + list(indexes.values())
    reserved = {ENTITY_ATTR, "extra"} | {a for k in all_keys for a, _ in k.templates()}
    for name, attr in fields.items():
        if name.startswith("_") or name in reserved:
            raise ModelDefinitionError(
                f"{model}.{name}: the name is reserved (keys, 'entity', 'extra', "
                "or starts with '_')"
            )
        attr.check_definition(model)
    for k in all_keys:
        unknown = [name for name in k.fields if name not in fields]
        if unknown:
            raise ModelDefinitionError(
                f"{model}: key template {k!r} uses unknown attribute {unknown[0]!r}"
            )


_ENTRY_POINTS = ("to_item", "from_item")


def _codec_owned(cls: type[Any], name: str) -> bool:
    """Whether ``cls.<name>`` is ``Model``'s own or a generated function (which the class's
    codec replaces), not an override of the user's."""
    found = next(vars(k)[name] for k in cls.__mro__ if name in vars(k))
    if found is Model.__dict__[name]:
        return True
    code = getattr(getattr(found, "__func__", found), "__code__", None)
    return code is not None and code.co_filename.startswith("<pydynamodel codec ")


_MOVED = "__moved_fields__"


def _move_out_fields(cls: type[Any]) -> None:
    """Take the class's own attributes out of its dict (kept in ``__moved_fields__``).

    Why: CPython 3.11 specializes ``obj.name = value`` (and reads) to a direct store into the
    instance only when the class has nothing under ``name``; a field descriptor there (a
    Python class, mutable) keeps every store on the generic path, about 200 instructions each,
    10% of loading an item. Class access (``Room.name``) is answered by ``_ModelType`` and
    an unset value on an instance by ``Model.__getattr__``, as the descriptor answered them.
    A name that a base class or the metaclass also has stays in the dict (class access would
    otherwise find theirs).
    """
    moved: dict[str, Attribute[Any]] = {}
    for name, value in list(vars(cls).items()):
        if not isinstance(value, Attribute) or cls.__fields__.get(name) is not value:
            continue
        if any(name in vars(k) for k in cls.__mro__[1:]) or hasattr(type(cls), name):
            continue
        moved[name] = value
        type.__delattr__(cls, name)
    type.__setattr__(cls, _MOVED, moved)


class _ModelType(type):
    """Metaclass of ``Model``: answers class access to the attributes ``_move_out_fields``
    took out of the class dict (``Room.name`` is the attribute itself, as before)."""

    if not TYPE_CHECKING:  # type checkers see the declared class attributes instead

        def __getattr__(cls, name: str) -> Any:
            # Only reached when the class, its bases and the metaclass lack ``name``.
            attr = cls.__fields__.get(name)
            if attr is None:
                raise AttributeError(
                    f"type object {cls.__name__!r} has no attribute {name!r}", name=name, obj=cls
                )
            return attr

        def __dir__(cls) -> list[str]:
            return sorted({*super().__dir__(), *cls.__fields__})


@dataclass_transform(kw_only_default=True)
class Model(metaclass=_ModelType):
    """Base class of entity models.

    ``class Room(Model, entity="Room", extra="forbid")``: ``entity`` is stored in the
    ``entity`` attribute of every item (and selects the class when reading an item collection);
    ``extra`` decides what happens to unknown attributes: ``"forbid"`` (constructor raises
    ``ValidationError``; unknown attributes read from the table are dropped), ``"ignore"``
    (dropped everywhere) or ``"keep"`` (kept in ``instance.extra`` and written back on save).
    """

    __entity__: ClassVar[str | None] = None
    __fields__: ClassVar[dict[str, Attribute[Any]]] = {}
    __keys__: ClassVar[Keys | None] = None
    __indexes__: ClassVar[dict[str, Keys]] = {}
    __extra__: ClassVar[str] = "forbid"
    __version_field__: ClassVar[str | None] = None
    __auto_now__: ClassVar[tuple[str, ...]] = ()
    __auto_now_add__: ClassVar[tuple[str, ...]] = ()
    __defaults__: ClassVar[tuple[tuple[str, Attribute[Any]], ...]] = ()
    __key_fields__: ClassVar[frozenset[str]] = frozenset()
    __template_fields__: ClassVar[frozenset[str]] = frozenset()

    def __init_subclass__(
        cls, *, entity: str | None = None, extra: str | None = None, **kwargs: Any
    ) -> None:
        super().__init_subclass__(**kwargs)
        cls.__entity__ = entity
        if extra is not None:
            if extra not in ("forbid", "ignore", "keep"):
                raise ModelDefinitionError(f"{cls.__name__}: extra must be forbid/ignore/keep")
            cls.__extra__ = extra
        fields, keys, indexes = _collect_definitions(cls)
        _check_names(cls.__name__, fields, keys, indexes)
        cls.__fields__ = fields
        cls.__keys__ = keys
        cls.__indexes__ = indexes
        cls.__key_fields__ = frozenset(keys.fields) if keys else frozenset()
        cls.__template_fields__ = frozenset(n for k in key_sets(cls) for n in k.fields)
        versions = [n for n, a in fields.items() if isinstance(a, Version)]
        if len(versions) > 1:
            raise ModelDefinitionError(f"{cls.__name__}: at most one Version attribute")
        cls.__version_field__ = versions[0] if versions else None
        dates = [(n, a) for n, a in fields.items() if isinstance(a, DateTime)]
        cls.__auto_now__ = tuple(n for n, a in dates if a.auto_now)
        cls.__auto_now_add__ = tuple(n for n, a in dates if a.auto_now_add)
        cls.__defaults__ = tuple((n, a) for n, a in fields.items() if a.has_default())
        # Each class compiles its own codec on first use; until then (and never inherited from
        # a base class whose codec is built) its entry points are the building ones.
        if "_codec" in cls.__dict__:
            delattr(cls, "_codec")
        type.__setattr__(cls, "_dump_item", Model._dump_item)
        type.__setattr__(cls, "_load_item", Model.__dict__["_load_item"])
        for name in _ENTRY_POINTS:
            if _codec_owned(cls, name):
                type.__setattr__(cls, name, Model.__dict__[name])
        _move_out_fields(cls)

    if not TYPE_CHECKING:  # type checkers see the declared attributes, not any name

        def __getattr__(self, name: str) -> Any:
            # Only reached when neither the instance nor its class has ``name``: an attribute
            # with no value (its descriptor, out of the class dict, gives the default).
            cls = type(self)
            attr = cls.__fields__.get(name)
            if attr is None:
                raise AttributeError(
                    f"{cls.__name__!r} object has no attribute {name!r}", name=name, obj=self
                )
            return attr.__get__(self, cls)

        def __dir__(self) -> list[str]:
            return sorted({*super().__dir__(), *type(self).__fields__})

    def __init__(self, **values: Any) -> None:
        cls = type(self)
        fields = cls.__fields__
        d = self.__dict__
        unknown: list[str] = []
        for k, v in values.items():
            if k in fields:
                if v is not None:
                    d[k] = v
            else:
                unknown.append(k)
        if unknown:
            self._unknown_values(unknown, values)
        for name, attr in cls.__defaults__:
            if name not in d:
                value = attr.make_default()
                if value is not None:
                    d[name] = value

    def _unknown_values(self, names: list[str], values: Mapping[str, Any]) -> None:
        """Constructor arguments that are not attributes: kept, dropped or refused (``extra``)."""
        cls = type(self)
        if cls.__extra__ == "keep":
            self.__dict__.setdefault("extra", {}).update((k, values[k]) for k in names)
        elif cls.__extra__ == "forbid":
            raise ValidationError(
                [FieldError(k, "unknown attribute (strict model)") for k in names],
                model=cls.__name__,
            )

    # ------------------------------------------------------------------ hooks
    def before_save(self) -> None:
        """Model-level hook run before validation and serialization on every write."""

    def after_load(self) -> None:
        """Model-level hook run after an item is read and deserialized."""

    # ------------------------------------------------------------------ plain data
    @property
    def extra(self) -> dict[str, Any]:
        """Unknown attributes kept by ``extra="keep"`` models."""
        return self.__dict__.setdefault("extra", {})  # type: ignore[no-any-return]

    def to_dict(self) -> dict[str, Any]:
        """Attribute values as a plain dict (``None`` for unset attributes)."""
        d = self.__dict__
        return {name: d.get(name) for name in type(self).__fields__}

    def __eq__(self, other: object) -> bool:
        if type(other) is not type(self):
            return NotImplemented
        assert isinstance(other, Model)
        return self.to_dict() == other.to_dict()

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        d = self.__dict__
        shown = ", ".join(f"{n}={d[n]!r}" for n in type(self).__fields__ if n in d)
        return f"{type(self).__name__}({shown})"

    # ------------------------------------------------------------------ validation
    def _collect_errors(self, prefix: str, errors: list[FieldError]) -> None:
        cls = type(self)
        d = self.__dict__
        key_fields = cls.__key_fields__
        template_fields = cls.__template_fields__
        strings: dict[str, str] = {}
        for name, attr in cls.__fields__.items():
            value = d.get(name)
            if value is None and name in key_fields:
                errors.append(FieldError(prefix + name, "is required (part of the key)"))
                continue
            before = len(errors)
            attr.validate(value, prefix + name, errors)
            if name in template_fields and value is not None and len(errors) == before:
                strings[name] = attr.key_str(value)
        if strings:
            errors += cls._key_errors(strings)

    @classmethod
    def _key_errors(cls, strings: Mapping[str, str]) -> list[FieldError]:
        """What DynamoDB refuses in key attributes: an empty string fed into a template (an
        empty key value, or a key that every item with an empty value would share), and
        partition keys over 2048 bytes or sort keys over 1024 bytes, table or index."""
        errors = [
            FieldError(n, "must not be empty: it is part of a key")
            for n, v in strings.items()
            if v == ""
        ]
        if errors:
            return errors
        reported: set[str] = set()
        for keys in key_sets(cls):
            for template, limit in ((keys.pk, MAX_PK_BYTES), (keys.sk, MAX_SK_BYTES)):
                if template is None or not all(n in strings for n in template.fields):
                    continue
                size = len(template.render(strings).encode("utf-8"))
                longest = max(template.fields, key=lambda n: len(strings[n]), default=None)
                if size > limit and longest is not None and longest not in reported:
                    reported.add(longest)
                    part = "sort" if template is keys.sk else "partition"
                    where = f"{keys.index or 'table'} {part} key"
                    errors.append(
                        FieldError(
                            longest, f"makes the {where} {size} bytes; DynamoDB allows {limit}"
                        )
                    )
        return errors

    def validate(self) -> None:
        """Raise ``ValidationError`` listing every failing field (paths like ``tags[2]``)."""
        errors: list[FieldError] = []
        self._collect_errors("", errors)
        if errors:
            raise ValidationError(errors, model=type(self).__name__)

    def prepare_save(self, *, now: datetime | None = None, version: int | None = None) -> Item:
        """Everything a write does before the request: timestamps, ``before_save``, set
        transforms, validation, serialization and the 400 KB size check (with ``version``,
        the version attribute the write adds, counted in the size)."""
        cls = type(self)
        d = self.__dict__
        if cls.__auto_now__ or cls.__auto_now_add__:
            now = now or datetime.now(UTC)
            for name in cls.__auto_now_add__:
                if d.get(name) is None:
                    d[name] = now
            for name in cls.__auto_now__:
                d[name] = now
        self.before_save()
        for name, attr in cls.__fields__.items():
            if attr.set_transform is not None and d.get(name) is not None:
                d[name] = attr.set_transform(d[name])
        self.validate()
        item = self.to_item()
        vf = cls.__version_field__
        if version is not None and vf is not None:
            item[vf] = {"N": str(version)}
        size = item_size(item)
        if size > MAX_ITEM_BYTES:
            from pydynamodel.errors import ItemTooLarge

            raise ItemTooLarge(size, MAX_ITEM_BYTES, model=cls.__name__)
        return item

    # ------------------------------------------------------------------ serialization
    def to_item(self) -> Item:
        """Serialize to a DynamoDB item (keys, entity and attributes); no validation."""
        return self._dump_item()

    @classmethod
    def from_item(cls, item: Mapping[str, Wire]) -> Any:
        """Deserialize a DynamoDB item into an instance of this class."""
        return cls._load_item(item)

    # Replaced on each class by its codec's generated functions once built (``_get_codec``),
    # so ``to_item``/``from_item`` cost one call more than the generated code itself.
    def _dump_item(self) -> Item:
        return type(self)._get_codec().dump(self)

    @classmethod
    def _load_item(cls, item: Mapping[str, Wire]) -> Any:
        return cls._get_codec().load(item)

    def _dump_fields(self) -> dict[str, Wire]:
        return type(self)._get_codec().dump_fields(self)

    @classmethod
    def _load_fields(cls, item: Mapping[str, Wire]) -> Any:
        return cls._get_codec().load(item)

    @classmethod
    def _get_codec(cls) -> Codec:
        codec: Codec | None = cls.__dict__.get("_codec")
        if codec is None:
            codec = Codec(cls, after_load=cls.after_load is not Model.after_load)
            type.__setattr__(cls, "_codec", codec)
            type.__setattr__(cls, "_dump_item", codec.dump)
            type.__setattr__(cls, "_load_item", staticmethod(codec.load))
            # ``to_item``/``from_item`` become the generated functions themselves (one Python
            # call per item less), unless the class overrides them.
            generated = {"to_item": codec.dump, "from_item": staticmethod(codec.load)}
            for name in _ENTRY_POINTS:
                if _codec_owned(cls, name):
                    type.__setattr__(cls, name, generated[name])
        return codec

    # ------------------------------------------------------------------ keys
    @classmethod
    def key_strings(cls, values: Mapping[str, Any]) -> dict[str, str]:
        """Template substitution strings for the given attribute values."""
        fields = cls.__fields__
        out: dict[str, str] = {}
        for name, value in values.items():
            if value is None:
                continue
            attr = fields.get(name)
            if attr is None:
                raise ValidationError([FieldError(name, "unknown attribute")], model=cls.__name__)
            out[name] = attr.key_str(value)
        errors = cls._key_errors(out)
        if errors:
            raise ValidationError(errors, model=cls.__name__)
        return out

    @classmethod
    def key_for(cls, values: Mapping[str, Any]) -> Item:
        """The table key (``{"pk": {"S": ...}, "sk": {...}}``) for attribute values."""
        keys = cls.primary_keys()
        strings = cls.key_strings({k: v for k, v in values.items() if k in keys.fields})
        missing = [n for n in keys.fields if n not in strings]
        extra = [n for n in values if n not in keys.fields]
        if missing or extra:
            errors = [FieldError(n, "is required (part of the key)") for n in missing]
            errors += [FieldError(n, "is not part of the key") for n in extra]
            raise ValidationError(errors, model=cls.__name__)
        return {attr: {"S": t.render(strings)} for attr, t in keys.templates()}

    @classmethod
    def primary_keys(cls) -> Keys:
        if cls.__keys__ is None:
            raise ModelDefinitionError(f"{cls.__name__} has no `keys = Keys(...)`")
        return cls.__keys__

    @classmethod
    def index_keys(cls, index: str | None) -> Keys:
        if index is None:
            return cls.primary_keys()
        try:
            return cls.__indexes__[index]
        except KeyError:
            raise ModelDefinitionError(f"{cls.__name__} has no keys for index {index}") from None

    def key(self) -> dict[str, Any]:
        """The attribute values that form this instance's table key."""
        d = self.__dict__
        return {name: d.get(name) for name in type(self).primary_keys().fields}

    def key_item(self) -> Item:
        return type(self).key_for(self.key())
