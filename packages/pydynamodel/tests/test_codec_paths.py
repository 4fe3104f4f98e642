"""The generated codec's fast paths give what the general path gives.

Each fast path (attributes assigned one by one on load, short typed lists loaded in a loop,
UTC datetimes and finite Decimals written inline, entity and keys in the item's one dict
display, ``to_item``/``from_item`` as the generated functions) is checked against the
attribute's own ``dump``/``load`` or the path a model takes when the fast one does not apply.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pydynamodel import Keys, Model, codec, serialization
from pydynamodel import fields as f
from pydynamodel.fields import _dt_to_iso

EXAMPLES = 100


class Row(Model, entity="Row"):
    keys = Keys(pk="ROW#{row_id}", sk="AT#{at}")
    by_count = Keys(pk="C#{count}", index="GSI1")
    row_id: f.Str = f.Str(required=True)
    count: f.Int = f.Int()
    price: f.Decimal = f.Decimal()
    at: f.DateTime = f.DateTime()
    names: f.List[list[str]] = f.List(f.Str())
    stamps: f.List[list[datetime]] = f.List(f.DateTime())


class GuardedRow(Model):
    """The same attributes, with a ``__setattr__``: loads must write the instance dict (as
    they always did), not call it for each attribute."""

    set_names: list[str] = []

    row_id: f.Str = f.Str()
    count: f.Int = f.Int()
    names: f.List[list[str]] = f.List(f.Str())

    def __setattr__(self, name: str, value: Any) -> None:
        GuardedRow.set_names.append(name)
        object.__setattr__(self, name, value)


utc_datetimes = st.datetimes(timezones=st.just(UTC))
names = st.lists(st.text(max_size=5), max_size=2 * codec.SHORT_LIST + 2)
stamps = st.lists(utc_datetimes, max_size=2 * codec.SHORT_LIST + 2)


@settings(max_examples=EXAMPLES, deadline=None)
@given(at=utc_datetimes, count=st.integers(), names=names, stamps=stamps)
def test_a_full_row_round_trips_as_each_attribute_dumps_and_loads(
    at: datetime, count: int, names: list[str], stamps: list[datetime]
) -> None:
    # Given a row with every attribute set (short and long lists, any UTC datetime)
    row = Row(row_id="r", count=count, price=Decimal("1.50"), at=at, names=names, stamps=stamps)
    # When the generated codec writes it
    item = row.to_item()
    # Then each attribute is what its own dump writes, and the keys are rendered
    for name, attr in Row.__fields__.items():
        assert item[name] == attr.dump(getattr(row, name))
    assert item["at"]["S"] == at.isoformat(timespec="microseconds")
    assert item["pk"] == {"S": "ROW#r"}
    assert item["sk"] == {"S": f"AT#{_dt_to_iso(at)}"}
    assert item["GSI1PK"] == {"S": f"C#{count}"}
    # And it loads back as what each attribute's own load reads
    loaded = Row.from_item(item)
    assert loaded == row
    for name, attr in Row.__fields__.items():
        assert getattr(loaded, name) == attr.load(item[name])


def test_entity_and_keys_are_the_same_with_an_attribute_unset() -> None:
    # Given two rows, one with every attribute set and one without the index's attribute
    at = datetime(2024, 5, 1, tzinfo=UTC)
    full = Row(row_id="r", count=1, price=Decimal(2), at=at, names=[], stamps=[]).to_item()
    sparse = Row(row_id="r", price=Decimal(2), at=at, names=[], stamps=[]).to_item()
    # Then the one-display path and the sparse path write the same entity and table keys,
    # and the sparse index key only where its attribute has a value
    for attr in ("entity", "pk", "sk"):
        assert full[attr] == sparse[attr]
    assert full["GSI1PK"] == {"S": "C#1"}
    assert "GSI1PK" not in sparse


@pytest.mark.parametrize(
    "value",
    [
        datetime(2024, 5, 1, 14, 30, tzinfo=timezone(timedelta(hours=2))),  # another zone
        datetime(2024, 5, 1, 12, 30),  # naive: taken as UTC
        datetime(5, 1, 2, 3, 4, 5, 6, tzinfo=UTC),  # inline, a year below 1000: zero-padded
    ],
)
def test_datetimes_of_any_zone_and_year_are_written_as_dump_writes_them(value: datetime) -> None:
    item = Row(row_id="r", at=value).to_item()
    assert item["at"] == Row.at.dump(value)


@pytest.mark.parametrize("value", [Decimal("NaN"), Decimal("Infinity"), float("nan")])
def test_a_number_dynamodb_cannot_store_is_refused_as_dump_refuses_it(value: Any) -> None:
    with pytest.raises(ValueError, match="NaN and Infinity"):
        Row(row_id="r", price=value).to_item()


@settings(max_examples=EXAMPLES, deadline=None)
@given(count=st.integers(), names=names)
def test_a_model_with_setattr_loads_through_its_instance_dict_alike(
    count: int, names: list[str]
) -> None:
    # Given a model with __setattr__ (assigning attributes on load would call it)
    assert not codec._stores_attributes(GuardedRow)
    assert codec._stores_attributes(Row)
    item = {"row_id": {"S": "r"}, "count": {"N": str(count)}, "names": Row.names.dump(names)}
    # When it and a model without one load the same item
    guarded = GuardedRow.from_item(item)
    plain = Row.from_item(item)
    # Then its __setattr__ saw the instance dict only, and both hold the same values
    assert set(GuardedRow.set_names) <= {"__dict__"}
    assert guarded.to_dict() == {k: plain.to_dict()[k] for k in ("row_id", "count", "names")}


def test_to_item_and_from_item_are_the_generated_functions_unless_overridden() -> None:
    # Given a model overriding from_item, and one that does not
    class Audited(Model):
        n: f.Int = f.Int()

        @classmethod
        def from_item(cls, item: Any) -> Any:
            loaded = super().from_item(item)
            loaded.n += 1
            return loaded

    class Plain(Audited):
        pass

    # When both have built their codecs
    assert Audited.from_item(Audited(n=1).to_item()).n == 2
    assert Plain.from_item(Plain(n=1).to_item()).n == 2
    # Then the override stays, in the class and its subclass; to_item is the generated dump
    assert Audited.__dict__["from_item"].__func__.__code__.co_name == "from_item"
    assert "codec" in Audited.to_item.__code__.co_filename
    assert type(Plain.from_item(Plain(n=1).to_item())) is Plain


# Plain data as an untyped map or list holds it: every scalar type, numbers with and without a
# fraction or exponent (signed, zero-padded, all-digit), nested maps and lists, sets.
wire_numbers = st.one_of(
    st.integers().map(str),
    st.decimals(allow_nan=False, allow_infinity=False).map(str),
    st.from_regex(r"\A[0-9]{1,20}\Z"),
    st.sampled_from(["-0", "1e3", "1E-3", "-2.50", "007"]),
)
wire_scalars = st.one_of(
    st.text(max_size=5).map(lambda s: {"S": s}),
    wire_numbers.map(lambda n: {"N": n}),
    st.booleans().map(lambda b: {"BOOL": b}),
    st.just({"NULL": True}),
    st.binary(max_size=3).map(lambda b: {"B": b}),
    st.sets(st.text(max_size=3), min_size=1, max_size=3).map(lambda s: {"SS": sorted(s)}),
    st.lists(wire_numbers, min_size=1, max_size=3).map(lambda n: {"NS": n}),
)
wire_values = st.recursive(
    wire_scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4).map(lambda v: {"L": v}),
        st.dictionaries(st.text(max_size=4), inner, max_size=4).map(lambda v: {"M": v}),
    ),
    max_leaves=12,
)


@settings(max_examples=EXAMPLES, deadline=None)
@given(values=st.dictionaries(st.text(max_size=4), wire_values, max_size=6))
def test_untyped_maps_and_lists_load_each_value_as_load_any_does(values: dict[str, Any]) -> None:
    # Given the payload of an untyped map, and the same values as a list
    # When load_map and load_list read them (their own tag tests, all-digit numbers as int)
    loaded_map = serialization.load_map(values)
    loaded_list = serialization.load_list(list(values.values()))
    # Then each value is what load_any reads from it, of the same type
    expected = {k: serialization.load_any(w) for k, w in values.items()}
    assert loaded_map == expected
    assert loaded_list == list(expected.values())
    assert [type(v) for v in loaded_list] == [type(v) for v in expected.values()]
