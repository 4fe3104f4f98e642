"""dynamodel benchmark: (de)serialization vs boto3 and PynamoDB, and import time.

Run: .venv/bin/python bench/bench_dynamodel.py   (exits non-zero if a budget is missed)

Budgets
- serialize + deserialize a 1,000-item page of 10-attribute items: dynamodel/boto3 <= 1.0
  (boto3 TypeSerializer/TypeDeserializer on the same data) and PynamoDB/dynamodel >= 3.0
- `import boto3, dynamodel` minus `import boto3` <= 20 ms (median of alternating fresh
  processes, bytecode cached as for any installed package; the no-bytecode figure is printed
  for information)
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
import timeit
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "lambda"))

from boto3.dynamodb.types import TypeDeserializer, TypeSerializer  # noqa: E402
from pynamodb.attributes import (  # noqa: E402
    BooleanAttribute,
    ListAttribute,
    MapAttribute,
    NumberAttribute,
    UnicodeAttribute,
    UTCDateTimeAttribute,
)
from pynamodb.models import Model as PynamoModel  # noqa: E402

from dynamodel import Keys, Model  # noqa: E402
from dynamodel import fields as f  # noqa: E402

ITEMS = 1000
REPEAT = 7
IMPORT_RUNS = 15


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


def make_values(i: int) -> dict[str, Any]:
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


def median_seconds(fn: Any) -> float:
    return statistics.median(timeit.repeat(fn, number=1, repeat=REPEAT))


def bench_serialization() -> dict[str, float]:
    values = [make_values(i) for i in range(ITEMS)]
    models = [Item(**v) for v in values]
    # boto3 gets the same data; datetime as its ISO string (TypeSerializer has no datetime).
    plain = [{**v, "created_at": v["created_at"].isoformat()} for v in values]
    pynamo = [PynamoItem(**{**v, "price": float(v["price"])}) for v in values]
    ser, deser = TypeSerializer(), TypeDeserializer()

    wire = [m.to_item() for m in models]
    boto_wire = [{k: ser.serialize(v) for k, v in d.items()} for d in plain]
    pynamo_wire = [p.serialize() for p in pynamo]

    def dm_ser() -> None:
        for m in models:
            m.to_item()

    def dm_de() -> None:
        for w in wire:
            Item.from_item(w)

    def boto_ser() -> None:
        for d in plain:
            {k: ser.serialize(v) for k, v in d.items()}

    def boto_de() -> None:
        for w in boto_wire:
            {k: deser.deserialize(v) for k, v in w.items()}

    def pyn_ser() -> None:
        for p in pynamo:
            p.serialize()

    def pyn_de() -> None:
        for w in pynamo_wire:
            PynamoItem.from_raw_data(w)

    return {
        "dynamodel serialize": median_seconds(dm_ser),
        "dynamodel deserialize": median_seconds(dm_de),
        "boto3 serialize": median_seconds(boto_ser),
        "boto3 deserialize": median_seconds(boto_de),
        "pynamodb serialize": median_seconds(pyn_ser),
        "pynamodb deserialize": median_seconds(pyn_de),
    }


def _time_import(code: str, env: dict[str, str]) -> float:
    start = time.perf_counter()
    subprocess.run([sys.executable, "-c", code], check=True, env=env)
    return time.perf_counter() - start


def bench_import(bytecode: bool) -> tuple[float, float]:
    env = dict(os.environ)
    env["PYTHONPATH"] = str(ROOT / "lambda")
    with tempfile.TemporaryDirectory() as cache:
        if bytecode:
            env.pop("PYTHONDONTWRITEBYTECODE", None)
            env["PYTHONPYCACHEPREFIX"] = cache  # compiled once, outside the repository
            _time_import("import boto3, dynamodel", env)
        else:
            env["PYTHONDONTWRITEBYTECODE"] = "1"
            env["PYTHONPYCACHEPREFIX"] = cache  # empty: dynamodel compiles from source
        base, lib = [], []
        for _ in range(IMPORT_RUNS):
            base.append(_time_import("import boto3", env))
            lib.append(_time_import("import boto3, dynamodel", env))
    return statistics.median(base), statistics.median(lib)


def main() -> int:
    t = bench_serialization()
    dm = t["dynamodel serialize"] + t["dynamodel deserialize"]
    boto = t["boto3 serialize"] + t["boto3 deserialize"]
    pyn = t["pynamodb serialize"] + t["pynamodb deserialize"]
    print(f"(De)serialization, {ITEMS} items x 10 attributes, median of {REPEAT} runs")
    print(f"{'library':<12}{'serialize ms':>14}{'deserialize ms':>16}{'total ms':>10}")
    for name in ("dynamodel", "boto3", "pynamodb"):
        s, d = t[f"{name} serialize"], t[f"{name} deserialize"]
        print(f"{name:<12}{s * 1e3:>14.2f}{d * 1e3:>16.2f}{(s + d) * 1e3:>10.2f}")
    ratio_boto = dm / boto
    speedup_pyn = pyn / dm
    print(f"dynamodel/boto3 time ratio: {ratio_boto:.2f} (budget <= 1.0)")
    print(f"pynamodb/dynamodel speed-up: {speedup_pyn:.1f}x (budget >= 3.0)")

    base, lib = bench_import(bytecode=True)
    cold_base, cold_lib = bench_import(bytecode=False)
    overhead = (lib - base) * 1e3
    cold_overhead = (cold_lib - cold_base) * 1e3
    print(f"\nImport time, median of {IMPORT_RUNS} alternating fresh processes")
    print(f"import boto3: {base * 1e3:.1f} ms; import boto3, dynamodel: {lib * 1e3:.1f} ms")
    print(f"dynamodel overhead (bytecode cached): {overhead:.1f} ms (budget <= 20 ms)")
    print(f"dynamodel overhead (compiled from source, no .pyc): {cold_overhead:.1f} ms (info)")

    failures = []
    if ratio_boto > 1.0:
        failures.append("serialization slower than boto3")
    if speedup_pyn < 3.0:
        failures.append("less than 3x faster than PynamoDB")
    if overhead > 20.0:
        failures.append("import overhead over 20 ms")
    for failure in failures:
        print(f"BUDGET MISSED: {failure}", file=sys.stderr)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
