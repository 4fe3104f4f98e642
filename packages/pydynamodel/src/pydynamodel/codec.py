"""Per-model serializer/deserializer, generated once per model class as Python source.

Why generated code: a model's attributes are known when its class is defined, so the
``item <-> instance`` conversion can be one straight-line function per direction with every
attribute's conversion inlined (``{"S": v}``, ``int(v["N"])``) instead of a loop that dispatches
on each attribute's type and calls its ``dump``/``load`` per value. Attributes that cannot be
inlined (``dump_code``/``load_code`` return ``None``) are called through their bound methods, so
a custom ``Attribute`` subclass behaves exactly as its ``dump``/``load`` say. The source is kept
on ``Codec.source`` (and compiled under the file name ``<pydynamodel codec Model>``) so it
shows in tracebacks and can be inspected in tests.

The fast loader assumes well-formed items; anything it trips on (a ``NULL``, a value of the
wrong DynamoDB type, a missing tag) raises ``KeyError``/``TypeError``/``ValueError`` and the
item is loaded again by ``_slow_load``, which tolerates ``NULL`` and names the failing field.
"""

from __future__ import annotations

import sys
from keyword import iskeyword
from typing import TYPE_CHECKING, Any

from pydynamodel.errors import FieldError, ValidationError
from pydynamodel.fields import CODEGEN_GLOBALS, Attribute
from pydynamodel.serialization import Wire, dump_any, load_any

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping

    from pydynamodel.model import Keys, Model

ENTITY_ATTR = "entity"
"""Name of the attribute holding the entity type of every item written by a model."""

Item = dict[str, Wire]


def key_sets(cls: type[Model]) -> list[Keys]:
    """The table keys (if any) followed by every index's keys."""
    return ([cls.__keys__] if cls.__keys__ else []) + list(cls.__indexes__.values())


def key_attrs(cls: type[Model]) -> list[str]:
    """The item attributes the key templates write (``pk``, ``sk``, ``GSI1PK``, ...)."""
    return [a for k in key_sets(cls) for a, _ in k.templates()]


def _defining_class(attr: Attribute[Any], method: str) -> type:
    return next(k for k in type(attr).__mro__ if method in vars(k))


def _inlined(attr: Attribute[Any], method: str) -> bool:
    """Whether the inline code of ``method`` (``dump``/``load``) may stand for it: not when a
    subclass overrides ``method`` below the class that wrote its ``*_code`` (a user's
    ``class Upper(f.Str)`` with its own ``dump`` is called, not inlined as ``f.Str``'s)."""
    code_owner = _defining_class(attr, f"{method}_code")
    return issubclass(code_owner, _defining_class(attr, method))


def _load_expr(i: int, attr: Attribute[Any], var: str, ns: dict[str, Any]) -> str:
    """The expression loading attribute ``i`` from the wire value in ``var``."""
    lexpr = (_inlined(attr, "load") and attr.load_code(var)) or f"_l{i}({var})"
    if attr.get_transform is not None:
        ns[f"_g{i}"] = attr.get_transform
        lexpr = f"_g{i}({lexpr})"
    return lexpr


def _dump_expr(i: int, attr: Attribute[Any], var: str) -> str:
    """The expression dumping attribute ``i`` from the Python value in ``var``."""
    return (_inlined(attr, "dump") and attr.dump_code(var)) or f"_d{i}({var})"


def _present_test(attr: Attribute[Any], var: str) -> str:
    # Empty sets are left out of the item: DynamoDB has no empty set.
    return var if attr.is_set else f"{var} is not None"


def _field_lines(
    i: int, name: str, attr: Attribute[Any], ns: dict[str, Any]
) -> tuple[list[str], list[str]]:
    """The sparse dump and load statements of one attribute (its value in ``v``)."""
    ns[f"_d{i}"] = attr.dump
    ns[f"_l{i}"] = attr.load
    ns.update(attr.codegen_names())
    if attr.always_dump:
        dump = [f"    item[{name!r}] = _d{i}(None)"]
    else:
        dump = [
            f"    v = d.get({name!r})",
            f"    if {_present_test(attr, 'v')}:",
            f"        item[{name!r}] = {_dump_expr(i, attr, 'v')}",
        ]
    lexpr = _load_expr(i, attr, "v", ns)
    load = [
        f"    v = item.get({name!r})",
        "    if v is not None:",
        f"        d[{name!r}] = {lexpr}",
    ]
    return dump, load


def _dump_lines(fields: Mapping[str, Attribute[Any]], tail: list[str], sparse: str) -> list[str]:
    """Statements building ``item`` from the instance dict ``d``.

    An instance with every attribute set (the common case) is written with one dict display
    (ending with the ``tail`` entries: entity and keys); one with an attribute unset, ``None``
    or an empty set calls ``sparse``.
    """
    entries = [
        f"{name!r}: " + (f"_d{i}(None)" if attr.always_dump else _dump_expr(i, attr, f"v{i}"))
        for i, (name, attr) in enumerate(fields.items())
    ] + tail
    read = [
        (i, name, attr) for i, (name, attr) in enumerate(fields.items()) if not attr.always_dump
    ]
    if not read:
        return ["    item = {" + ", ".join(entries) + "}"]
    absent = " or ".join(f"not v{i}" if attr.is_set else f"v{i} is None" for i, _, attr in read)
    lines = ["    try:"]
    lines += [f"        v{i} = d[{name!r}]" for i, name, _ in read]
    lines += ["    except KeyError:", f"        item = {sparse}", "    else:"]
    lines += [f"        if {absent}:", f"            item = {sparse}", "        else:"]
    lines += ["            item = {", *(f"                {e}," for e in entries), "            }"]
    return lines


def _stores_attributes(cls: type[Model]) -> bool:
    """Whether a loaded instance may be built by assigning its attributes one by one.

    ``obj.name = value`` keeps the values in the instance itself (no dict allocated, then
    materialized empty and replaced, as ``obj.__dict__ = d`` costs); it is only the same as
    writing the instance dict when no ``__setattr__`` and no data descriptor stands in the way
    and every name is an identifier (else: one dict display).
    """
    if cls.__setattr__ is not object.__setattr__:
        return False
    for name in cls.__fields__:
        if not name.isidentifier() or iskeyword(name):
            return False
        if not any(name in vars(k) for k in cls.__mro__):
            continue  # out of the class dict (``model._move_out_fields``): nothing in the way
        found = next(vars(k)[name] for k in cls.__mro__ if name in vars(k))
        if not isinstance(found, Attribute) or hasattr(type(found), "__set__"):
            return False
        if hasattr(type(found), "__delete__"):
            return False
    return True


#: Where a comprehension is a function call (before 3.12), a short typed list loads faster in
#: a loop of the loader's own; a comprehension is faster from about this many elements on.
SHORT_LIST = 16 if sys.version_info < (3, 12) else 0


def _store_lines(name: str, attr: Attribute[Any], expr: str, var: str) -> list[str]:
    """``obj.<name> = expr``; for a typed list whose element is inlined, short lists are
    loaded in a loop (``SHORT_LIST``)."""
    store = [f"        obj.{name} = {expr}"]
    of: Attribute[Any] | None = getattr(attr, "of", None)
    if not SHORT_LIST or attr.dynamo_type != "L" or of is None or attr.get_transform:
        return store
    element = _inlined(of, "load") and of.load_code("e")
    if not element or of.load_many_code("x") is not None or not _inlined(attr, "load"):
        return store
    return [
        f'        x = {var}["L"]',
        f"        if len(x) >= {SHORT_LIST}:",
        f"            obj.{name} = [{element} for e in x]",
        "        else:",
        "            t = []",
        "            for e in x:",
        f"                t.append({element})",
        f"            obj.{name} = t",
    ]


def _load_lines(cls: type[Model], ns: dict[str, Any]) -> list[str]:
    """The start of ``load``: the instance ``obj`` with its attribute values.

    An item holding every attribute (the common case) is read without a lookup and a test per
    attribute; an item without some takes ``load_sparse``.
    """
    fields = cls.__fields__
    if not fields:
        return ["    obj = _new(_cls)"]
    sparse = ["        obj = _new(_cls)", "        obj.__dict__ = load_sparse(item)"]
    lines = ["    try:"]
    lines += [f"        v{i} = item[{name!r}]" for i, name in enumerate(fields)]
    lines += ["    except KeyError:", *sparse, "    else:", "        obj = _new(_cls)"]
    exprs = [
        (name, _load_expr(i, attr, f"v{i}", ns)) for i, (name, attr) in enumerate(fields.items())
    ]
    if _stores_attributes(cls):
        for i, ((name, expr), attr) in enumerate(zip(exprs, fields.values(), strict=True)):
            lines += _store_lines(name, attr, expr, f"v{i}")
    else:
        lines += [
            "        obj.__dict__ = {",
            *(f"            {n!r}: {e}," for n, e in exprs),
            "        }",
        ]
    return lines


def _key_exprs(
    cls: type[Model], ns: dict[str, Any], value: Callable[[str], str]
) -> list[tuple[Keys, str, str]]:
    """(key set, item attribute, wire expression) of every key attribute, rendered from its
    template; ``value(name)`` is the expression of attribute ``name``'s value."""
    fields = cls.__fields__
    out: list[tuple[Keys, str, str]] = []
    for j, keys in enumerate(key_sets(cls)):
        for k, (attr_name, template) in enumerate(keys.templates()):
            pieces: list[str] = []
            for lit, fname in template.parts:
                if lit:
                    pieces.append(repr(lit))
                if fname is None:
                    continue
                fattr = fields[fname]
                if fattr.dump_code("x") == '{"S": x}':  # a string attribute: its own value
                    pieces.append(value(fname))
                else:
                    ns[f"_ks_{j}_{k}_{fname}"] = fattr.key_str
                    pieces.append(f"_ks_{j}_{k}_{fname}({value(fname)})")
            out.append((keys, attr_name, '{"S": ' + (" + ".join(pieces) or "''") + "}"))
    return out


def _key_lines(cls: type[Model], ns: dict[str, Any]) -> list[str]:
    """Statements writing the entity and the key attributes (an index key only when every
    attribute its templates use has a value: a sparse index)."""
    lines = [f"    item[{ENTITY_ATTR!r}] = _entity"] if cls.__entity__ is not None else []
    current: Keys | None = None
    indent = "    "
    for keys, attr_name, expr in _key_exprs(cls, ns, lambda n: f"d[{n!r}]"):
        if keys is not current:
            current, indent = keys, "    "
            if keys.fields:
                present = " and ".join(f"d.get({n!r}) is not None" for n in keys.fields)
                lines.append(f"    if {present}:")
                indent = "        "
        lines.append(f"{indent}item[{attr_name!r}] = {expr}")
    return lines


def _dump_item_lines(cls: type[Model], ns: dict[str, Any]) -> list[str]:
    """``dump`` (and ``dump_rest``, its path for an instance without every attribute): the
    attributes, the entity and the keys. With every attribute set, every key's attributes
    have values, so entity and keys are entries of the one dict display."""
    fields = cls.__fields__
    if cls.__entity__ is not None:
        ns["_entity"] = {"S": cls.__entity__}
    keyed = _key_lines(cls, ns)
    index = {name: i for i, name in enumerate(fields)}
    used = {n for k in key_sets(cls) for n in k.fields}
    dump = ["def dump(obj):", "    d = obj.__dict__"]
    if any(fields[n].always_dump for n in used):  # a key of a NULL attribute: never in the display
        dump += [*_dump_lines(fields, [], "dump_sparse(obj)"), *keyed]
        rest: list[str] = []
    elif keyed:
        tail = [f"{ENTITY_ATTR!r}: _entity"] if cls.__entity__ is not None else []
        exprs = _key_exprs(cls, ns, lambda n: f"v{index[n]}")
        tail += [f"{attr!r}: {expr}" for _, attr, expr in exprs]
        dump += _dump_lines(fields, tail, "dump_rest(obj)")
        rest = ["def dump_rest(obj):", "    d = obj.__dict__", "    item = dump_sparse(obj)"]
        rest += [*keyed, "    return item"]
    else:
        dump += _dump_lines(fields, [], "dump_sparse(obj)")
        rest = []
    if cls.__extra__ == "keep":
        dump.append("    for k, v in d.get('extra', {}).items():")
        dump.append("        item.setdefault(k, _dump_any(v))")
    return [*rest, *dump, "    return item"]


def generate(cls: type[Model], *, after_load: bool) -> tuple[str, dict[str, Any]]:
    """The source of ``dump_fields``, ``load`` and ``dump`` for ``cls`` and the names it uses."""
    ns: dict[str, Any] = dict(CODEGEN_GLOBALS)
    ns.update(_cls=cls, _new=object.__new__, _dump_any=dump_any, _load_any=load_any)
    sparse_dump = ["def dump_sparse(obj):", "    d = obj.__dict__", "    item = {}"]
    sparse_load = ["def load_sparse(item):", "    d = {}"]
    for i, (name, attr) in enumerate(cls.__fields__.items()):
        dump, load = _field_lines(i, name, attr, ns)
        sparse_dump += dump
        sparse_load += load
    sparse_dump.append("    return item")
    sparse_load.append("    return d")
    body = ["    d = obj.__dict__", *_dump_lines(cls.__fields__, [], "dump_sparse(obj)")]
    dump_lines = ["def dump_fields(obj):", *body, "    return item"]
    load_body = _load_lines(cls, ns)
    if cls.__extra__ == "keep":
        ns["_known"] = frozenset(cls.__fields__) | frozenset(key_attrs(cls)) | {ENTITY_ATTR}
        load_body.append(
            "    extra = {k: _load_any(v) for k, v in item.items() if k not in _known}"
        )
        load_body.append("    if extra:")
        load_body.append("        obj.__dict__['extra'] = extra")
    if after_load:
        load_body.append("    obj.after_load()")
    load_body.append("    return obj")
    # ``load`` raises on what it cannot read; ``load_item`` (the same body) falls back to the
    # tolerant ``_slow_load`` then, without a call between the two.
    load_lines = ["def load(item):", *load_body, "def load_item(item):", "    try:"]
    load_lines += ["    " + line for line in load_body]
    load_lines += [
        "    except (KeyError, TypeError, ValueError):",
        "        return _slow_load(item)",
    ]
    # ``load_many``: the same body in a loop, for a list of these models (``f.List(f.Nested)``)
    # without a call per element.
    load_lines += [
        "def load_many(wires):",
        "    out = []",
        "    for w in wires:",
        "        item = w['M']",
    ]
    load_lines += ["    " + line for line in load_body[:-1]]
    load_lines += ["        out.append(obj)", "    return out"]
    full = _dump_item_lines(cls, ns)
    return "\n".join(sparse_dump + sparse_load + dump_lines + load_lines + full), ns


class Codec:
    """The compiled functions of one model class (built on first use, see ``Model``)."""

    def __init__(self, cls: type[Model], *, after_load: bool) -> None:
        self.cls = cls
        source, ns = generate(cls, after_load=after_load)
        ns["_slow_load"] = self._slow_load
        exec(compile(source, f"<pydynamodel codec {cls.__name__}>", "exec"), ns)
        self.source = source
        self.dump_fields: Callable[[Model], dict[str, Wire]] = ns["dump_fields"]
        self.dump: Callable[[Model], Item] = ns["dump"]
        #: Loads a well-formed item; raises on anything else (``load`` then falls back).
        self.fast_load: Callable[[Mapping[str, Wire]], Any] = ns["load"]
        #: ``fast_load`` of each ``{"M": item}`` of a list (raises as ``fast_load`` does).
        self.fast_load_many: Callable[[list[Wire]], list[Any]] = ns["load_many"]
        #: Loads any item: ``fast_load``, falling back to ``_slow_load`` on what it trips on.
        self.load: Callable[[Mapping[str, Wire]], Any] = ns["load_item"]

    def _slow_load(self, item: Mapping[str, Wire]) -> Any:
        """Tolerates NULLs; reports values of the wrong DynamoDB type clearly."""
        cls = self.cls
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
            d[name] = value if attr.get_transform is None else attr.get_transform(value)
        if errors:
            raise ValidationError(errors, model=cls.__name__)
        obj = object.__new__(cls)
        obj.__dict__ = d
        if cls.__extra__ == "keep":
            known = set(cls.__fields__) | set(key_attrs(cls)) | {ENTITY_ATTR}
            extra = {k: load_any(v) for k, v in item.items() if k not in known}
            if extra:
                d["extra"] = extra
        obj.after_load()
        return obj
