"""Request parameters for DynamoDB: keys, key conditions, condition, update and projection
expressions, and the checks DynamoDB would refuse a request for (item, expression and
transaction sizes, versions, limits). Pure functions of the models and arguments: no client,
no network (an update that rebuilds an index key reads the stored item through the callable
it is given)."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from pydynamodel.conditions import (
    Between,
    Compare,
    Condition,
    ExpressionBuilder,
    Function,
    KeyCondition,
    UpdateAction,
    all_of,
    compile_update,
    path_str,
)
from pydynamodel.errors import FieldError, ValidationError
from pydynamodel.fields import Attribute
from pydynamodel.model import ENTITY_ATTR, Item, Keys, Model
from pydynamodel.serialization import Wire, number_str

KeyRef = Model | tuple[type[Model], Mapping[str, Any]]
"""A reference to one item: a model instance, or ``(ModelClass, {"room_id": "r1"})``."""


def put_params(
    table_name: str, obj: Model, condition: Condition | None, *, create: bool
) -> tuple[dict[str, Any], Callable[[], None]]:
    """PutItem parameters for ``obj`` (``create``: only if its key is free), and the commit
    that sets the new version on ``obj`` once the write succeeded."""
    cls = type(obj)
    keys = cls.primary_keys()
    conditions: list[Condition | None] = [condition]
    vf = cls.__version_field__
    new_version: int | None = None
    if create:
        conditions.append(Function("attribute_not_exists", (keys.pk_attr,)))
        if vf is not None:
            new_version = obj.__dict__.get(vf) or 1
    elif vf is not None:
        current = obj.__dict__.get(vf)
        if current is None:
            conditions.append(Function("attribute_not_exists", (keys.pk_attr,)))
            new_version = 1
        else:
            conditions.append(Compare((vf,), "=", {"N": str(current)}))
            new_version = current + 1
    # The version attribute is part of the item DynamoDB sizes: count it in the check.
    item = obj.prepare_save(version=new_version)
    params: dict[str, Any] = {"TableName": table_name, "Item": item}
    add_condition(params, all_of(conditions))

    def commit() -> None:
        if vf is not None and new_version is not None:
            obj.__dict__[vf] = new_version

    return params, commit


def update_request(
    table_name: str,
    model: type[Model],
    key: Mapping[str, Any],
    actions: Sequence[UpdateAction],
    condition: Condition | None,
    expected_version: int | None,
    upsert: bool,
    read_stored: Callable[[Item], dict[str, Wire]],
) -> tuple[dict[str, Any], dict[str, Wire | None]]:
    """UpdateItem parameters, and the stored values read to rebuild index keys (``None``:
    absent) that the update is conditional on; ``read_stored`` reads the stored item (``{}``
    if absent) when an index key needs attributes the update does not set."""
    keys = model.primary_keys()
    key_item = model.key_for(key)
    errors: list[FieldError] = []
    compiled: list[UpdateAction] = []
    set_values: dict[str, Any] = {}
    removed: set[str] = set()
    for action in actions:
        _add_user_action(model, action, compiled, set_values, removed, errors)
    _add_auto_now(model, compiled, set_values)
    conditions: list[Condition | None] = [condition]
    _add_version_change(model, expected_version, compiled, conditions)
    guards = _add_index_keys(
        model, key, key_item, set_values, removed, upsert, read_stored, compiled, errors
    )
    for n, wire in guards.items():
        conditions.append(
            Function("attribute_not_exists", (n,)) if wire is None else Compare((n,), "=", wire)
        )
    if upsert:
        _add_upsert_key(model, keys, key, compiled)
    else:
        conditions.append(Function("attribute_exists", (keys.pk_attr,)))
    if errors:
        raise ValidationError(errors, model=model.__name__)
    if not compiled:
        raise ValidationError("update needs at least one action")
    return _update_params(table_name, key_item, compiled, all_of(conditions)), guards


def _add_user_action(
    model: type[Model],
    action: UpdateAction,
    compiled: list[UpdateAction],
    set_values: dict[str, Any],
    removed: set[str],
    errors: list[FieldError],
) -> None:
    """Compile one action of the caller into ``compiled``; a whole-attribute ``set`` or
    ``remove`` is also recorded (``set_values``, ``removed``) for the index keys."""
    compiled_action = _checked_user_action(model, action, errors)
    if compiled_action is None:
        return
    compiled.append(compiled_action)
    if len(action.path) != 1 or not isinstance(action.path[0], str):
        return
    if compiled_action.kind == "remove":
        removed.add(action.path[0])
    elif compiled_action.kind == "set":
        set_values[action.path[0]] = compiled_action.raw


def _checked_user_action(
    model: type[Model], action: UpdateAction, errors: list[FieldError]
) -> UpdateAction | None:
    """The compiled action, or ``None`` with the reason in ``errors``: a key attribute, an
    attribute the model does not have, an invalid value, or a change to an index key's
    attribute that only the server could compute."""
    top = action.path[0] if action.path else ""
    if top in model.__key_fields__:
        errors.append(FieldError(str(top), "is part of the table key and cannot change"))
        return None
    if isinstance(top, str) and top not in model.__fields__ and model.__extra__ != "keep":
        errors.append(FieldError(str(top), f"unknown attribute of {model.__name__}"))
        return None
    compiled_action = compile_action(action, errors)
    if compiled_action is None:
        return None
    # A key attribute was refused above: a template attribute here feeds an index key.
    if top in model.__template_fields__ and (
        compiled_action.kind not in ("set", "remove") or len(action.path) > 1
    ):
        # Only the server knows the result of an increment or append, so the index
        # key built from it could not be written in the same request.
        errors.append(
            FieldError(str(top), "feeds an index key: change it with set() or remove() only")
        )
        return None
    return compiled_action


def _add_auto_now(
    model: type[Model], compiled: list[UpdateAction], set_values: dict[str, Any]
) -> None:
    """Set the automatic timestamps the update does not set itself to now."""
    touched = {a.path[0] for a in compiled if len(a.path) >= 1}
    now = datetime.now(UTC)
    for name in model.__auto_now__:
        if name not in touched:
            attr = model.__fields__[name]
            compiled.append(UpdateAction("set", (name,), attr.dump(now), now, attr))
            set_values[name] = now


def _add_version_change(
    model: type[Model],
    expected_version: int | None,
    compiled: list[UpdateAction],
    conditions: list[Condition | None],
) -> None:
    """The next version: the expected one plus one (conditional on it), else one more."""
    vf = model.__version_field__
    if vf is None:
        if expected_version is not None:
            raise ValidationError(f"{model.__name__} has no Version attribute")
        return
    if expected_version is not None:
        conditions.append(Compare((vf,), "=", {"N": str(expected_version)}))
        compiled.append(UpdateAction("set", (vf,), {"N": str(expected_version + 1)}))
    else:
        compiled.append(UpdateAction("add", (vf,), {"N": "1"}))


def _add_index_keys(
    model: type[Model],
    key: Mapping[str, Any],
    key_item: Item,
    set_values: dict[str, Any],
    removed: set[str],
    upsert: bool,
    read_stored: Callable[[Item], dict[str, Wire]],
    compiled: list[UpdateAction],
    errors: list[FieldError],
) -> dict[str, Wire | None]:
    """Rebuild the key of each index whose attributes the update changes (every index on
    an upsert); the stored values the rebuilt keys depend on are returned as guards."""
    known = {**dict(key), **set_values}
    changed = set(set_values) | removed
    stored: dict[str, Wire] | None = None
    guards: dict[str, Wire | None] = {}
    for index_keys in model.__indexes__.values():
        used = set(index_keys.fields)
        if used.isdisjoint(changed) and not upsert:
            continue
        if not used.isdisjoint(removed):
            for attr_name, _ in index_keys.templates():
                compiled.append(UpdateAction("remove", (attr_name,)))
            continue
        missing = [n for n in used if known.get(n) is None]
        if missing and not used.isdisjoint(set_values) and not errors:
            # The other attributes of the template come from the stored item; the update
            # is conditional on them, so the index key cannot be built from stale values.
            if stored is None:
                stored = read_stored(key_item)
            _fill_from_stored(model, missing, stored, known, guards)
            missing = [n for n in used if known.get(n) is None]
        if not missing:
            strings = model.key_strings({n: known[n] for n in used})
            for attr_name, template in index_keys.templates():
                compiled.append(UpdateAction("set", (attr_name,), {"S": template.render(strings)}))
        # else: an attribute of the template is absent, so the item stays out of this
        # (sparse) index, as a save of the same item would leave it.
    return guards


def _fill_from_stored(
    model: type[Model],
    missing: list[str],
    stored: Mapping[str, Wire],
    known: dict[str, Any],
    guards: dict[str, Wire | None],
) -> None:
    """Take the ``missing`` attributes from the stored item into ``known``, each guarded
    by its stored value (``None``: absent)."""
    fields = model.__fields__
    for n in missing:
        wire = stored.get(n)
        guards[n] = wire
        if wire is not None:
            known[n] = fields[n].load(wire)


def _add_upsert_key(
    model: type[Model], keys: Keys, key: Mapping[str, Any], compiled: list[UpdateAction]
) -> None:
    """An upsert may create the item: it writes the entity and the key attributes."""
    if model.__entity__ is not None:
        compiled.append(UpdateAction("set", (ENTITY_ATTR,), {"S": model.__entity__}))
    fields = model.__fields__
    for name in keys.fields:
        compiled.append(UpdateAction("set", (name,), fields[name].dump(key[name])))


def _update_params(
    table_name: str, key_item: Item, compiled: list[UpdateAction], cond: Condition | None
) -> dict[str, Any]:
    b = ExpressionBuilder()
    expression = compile_update(compiled, b)
    params: dict[str, Any] = {
        "TableName": table_name,
        "Key": key_item,
        "UpdateExpression": expression,
    }
    if cond is not None:
        params["ConditionExpression"] = cond.compile(b)
    params.update(b.params())
    return params


def delete_params(
    table_name: str,
    target: Model | type[Model],
    key: Mapping[str, Any],
    condition: Condition | None,
    expected_version: int | None,
) -> tuple[type[Model], dict[str, Any], dict[str, Any]]:
    """DeleteItem parameters by instance or by key: the model, the key values and the
    parameters (conditional on the version when one is expected)."""
    if isinstance(target, Model):
        model: type[Model] = type(target)
        key = target.key()
        vf = model.__version_field__
        if expected_version is None and vf is not None:
            expected_version = target.__dict__.get(vf)
    else:
        model = target
    conditions: list[Condition | None] = [condition]
    if expected_version is not None:
        vf = model.__version_field__
        if vf is None:
            raise ValidationError(f"{model.__name__} has no Version attribute")
        conditions.append(Compare((vf,), "=", {"N": str(expected_version)}))
    params: dict[str, Any] = {"TableName": table_name, "Key": model.key_for(key)}
    add_condition(params, all_of(conditions))
    return model, dict(key), params


def build_key_condition(
    model: type[Model],
    keys: Keys,
    strings: dict[str, str],
    sk: Condition | KeyCondition | None,
    b: ExpressionBuilder,
    *,
    whole_partition: bool = False,
) -> str:
    """The KeyConditionExpression: the partition key, and the sort-key condition unless the
    whole partition is read."""
    errors = [
        FieldError(n, "is required to query (partition key)")
        for n in keys.pk.fields
        if n not in strings
    ]
    used = set(keys.pk.fields) | set(keys.sk.fields if keys.sk else ())
    errors += [
        FieldError(n, "is not part of the key; use filter=") for n in strings if n not in used
    ]
    if errors:
        raise ValidationError(errors, model=model.__name__)
    pk_value = keys.pk.render(strings)
    expression = f"{b.name(keys.pk_attr)} = {b.value({'S': pk_value})}"
    key_condition = None if whole_partition else sort_condition(model, keys, strings, sk)
    if key_condition is not None:
        assert keys.sk_attr is not None
        expression += f" AND {key_condition.compile(b, keys.sk_attr)}"
    return expression


def query_base(
    table_name: str,
    model: type[Model],
    index: str | None,
    sk: Condition | KeyCondition | None,
    filter_condition: Condition | None,
    projection: Sequence[Attribute[Any] | str] | None,
    consistent: bool,
    reverse: bool,
    key: Mapping[str, Any],
    *,
    page_size: int | None = None,
    whole_partition: bool = False,
) -> tuple[dict[str, Any], str]:
    """Query parameters without a start key or limit of a page, and the cursor context (table,
    index, entity, partition) a cursor is bound to."""
    keys = model.index_keys(index)
    strings = model.key_strings(key)
    b = ExpressionBuilder()
    params = _read_params(table_name, index, consistent)
    params["KeyConditionExpression"] = build_key_condition(
        model, keys, strings, sk, b, whole_partition=whole_partition
    )
    if filter_condition is not None:
        params["FilterExpression"] = filter_condition.compile(b)
    if projection:
        params["ProjectionExpression"] = projection_expression([*projection, ENTITY_ATTR], b)
    if reverse:
        params["ScanIndexForward"] = False
    if page_size is not None:
        check_limit("page_size", page_size)
        params["Limit"] = page_size
    params.update(b.params())
    context = "|".join(
        [table_name, index or "", model.__entity__ or model.__name__, keys.pk.render(strings)]
    )
    return params, context


def _read_params(table_name: str, index: str | None, consistent: bool) -> dict[str, Any]:
    """The parameters a Query and a Scan share: the table, the index and the consistency."""
    params: dict[str, Any] = {"TableName": table_name}
    if index:
        params["IndexName"] = index
    if consistent:
        params["ConsistentRead"] = True
    return params


def scan_params(
    table_name: str,
    model: type[Model],
    filter_condition: Condition | None,
    index: str | None,
    consistent: bool,
    projection: Sequence[Attribute[Any] | str] | None,
) -> dict[str, Any]:
    """Scan parameters: items of ``model``'s entity that pass ``filter_condition``."""
    b = ExpressionBuilder()
    params = _read_params(table_name, index, consistent)
    cond = all_of([entity_condition(model) if model.__entity__ else None, filter_condition])
    if cond is not None:
        params["FilterExpression"] = cond.compile(b)
    if projection:
        params["ProjectionExpression"] = projection_expression(projection, b)
    params.update(b.params())
    return params


MAX_TRANSACTION_BYTES = 4 * 1024 * 1024


def check_transaction(models: Sequence[type[Model]], built: Sequence[Mapping[str, Any]]) -> None:
    """What DynamoDB refuses in TransactWriteItems (``built``, one entry per operation on an
    item of the model at the same index in ``models``): two operations on one item, and more
    than 4 MB of items in all."""
    from pydynamodel.serialization import item_size

    seen: dict[tuple[str, tuple[str, ...]], int] = {}
    total = 0
    for i, (model, entry) in enumerate(zip(models, built, strict=True)):
        ((kind, params),) = entry.items()
        if kind == "Put":
            item = params["Item"]
            key = {a: item[a] for a, _ in model.primary_keys().templates()}
            total += item_size(item)
        else:
            key = params["Key"]
            total += item_size(key)
        ident = (params["TableName"], key_ident(key))
        if ident in seen:
            raise ValidationError(
                [FieldError(f"[{i}]", f"touches the same item as operation [{seen[ident]}]")]
            )
        seen[ident] = i
    if total > MAX_TRANSACTION_BYTES:
        raise ValidationError(
            [FieldError("", f"the transaction carries {total} bytes of items; 4 MB at most")]
        )


def check_limit(name: str, limit: int | None) -> None:
    """DynamoDB's Limit is at least 1; botocore would refuse 0 with its own exception type."""
    if limit is not None and limit < 1:
        raise ValidationError([FieldError(name, f"must be at least 1, got {limit}")])


MAX_EXPRESSION_BYTES = 4096
_EXPRESSIONS = (
    "KeyConditionExpression",
    "FilterExpression",
    "ConditionExpression",
    "UpdateExpression",
    "ProjectionExpression",
)


def check_expressions(params: Mapping[str, Any]) -> None:
    """DynamoDB refuses any expression string over 4 KB (placeholders count as written)."""
    for name in _EXPRESSIONS:
        text = params.get(name)
        if text is not None and len(text.encode("utf-8")) > MAX_EXPRESSION_BYTES:
            raise ValidationError(
                [FieldError(name, f"is {len(text.encode())} bytes; DynamoDB allows 4 KB (4096)")]
            )


def add_condition(params: dict[str, Any], condition: Condition | None) -> None:
    if condition is None:
        return
    b = ExpressionBuilder()
    params["ConditionExpression"] = condition.compile(b)
    params.update(b.params())


def entity_condition(model: type[Model]) -> Condition:
    return Compare((ENTITY_ATTR,), "=", {"S": model.__entity__})


def projection_expression(projection: Sequence[Attribute[Any] | str], b: ExpressionBuilder) -> str:
    parts: list[str] = []
    for p in projection:
        if isinstance(p, Attribute):
            parts.append(b.path(p.path))
        else:
            parts.append(b.name(p))
    return ", ".join(dict.fromkeys(parts))


def compile_action(action: UpdateAction, errors: list[FieldError]) -> UpdateAction | None:
    """Validate, transform and serialize the value of one update action, as a save would
    validate the attribute (``None``: refused, the reason is in ``errors``; or a no-op)."""
    from pydynamodel._extra_fields import Any_

    kind = action.kind
    # Actions the library builds itself (version, timestamps, index keys) are already wire.
    if kind == "remove" or (action.value is not None and kind != "increment"):
        return action
    attr: Attribute[Any] = action.attr if action.attr is not None else Any_()
    value = action.raw
    path = path_str(action.path)
    if kind in ("set", "set_if_not_exists"):
        return _compile_set(action, attr, value, path, errors)
    if kind in ("append", "prepend"):
        return _compile_list_change(action, attr, value, path, errors)
    if kind in ("add", "delete") and isinstance(value, set | frozenset):
        return _compile_set_change(action, attr, value, path, errors)
    if kind in ("add", "increment"):
        problem = _number_change_problem(attr, value)
        if problem is not None:
            errors.append(FieldError(path, problem))
            return None
        return action.replace(value={"N": number_str(value)})
    errors.append(FieldError(path, f"cannot {kind} a {type(value).__name__}"))
    return None


def _compile_set(
    action: UpdateAction, attr: Attribute[Any], value: Any, path: str, errors: list[FieldError]
) -> UpdateAction | None:
    """``SET`` (or ``if_not_exists``) of a value validated and transformed as in a save:
    ``None`` or an empty set removes an optional attribute."""
    kind = action.kind
    if value is None:
        if kind == "set" and not attr.required:
            return action.replace(kind="remove")
        errors.append(FieldError(path, "is required"))
        return None
    if attr.set_transform is not None:
        value = attr.set_transform(value)
    if isinstance(value, set | frozenset) and not value:
        # DynamoDB has no empty set: an empty set is an absent attribute, as in a save.
        return action.replace(kind="remove") if kind == "set" else None
    before = len(errors)
    attr.validate(value, path, errors)
    if len(errors) > before:
        return None
    return action.replace(value=attr.dump(value), raw=value)


def _compile_list_change(
    action: UpdateAction, attr: Attribute[Any], value: Any, path: str, errors: list[FieldError]
) -> UpdateAction | None:
    """``list_append`` of elements validated as the list attribute's."""
    from pydynamodel._extra_fields import Any_, List, _validate_element

    if not isinstance(attr, List | Any_):
        errors.append(FieldError(path, f"cannot {action.kind} to a {attr.type_name} attribute"))
        return None
    element = attr.element()
    before = len(errors)
    for i, item in enumerate(value):
        _validate_element(element, item, f"{path}[{i}]", errors)
    if len(errors) > before:
        return None
    return action.replace(value={"L": [element.dump(v) for v in value]})


def _compile_set_change(
    action: UpdateAction,
    attr: Attribute[Any],
    value: set[Any] | frozenset[Any],
    path: str,
    errors: list[FieldError],
) -> UpdateAction | None:
    """``ADD``/``DELETE`` of set members: the members are validated as the set attribute's."""
    from pydynamodel._extra_fields import Any_, _SetAttribute
    from pydynamodel.serialization import check_set, dump_any

    if not value:
        return None  # adding or deleting no members changes nothing
    before = len(errors)
    if isinstance(attr, _SetAttribute):
        attr.validate(value, path, errors)
        wire = attr.dump(value) if len(errors) == before else None
    elif isinstance(attr, Any_):
        check_set(value, path, errors)
        wire = dump_any(value) if len(errors) == before else None
    else:
        errors.append(FieldError(path, f"cannot {action.kind} a set to a {attr.type_name}"))
        wire = None
    return None if wire is None else action.replace(value=wire)


def _number_change_problem(attr: Attribute[Any], by: Any) -> str | None:
    """Why ``by`` cannot be added to ``attr`` (``None`` if it can): the attribute holds a
    number, ``by`` is a number of the attribute's type, and DynamoDB can store it."""
    from decimal import Decimal

    from pydynamodel._extra_fields import Any_, Float
    from pydynamodel._extra_fields import Decimal as DecimalField
    from pydynamodel.fields import DateTime, Int
    from pydynamodel.serialization import number_problem

    if isinstance(by, bool) or not isinstance(by, int | float | Decimal):
        return f"expected a number to add, got {type(by).__name__}"
    if isinstance(attr, Int | DateTime) and attr.dynamo_type == "N":
        if not isinstance(by, int):  # Int, Version, TTL and epoch timestamps hold integers
            return f"expected int, got {type(by).__name__}: the stored value must stay an int"
    elif isinstance(attr, Float):
        if isinstance(by, Decimal):
            return "expected float or int, got Decimal"
    elif not isinstance(attr, DecimalField | Any_):
        return f"cannot add a number to a {attr.type_name} attribute"
    return number_problem(by)


def sort_condition(
    model: type[Model],
    keys: Keys,
    strings: Mapping[str, str],
    sk: Condition | KeyCondition | None,
) -> KeyCondition | None:
    """The sort-key condition of a query: ``sk`` translated to the sort-key template (a
    condition on its last attribute), else as much of the template as the key values fill."""
    if isinstance(sk, KeyCondition):
        return sk
    template = keys.sk
    if template is None:
        if sk is not None:
            raise ValidationError(f"{model.__name__}: this key has no sort key")
        return None
    if sk is None:
        prefix, missing = template.render_prefix(strings)
        if missing is None:
            return KeyCondition("=", prefix)
        return KeyCondition("begins_with", prefix) if prefix else None
    path: tuple[Any, ...] = getattr(sk, "path", ())
    name = path[0] if len(path) == 1 else None
    last_field = template.parts[-1][1] if template.parts else None
    if name is None or name != last_field:
        raise ValidationError(
            f"{model.__name__}: sk= must be a condition on {last_field!r}, the last attribute "
            f"of the sort-key template {template.text!r}, or a SortKey condition"
        )
    prefix, missing = template.render_prefix(strings)
    if missing != name:
        raise ValidationError(f"{model.__name__}: give {missing!r} to query by {name!r}")
    return _prefixed_condition(sk, prefix, model.__fields__[name])


def _prefixed_condition(sk: Condition, prefix: str, attr: Attribute[Any]) -> KeyCondition:
    """``sk`` on the sort key's last attribute as a condition on the whole sort key."""
    if isinstance(sk, Compare) and sk.op in ("=", "<", "<=", ">", ">="):
        return KeyCondition(sk.op, prefix + attr.key_str(sk.raw))
    if isinstance(sk, Between):
        low, high = sk.raw
        return KeyCondition("between", prefix + attr.key_str(low), prefix + attr.key_str(high))
    if isinstance(sk, Function) and sk.func == "begins_with":
        return KeyCondition("begins_with", prefix + str(sk.raw))
    raise ValidationError("sort-key conditions: ==, <, <=, >, >=, between, begins_with")


def ref_key(ref: KeyRef) -> tuple[type[Model], Item]:
    if isinstance(ref, Model):
        return type(ref), ref.key_item()
    model, key = ref
    return model, model.key_for(key)


def key_ident(key: Mapping[str, Wire]) -> tuple[str, ...]:
    return tuple(f"{k}={next(iter(v.values()))}" for k, v in sorted(key.items()))


def key_of(item: Mapping[str, Wire], template: Mapping[str, Wire]) -> dict[str, Wire]:
    return {k: item[k] for k in template if k in item}


def chunks(values: list[Any], size: int) -> Iterator[list[Any]]:
    for i in range(0, len(values), size):
        yield values[i : i + size]
