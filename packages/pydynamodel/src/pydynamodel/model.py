"""``Model`` base class, key templates (``Keys``) and the precompiled (de)serializers."""

from __future__ import annotations

import string
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, ClassVar, dataclass_transform

from pydynamodel.errors import FieldError, ModelDefinitionError, ValidationError
from pydynamodel.fields import CODEGEN_GLOBALS, Attribute, DateTime, Version, _SetAttribute
from pydynamodel.serialization import MAX_ITEM_BYTES, Wire, dump_any, item_size, load_any

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator, Mapping

MAX_PK_BYTES = 2048
MAX_SK_BYTES = 1024

ENTITY_ATTR = "entity"
"""Name of the attribute holding the entity type of every item written by a model."""

Item = dict[str, Wire]

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


@dataclass_transform(kw_only_default=True)
class Model:
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
        fields: dict[str, Attribute[Any]] = {}
        keys: Keys | None = None
        indexes: dict[str, Keys] = {}
        for klass in reversed(cls.__mro__):
            for name, value in vars(klass).items():
                if isinstance(value, Attribute):
                    fields[name] = value
                elif isinstance(value, Keys):
                    if value.index is None:
                        keys = value
                    else:
                        indexes[value.index] = value
        reserved = {ENTITY_ATTR, "extra"}
        for k in ([keys] if keys else []) + list(indexes.values()):
            reserved.update(a for a, _ in k.templates())
        for name, attr in fields.items():
            if name.startswith("_") or name in reserved:
                raise ModelDefinitionError(
                    f"{cls.__name__}.{name}: the name is reserved (keys, 'entity', 'extra', "
                    "or starts with '_')"
                )
            attr.check_definition(cls.__name__)
        for k in ([keys] if keys else []) + list(indexes.values()):
            for name in k.fields:
                if name not in fields:
                    raise ModelDefinitionError(
                        f"{cls.__name__}: key template {k!r} uses unknown attribute {name!r}"
                    )
        cls.__fields__ = fields
        cls.__keys__ = keys
        cls.__indexes__ = indexes
        cls.__key_fields__ = frozenset(keys.fields) if keys else frozenset()
        cls.__template_fields__ = frozenset(
            n for k in ([keys] if keys else []) + list(indexes.values()) for n in k.fields
        )
        versions = [n for n, a in fields.items() if isinstance(a, Version)]
        if len(versions) > 1:
            raise ModelDefinitionError(f"{cls.__name__}: at most one Version attribute")
        cls.__version_field__ = versions[0] if versions else None
        cls.__auto_now__ = tuple(
            n for n, a in fields.items() if isinstance(a, DateTime) and a.auto_now
        )
        cls.__auto_now_add__ = tuple(
            n for n, a in fields.items() if isinstance(a, DateTime) and a.auto_now_add
        )
        cls.__defaults__ = tuple((n, a) for n, a in fields.items() if a.has_default())
        for attr_name in ("_codec",):
            if attr_name in cls.__dict__:
                delattr(cls, attr_name)

    def __init__(self, **values: Any) -> None:
        cls = type(self)
        fields = cls.__fields__
        d = self.__dict__
        unknown: list[str] = []
        for k, v in values.items():
            if k in fields:
                if v is not None:
                    d[k] = v
            elif cls.__extra__ == "keep":
                d.setdefault("extra", {})[k] = v
            elif cls.__extra__ == "forbid":
                unknown.append(k)
        if unknown:
            raise ValidationError(
                [FieldError(k, "unknown attribute (strict model)") for k in unknown],
                model=cls.__name__,
            )
        for name, attr in cls.__defaults__:
            if name not in d:
                value = attr.make_default()
                if value is not None:
                    d[name] = value

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
        key_sets = ([cls.__keys__] if cls.__keys__ else []) + list(cls.__indexes__.values())
        reported: set[str] = set()
        for keys in key_sets:
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
        return type(self)._get_codec().dump(self)

    @classmethod
    def from_item(cls, item: Mapping[str, Wire]) -> Any:
        """Deserialize a DynamoDB item into an instance of this class."""
        return cls._get_codec().load(item)

    def _dump_fields(self) -> dict[str, Wire]:
        return type(self)._get_codec().dump_fields(self)

    @classmethod
    def _load_fields(cls, item: Mapping[str, Wire]) -> Any:
        return cls._get_codec().load(item)

    @classmethod
    def _get_codec(cls) -> _Codec:
        codec: _Codec | None = cls.__dict__.get("_codec")
        if codec is None:
            codec = _Codec(cls)
            type.__setattr__(cls, "_codec", codec)
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


class _Codec:
    """Per-model serializer/deserializer generated once (on first use) as Python source, so
    the hot path has no per-attribute dispatch."""

    def __init__(self, cls: type[Model]) -> None:
        self.cls = cls
        ns: dict[str, Any] = dict(CODEGEN_GLOBALS)
        ns["_cls"] = cls
        ns["_new"] = object.__new__
        ns["_dump_any"] = dump_any
        ns["_load_any"] = load_any
        fields = cls.__fields__
        dump_lines = ["def dump_fields(obj):", "    d = obj.__dict__", "    item = {}"]
        load_lines = ["def load(item):", "    d = {}"]
        for i, (name, attr) in enumerate(fields.items()):
            ns[f"_a{i}"] = attr
            ns[f"_d{i}"] = attr.dump
            ns[f"_l{i}"] = attr.load
            dexpr = attr.dump_code("v") or f"_d{i}(v)"
            lexpr = attr.load_code("v") or f"_l{i}(v)"
            if attr.get_transform is not None:
                ns[f"_g{i}"] = attr.get_transform
                lexpr = f"_g{i}({lexpr})"
            if attr.always_dump:
                dump_lines.append(f"    item[{name!r}] = _d{i}(None)")
            else:
                dump_lines.append(f"    v = d.get({name!r})")
                if isinstance(attr, _SetAttribute):
                    dump_lines.append(f"    if v:\n        item[{name!r}] = {dexpr}")
                else:
                    dump_lines.append(f"    if v is not None:\n        item[{name!r}] = {dexpr}")
            load_lines.append(f"    v = item.get({name!r})")
            load_lines.append(f"    if v is not None:\n        d[{name!r}] = {lexpr}")
        dump_lines.append("    return item")
        load_lines.append("    obj = _new(_cls)")
        load_lines.append("    obj.__dict__ = d")
        if cls.__extra__ == "keep":
            ns["_known"] = frozenset(fields) | frozenset(self._key_attrs()) | {ENTITY_ATTR}
            load_lines.append(
                "    extra = {k: _load_any(v) for k, v in item.items() if k not in _known}"
            )
            load_lines.append("    if extra:\n        d['extra'] = extra")
        if cls.after_load is not Model.after_load:
            load_lines.append("    obj.after_load()")
        load_lines.append("    return obj")

        full = ["def dump(obj):", "    item = dump_fields(obj)", "    d = obj.__dict__"]
        if cls.__entity__ is not None:
            ns["_entity"] = {"S": cls.__entity__}
            full.append(f"    item[{ENTITY_ATTR!r}] = _entity")
        key_sets = ([cls.__keys__] if cls.__keys__ else []) + list(cls.__indexes__.values())
        for j, keys in enumerate(key_sets):
            guard = [f"d.get({n!r}) is not None" for n in keys.fields]
            indent = "    "
            if guard:
                full.append(f"    if {' and '.join(guard)}:")
                indent = "        "
            for k, (attr_name, template) in enumerate(keys.templates()):
                pieces: list[str] = []
                for lit, fname in template.parts:
                    if lit:
                        pieces.append(repr(lit))
                    if fname is not None:
                        fattr = fields[fname]
                        if fattr.dump_code("x") == '{"S": x}':
                            pieces.append(f"d[{fname!r}]")
                        else:
                            ns[f"_ks_{j}_{k}_{fname}"] = fattr.key_str
                            pieces.append(f"_ks_{j}_{k}_{fname}(d[{fname!r}])")
                expr = " + ".join(pieces) or "''"
                full.append(f'{indent}item[{attr_name!r}] = {{"S": {expr}}}')
        if cls.__extra__ == "keep":
            full.append("    for k, v in d.get('extra', {}).items():")
            full.append("        item.setdefault(k, _dump_any(v))")
        full.append("    return item")
        source = "\n".join(dump_lines + load_lines + full)
        exec(compile(source, f"<pydynamodel codec {cls.__name__}>", "exec"), ns)
        self.source = source
        self.dump_fields: Callable[[Model], dict[str, Wire]] = ns["dump_fields"]
        self.dump: Callable[[Model], Item] = ns["dump"]
        self._fast_load: Callable[[Mapping[str, Wire]], Any] = ns["load"]

    def _key_attrs(self) -> list[str]:
        cls = self.cls
        key_sets = ([cls.__keys__] if cls.__keys__ else []) + list(cls.__indexes__.values())
        return [a for k in key_sets for a, _ in k.templates()]

    def load(self, item: Mapping[str, Wire]) -> Any:
        try:
            return self._fast_load(item)
        except (KeyError, TypeError, ValueError):
            return self._slow_load(item)

    def _slow_load(self, item: Mapping[str, Wire]) -> Any:
        """Tolerates NULLs; reports values of the wrong DynamoDB type clearly."""
        cls = self.cls
        obj = object.__new__(cls)
        d: dict[str, Any] = {}
        errors: list[FieldError] = []
        for name, attr in cls.__fields__.items():
            wire = item.get(name)
            if wire is None or "NULL" in wire:
                continue
            try:
                value = attr.load(wire)
            except (KeyError, TypeError, ValueError) as exc:
                errors.append(FieldError(name, f"cannot load {wire!r}: {exc}"))
                continue
            if attr.get_transform is not None:
                value = attr.get_transform(value)
            d[name] = value
        if errors:
            raise ValidationError(errors, model=cls.__name__)
        obj.__dict__ = d
        if cls.__extra__ == "keep":
            known = set(cls.__fields__) | set(self._key_attrs()) | {ENTITY_ATTR}
            extra = {k: load_any(v) for k, v in item.items() if k not in known}
            if extra:
                d["extra"] = extra
        obj.after_load()
        return obj
