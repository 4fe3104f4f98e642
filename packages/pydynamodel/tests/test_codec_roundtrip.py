"""The generated per-model codecs and the untyped fast paths against an independent oracle:
boto3's ``TypeSerializer``/``TypeDeserializer``.

For nested maps, lists and sets (untyped ``f.Map()``/``f.List()``, typed sets, and typed
``f.Nested`` models), whatever value the model holds is written exactly as boto3 writes it,
and whatever boto3 writes loads back as the same value. No server; plain fixed example counts
(this package's tests do not read the application's fuzz profile).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from boto3.dynamodb.types import Binary, TypeDeserializer, TypeSerializer
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pydynamodel import Keys, Model
from pydynamodel import fields as f
from pydynamodel.serialization import dump_any, load_any

EXAMPLES = 100
SER, DESER = TypeSerializer(), TypeDeserializer()

keys = st.text(max_size=8)
texts = st.text(max_size=12)
ints = st.integers(min_value=-(10**37), max_value=10**37)
# Finite decimals DynamoDB stores (at most 38 digits, exponents far from the limits).
decimals = st.decimals(
    allow_nan=False, allow_infinity=False, places=4, max_value=10**20, min_value=-(10**20)
)
numbers = ints | decimals
sets = (
    st.sets(texts, min_size=1, max_size=4)
    | st.sets(ints, min_size=1, max_size=4)
    | st.sets(st.binary(min_size=1, max_size=6), min_size=1, max_size=4)
)
leaves = st.none() | st.booleans() | texts | numbers | st.binary(max_size=8) | sets
plain = st.recursive(
    leaves,
    lambda children: st.lists(children, max_size=4) | st.dictionaries(keys, children, max_size=4),
    max_leaves=25,
)
documents = st.dictionaries(keys, plain, max_size=5)


def canonical(wire: Any) -> Any:
    """A wire value with set members sorted (a set has no order; boto3 and pydynamodel may
    list the members differently) and binary as ``bytes``."""
    if isinstance(wire, dict):
        out = {}
        for tag, value in wire.items():
            if tag in ("SS", "NS", "BS"):
                out[tag] = sorted(canonical(v) for v in value)
            else:
                out[tag] = canonical(value)
        return out
    if isinstance(wire, list):
        return [canonical(v) for v in wire]
    if isinstance(wire, Binary):
        return bytes(wire)  # type: ignore[call-overload]
    return wire


def typed(value: Any) -> Any:
    """A value with its exact kind kept (``True`` is not ``1``, ``b"1"`` is not ``"1"``) and
    numbers by value (boto3 loads every number as ``Decimal``, pydynamodel integral ones as
    ``int``), so ``==`` on the result is a strict comparison."""
    if isinstance(value, bool) or value is None:
        return ("bool/none", value)
    if isinstance(value, int | Decimal):
        return ("number", Decimal(value))
    if isinstance(value, Binary):
        return ("bytes", bytes(value))  # type: ignore[call-overload]
    if isinstance(value, bytes):
        return ("bytes", value)
    if isinstance(value, str):
        return ("str", value)
    if isinstance(value, dict):
        return ("map", {k: typed(v) for k, v in value.items()})
    if isinstance(value, list):
        return ("list", [typed(v) for v in value])
    return ("set", frozenset(typed(v) for v in value))


class Doc(Model, entity="Doc"):
    keys = Keys(pk="DOC#{doc_id}", sk="META")
    doc_id: f.Str = f.Str(required=True)
    body: f.Map = f.Map()
    items: f.List[list[Any]] = f.List()
    names: f.StrSet = f.StrSet()
    scores: f.NumSet = f.NumSet()


class Entry(Model):
    k: f.Str = f.Str()
    v: f.Int = f.Int()
    tags: f.StrSet = f.StrSet()


class Node(Model):
    name: f.Str = f.Str()
    entries: f.List[list[Entry]] = f.List(f.Nested(Entry))
    extra_map: f.Map = f.Map()
    child: f.Nested[Entry] = f.Nested(Entry)


class Tree(Model, entity="Tree"):
    keys = Keys(pk="TREE#{tree_id}")
    tree_id: f.Str = f.Str(required=True)
    root: f.Nested[Node] = f.Nested(Node)
    nodes: f.List[list[Node]] = f.List(f.Nested(Node))


def boto3_item(values: dict[str, Any]) -> dict[str, Any]:
    return {k: SER.serialize(v) for k, v in values.items() if v is not None and v != set()}


def attributes(item: dict[str, Any]) -> dict[str, Any]:
    """An item without what only pydynamodel writes (keys and entity)."""
    return {k: v for k, v in item.items() if k not in ("pk", "sk", "entity")}


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(value=plain)
def test_any_value_serializes_as_boto3_does_and_loads_back(value: Any) -> None:
    # Given any plain value boto3 can store
    # When pydynamodel and boto3 each write it
    ours, theirs = dump_any(value), SER.serialize(value)
    # Then the wire values are the same, and each loads back to the value in both libraries
    assert canonical(ours) == canonical(theirs)
    assert typed(load_any(theirs)) == typed(value)
    assert typed(DESER.deserialize(ours)) == typed(value)  # type: ignore[arg-type]


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    body=st.none() | documents,
    items=st.none() | st.lists(plain, max_size=5),
    names=st.sets(texts, max_size=4),
    scores=st.sets(numbers, max_size=4),
)
def test_model_fast_path_matches_boto3_both_ways(
    body: dict[str, Any] | None,
    items: list[Any] | None,
    names: set[str],
    scores: set[int | Decimal],
) -> None:
    # DynamoDB refuses a number set with two members that render the same (0.1 and 0.10).
    if len({str(Decimal(s).normalize()) for s in scores}) != len(scores):
        return
    values: dict[str, Any] = {
        "doc_id": "d1",
        "body": body,
        "items": items,
        "names": names,
        "scores": scores,
    }
    # Given a model holding nested maps, lists and sets
    doc = Doc(**values)
    # When its generated codec writes it
    item = doc.to_item()
    # Then it writes what boto3 writes for the same values (plus its keys and entity)
    assert canonical(attributes(item)) == canonical(boto3_item(values))
    assert item["pk"] == {"S": "DOC#d1"}
    assert item["entity"] == {"S": "Doc"}
    # And what boto3 wrote loads back through the fast path as the same values
    loaded = Doc.from_item(boto3_item(values)).to_dict()
    assert typed({k: v for k, v in loaded.items() if v is not None}) == typed(
        {k: v for k, v in values.items() if v is not None and v != set()}
    )


def _present(values: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in values.items() if v is not None}


entries: st.SearchStrategy[dict[str, Any]] = st.builds(
    dict, k=texts, v=ints, tags=st.sets(texts, min_size=1, max_size=3) | st.none()
).map(_present)
nodes: st.SearchStrategy[dict[str, Any]] = st.builds(
    dict,
    name=texts,
    entries=st.lists(entries, max_size=3),
    extra_map=documents,
    child=entries,
)


def as_tree(values: dict[str, Any]) -> Tree:
    def node(d: dict[str, Any]) -> Node:
        return Node(
            name=d["name"],
            entries=[Entry(**e) for e in d["entries"]],
            extra_map=d["extra_map"],
            child=Entry(**d["child"]),
        )

    return Tree(tree_id="t", root=node(values["root"]), nodes=[node(n) for n in values["nodes"]])


def as_plain(value: Any) -> Any:
    if isinstance(value, Model):
        return {k: as_plain(v) for k, v in value.to_dict().items() if v is not None}
    if isinstance(value, list):
        return [as_plain(v) for v in value]
    return value


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(root=nodes, more=st.lists(nodes, max_size=3))
def test_nested_models_fast_path_matches_boto3_both_ways(
    root: dict[str, Any], more: list[dict[str, Any]]
) -> None:
    # Given typed nested models (a model in a model, a list of models in a model)
    values: dict[str, Any] = {"tree_id": "t", "root": root, "nodes": more}
    tree = as_tree(values)
    # When the generated codec writes the tree
    item = tree.to_item()
    # Then it is what boto3 writes for the same document as plain dicts
    assert canonical(attributes(item)) == canonical(boto3_item(values))
    # And boto3's wire loads back into the same models
    loaded = Tree.from_item(boto3_item(values))
    assert loaded == tree
    assert typed(as_plain(loaded)) == typed(values)


class Upper(f.Str):
    """A user's attribute type overriding ``dump``/``load`` of a type the codec inlines."""

    def dump(self, value: Any) -> dict[str, Any]:
        return {"S": value.upper()}

    def load(self, wire: dict[str, Any]) -> Any:
        return wire["S"].lower()


class Shouting(Model):
    word: f.Str = Upper()


class SpecialEntry(Entry):
    note: f.Str = f.Str()


def test_an_overridden_dump_or_load_is_called_not_inlined() -> None:
    # Given an attribute subclass whose dump/load differ from its base type's inline code
    # When a model with it is written and read
    item = Shouting(word="hey").to_item()
    # Then its own dump and load run
    assert item == {"word": {"S": "HEY"}}
    assert Shouting.from_item({"word": {"S": "HO"}}).word == "ho"


def test_a_nested_subclass_instance_writes_its_own_attributes() -> None:
    # Given a nested attribute declared as Entry holding an instance of a subclass of Entry
    node = Node(name="n", child=SpecialEntry(k="a", v=1, note="more"))
    # When it is written
    item = node.to_item()
    # Then the subclass's attributes are written (as Nested.dump always did)
    assert item["child"] == {"M": {"k": {"S": "a"}, "v": {"N": "1"}, "note": {"S": "more"}}}


@pytest.mark.parametrize(
    "child",
    [
        {"M": {"k": {"NULL": True}, "v": {"N": "2"}}},  # a NULL inside the nested model
        {"M": {"k": {"S": "a"}, "v": {"N": "2"}, "tags": {"NULL": True}}},
    ],
)
def test_nested_values_the_fast_path_cannot_read_fall_back(child: dict[str, Any]) -> None:
    # Given an item whose nested map holds a NULL where a typed value belongs
    item = {"name": {"S": "n"}, "child": child}
    # When it is loaded
    node = Node.from_item(item)
    # Then the NULL reads as an absent value and the rest loads
    assert node.child is not None
    assert node.child.v == 2
    assert node.child.tags is None


def test_a_subclass_defined_after_its_base_was_used_has_its_own_codec() -> None:
    # Given a model whose codec is built (it has written and read an item)
    class Base(Model, entity="Base"):
        keys = Keys(pk="B#{b_id}")
        b_id: f.Str = f.Str(required=True)

    assert Base.from_item(Base(b_id="1").to_item()).b_id == "1"

    # When a subclass with one more attribute is defined afterwards and used
    class Child(Base, entity="Child"):
        more: f.Int = f.Int()

    item = Child(b_id="2", more=3).to_item()
    # Then it writes and reads its own attributes and entity, not its base's
    assert item == {
        "b_id": {"S": "2"},
        "more": {"N": "3"},
        "entity": {"S": "Child"},
        "pk": {"S": "B#2"},
    }
    assert Child.from_item(item) == Child(b_id="2", more=3)
    assert type(Child.from_item(item)) is Child
    assert Base(b_id="1").to_item() == {
        "b_id": {"S": "1"},
        "entity": {"S": "Base"},
        "pk": {"S": "B#1"},
    }
