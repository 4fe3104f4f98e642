"""pydynamodel benchmark: (de)serialization vs boto3 and PynamoDB on three item shapes, and import.

Run: .venv/bin/python bench/bench_dynamodel.py   (exits non-zero if a budget is missed)

Budgets (issue 13), each checked for serialize and for deserialize separately, on each shape:
- at least 3x faster than boto3's ``TypeSerializer``/``TypeDeserializer`` on the same data
  (pydynamodel also writes the key attributes and the entity, which boto3 is not asked to);
- at least 8x faster than PynamoDB (model ``serialize()`` / ``from_raw_data``).
Shapes: ``flat`` (the 10-attribute item this bench always had), ``nested`` (a document nested
8 levels deep, with a list of maps at each level, declared as typed models in both libraries:
``f.Nested``/``f.List(f.Nested(...))`` and ``MapAttribute`` subclasses/``ListAttribute(of=...)``;
boto3 gets the same plain dicts) and ``lists`` (large lists of strings and numbers, a string set
and a number set). ``untyped`` (the nested document as one untyped ``f.Map()`` against a raw
``MapAttribute``) is printed for information. Before timing, each shape is checked to be the
same data in the same wire format in every library, both directions (``Shape.check``). What
each library deserializes is its wire as botocore delivers it: parsed from the response's JSON
text (``received``), so every library reads objects made by the same parser, laid out alike in
memory. Each figure is the median of alternating repeats (every library timed once per repeat,
so load drift hits all alike; the order reversed every other repeat, so no library always runs
right after the same one) of the CPU time the process spends (``time.process_time``: on a shared
machine the time spent waiting for a core is not the library's).

And: what ``import pydynamodel`` adds to a process that has imported boto3 <= 20 ms: in each of
``IMPORT_RUNS`` fresh processes, ``import boto3`` and then ``import pydynamodel`` with every
public name of the package and of ``pydynamodel.fields`` loaded are timed inside the process
(the interpreter's own start is not in either), and the figure is the median of the second;
bytecode is cached as for any installed package (the no-bytecode figure is printed for
information). ``BENCH_QUICK=1``: fewer items and repeats.
"""

from __future__ import annotations

import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import types
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

ROOT = Path(__file__).resolve().parents[1]
#: Where ``import pydynamodel`` comes from (the one place to change if the library moves).
DYNAMODEL_PATH = ROOT / "packages" / "pydynamodel" / "src"
sys.path.insert(0, str(DYNAMODEL_PATH))

from boto3.dynamodb.types import TypeDeserializer, TypeSerializer  # noqa: E402
from budget import report  # noqa: E402
from pynamodb.attributes import (  # noqa: E402
    BooleanAttribute,
    ListAttribute,
    MapAttribute,
    NumberAttribute,
    NumberSetAttribute,
    UnicodeAttribute,
    UnicodeSetAttribute,
    UTCDateTimeAttribute,
)
from pynamodb.models import Model as PynamoModel  # noqa: E402

from pydynamodel import Keys, Model  # noqa: E402
from pydynamodel import fields as f  # noqa: E402

if TYPE_CHECKING:
    from collections.abc import Callable

QUICK = os.environ.get("BENCH_QUICK") == "1"
SCALE = 5 if QUICK else 1
REPEAT = 3 if QUICK else 11
IMPORT_RUNS = 5 if QUICK else 15
BOTO3_BUDGET = 3.0
PYNAMODB_BUDGET = 8.0
IMPORT_BUDGET_MS = 20.0
NESTED_DEPTH = 8
LIST_LENGTH = 200
SET_SIZE = 100


class Item(Model, entity="Item"):
    keys = Keys(pk="ITEM#{item_id}", sk="META")
    item_id: f.Str = f.Str(required=True)
    name: f.Str = f.Str()
    count: f.Int = f.Int()
    price: f.Decimal = f.Decimal()
    active: f.Bool = f.Bool()
    tags: f.List[list[str]] = f.List(f.Str())
    meta: f.Map = f.Map()
    created_at: f.DateTime = f.DateTime()
    score: f.Int = f.Int()
    note: f.Str = f.Str()


class PynamoItem(PynamoModel):
    class Meta:
        table_name = "bench"
        region = "eu-west-1"

    item_id = UnicodeAttribute(hash_key=True)
    name = UnicodeAttribute()
    count = NumberAttribute()  # type: ignore[assignment]  # shadows Model.count, as data
    price = NumberAttribute()
    active = BooleanAttribute()
    tags = ListAttribute(of=UnicodeAttribute)
    meta: MapAttribute[str, Any] = MapAttribute()  # type: ignore[no-untyped-call]
    created_at = UTCDateTimeAttribute()
    score = NumberAttribute()
    note = UnicodeAttribute()


class NestedItem(Model, entity="Nested"):
    """The nested shape with an untyped map (``f.Map()``): reported for information."""

    keys = Keys(pk="NESTED#{item_id}", sk="META")
    item_id: f.Str = f.Str(required=True)
    doc: f.Map = f.Map()


class PynamoNested(PynamoModel):
    class Meta:
        table_name = "bench"
        region = "eu-west-1"

    item_id = UnicodeAttribute(hash_key=True)
    doc: MapAttribute[str, Any] = MapAttribute()  # type: ignore[no-untyped-call]


class Entry(Model):
    k: f.Str = f.Str()
    v: f.Int = f.Int()


class Leaf(Model):
    leaf: f.Str = f.Str()
    n: f.Int = f.Int()
    ok: f.Bool = f.Bool()


class PynamoEntry(MapAttribute[str, Any]):
    k = UnicodeAttribute()
    v = NumberAttribute()


class PynamoLeaf(MapAttribute[str, Any]):
    leaf = UnicodeAttribute()
    n = NumberAttribute()
    ok = BooleanAttribute()


def _namespace(attrs: dict[str, Any]) -> Callable[[dict[str, Any]], None]:
    def fill(namespace: dict[str, Any]) -> None:
        namespace.update(attrs)

    return fill


def node_models(depth: int) -> tuple[type[Model], type[MapAttribute[str, Any]]]:
    """One model class per level of ``nested_doc`` in each library (its ``child`` is the level
    below), as a schema-first user of either library would declare the document."""
    ours: type[Model] = Leaf
    theirs: type[MapAttribute[str, Any]] = PynamoLeaf
    for level in range(depth):
        attrs: dict[str, Any] = {
            "level": f.Int(),
            "name": f.Str(),
            "enabled": f.Bool(),
            "labels": f.List(f.Str()),
            "entries": f.List(f.Nested(Entry)),
            "child": f.Nested(ours),
        }
        ours = types.new_class(f"Node{level}", (Model,), {}, _namespace(attrs))
        pynamo_attrs: dict[str, Any] = {
            "level": NumberAttribute(),
            "name": UnicodeAttribute(),
            "enabled": BooleanAttribute(),
            "labels": ListAttribute(of=UnicodeAttribute),
            "entries": ListAttribute(of=PynamoEntry),
            "child": theirs(),
        }
        theirs = type(f"PynamoNode{level}", (MapAttribute,), pynamo_attrs)
    return ours, theirs


NODE, PYNAMO_NODE = node_models(NESTED_DEPTH)


class TypedNestedItem(Model, entity="Nested"):
    """The nested shape as typed models (``f.Nested``, ``f.List(f.Nested(...))``)."""

    keys = Keys(pk="NESTED#{item_id}", sk="META")
    item_id: f.Str = f.Str(required=True)
    doc: f.Nested[Any] = f.Nested(NODE)


class PynamoTypedNested(PynamoModel):
    class Meta:
        table_name = "bench"
        region = "eu-west-1"

    item_id = UnicodeAttribute(hash_key=True)
    doc = PYNAMO_NODE()


def build_ours(model: type[Model], values: dict[str, Any]) -> Any:
    """A (nested) pydynamodel instance from plain values."""
    out: dict[str, Any] = {}
    for name, value in values.items():
        attr = model.__fields__[name]
        if isinstance(attr, f.Nested):
            value = build_ours(attr.model, value)
        elif isinstance(attr, f.List) and isinstance(attr.of, f.Nested):
            value = [build_ours(attr.of.model, v) for v in value]
        out[name] = value
    return model(**out)


def build_theirs(cls: type[Any], values: dict[str, Any]) -> Any:
    """A (nested) PynamoDB model or ``MapAttribute`` instance from plain values."""
    attrs = cls.get_attributes()
    out: dict[str, Any] = {}
    for name, value in values.items():
        attr = attrs[name]
        element: Any = getattr(attr, "element_type", None)
        if _typed_map(type(attr)):
            value = build_theirs(type(attr), value)
        elif isinstance(attr, ListAttribute) and _typed_map(element):
            value = [build_theirs(element, v) for v in value]
        out[name] = value
    return cls(**out)


def _typed_map(cls: Any) -> bool:
    return isinstance(cls, type) and issubclass(cls, MapAttribute) and cls is not MapAttribute


class ListsItem(Model, entity="Lists"):
    keys = Keys(pk="LISTS#{item_id}", sk="META")
    item_id: f.Str = f.Str(required=True)
    names: f.List[list[str]] = f.List(f.Str())
    counts: f.List[list[int]] = f.List(f.Int())
    tags: f.StrSet = f.StrSet()
    scores: f.NumSet = f.NumSet()


class PynamoLists(PynamoModel):
    class Meta:
        table_name = "bench"
        region = "eu-west-1"

    item_id = UnicodeAttribute(hash_key=True)
    names = ListAttribute(of=UnicodeAttribute)
    counts = ListAttribute(of=NumberAttribute)
    tags = UnicodeSetAttribute()
    scores = NumberSetAttribute()


def flat_values(i: int) -> dict[str, Any]:
    return {
        "item_id": f"item-{i:05}",
        "name": f"name {i}",
        "count": i,
        "price": Decimal(f"{i}.99"),
        "active": i % 2 == 0,
        "tags": ["a", "b", f"t{i % 7}"],
        "meta": {"source": "bench", "n": i, "ok": True},
        "created_at": datetime(2024, 1, 1, tzinfo=UTC) + timedelta(seconds=i),
        "score": i * 3,
        "note": "lorem ipsum dolor sit amet",
    }


def nested_doc(i: int, depth: int) -> dict[str, Any]:
    node: dict[str, Any] = {"leaf": f"value {i}", "n": i, "ok": True}
    for level in range(depth):
        node = {
            "level": level,
            "name": f"node {i}.{level}",
            "enabled": level % 2 == 0,
            "labels": ["x", "y", f"z{level}"],
            "entries": [{"k": f"k{j}", "v": j} for j in range(3)],
            "child": node,
        }
    return node


def nested_values(i: int) -> dict[str, Any]:
    return {"item_id": f"nested-{i:05}", "doc": nested_doc(i, NESTED_DEPTH)}


def lists_values(i: int) -> dict[str, Any]:
    return {
        "item_id": f"lists-{i:05}",
        "names": [f"name-{i}-{j}" for j in range(LIST_LENGTH)],
        "counts": [i * LIST_LENGTH + j for j in range(LIST_LENGTH)],
        "tags": {f"tag-{j}" for j in range(SET_SIZE)},
        "scores": {i + j for j in range(SET_SIZE)},
    }


def _each(convert: Callable[[Any], object], items: list[Any]) -> Callable[[], None]:
    """A timer body: ``convert`` on every item (the same loop for every library)."""

    def run() -> None:
        for item in items:
            convert(item)

    return run


def received(wires: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Items as a DynamoDB client receives them: botocore parses the response body with
    ``json.loads``, so the items a deserializer reads are fresh objects from the JSON parser
    (keys not interned, objects allocated in the parser's order), whichever library wrote them.
    Every library's deserialize timer reads its items through this, so none reads objects laid
    out by its own serializer."""
    return [json.loads(json.dumps(wire)) for wire in wires]


def _canonical(wire: Any) -> Any:
    """A wire value with set members in a fixed order (sets have none) for comparison."""
    if isinstance(wire, dict):
        return {k: sorted(v) if k in ("SS", "NS", "BS") else _canonical(v) for k, v in wire.items()}
    if isinstance(wire, list):
        return [_canonical(v) for v in wire]
    return wire


def _type_tags(wire: Any) -> Any:
    """The structure of a wire value: attribute names and type tags, values left out."""
    if isinstance(wire, dict):
        return {k: _type_tags(v) for k, v in wire.items() if k not in ("S", "N", "BOOL")}
    if isinstance(wire, list):
        return [_type_tags(v) for v in wire]
    return None


class Shape:
    """One item shape in the three libraries: the objects to serialize, the wire to load.

    Like with like: every library gets the same values and writes and reads DynamoDB's wire
    format (``{"name": {"S": ...}}``); ``check`` proves it before anything is timed.
    """

    def __init__(
        self,
        name: str,
        count: int,
        make: Callable[[int], dict[str, Any]],
        model: type[Model],
        pynamo: type[PynamoModel],
        *,
        to_boto3: Callable[[dict[str, Any]], dict[str, Any]] | None = None,
        from_boto3: Callable[[dict[str, Any]], dict[str, Any]] | None = None,
        pynamo_values: Callable[[dict[str, Any]], dict[str, Any]] = lambda v: v,
        budgeted: bool = True,
    ) -> None:
        self.name, self.count, self.budgeted = name, count, budgeted
        self.values = [make(i) for i in range(count)]
        self.model, self.pynamo = model, pynamo
        self.models = [build_ours(model, v) for v in self.values]
        self.to_boto3, self.from_boto3 = to_boto3, from_boto3
        self.pynamo_items = [build_theirs(pynamo, pynamo_values(v)) for v in self.values]
        self.wire = [m.to_item() for m in self.models]
        ser = TypeSerializer()
        self.boto_wire = [self.boto3_serialize(ser, v) for v in self.values]
        self.pynamo_wire = [p.serialize() for p in self.pynamo_items]
        # What each deserialize timer reads: the same wire, as received from DynamoDB.
        self.wire_in = received(self.wire)
        self.boto_wire_in = received(self.boto_wire)
        self.pynamo_wire_in = received(self.pynamo_wire)

    def boto3_serialize(self, ser: TypeSerializer, values: dict[str, Any]) -> dict[str, Any]:
        """What a boto3 user does to write the item: convert what TypeSerializer has no type
        for (``to_boto3``: a datetime to the ISO string pydynamodel stores), serialize."""
        if self.to_boto3 is not None:
            values = self.to_boto3(values)
        return {k: ser.serialize(v) for k, v in values.items()}

    def boto3_deserialize(self, deser: TypeDeserializer, wire: dict[str, Any]) -> dict[str, Any]:
        """What a boto3 user does to read the item back as the same values: deserialize, then
        convert back (``from_boto3``: the ISO string to a datetime)."""
        values = {k: deser.deserialize(v) for k, v in wire.items()}
        return values if self.from_boto3 is None else self.from_boto3(values)

    def check(self) -> None:
        """Same item, same format, both directions: pydynamodel's attributes are exactly what
        boto3 writes (plus keys and entity), PynamoDB's have the same names and types, and
        what pydynamodel loads is the plain values boto3 loads."""
        deser = TypeDeserializer()
        for values, ours, boto, pynamo in zip(
            self.values, self.wire, self.boto_wire, self.pynamo_wire, strict=True
        ):
            attributes = {k: v for k, v in ours.items() if k not in ("pk", "sk", "entity")}
            assert _canonical(attributes) == _canonical(boto), f"{self.name}: wire differs"
            assert _type_tags(attributes) == _type_tags(pynamo), f"{self.name}: PynamoDB differs"
            loaded = _plain(self.model.from_item(ours))
            assert loaded == self.boto3_deserialize(deser, boto), f"{self.name}: loads differ"
            assert loaded == _plain(build_ours(self.model, values)), f"{self.name}: not the item"
        for written, arrived in (
            (self.wire, self.wire_in),
            (self.boto_wire, self.boto_wire_in),
            (self.pynamo_wire, self.pynamo_wire_in),
        ):
            assert written == arrived, f"{self.name}: the JSON round trip changed an item"
        for item, item_in in zip(self.wire, self.wire_in, strict=True):
            assert _plain(self.model.from_item(item_in)) == _plain(self.model.from_item(item))

    def timers(self) -> dict[tuple[str, str], Callable[[], None]]:
        ser, deser = TypeSerializer(), TypeDeserializer()

        def boto_ser(values: dict[str, Any]) -> object:
            return self.boto3_serialize(ser, values)

        def boto_de(wire: dict[str, Any]) -> object:
            return self.boto3_deserialize(deser, wire)

        return {
            ("pydynamodel", "serialize"): _each(self.model.to_item, self.models),
            ("pydynamodel", "deserialize"): _each(self.model.from_item, self.wire_in),
            ("boto3", "serialize"): _each(boto_ser, self.values),
            ("boto3", "deserialize"): _each(boto_de, self.boto_wire_in),
            ("pynamodb", "serialize"): _each(self.pynamo.serialize, self.pynamo_items),
            ("pynamodb", "deserialize"): _each(self.pynamo.from_raw_data, self.pynamo_wire_in),
        }


def _plain(value: Any) -> Any:
    """A loaded pydynamodel value as plain data (nested models as dicts)."""
    if isinstance(value, Model):
        return {k: _plain(v) for k, v in value.to_dict().items() if v is not None}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


def shapes() -> list[Shape]:
    # boto3's TypeSerializer has no datetime: its user writes the ISO string pydynamodel
    # stores and parses it back (PynamoDB's UTCDateTimeAttribute and pydynamodel do both).
    def flat_to_boto3(v: dict[str, Any]) -> dict[str, Any]:
        return {**v, "created_at": v["created_at"].isoformat(timespec="microseconds")}

    def flat_from_boto3(v: dict[str, Any]) -> dict[str, Any]:
        return {**v, "created_at": datetime.fromisoformat(v["created_at"])}

    def flat_pynamo(v: dict[str, Any]) -> dict[str, Any]:
        return {**v, "price": float(v["price"])}

    flat = (flat_values, Item, PynamoItem)
    return [
        Shape(
            "flat",
            1000 // SCALE,
            *flat,
            to_boto3=flat_to_boto3,
            from_boto3=flat_from_boto3,
            pynamo_values=flat_pynamo,
        ),
        Shape("nested", 200 // SCALE, nested_values, TypedNestedItem, PynamoTypedNested),
        Shape("lists", 100 // SCALE, lists_values, ListsItem, PynamoLists),
        Shape("untyped", 200 // SCALE, nested_values, NestedItem, PynamoNested, budgeted=False),
    ]


def measure(shape: Shape) -> dict[tuple[str, str], list[float]]:
    """CPU seconds of every timer in each of ``REPEAT`` rounds (every timer once a round, in
    reverse order every other round: what runs just before a timer, and what it left in the
    caches, is not always the same library's work)."""
    timers = shape.timers()
    samples: dict[tuple[str, str], list[float]] = {key: [] for key in timers}
    for fn in timers.values():  # warm-up: codecs compiled, caches filled, not timed
        fn()
    order = list(timers.items())
    for round_ in range(REPEAT):
        for key, fn in order if round_ % 2 == 0 else order[::-1]:
            start = time.process_time()
            fn()
            samples[key].append(time.process_time() - start)
    return samples


def paired_ratio(theirs: list[float], ours: list[float]) -> float:
    """The median of the per-round ratios: a round's timers ran back to back, so a slow
    stretch of a shared machine slows both sides of a ratio alike."""
    return statistics.median(t / o for t, o in zip(theirs, ours, strict=True))


def _verdict(ratio: float, budget: float, budgeted: bool) -> str:
    if not budgeted:
        return "info"
    return "ok" if ratio >= budget else "MISSED"


def bench_serialization() -> list[str]:
    failures: list[str] = []
    budgeted: list[tuple[str, float, float]] = []
    print(
        f"(de)serialization: CPU ms, median of {REPEAT} rounds (every library once a round); "
        "speed-up: median of the rounds' their time / ours"
    )
    print(f"budgets: >= {BOTO3_BUDGET:.0f}x boto3, >= {PYNAMODB_BUDGET:.0f}x PynamoDB")
    header = f"{'shape':<8}{'items':>6}  {'direction':<12}{'pydynamodel ms':>15}{'boto3 ms':>10}"
    print(f"{header}{'pynamodb ms':>12}  {'vs boto3':<15} {'vs PynamoDB':<15}")
    for shape in shapes():
        shape.check()
        samples = measure(shape)
        for direction in ("serialize", "deserialize"):
            ours = samples[("pydynamodel", direction)]
            boto, pyn = samples[("boto3", direction)], samples[("pynamodb", direction)]
            ms = [statistics.median(x) * 1e3 for x in (ours, boto, pyn)]
            row = f"{shape.name:<8}{shape.count:>6}  {direction:<12}{ms[0]:>15.2f}"
            row += f"{ms[1]:>10.2f}{ms[2]:>12.2f}"
            checks = (("boto3", boto, BOTO3_BUDGET), ("PynamoDB", pyn, PYNAMODB_BUDGET))
            for lib, theirs, budget in checks:
                ratio = paired_ratio(theirs, ours)
                verdict = _verdict(ratio, budget, shape.budgeted)
                row += f"  {f'{ratio:.2f}x {verdict}':<14}"
                if verdict == "MISSED":
                    failures.append(f"{shape.name} {direction}: {ratio:.2f}x {lib}")
                if shape.budgeted:
                    budgeted.append(
                        (f"pydynamodel {shape.name} {direction} vs {lib}", ratio, budget)
                    )
            print(row.rstrip())
    print("untyped: the nested shape as one untyped map (f.Map / raw MapAttribute), not budgeted")
    for name, ratio, budget in budgeted:
        report(name, ratio, budget, "x", better="higher")
    print(f"serialization budgets: {'met' if not failures else 'MISSED'}")
    return failures


#: Run in the child: (ms for ``import boto3``, ms for ``import pydynamodel`` after it). The
#: package loads its modules on first use (PEP 562), so every public name of it and of
#: ``pydynamodel.fields`` and every part ``preload`` knows (table, updates, transactions,
#: batches, cursors, the rarer fields, ``AsyncTable``) are loaded too: the figure is the whole
#: library's, an upper bound of what a program using part of it pays.
_TIMED_IMPORTS = """\
import time
start = time.perf_counter()
import boto3
middle = time.perf_counter()
import pydynamodel
import pydynamodel.fields
for package in (pydynamodel, pydynamodel.fields):
    for name in package.__all__:
        getattr(package, name)
pydynamodel.preload(*pydynamodel._PARTS)
print((middle - start) * 1000, (time.perf_counter() - middle) * 1000)
"""


def _time_imports(env: dict[str, str]) -> tuple[float, float]:
    out = subprocess.run(
        [sys.executable, "-c", _TIMED_IMPORTS], check=True, env=env, capture_output=True, text=True
    ).stdout
    boto3_ms, lib_ms = map(float, out.split())
    return boto3_ms, lib_ms


def bench_import(bytecode: bool) -> tuple[float, float]:
    """Medians (ms) of ``import boto3`` and of ``import pydynamodel`` right after it, each in
    ``IMPORT_RUNS`` fresh processes. A difference of two processes' totals instead moved by
    tens of ms between runs (interpreter start and machine noise in both), and went below
    zero."""
    env = dict(os.environ)
    env["PYTHONPATH"] = str(DYNAMODEL_PATH)
    with tempfile.TemporaryDirectory() as cache:
        env["PYTHONPYCACHEPREFIX"] = cache  # outside the repository
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        _time_imports(env)  # compiles everything it loads into the cache once
        if not bytecode:
            # Only the library compiles from source (as on Lambda without shipped bytecode);
            # the standard library and boto3 keep their bytecode, as the runtime has it.
            shutil.rmtree(Path(cache + str(DYNAMODEL_PATH.resolve())) / "pydynamodel")
            env["PYTHONDONTWRITEBYTECODE"] = "1"
        base, lib = zip(*(_time_imports(env) for _ in range(IMPORT_RUNS)), strict=True)
    return statistics.median(base), statistics.median(lib)


def main() -> int:
    failures = bench_serialization()
    base, overhead = bench_import(bytecode=True)
    _, cold_overhead = bench_import(bytecode=False)
    print(f"\nimport time, median of {IMPORT_RUNS} fresh processes, each timing its imports")
    print(f"import boto3: {base:.1f} ms; then import pydynamodel: {overhead:.1f} ms")
    budget = f"budget <= {IMPORT_BUDGET_MS:.0f} ms"
    print(f"pydynamodel overhead (bytecode cached): {overhead:.1f} ms ({budget})")
    print(f"pydynamodel overhead (compiled from source, no .pyc): {cold_overhead:.1f} ms (info)")
    if not report("pydynamodel import overhead over boto3", overhead, IMPORT_BUDGET_MS, "ms"):
        failures.append(f"import overhead {overhead:.1f} ms")
    for failure in failures:
        print(f"BUDGET MISSED: {failure}", file=sys.stderr)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
