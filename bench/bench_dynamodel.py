"""pydynamodel benchmark: (de)serialization vs boto3 and PynamoDB on three item shapes, and import.

Run: .venv/bin/python bench/bench_dynamodel.py   (exits non-zero if a budget is missed)

Budgets (issue 13), each checked for serialize and for deserialize separately, on each shape:
- at least 3x faster than boto3's ``TypeSerializer``/``TypeDeserializer`` on the same data
  (pydynamodel also writes the key attributes and the entity, which boto3 is not asked to);
- at least 8x faster than PynamoDB (model ``serialize()`` / ``from_raw_data``).
Shapes: ``flat`` (the 10-attribute item this bench always had), ``nested`` (an untyped map
nested 8 levels deep, with lists of maps at each level) and ``lists`` (large lists of strings
and numbers, a string set and a number set). Each figure is the median of alternating repeats
(every library timed once per repeat, so load drift hits all alike).

And: ``import boto3, pydynamodel`` minus ``import boto3`` <= 20 ms (median of alternating fresh
processes, bytecode cached as for any installed package; the no-bytecode figure is printed for
information). ``BENCH_QUICK=1``: fewer items and repeats.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

ROOT = Path(__file__).resolve().parents[1]
#: Where ``import pydynamodel`` comes from (the one place to change if the library moves).
DYNAMODEL_PATH = ROOT / "packages" / "pydynamodel" / "src"
sys.path.insert(0, str(DYNAMODEL_PATH))

from boto3.dynamodb.types import TypeDeserializer, TypeSerializer  # noqa: E402
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
REPEAT = 3 if QUICK else 7
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
    keys = Keys(pk="NESTED#{item_id}", sk="META")
    item_id: f.Str = f.Str(required=True)
    doc: f.Map = f.Map()


class PynamoNested(PynamoModel):
    class Meta:
        table_name = "bench"
        region = "eu-west-1"

    item_id = UnicodeAttribute(hash_key=True)
    doc: MapAttribute[str, Any] = MapAttribute()  # type: ignore[no-untyped-call]


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


class Shape:
    """One item shape in the three libraries: the objects to serialize, the wire to load."""

    def __init__(
        self,
        name: str,
        count: int,
        make: Callable[[int], dict[str, Any]],
        model: type[Model],
        pynamo: type[PynamoModel],
        plain: Callable[[dict[str, Any]], dict[str, Any]] = lambda v: v,
        pynamo_values: Callable[[dict[str, Any]], dict[str, Any]] = lambda v: v,
    ) -> None:
        self.name, self.count = name, count
        values = [make(i) for i in range(count)]
        self.models = [model(**v) for v in values]
        self.model = model
        self.plain = [plain(v) for v in values]
        self.pynamo_items = [pynamo(**pynamo_values(v)) for v in values]
        self.pynamo = pynamo
        self.wire = [m.to_item() for m in self.models]
        ser = TypeSerializer()
        self.boto_wire = [{k: ser.serialize(v) for k, v in d.items()} for d in self.plain]
        self.pynamo_wire = [p.serialize() for p in self.pynamo_items]

    def timers(self) -> dict[tuple[str, str], Callable[[], None]]:
        ser, deser = TypeSerializer(), TypeDeserializer()
        model, pynamo = self.model, self.pynamo

        def dm_ser() -> None:
            for m in self.models:
                m.to_item()

        def dm_de() -> None:
            for w in self.wire:
                model.from_item(w)

        def boto_ser() -> None:
            for d in self.plain:
                {k: ser.serialize(v) for k, v in d.items()}

        def boto_de() -> None:
            for w in self.boto_wire:
                {k: deser.deserialize(v) for k, v in w.items()}

        def pyn_ser() -> None:
            for p in self.pynamo_items:
                p.serialize()

        def pyn_de() -> None:
            for w in self.pynamo_wire:
                pynamo.from_raw_data(w)

        return {
            ("pydynamodel", "serialize"): dm_ser,
            ("pydynamodel", "deserialize"): dm_de,
            ("boto3", "serialize"): boto_ser,
            ("boto3", "deserialize"): boto_de,
            ("pynamodb", "serialize"): pyn_ser,
            ("pynamodb", "deserialize"): pyn_de,
        }


def shapes() -> list[Shape]:
    # boto3's TypeSerializer has no datetime: it gets the ISO string pydynamodel stores.
    def flat_plain(v: dict[str, Any]) -> dict[str, Any]:
        return {**v, "created_at": v["created_at"].isoformat()}

    def flat_pynamo(v: dict[str, Any]) -> dict[str, Any]:
        return {**v, "price": float(v["price"])}

    return [
        Shape("flat", 1000 // SCALE, flat_values, Item, PynamoItem, flat_plain, flat_pynamo),
        Shape("nested", 200 // SCALE, nested_values, NestedItem, PynamoNested),
        Shape("lists", 100 // SCALE, lists_values, ListsItem, PynamoLists),
    ]


def measure(shape: Shape) -> dict[tuple[str, str], float]:
    timers = shape.timers()
    samples: dict[tuple[str, str], list[float]] = {key: [] for key in timers}
    for fn in timers.values():  # warm-up: codecs compiled, caches filled, not timed
        fn()
    for _ in range(REPEAT):
        for key, fn in timers.items():
            start = time.perf_counter()
            fn()
            samples[key].append(time.perf_counter() - start)
    return {key: statistics.median(values) for key, values in samples.items()}


def bench_serialization() -> list[str]:
    failures: list[str] = []
    print(
        f"(de)serialization, median of {REPEAT} alternating repeats; speed-up = their time / ours"
    )
    header = f"{'shape':<8}{'items':>6}  {'direction':<12}{'pydynamodel ms':>13}{'boto3 ms':>10}"
    print(f"{header}{'pynamodb ms':>12}  {'vs boto3':>9} {'vs PynamoDB':>12}")
    for shape in shapes():
        t = measure(shape)
        for direction in ("serialize", "deserialize"):
            ours = t[("pydynamodel", direction)]
            boto, pyn = t[("boto3", direction)], t[("pynamodb", direction)]
            vs_boto, vs_pyn = boto / ours, pyn / ours
            marks = ""
            if vs_boto < BOTO3_BUDGET:
                failures.append(f"{shape.name} {direction}: {vs_boto:.2f}x boto3")
                marks += " MISSED(boto3)"
            if vs_pyn < PYNAMODB_BUDGET:
                failures.append(f"{shape.name} {direction}: {vs_pyn:.2f}x PynamoDB")
                marks += " MISSED(PynamoDB)"
            row = f"{shape.name:<8}{shape.count:>6}  {direction:<12}{ours * 1e3:>13.2f}"
            row += f"{boto * 1e3:>10.2f}{pyn * 1e3:>12.2f}  {vs_boto:>8.2f}x {vs_pyn:>11.2f}x"
            print(row + marks)
    verdict = "met" if not failures else "MISSED"
    print(f"budgets: >= {BOTO3_BUDGET}x boto3 and >= {PYNAMODB_BUDGET}x PynamoDB: {verdict}")
    return failures


def _time_import(code: str, env: dict[str, str]) -> float:
    start = time.perf_counter()
    subprocess.run([sys.executable, "-c", code], check=True, env=env)
    return time.perf_counter() - start


def bench_import(bytecode: bool) -> tuple[float, float]:
    env = dict(os.environ)
    env["PYTHONPATH"] = str(DYNAMODEL_PATH)
    with tempfile.TemporaryDirectory() as cache:
        if bytecode:
            env.pop("PYTHONDONTWRITEBYTECODE", None)
            env["PYTHONPYCACHEPREFIX"] = cache  # compiled once, outside the repository
            _time_import("import boto3, pydynamodel", env)
        else:
            env["PYTHONDONTWRITEBYTECODE"] = "1"
            env["PYTHONPYCACHEPREFIX"] = cache  # empty: pydynamodel compiles from source
        base, lib = [], []
        for _ in range(IMPORT_RUNS):
            base.append(_time_import("import boto3", env))
            lib.append(_time_import("import boto3, pydynamodel", env))
    return statistics.median(base), statistics.median(lib)


def main() -> int:
    failures = bench_serialization()
    base, lib = bench_import(bytecode=True)
    cold_base, cold_lib = bench_import(bytecode=False)
    overhead = (lib - base) * 1e3
    cold_overhead = (cold_lib - cold_base) * 1e3
    print(f"\nimport time, median of {IMPORT_RUNS} alternating fresh processes")
    print(f"import boto3: {base * 1e3:.1f} ms; import boto3, pydynamodel: {lib * 1e3:.1f} ms")
    budget = f"budget <= {IMPORT_BUDGET_MS:.0f} ms"
    print(f"pydynamodel overhead (bytecode cached): {overhead:.1f} ms ({budget})")
    print(f"pydynamodel overhead (compiled from source, no .pyc): {cold_overhead:.1f} ms (info)")
    if overhead > IMPORT_BUDGET_MS:
        failures.append(f"import overhead {overhead:.1f} ms")
    for failure in failures:
        print(f"BUDGET MISSED: {failure}", file=sys.stderr)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
