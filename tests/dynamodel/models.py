"""Models used by the pydynamodel tests (the app's real entities live in lambda/domain)."""

from __future__ import annotations

import enum
from typing import TYPE_CHECKING

from pydynamodel import Keys, Model
from pydynamodel import fields as f

if TYPE_CHECKING:
    from decimal import Decimal


ENDPOINT = "https://ws.example.com/dev"
"""A management endpoint for the Connection and Membership items of these tests."""


class Color(enum.Enum):
    RED = "red"
    BLUE = "blue"


class Priority(enum.IntEnum):
    LOW = 1
    HIGH = 2


class Address(Model):
    """Nested model (no keys, no entity): stored as a map."""

    street: f.Str = f.Str(required=True)
    zip: f.Str = f.Str(required=True, validators=[f.regex(r"\d{4,5}")])


class Point:
    """A custom Python type stored through the ``f.Custom`` hook."""

    def __init__(self, x: int, y: int) -> None:
        self.x, self.y = x, y

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Point) and (self.x, self.y) == (other.x, other.y)

    def __hash__(self) -> int:
        return hash((self.x, self.y))


class Everything(Model, entity="Everything"):
    """One attribute of every type."""

    keys = Keys(pk="EV#{ev_id}", sk="META")

    ev_id: f.Str = f.Str(required=True)
    text: f.Str[str | None] = f.Str()
    count: f.Int[int | None] = f.Int()
    ratio: f.Float[float | None] = f.Float()
    amount: f.Decimal[Decimal | None] = f.Decimal()
    flag: f.Bool[bool | None] = f.Bool()
    blob: f.Bytes[bytes | None] = f.Bytes()
    when: f.DateTime[object] = f.DateTime()
    when_epoch: f.DateTime[object] = f.DateTime(format="epoch")
    color: f.Enum[Color | None] = f.Enum(Color)
    priority: f.Enum[Priority | None] = f.Enum(Priority)
    tags: f.List[list[str]] = f.List(f.Str(), default_factory=list)
    anything: f.List[list[object]] = f.List(default_factory=list)
    meta: f.Map[dict[str, object]] = f.Map(default_factory=dict)
    address: f.Nested[Address | None] = f.Nested(Address)
    labels: f.StrSet[set[str] | None] = f.StrSet()
    scores: f.NumSet[set[Decimal] | None] = f.NumSet()
    blobs: f.BinSet[set[bytes] | None] = f.BinSet()
    nothing: f.Null = f.Null()
    point: f.Custom[Point | None] = f.Custom(
        lambda p: {"x": p.x, "y": p.y},
        lambda d: Point(int(d["x"]), int(d["y"])),
        python_type=Point,
    )


class Counter(Model, entity="Counter"):
    """A versioned counter for optimistic-locking races."""

    keys = Keys(pk="COUNTER#{name}", sk="META")

    name: f.Str = f.Str(required=True)
    value: f.Int = f.Int(default=0)
    version: f.Version = f.Version()


class RoomDraft(Model, entity="RoomDraft"):
    """Another entity in GSI1's ``ROOMS`` partition (the index is overloaded), so counting or
    listing rooms must tell the two apart by entity."""

    keys = Keys(pk="DRAFT#{draft_id}", sk="META")
    gsi1 = Keys(pk="ROOMS", sk="{created_at}", index="GSI1")

    draft_id: f.Str = f.Str(required=True)
    created_at: f.DateTime = f.DateTime(auto_now_add=True)


class Doc(Model, entity="Doc"):
    """A versioned document with a free-size body (for the 400 KB item limit)."""

    keys = Keys(pk="DOC#{doc_id}", sk="META")

    doc_id: f.Str = f.Str(required=True)
    body: f.Str = f.Str()
    version: f.Version = f.Version()


class Listing(Model, entity="Listing"):
    """An index key built from two non-key attributes (GSI2) and a sparse one (GSI1)."""

    keys = Keys(pk="LISTING#{listing_id}", sk="META")
    gsi1 = Keys(pk="OWNER#{owner}", sk="LISTING#{listing_id}", index="GSI1")
    gsi2 = Keys(pk="CITY#{city}", sk="{district}#{price}", index="GSI2")

    listing_id: f.Str = f.Str(required=True)
    owner: f.Str[str | None] = f.Str()
    city: f.Str[str | None] = f.Str()
    district: f.Str[str | None] = f.Str()
    price: f.Int[int | None] = f.Int()
    title: f.Str[str | None] = f.Str()
