"""The many-item operations of :class:`~pydynamodel.table.Table`: scans, counts, whole item
collections and batch reads and writes.

Most Lambda handlers read and write single items and pages; a handler compiles the library's
source on every cold start, so these bodies live here and load on the first call of one of
them (``Table``'s methods of the same names delegate here; their docstrings are the API).
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, Any, TypeVar

from pydynamodel.builders import (
    chunks,
    entity_condition,
    key_ident,
    key_of,
    query_base,
    ref_key,
    scan_params,
)
from pydynamodel.conditions import all_of
from pydynamodel.errors import FieldError, ValidationError
from pydynamodel.model import ENTITY_ATTR, Model

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping, Sequence

    from pydynamodel.builders import KeyRef
    from pydynamodel.conditions import Condition, KeyCondition
    from pydynamodel.fields import Attribute
    from pydynamodel.model import Item
    from pydynamodel.serialization import Wire
    from pydynamodel.table import Table

M = TypeVar("M", bound=Model)


def query_collection(
    table: Table,
    model: type[Model],
    models: Iterable[type[Model]],
    sk: Condition | KeyCondition | None,
    index: str | None,
    limit: int | None,
    consistent: bool,
    reverse: bool,
    region: str | None,
    key: dict[str, Any],
) -> list[Model]:
    registry = {m.__entity__: m for m in models if m.__entity__}
    params, _ = query_base(
        table.name,
        model,
        index,
        sk,
        None,
        None,
        consistent,
        reverse,
        key,
        whole_partition=sk is None,
    )
    out: list[Model] = []
    start = None
    while True:
        if start:
            params["ExclusiveStartKey"] = start
        if limit is not None:
            params["Limit"] = limit - len(out)
        response = table._request("query", params, write=False, region=region)
        for raw in response.get("Items", ()):
            cls = registry.get(raw.get(ENTITY_ATTR, {}).get("S"))
            if cls is not None:
                out.append(cls.from_item(raw))
        start = response.get("LastEvaluatedKey")
        if not start or (limit is not None and len(out) >= limit):
            break
    return out


def scan(
    table: Table,
    model: type[M],
    filter: Condition | None,
    segments: int,
    limit: int | None,
    index: str | None,
    consistent: bool,
    projection: Sequence[Attribute[Any] | str] | None,
    region: str | None,
) -> list[M]:
    params = scan_params(table.name, model, filter, index, consistent, projection)

    def run(segment: int | None) -> list[M]:
        p = dict(params)
        if segment is not None:
            p["Segment"], p["TotalSegments"] = segment, segments
        out: list[M] = []
        while True:
            response = table._request("scan", p, write=False, region=region)
            out.extend(model.from_item(raw) for raw in response.get("Items", ()))
            start = response.get("LastEvaluatedKey")
            if not start or (limit is not None and len(out) >= limit):
                return out
            p["ExclusiveStartKey"] = start

    if segments <= 1:
        results = run(None)
    else:
        with ThreadPoolExecutor(max_workers=segments) as pool:
            results = [x for part in pool.map(run, range(segments)) for x in part]
    return results[:limit] if limit is not None else results


def count(
    table: Table,
    model: type[Model],
    filter: Condition | None,
    sk: Condition | KeyCondition | None,
    index: str | None,
    consistent: bool,
    segments: int,
    region: str | None,
    key: dict[str, Any],
) -> int:
    entity_cond = entity_condition(model) if model.__entity__ is not None else None
    op = "query" if key or not model.index_keys(index).pk.fields else "scan"
    if op == "query":
        cond = all_of([filter, entity_cond])
        params, _ = query_base(table.name, model, index, sk, cond, None, consistent, False, key)
    else:
        params = scan_params(table.name, model, filter, index, consistent, None)
    params["Select"] = "COUNT"
    params.pop("ProjectionExpression", None)

    def run(segment: int | None) -> int:
        p = dict(params)
        if segment is not None:
            p["Segment"], p["TotalSegments"] = segment, segments
        total = 0
        while True:
            response = table._request(op, p, write=False, region=region)
            total += int(response.get("Count", 0))
            start = response.get("LastEvaluatedKey")
            if not start:
                return total
            p["ExclusiveStartKey"] = start

    if op == "scan" and segments > 1:
        with ThreadPoolExecutor(max_workers=segments) as pool:
            return sum(pool.map(run, range(segments)))
    return run(None)


def batch_get(
    table: Table, refs: Iterable[KeyRef], consistent: bool, region: str | None
) -> list[Model]:
    wanted: list[tuple[type[Model], tuple[str, ...]]] = []
    keys_by_id: dict[tuple[str, ...], Item] = {}
    for ref in refs:
        model, key_item = ref_key(ref)
        ident = key_ident(key_item)
        wanted.append((model, ident))
        keys_by_id.setdefault(ident, key_item)
    found: dict[tuple[str, ...], Mapping[str, Wire]] = {}
    all_keys = list(keys_by_id.values())
    for chunk in chunks(all_keys, 100):
        request = {table.name: {"Keys": chunk, "ConsistentRead": consistent}}
        for response in table._with_unprocessed(
            "batch_get_item", request, "UnprocessedKeys", False, region
        ):
            for raw in response.get("Responses", {}).get(table.name, ()):
                found[key_ident(key_of(raw, all_keys[0]))] = raw
    out: list[Model] = []
    for model, ident in wanted:
        raw = found.get(ident)
        if raw is not None:
            out.append(model.from_item(raw))
    return out


def batch_save(table: Table, objs: Iterable[Model], region: str | None) -> None:
    items: list[Item] = []
    errors: list[FieldError] = []
    objects = list(objs)
    for i, obj in enumerate(objects):
        vf = type(obj).__version_field__
        version = (obj.__dict__.get(vf) or 0) + 1 if vf is not None else None
        try:
            item = obj.prepare_save(version=version)
        except ValidationError as exc:
            errors.extend(FieldError(f"[{i}].{e.path}", e.message) for e in exc.errors)
            continue
        items.append(item)
    if errors:
        raise ValidationError(errors)
    requests = [{"PutRequest": {"Item": item}} for item in items]
    key_items = [
        {a: item[a] for a, _ in type(obj).primary_keys().templates()}
        for obj, item in zip(objects, items, strict=True)
    ]
    batch_write(table, requests, key_items, region)
    for obj in objects:
        vf = type(obj).__version_field__
        if vf is not None:
            obj.__dict__[vf] = (obj.__dict__.get(vf) or 0) + 1


def batch_delete(table: Table, refs: Iterable[KeyRef], region: str | None) -> None:
    keys = [ref_key(ref)[1] for ref in refs]
    batch_write(table, [{"DeleteRequest": {"Key": k}} for k in keys], keys, region)


def batch_write(
    table: Table, requests: list[dict[str, Any]], keys: list[Item], region: str | None
) -> None:
    idents = [key_ident(k) for k in keys]
    if len(set(idents)) != len(idents):
        raise ValidationError("a batch write contains the same key twice")
    for chunk_start in range(0, len(requests), 25):
        chunk = requests[chunk_start : chunk_start + 25]
        for _ in table._with_unprocessed(
            "batch_write_item", {table.name: chunk}, "UnprocessedItems", True, region
        ):
            pass
