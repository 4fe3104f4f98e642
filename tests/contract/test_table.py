"""The table names both sides use: the index the functions query and the TTL attribute the
models write exist, under those names, on the table the data stack creates."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest

from contract import rest, websocket
from contract.table import GSI1, TTL_ATTRIBUTE
from tests.infra.conftest import synth

if TYPE_CHECKING:
    from pathlib import Path

DATA_STACK = "Dev/Data"


@pytest.fixture(scope="module")
def table(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """The properties of the stage's global table as synthesized."""
    out: Path = tmp_path_factory.mktemp("cdk.out")
    (resource,) = synth(out).resources(DATA_STACK, "AWS::DynamoDB::GlobalTable").values()
    properties: dict[str, Any] = resource["Properties"]
    return properties


def _class_attributes(model: object) -> list[Any]:
    """Every attribute a model class answers for, its fields included, as class access gives
    them (pydynamodel keeps a model's fields out of the class ``__dict__``)."""
    return [getattr(model, name) for name in dir(model)]


def test_the_table_expires_items_by_the_contracts_ttl_attribute_which_the_models_write(
    table: dict[str, Any],
) -> None:
    from domain.messages import MessageReceipt
    from domain.models import ENTITIES
    from pydynamodel import fields

    # Given the models' TTL fields
    ttl_names = {
        value.path_name
        for model in (*ENTITIES, MessageReceipt)
        for value in _class_attributes(model)
        if isinstance(value, fields.TTL)
    }
    # Then they all write the one attribute the table expires items by
    assert ttl_names == {TTL_ATTRIBUTE}
    assert table["TimeToLiveSpecification"] == {"AttributeName": TTL_ATTRIBUTE, "Enabled": True}


def test_every_index_a_function_queries_exists_on_the_table(table: dict[str, Any]) -> None:
    from domain.models import ENTITIES
    from pydynamodel import Keys

    # Given the indexes the functions are granted and the models' keys name
    accesses = [f.table for f in rest.FUNCTIONS.values() if f.table is not None]
    accesses += [f.table for f in websocket.FUNCTIONS.values()]
    granted = {index for access in accesses for index in access.indexes}
    modelled = {
        value.index
        for model in ENTITIES
        for value in _class_attributes(model)
        if isinstance(value, Keys) and value.index is not None
    }
    # Then the table has each of them
    created = {index["IndexName"] for index in table["GlobalSecondaryIndexes"]}
    assert granted == modelled == {GSI1}
    assert granted <= created
