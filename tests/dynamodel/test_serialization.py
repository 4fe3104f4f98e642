"""Serialization round trips (property-based) and type mapping (no server)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from pydynamodel.serialization import dump_any, load_any
from tests.dynamodel.models import Address, Color, Everything, Point, Priority
from tests.fuzz import fuzz_examples

texts = st.text(max_size=20)
ints = st.integers(min_value=-(10**30), max_value=10**30)
decimals = st.decimals(
    allow_nan=False, allow_infinity=False, places=6, min_value=-(10**12), max_value=10**12
)
floats = st.floats(allow_nan=False, allow_infinity=False, width=64)
datetimes = st.datetimes(
    min_value=datetime(1971, 1, 1), max_value=datetime(2200, 1, 1), timezones=st.just(UTC)
)
plain = st.recursive(
    st.none() | st.booleans() | texts | ints | st.binary(max_size=10),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(texts, children, max_size=4),
    max_leaves=10,
)


@settings(max_examples=fuzz_examples(150), deadline=None)
@given(
    text=st.none() | texts,
    count=st.none() | ints,
    ratio=st.none() | floats,
    amount=st.none() | decimals,
    flag=st.none() | st.booleans(),
    blob=st.none() | st.binary(max_size=20),
    when=st.none() | datetimes,
    color=st.none() | st.sampled_from(Color),
    priority=st.none() | st.sampled_from(Priority),
    tags=st.lists(texts, max_size=5),
    anything=st.lists(plain, max_size=3),
    labels=st.none() | st.sets(texts, min_size=1, max_size=4),
    scores=st.none() | st.sets(decimals, min_size=1, max_size=4),
    point=st.none() | st.builds(Point, st.integers(), st.integers()),
)
def test_every_attribute_type_round_trips(**values: object) -> None:
    # Given a model instance holding any combination of values
    ev = Everything(ev_id="e1", **values)  # type: ignore[arg-type]
    # When it is serialized and deserialized
    back = Everything.from_item(ev.to_item())
    # Then every value comes back equal (and with the same type)
    for name, value in values.items():
        got = getattr(back, name)
        assert got == value, name
        if value is not None:
            assert type(got) is type(value), name


@settings(max_examples=fuzz_examples(100), deadline=None)
@given(st.decimals(allow_nan=False, allow_infinity=False))
def test_decimals_round_trip_exactly(value: Decimal) -> None:
    ev = Everything(ev_id="e", amount=value)
    assert Everything.from_item(ev.to_item()).amount == value


def test_float_is_stored_via_its_shortest_repr() -> None:
    assert Everything(ev_id="e", ratio=0.1).to_item()["ratio"] == {"N": "0.1"}


def test_datetime_iso_is_fixed_width_utc_and_sorts() -> None:
    local = datetime(2024, 1, 1, 12, 0, tzinfo=UTC).astimezone(
        __import__("datetime").timezone(timedelta(hours=2))
    )
    item = Everything(ev_id="e", when=local).to_item()
    assert item["when"] == {"S": "2024-01-01T12:00:00.000000+00:00"}
    assert Everything.from_item(item).when == local


def test_naive_datetime_is_taken_as_utc() -> None:
    item = Everything(ev_id="e", when=datetime(2024, 1, 1)).to_item()
    assert item["when"]["S"].endswith("+00:00")


def test_epoch_datetime_is_a_number() -> None:
    item = Everything(ev_id="e", when_epoch=datetime(1970, 1, 2, tzinfo=UTC)).to_item()
    assert item["when_epoch"] == {"N": "86400"}


def test_enum_stores_its_value() -> None:
    item = Everything(ev_id="e", color=Color.RED, priority=Priority.HIGH).to_item()
    assert item["color"] == {"S": "red"}
    assert item["priority"] == {"N": "2"}


def test_nested_model_is_a_map() -> None:
    item = Everything(ev_id="e", address=Address(street="Main", zip="1000")).to_item()
    assert item["address"] == {"M": {"street": {"S": "Main"}, "zip": {"S": "1000"}}}


def test_sets_and_null() -> None:
    item = Everything(ev_id="e", labels={"b", "a"}, scores={Decimal("1.5")}).to_item()
    assert item["labels"] == {"SS": ["a", "b"]}
    assert item["scores"] == {"NS": ["1.5"]}
    assert item["nothing"] == {"NULL": True}


def test_empty_sets_are_not_stored() -> None:
    assert "labels" not in Everything(ev_id="e", labels=set()).to_item()


def test_null_values_written_by_others_load_as_none() -> None:
    item = Everything(ev_id="e", text="x").to_item()
    item["text"] = {"NULL": True}
    assert Everything.from_item(item).text is None


@settings(max_examples=fuzz_examples(100), deadline=None)
@given(plain)
def test_untyped_values_round_trip(value: object) -> None:
    assert load_any(dump_any(value)) == value
