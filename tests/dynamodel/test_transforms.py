"""Attribute set/get transforms and model before_save/after_load hooks."""

from __future__ import annotations

from pydynamodel import Keys, Model, Table
from pydynamodel import fields as f


class Account(Model, entity="Account"):
    keys = Keys(pk="ACC#{email}", sk="META")
    email: f.Str = f.Str(required=True, set=lambda v: v.strip().lower())
    nickname: f.Str[str | None] = f.Str(get=lambda v: v.title())
    display: f.Str[str | None] = f.Str()
    loaded: f.Bool[bool | None] = f.Bool()

    def before_save(self) -> None:
        self.display = f"{self.nickname} <{self.email}>"

    def after_load(self) -> None:
        self.loaded = True


def test_set_transform_runs_before_save_and_changes_the_key() -> None:
    acc = Account(email="  Ann@Example.COM ")
    item = acc.prepare_save()
    assert item["email"] == {"S": "ann@example.com"}
    assert item["pk"] == {"S": "ACC#ann@example.com"}


def test_get_transform_runs_after_read() -> None:
    item = Account(email="a@b.c", nickname="ann lee").prepare_save()
    assert item["nickname"] == {"S": "ann lee"}
    assert Account.from_item(item).nickname == "Ann Lee"


def test_model_hooks_run_on_save_and_load(table: Table) -> None:
    table.create(Account(email="A@B.C", nickname="ann"))
    got = table.get(Account, email="a@b.c")
    # before_save runs before set transforms, so it saw the raw email
    assert got.display == "ann <A@B.C>"
    assert got.loaded is True


def test_set_transform_applies_to_update_values(table: Table) -> None:
    table.create(Account(email="a@b.c"))
    got = table.update(Account, {"email": "a@b.c"}, Account.nickname.set("bob"))
    assert got.nickname == "Bob"
