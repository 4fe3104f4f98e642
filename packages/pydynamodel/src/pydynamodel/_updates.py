"""UpdateItem requests: update actions validated and serialized as a save would, automatic
timestamps, the version change and the index keys an update rebuilds.

Apart from :mod:`pydynamodel.builders` (whose ``update_request`` and ``compile_action`` load
this module on first use): a Lambda handler compiles the library's source on every cold
start, and most handlers put, get, delete and query without updating. ``Table.update``'s
body is here too (:func:`run_update`).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, TypeVar

from pydynamodel.conditions import (
    Compare,
    Condition,
    ExpressionBuilder,
    Function,
    UpdateAction,
    all_of,
    compile_update,
    path_str,
)
from pydynamodel.errors import (
    ConditionFailed,
    DynamodelError,
    FieldError,
    NotFound,
    ValidationError,
)
from pydynamodel.model import ENTITY_ATTR, Model
from pydynamodel.serialization import number_str

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping, Sequence

    from pydynamodel.fields import Attribute
    from pydynamodel.model import Item, Keys
    from pydynamodel.serialization import Wire
    from pydynamodel.table import Table

M = TypeVar("M", bound=Model)


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


def run_update(
    table: Table,
    model: type[M],
    key: Mapping[str, Any],
    actions: Sequence[UpdateAction],
    condition: Condition | None,
    expected_version: int | None,
    upsert: bool,
    region: str | None,
) -> M:
    """``Table.update``: the request, retried while an index attribute it was built on moves."""
    from pydynamodel.table import UPDATE_ATTEMPTS

    for attempt in range(UPDATE_ATTEMPTS):
        params, guards = update_request(
            table.name,
            model,
            key,
            actions,
            condition,
            expected_version,
            upsert,
            lambda key_item: table._stored(key_item, region),
        )
        params["ReturnValues"] = "ALL_NEW"
        params["ReturnValuesOnConditionCheckFailure"] = "ALL_OLD"
        try:
            response = table._request("update_item", params, write=True, region=region)
            break
        except ConditionFailed as exc:
            if attempt + 1 < UPDATE_ATTEMPTS and _guards_moved(guards, exc):
                continue  # an index attribute changed since it was read: read it again
            failure = _update_failed(model, key, expected_version, upsert, exc)
            raise failure from exc.original
    result: M = model.from_item(response["Attributes"])
    return result


def _update_failed(
    model: type[Model],
    key: Mapping[str, Any],
    expected_version: int | None,
    upsert: bool,
    exc: ConditionFailed,
) -> DynamodelError:
    from pydynamodel.table import _conflict_or_failed, _old_item

    current = _old_item(model, exc)
    if current is None and not upsert:
        return NotFound(model.__name__, dict(key))
    vf = model.__version_field__
    expected = {vf: expected_version} if vf and expected_version else {}
    return _conflict_or_failed(model, exc, current, expected)


def _guards_moved(guards: Mapping[str, Wire | None], exc: ConditionFailed) -> bool:
    """Whether the failed update's stored index attributes differ from those it was built on
    (known only when the server returned the item: ReturnValuesOnConditionCheckFailure)."""
    if not guards:
        return False
    response = getattr(exc.original, "response", None) or {}
    current = response.get("Item")
    if not current:
        return False
    return any(current.get(n) != wire for n, wire in guards.items())
