"""Attributes live outside the model's class dict (so CPython specializes the loader's
attribute stores), and every way of reaching them answers as the field descriptor did."""

from __future__ import annotations

import pickle
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pydynamodel import Keys, Model, codec
from pydynamodel import fields as f


class Audit:
    """A plain mixin declaring an attribute (not a model: its dict is left alone)."""

    audited_by: f.Str = f.Str()


class Base(Model):
    def describe(self) -> str:
        return "base"


class Account(Audit, Base, entity="Account"):
    keys = Keys(pk="ACCOUNT#{account_id}")
    account_id: f.Str = f.Str(required=True)
    nickname: f.Str = f.Str()
    tags: f.List[list[str]] = f.List(f.Str(), default_factory=list)
    describe: f.Str = f.Str()  # type: ignore[assignment]  # shadows a base class method


class Premium(Account, entity="Premium"):
    level: f.Int = f.Int(default=1)


def test_class_access_gives_each_attribute_itself() -> None:
    # Given model classes whose attributes are out of their class dicts
    assert "nickname" not in vars(Account)
    assert "level" not in vars(Premium)
    # Then class access is still the attribute (own, inherited, from a mixin), in dir()
    for cls in (Account, Premium):
        for name, attr in cls.__fields__.items():
            assert getattr(cls, name) is attr
            assert hasattr(cls, name)
            assert name in dir(cls)
    assert Premium.nickname is Account.__fields__["nickname"]
    # And a name shadowing a base class's method stays in the dict, the field still winning
    assert vars(Account)["describe"] is Account.__fields__["describe"]
    assert Account.describe is Account.__fields__["describe"]


def test_unknown_names_raise_attribute_error_as_before() -> None:
    with pytest.raises(AttributeError, match="type object 'Account' has no attribute 'nope'"):
        Account.nope  # type: ignore[attr-defined]  # noqa: B018
    row = Account(account_id="a")
    with pytest.raises(AttributeError, match="'Account' object has no attribute 'nope'"):
        row.nope  # type: ignore[attr-defined]  # noqa: B018
    assert getattr(Account, "__copy__", None) is None
    assert not hasattr(row, "__setstate__")


def test_an_unset_attribute_reads_its_default_as_the_descriptor_gave_it() -> None:
    # Given an item without the attributes that have defaults, or without any value
    loaded = Premium.from_item({"account_id": {"S": "a"}})
    # Then a read gives the default (kept in the instance, as the descriptor did) or None
    assert "tags" not in loaded.__dict__
    assert loaded.tags == []
    assert loaded.__dict__["tags"] == []
    assert loaded.level == 1
    assert loaded.nickname is None
    assert loaded.audited_by is None
    assert loaded.describe is None
    # And a deleted value reads as unset again
    loaded.nickname = "n"
    del loaded.nickname
    assert loaded.nickname is None


@settings(max_examples=50, deadline=None)
@given(nickname=st.text(max_size=5), tags=st.lists(st.text(max_size=3), max_size=4))
def test_loaded_instances_hold_what_each_attribute_loads(nickname: str, tags: list[str]) -> None:
    # Given a model whose loader assigns attributes that are not in the class dict
    assert codec._stores_attributes(Premium)
    row = Premium(account_id="a", nickname=nickname, tags=tags, describe="d")
    row.audited_by = "x"  # a mixin's attribute: not a constructor argument to type checkers
    item = row.to_item()
    # When it is loaded back
    loaded = Premium.from_item(item)
    # Then every attribute is its own load of the item's value, in the instance dict
    for name, attr in Premium.__fields__.items():
        assert loaded.__dict__[name] == attr.load(item[name])
    assert loaded == row
    assert pickle.loads(pickle.dumps(loaded)) == loaded


def test_a_subclass_redeclaring_an_attribute_takes_its_own() -> None:
    class Renamed(Premium):
        nickname: f.Str = f.Str(required=True)

    assert Renamed.nickname is Renamed.__fields__["nickname"]
    assert Renamed.nickname is not Premium.nickname
    assert list(Renamed.__fields__) == list(Premium.__fields__)


def _names(cls: type[Any]) -> list[str]:
    return list(cls.__fields__)


def test_field_order_is_declaration_order_across_bases() -> None:
    assert _names(Account) == ["audited_by", "account_id", "nickname", "tags", "describe"]
    assert _names(Premium) == [*_names(Account), "level"]
