"""Strict modeling: required, defaults, validators, strict/extra, size limit (no server)."""

from __future__ import annotations

import re
from typing import Any

import pytest

from domain.models import Connection, Message, Room
from pydynamodel import ItemTooLarge, Keys, Model, ModelDefinitionError, ValidationError
from pydynamodel import fields as f
from tests.dynamodel.models import ENDPOINT, Address, Everything


def errors_of(obj: Model) -> dict[str, str]:
    with pytest.raises(ValidationError) as info:
        obj.prepare_save()
    return {e.path: e.message for e in info.value.errors}


def test_every_failing_field_is_reported_at_once_with_its_path() -> None:
    # Given an item with a bad nested field, a bad list element and a bad scalar
    ev = Everything(
        ev_id="e1",
        address=Address(street="Main", zip="nope"),
        tags=["ok", "fine", 3],  # type: ignore[list-item]
        count="seven",  # type: ignore[arg-type]
    )
    # Then one ValidationError names every path
    assert set(errors_of(ev)) == {"address.zip", "tags[2]", "count"}


def test_required_fields_are_reported() -> None:
    msg = Message(room_id="r1")
    assert set(errors_of(msg)) == {"user_id", "body"}


def test_key_template_attributes_are_required() -> None:
    ev = Everything()
    assert errors_of(ev) == {"ev_id": "is required (part of the key)"}


def test_length_validator() -> None:
    room = Room(name="", created_by="u")
    assert "name" in errors_of(room)


def test_range_regex_choices_and_callable_validators() -> None:
    class Thing(Model, entity="Thing"):
        keys = Keys(pk="T#{tid}")
        tid: f.Str = f.Str(required=True, validators=[re.compile(r"[a-z]+")])
        age: f.Int = f.Int(validators=[f.in_range(0, 150)])
        kind: f.Str = f.Str(choices=["a", "b"])
        even: f.Int = f.Int(validators=[lambda v: v % 2 == 0])

        def __init__(self, **kw: Any) -> None:
            super().__init__(**kw)

    bad = Thing(tid="X1", age=200, kind="c", even=3)
    assert set(errors_of(bad)) == {"tid", "age", "kind", "even"}
    Thing(tid="ok", age=3, kind="a", even=4).validate()


def test_validator_raising_value_error_reports_its_message() -> None:
    def no_spaces(value: str) -> None:
        if " " in value:
            raise ValueError("must not contain spaces")

    class Tag(Model, entity="Tag"):
        keys = Keys(pk="TAG#{name}")
        name: f.Str = f.Str(required=True, validators=[no_spaces])

    assert errors_of(Tag(name="a b")) == {"name": "must not contain spaces"}


def test_unknown_attribute_is_rejected_by_strict_models() -> None:
    with pytest.raises(ValidationError) as info:
        Room(name="x", created_by="u", colour="red")  # type: ignore[call-arg]
    assert info.value.paths == ["colour"]


def test_extra_keep_preserves_unknown_attributes_through_a_round_trip() -> None:
    class Loose(Model, entity="Loose", extra="keep"):
        keys = Keys(pk="L#{lid}")
        lid: f.Str = f.Str(required=True)

    obj = Loose(lid="1", colour="red")  # type: ignore[call-arg]
    item = obj.to_item()
    assert item["colour"] == {"S": "red"}
    assert Loose.from_item(item).extra == {"colour": "red"}


def test_extra_ignore_drops_unknown_attributes() -> None:
    class Lax(Model, entity="Lax", extra="ignore"):
        keys = Keys(pk="X#{xid}")
        xid: f.Str = f.Str(required=True)

    assert "colour" not in Lax(xid="1", colour="red").to_item()  # type: ignore[call-arg]


def test_unknown_attributes_read_from_the_table_are_dropped_by_strict_models() -> None:
    item = Room(name="x", created_by="u").to_item()
    item["legacy"] = {"S": "old"}
    assert "legacy" not in Room.from_item(item).__dict__


@pytest.mark.parametrize("default", [[], {}, set()])
def test_mutable_literal_default_is_refused_at_class_definition(default: object) -> None:
    with pytest.raises(ModelDefinitionError, match="default_factory"):

        class Bad(Model, entity="Bad"):
            keys = Keys(pk="B#{bid}")
            bid: f.Str = f.Str(required=True)
            things: f.Any_[object] = f.Any_(default=default)


def test_default_value_and_factory() -> None:
    class D(Model, entity="D"):
        keys = Keys(pk="D#{did}")
        did: f.Str = f.Str(default="fixed")
        items: f.List[list[str]] = f.List(f.Str(), default=list)

    first, second = D(), D()
    assert first.did == "fixed"
    assert first.items == []
    assert first.items is not second.items


def test_reserved_attribute_names_are_refused() -> None:
    with pytest.raises(ModelDefinitionError, match="reserved"):

        class Clash(Model, entity="Clash"):
            keys = Keys(pk="C#{cid}")
            cid: f.Str = f.Str(required=True)
            pk: f.Str = f.Str()


def test_key_template_with_unknown_attribute_is_refused() -> None:
    with pytest.raises(ModelDefinitionError, match="unknown attribute"):

        class Typo(Model, entity="Typo"):
            keys = Keys(pk="T#{tpyo_id}")
            typo_id: f.Str = f.Str(required=True)


def test_items_over_400kb_are_refused_before_any_request() -> None:
    big = Message(room_id="r1", user_id="u", body="x")
    big.body = "x" * 3000
    big.prepare_save()  # fine
    huge = Everything(ev_id="e1", text="x" * (400 * 1024))
    with pytest.raises(ItemTooLarge) as info:
        huge.prepare_save()
    assert info.value.size > 400 * 1024


def test_item_size_counts_attribute_names_and_values() -> None:
    from pydynamodel.serialization import item_size

    assert item_size({"ab": {"S": "héllo"}}) == 2 + 6
    assert item_size({"n": {"N": "123"}}) == 1 + 3
    assert item_size({"b": {"BOOL": True}, "l": {"L": [{"S": "a"}]}}) == 1 + 1 + 1 + 3 + 1 + 1


def test_ttl_defaults_to_now_plus_after() -> None:
    conn = Connection(connection_id="c1", user_id="u", region="eu-west-1", endpoint=ENDPOINT)
    assert isinstance(conn.expires_at, int)
    assert conn.expires_at > conn.connected_at.timestamp()


def test_timestamps_are_set_on_save() -> None:
    room = Room(name="x", created_by="u")
    assert "updated_at" not in room.__dict__
    room.prepare_save()
    assert room.updated_at is not None
    assert room.created_at <= room.updated_at
