"""DynamoDB's edges: what DynamoDB refuses is refused before the request, with the field path,
or turned into the request DynamoDB accepts (packages/pydynamodel/docs/errors.md lists each rule).

Tests on ``offline`` (a Table on a closed port) prove nothing was sent: a request would fail as
ServiceUnavailable instead of the ValidationError they expect."""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING, Any

import pytest

from domain.models import Message, Room
from pydynamodel import AsyncTable, ConfigurationError, Table, ValidationError
from pydynamodel.serialization import MAX_ITEM_BYTES, item_size
from tests.dynamodel.models import Doc, Everything, Listing

if TYPE_CHECKING:
    from collections.abc import Callable

    from pydynamodel import UpdateAction
    from tests.dynamodel.conftest import Server

Sent = list[tuple[str, dict[str, Any]]]


def paths_of(call: Callable[[], object]) -> list[str]:
    with pytest.raises(ValidationError) as info:
        call()
    return info.value.paths


# ---------------------------------------------------------------- sets in updates


def test_setting_a_set_attribute_to_an_empty_set_removes_it(table: Table, sent: Sent) -> None:
    # Given an item with a string set
    table.create(Everything(ev_id="e1", labels={"a", "b"}))
    sent.clear()
    # When the set is updated to an empty set (DynamoDB has no empty sets)
    got = table.update(Everything, {"ev_id": "e1"}, Everything.labels.set(set()))
    # Then the attribute is removed, by a REMOVE clause
    assert got.labels is None
    assert sent[0][1]["UpdateExpression"].startswith("REMOVE ")
    assert table.get(Everything, ev_id="e1").labels is None


# ---------------------------------------------------------------- update values


@pytest.mark.parametrize(
    ("action", "path"),
    [
        (Everything.count.increment(0.5), "count"),
        (Everything.count.add(Decimal("0.5")), "count"),
        (Everything.count.set_if_not_exists(0.5), "count"),  # type: ignore[arg-type]
        (Everything.count.add(True), "count"),
        (Everything.text.increment(1), "text"),
        (Everything.text.add(1), "text"),
        (Everything.text.append(["x"]), "text"),
        (Everything.tags.append([1]), "tags[0]"),
        (Everything.tags.prepend(["ok", 2]), "tags[1]"),
        (Everything.labels.add({1}), "labels[0]"),
        (Everything.labels.discard({b"x"}), "labels[0]"),
        (Everything.scores.add({"x"}), "scores[0]"),
        (Everything.count.increment(Decimal("1E+200")), "count"),
    ],
)
def test_every_update_value_is_validated_like_a_save(
    offline: Table, action: UpdateAction, path: str
) -> None:
    # When an update action's value does not fit the attribute's type
    # Then the update is refused before the request, naming the attribute
    assert paths_of(lambda: offline.update(Everything, {"ev_id": "e1"}, action)) == [path]


def test_an_int_field_incremented_by_a_fraction_is_never_written(table: Table) -> None:
    # Given a stored item with an Int counter
    table.create(Everything(ev_id="e1", count=1))
    # When it is incremented by 0.5, the update is refused
    with pytest.raises(ValidationError):
        table.update(Everything, {"ev_id": "e1"}, Everything.count.increment(0.5))
    # Then the item still loads, with its counter unchanged
    assert table.get(Everything, ev_id="e1").count == 1


def test_valid_update_values_of_every_kind_are_written(table: Table) -> None:
    table.create(Everything(ev_id="e1"))
    got = table.update(
        Everything,
        {"ev_id": "e1"},
        Everything.count.increment(2),
        Everything.amount.add(Decimal("0.25")),
        Everything.ratio.set_if_not_exists(0.5),
        Everything.tags.append(["a"]),
        Everything.scores.add({1, Decimal("2.5")}),
    )
    assert (got.count, got.amount, got.ratio, got.tags) == (2, Decimal("0.25"), 0.5, ["a"])
    assert got.scores == {Decimal(1), Decimal("2.5")}


# ---------------------------------------------------------------- item size


def doc_at_the_limit() -> Doc:
    """A Doc exactly at 400 KB before its version attribute is added."""
    doc = Doc(doc_id="d1", body="")
    doc.body = "x" * (MAX_ITEM_BYTES - item_size(doc.to_item()))
    assert item_size(doc.to_item()) == MAX_ITEM_BYTES
    return doc


@pytest.mark.parametrize("write", ["create", "save", "batch_save"])
def test_the_size_check_counts_the_version_attribute(offline: Table, write: str) -> None:
    # Given a versioned item at exactly 400 KB without its version attribute
    doc = doc_at_the_limit()
    # When it is written, the version attribute pushes it over: refused before the request
    call = getattr(offline, write)
    with pytest.raises(ValidationError, match="over the 409600 byte limit"):
        call([doc]) if write == "batch_save" else call(doc)


def test_an_item_at_the_limit_with_its_version_is_written(table: Table, server: Server) -> None:
    if server.name == "moto":
        pytest.skip("moto caps items at 405,000 bytes, below DynamoDB's 409,600 (400 KB)")
    # Given an item that fits 400 KB with its version attribute ("version": {"N": "1"})
    doc = doc_at_the_limit()
    doc.body = doc.body[: -len("version") - 2]
    table.create(doc)
    assert table.get(Doc, doc_id="d1").version == 1


# ---------------------------------------------------------------- key templates


def test_an_empty_string_in_a_table_key_template_is_refused(offline: Table) -> None:
    assert paths_of(lambda: offline.create(Everything(ev_id=""))) == ["ev_id"]
    assert paths_of(lambda: offline.get(Everything, ev_id="")) == ["ev_id"]
    assert paths_of(lambda: offline.delete(Everything, ev_id="")) == ["ev_id"]
    update = Everything.text.set("x")
    assert paths_of(lambda: offline.update(Everything, {"ev_id": ""}, update)) == ["ev_id"]
    assert paths_of(lambda: offline.query(Room, room_id="")) == ["room_id"]


def test_an_empty_string_in_an_index_key_template_is_refused(offline: Table) -> None:
    assert paths_of(lambda: offline.create(Listing(listing_id="l1", owner=""))) == ["owner"]
    update = Listing.owner.set("")
    assert paths_of(lambda: offline.update(Listing, {"listing_id": "l1"}, update)) == ["owner"]
    assert paths_of(lambda: offline.query(Listing, index="GSI1", owner="")) == ["owner"]


def test_key_values_over_dynamodb_key_lengths_are_refused(offline: Table) -> None:
    # Partition keys hold at most 2048 bytes, sort keys 1024
    long_id = "é" * 1100  # 2200 bytes
    assert paths_of(lambda: offline.create(Everything(ev_id=long_id))) == ["ev_id"]
    msg = Message(room_id="r1", message_id="m" * 1100, user_id="u", body="x")
    assert paths_of(lambda: offline.create(msg)) == ["message_id"]


# ---------------------------------------------------------------- request parameters


@pytest.mark.parametrize("limit", [0, -1])
def test_a_limit_below_one_is_refused(offline: Table, limit: int) -> None:
    calls: list[Callable[[], object]] = [
        lambda: offline.query(Message, room_id="r1", limit=limit),
        lambda: offline.query_all(Message, room_id="r1", page_size=limit),
        lambda: offline.query_collection(Room, room_id="r1", models=[Room], limit=limit),
        lambda: offline.scan(Message, limit=limit),
        # The async iterator refuses it when called too, before any page is requested.
        lambda: AsyncTable(offline).query_all(Message, room_id="r1", page_size=limit),
    ]
    for call in calls:
        with pytest.raises(ValidationError, match=r"limit|page_size"):
            call()


def test_is_in_takes_1_to_100_values() -> None:
    with pytest.raises(ValidationError, match="1 to 100"):
        Room.name.is_in([])
    with pytest.raises(ValidationError, match="1 to 100"):
        Room.name.is_in([str(i) for i in range(101)])


def test_is_in_with_100_values_is_accepted_by_the_server(table: Table) -> None:
    table.create(Room(room_id="r1", name="room 99", created_by="u"))
    names = [f"room {i}" for i in range(100)]
    assert table.count(Room, index="GSI1", filter=Room.name.is_in(names)) == 1


# ---------------------------------------------------------------- numbers


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("amount", Decimal("1" * 39)),  # 39 significant digits
        ("amount", Decimal("1E+126")),  # overflow
        ("amount", Decimal("-1E+126")),
        ("amount", Decimal("1E-131")),  # underflow
        ("count", 10**38 + 1),
        ("ratio", 1e200),
        ("ratio", 1e-200),
        ("anything", [Decimal("1E+126")]),
        ("meta", {"deep": {"n": Decimal("1" * 40)}}),
        ("scores", {Decimal("1E-131")}),
    ],
)
def test_numbers_dynamodb_cannot_store_are_refused_with_their_path(
    offline: Table, field: str, value: Any
) -> None:
    paths = paths_of(lambda: offline.create(Everything(ev_id="e1", **{field: value})))
    assert len(paths) == 1
    assert paths[0].startswith(field)


def test_a_number_set_whose_members_render_to_the_same_number_is_refused(
    offline: Table,
) -> None:
    # 0.1 (float) and Decimal("0.1") differ in Python but are one number in DynamoDB
    ev = Everything(ev_id="e1", scores={0.1, Decimal("0.1")})  # type: ignore[arg-type]
    assert paths_of(lambda: offline.create(ev)) == ["scores"]


def test_numbers_at_dynamodb_limits_round_trip(table: Table) -> None:
    edges = {
        Decimal("9.9999999999999999999999999999999999999E+125"),
        Decimal("-9.9999999999999999999999999999999999999E+125"),
        Decimal("1E-130"),
        Decimal("-1E-130"),
        Decimal("12345678901234567890123456789012345678"),
        Decimal(0),
    }
    table.create(Everything(ev_id="e1", scores=edges, count=10**38, amount=Decimal("1E+125")))
    got = table.get(Everything, ev_id="e1")
    assert got.scores == edges
    assert (got.count, got.amount) == (10**38, Decimal("1E+125"))


# ---------------------------------------------------------------- untyped values


@pytest.mark.parametrize(
    ("value", "path"),
    [
        ({"tags": set()}, "meta.tags"),
        ({"mixed": {1, "a"}}, "meta.mixed"),
        ({"obj": object()}, "meta.obj"),
        ({1: "x"}, "meta.1"),
    ],
)
def test_untyped_values_dynamodb_cannot_store_are_refused_with_their_path(
    offline: Table, value: dict[Any, Any], path: str
) -> None:
    assert paths_of(lambda: offline.create(Everything(ev_id="e1", meta=value))) == [path]


def test_nesting_deeper_than_32_levels_is_refused(offline: Table) -> None:
    deep: dict[str, Any] = {}
    level = deep
    for _ in range(32):
        level["d"] = {}
        level = level["d"]
    paths = paths_of(lambda: offline.create(Everything(ev_id="e1", meta=deep)))
    assert len(paths) == 1
    assert paths[0].startswith("meta.d.d")


# ---------------------------------------------------------------- index keys in updates


def test_updating_one_attribute_of_an_index_key_recomputes_it_from_the_stored_item(
    table: Table,
) -> None:
    # Given a listing on GSI2 under CITY#paris, sort key "<district>#<price>"
    table.create(Listing(listing_id="l1", city="paris", district="11e", price=900))
    # When only the price changes
    got = table.update(Listing, {"listing_id": "l1"}, Listing.price.set(850))
    # Then the GSI2 key is rebuilt from the stored district and the new price
    assert got.price == 850
    raw = table.client().get_item(
        TableName=table.name, Key={"pk": {"S": "LISTING#l1"}, "sk": {"S": "META"}}
    )["Item"]
    assert raw["GSI2SK"] == {"S": "11e#850"}
    found = table.query(Listing, index="GSI2", city="paris")
    assert [(x.listing_id, x.price) for x in found] == [("l1", 850)]


@pytest.mark.moto_only("ReturnValuesOnConditionCheckFailure (the failed item is not returned)")
def test_an_index_key_rebuilt_from_a_value_another_writer_changed_is_rebuilt_again(
    table: Table, make_table: Callable[..., Table]
) -> None:
    # Given a listing, and another writer that moves it to another district right after
    # this update has read the stored district (once)
    table.create(Listing(listing_id="l1", city="paris", district="11e", price=900))
    other = make_table()
    raced: list[bool] = []

    def race(params: dict[str, Any], **_: Any) -> None:
        if not raced:
            raced.append(True)
            other.update(Listing, {"listing_id": "l1"}, Listing.district.set("12e"))

    table.client().meta.events.register("provide-client-params.dynamodb.UpdateItem", race)
    # When the price is updated
    got = table.update(Listing, {"listing_id": "l1"}, Listing.price.set(850))
    # Then the first attempt's condition on the stale district failed, and the retry built the
    # index key from the new district
    assert (got.district, got.price) == ("12e", 850)
    raw = table.client().get_item(
        TableName=table.name, Key={"pk": {"S": "LISTING#l1"}, "sk": {"S": "META"}}
    )["Item"]
    assert raw["GSI2SK"] == {"S": "12e#850"}


def test_an_index_attribute_changed_by_increment_is_refused(offline: Table) -> None:
    # The new value is only known to the server, so the index key could not follow it
    action = Listing.price.increment(1)
    assert paths_of(lambda: offline.update(Listing, {"listing_id": "l1"}, action)) == ["price"]


# ---------------------------------------------------------------- cursors and pages


def test_a_missing_cursor_secret_is_detected_at_the_first_paginated_query(
    make_table: Callable[..., Table], monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given a table without a cursor secret, and a partition that fits in one page
    monkeypatch.delenv("DYNAMODEL_CURSOR_SECRET", raising=False)
    table = make_table(cursor_secret=None)
    table.create(Room(room_id="r1", name="lobby", created_by="u1"))
    # When it is queried page by page, the missing secret is reported at once, although
    # this page produces no cursor
    with pytest.raises(ConfigurationError, match="DYNAMODEL_CURSOR_SECRET"):
        table.query(Room, index="GSI1", limit=10)


def test_a_query_page_emptied_by_its_filter_reads_on(table: Table, sent: Sent) -> None:
    # Given 9 messages and a server answering with pages of 2 items (as DynamoDB does
    # when a page hits 1 MB before the filter runs)
    for i in range(9):
        table.create(Message(room_id="r1", message_id=f"m{i}", user_id="u", body=f"b{i}"))

    def two_per_page(params: dict[str, Any], **_: Any) -> None:
        params["Limit"] = 2

    table.client().meta.events.register("provide-client-params.dynamodb.Query", two_per_page)
    sent.clear()
    # When a query without a limit filters out every item of the first pages
    page = table.query(Message, room_id="r1", filter=Message.body == "b8")
    # Then it keeps reading until it has an item, instead of an empty page with a cursor
    assert [m.message_id for m in page] == ["m8"]
    assert len(sent) >= 4


# ---------------------------------------------------------------- expressions


def test_an_expression_over_4_kb_is_refused(offline: Table) -> None:
    condition = Room.name == "x"
    for i in range(400):
        condition = condition | (Room.name == f"x{i}")
    with pytest.raises(ValidationError, match="4 KB"):
        offline.save(Room(room_id="r1", name="x", created_by="u"), condition=condition)


def test_a_negative_list_index_is_refused() -> None:
    with pytest.raises(ValidationError, match="index"):
        Everything.tags[-1]


# ---------------------------------------------------------------- transactions


def test_a_transaction_touching_one_item_twice_is_refused(offline: Table) -> None:
    from pydynamodel import ConditionCheck, Update

    # DynamoDB refuses a transaction with two operations on the same item
    ops = [
        Update(Room, {"room_id": "r1"}, Room.message_count.add(1)),
        ConditionCheck(Room, {"room_id": "r1"}, Room.name.exists()),
    ]
    with pytest.raises(ValidationError, match="same item"):
        offline.transact_write(ops)


def test_a_transaction_over_4_mb_is_refused(offline: Table) -> None:
    from pydynamodel import Put

    # Eleven items of almost 400 KB each are over the 4 MB a transaction may carry
    docs = [Doc(doc_id=f"d{i}", body="x" * 390_000) for i in range(11)]
    with pytest.raises(ValidationError, match="4 MB"):
        offline.transact_write([Put(d) for d in docs])


def test_a_transaction_takes_at_most_100_operations(offline: Table) -> None:
    from pydynamodel import ConditionCheck

    ops = [ConditionCheck(Room, {"room_id": f"r{i}"}, Room.name.exists()) for i in range(101)]
    with pytest.raises(ValidationError, match="1 to 100"):
        offline.transact_write(ops)
