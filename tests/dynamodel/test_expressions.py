"""Conditions, filters and updates compile to placeholder-only expressions (no server)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from domain.models import Message, Room
from pydynamodel import SortKey
from pydynamodel.conditions import ExpressionBuilder, compile_update
from pydynamodel.table import _sort_condition
from tests.dynamodel.models import Address, Everything


def compile_condition(cond: object) -> tuple[str, dict[str, str], dict[str, Any]]:
    b = ExpressionBuilder()
    text = cond.compile(b)  # type: ignore[attr-defined]
    return text, b.names, b.values


def test_equality_uses_name_and_value_placeholders() -> None:
    assert compile_condition(Room.name == "x") == (
        "#n0 = :v0",
        {"#n0": "name"},
        {":v0": {"S": "x"}},
    )


def test_and_or_not_nest_with_parentheses_and_reuse_names() -> None:
    # Given a condition combining &, | and ~
    cond = ((Room.name == "x") & (Room.message_count > 3)) | ~Room.description.exists()
    # Then it compiles with one placeholder per distinct name and one per value
    assert compile_condition(cond) == (
        "((#n0 = :v0 AND #n1 > :v1) OR (NOT attribute_exists(#n2)))",
        {"#n0": "name", "#n1": "message_count", "#n2": "description"},
        {":v0": {"S": "x"}, ":v1": {"N": "3"}},
    )


def test_same_attribute_twice_gets_one_name_placeholder() -> None:
    text, names, _values = compile_condition((Room.name >= "a") & (Room.name < "m"))
    assert text == "(#n0 >= :v0 AND #n0 < :v1)"
    assert names == {"#n0": "name"}


@pytest.mark.parametrize(
    ("cond", "expected"),
    [
        (Room.name != "x", "#n0 <> :v0"),
        (Room.name <= "x", "#n0 <= :v0"),
        (Room.name.begins_with("ab"), "begins_with(#n0, :v0)"),
        (Room.name.contains("ab"), "contains(#n0, :v0)"),
        (Room.name.not_exists(), "attribute_not_exists(#n0)"),
        (Room.name.attribute_type("S"), "attribute_type(#n0, :v0)"),
        (Room.message_count.between(1, 5), "#n0 BETWEEN :v0 AND :v1"),
        (Room.name.is_in(["a", "b", "c"]), "#n0 IN (:v0, :v1, :v2)"),
        (Everything.tags.size() > 2, "size(#n0) > :v0"),
    ],
)
def test_each_operator_compiles_to_its_dynamodb_syntax(cond: object, expected: str) -> None:
    assert compile_condition(cond)[0] == expected


def test_values_are_never_spliced_into_the_expression() -> None:
    hostile = "x) OR attribute_exists(pk"
    text, _, values = compile_condition(Room.name == hostile)
    assert hostile not in text
    assert values == {":v0": {"S": hostile}}


def test_condition_values_are_serialized_by_the_attribute_type() -> None:
    when = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)
    _, _, values = compile_condition(Room.created_at < when)
    assert values == {":v0": {"S": "2024-05-01T12:00:00.000000+00:00"}}


def test_nested_paths_compile_with_dots_and_indexes() -> None:
    text, names, _ = compile_condition(
        (Everything.address.zip == "1000") & (Everything.tags[2] == "x")
    )
    assert text == "(#n0.#n1 = :v0 AND #n2[2] = :v1)"
    assert names == {"#n0": "address", "#n1": "zip", "#n2": "tags"}


def test_size_and_contains_on_lists() -> None:
    text, _, values = compile_condition(
        Everything.tags.contains("a") & (Everything.tags.size() == 0)
    )
    assert text == "(contains(#n0, :v0) AND size(#n0) = :v1)"
    assert values == {":v0": {"S": "a"}, ":v1": {"N": "0"}}


def test_condition_in_if_statement_is_an_error() -> None:
    with pytest.raises(TypeError, match="no truth value"):
        bool(Room.name == "x")


def test_python_and_between_conditions_is_an_error() -> None:
    with pytest.raises(TypeError):
        _ = (Room.name == "x") and (Room.name == "y")


def test_update_actions_compile_into_clauses() -> None:
    from pydynamodel.table import _compile_action

    actions = [
        Room.name.set("x"),
        Room.description.remove(),
        Room.message_count.add(1),
        Everything.tags.append(["a"]),
        Everything.count.set_if_not_exists(0),
        Everything.labels.discard({"old"}),
    ]
    errors: list[object] = []
    compiled = [_compile_action(a, errors) for a in actions]  # type: ignore[arg-type]
    b = ExpressionBuilder()
    text = compile_update([c for c in compiled if c is not None], b)
    assert text == (
        "SET #n0 = :v0, #n3 = list_append(if_not_exists(#n3, :v2), :v3), "
        "#n4 = if_not_exists(#n4, :v4) REMOVE #n1 ADD #n2 :v1 DELETE #n5 :v5"
    )
    assert b.values[":v2"] == {"L": []}
    assert b.values[":v5"] == {"SS": ["old"]}


def test_partial_sort_key_template_becomes_begins_with() -> None:
    # Given only the partition attribute, the Message sort key "MSG#{message_id}" is partial
    keys = Message.index_keys(None)
    cond = _sort_condition(Message, keys, {"room_id": "r1"}, None)
    assert cond is not None
    assert (cond.op, cond.value) == ("begins_with", "MSG#")


def test_attribute_condition_on_sort_key_is_rendered_through_the_template() -> None:
    keys = Message.index_keys(None)
    cond = _sort_condition(Message, keys, {"room_id": "r1"}, Message.message_id > "01H")
    assert cond is not None
    assert (cond.op, cond.value) == (">", "MSG#01H")
    between = _sort_condition(Message, keys, {}, Message.message_id.between("A", "B"))
    assert between is not None
    assert (between.op, between.value, between.high) == ("between", "MSG#A", "MSG#B")


def test_raw_sort_key_condition_passes_through() -> None:
    keys = Message.index_keys(None)
    raw = SortKey.begins_with("MSG#01H")
    assert _sort_condition(Message, keys, {}, raw) is raw
    b = ExpressionBuilder()
    assert raw.compile(b, "sk") == "begins_with(#n0, :v0)"


def test_nested_model_class_has_no_keys() -> None:
    assert Address.__keys__ is None
