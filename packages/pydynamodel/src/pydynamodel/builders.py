"""Request parameters for DynamoDB: keys, key conditions, condition, update and projection
expressions, and the checks DynamoDB would refuse a request for (item, expression and
transaction sizes, versions, limits). Pure functions of the models and arguments: no client,
no network (an update that rebuilds an index key reads the stored item through the callable
it is given). Update requests are built in :mod:`pydynamodel._updates`, loaded by the first
update."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from pydynamodel.conditions import (
    Between,
    Compare,
    Condition,
    ExpressionBuilder,
    Function,
    KeyCondition,
    UpdateAction,
    all_of,
)
from pydynamodel.errors import FieldError, ValidationError
from pydynamodel.fields import Attribute
from pydynamodel.model import ENTITY_ATTR, Item, Keys, Model

if TYPE_CHECKING:
    from pydynamodel.serialization import Wire

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


# Updates are built in pydynamodel._updates, loaded by the first update.
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
    from pydynamodel import _updates

    return _updates.update_request(
        table_name, model, key, actions, condition, expected_version, upsert, read_stored
    )


def compile_action(action: UpdateAction, errors: list[FieldError]) -> UpdateAction | None:
    """Validate, transform and serialize the value of one update action, as a save would
    validate the attribute (``None``: refused, the reason is in ``errors``; or a no-op)."""
    from pydynamodel import _updates

    return _updates.compile_action(action, errors)


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
