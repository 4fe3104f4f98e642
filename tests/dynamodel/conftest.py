"""Fixtures for the dynamodel suite: a fresh single table (pk/sk + GSI1 + GSI2) per test on
the shared moto server, and the dynamodel ``Table`` bound to it."""

from __future__ import annotations

import itertools
import os
from typing import TYPE_CHECKING, Any

import boto3
import pytest

from dynamodel import Table

if TYPE_CHECKING:
    from collections.abc import Callable

REGION = "eu-west-1"
SECOND_REGION = "us-east-1"
_counter = itertools.count()

os.environ.setdefault("DYNAMODEL_CURSOR_SECRET", "test-cursor-secret")


def create_single_table(endpoint: str, name: str, region: str = REGION) -> None:
    """Create the application's table layout: pk/sk, GSI1 (GSI1PK/GSI1SK), GSI2, TTL."""
    client: Any = boto3.client("dynamodb", region_name=region, endpoint_url=endpoint)
    attrs = ["pk", "sk", "GSI1PK", "GSI1SK", "GSI2PK", "GSI2SK"]
    client.create_table(
        TableName=name,
        BillingMode="PAY_PER_REQUEST",
        AttributeDefinitions=[{"AttributeName": a, "AttributeType": "S"} for a in attrs],
        KeySchema=[
            {"AttributeName": "pk", "KeyType": "HASH"},
            {"AttributeName": "sk", "KeyType": "RANGE"},
        ],
        GlobalSecondaryIndexes=[
            {
                "IndexName": index,
                "KeySchema": [
                    {"AttributeName": f"{index}PK", "KeyType": "HASH"},
                    {"AttributeName": f"{index}SK", "KeyType": "RANGE"},
                ],
                "Projection": {"ProjectionType": "ALL"},
            }
            for index in ("GSI1", "GSI2")
        ],
    )
    client.update_time_to_live(
        TableName=name,
        TimeToLiveSpecification={"Enabled": True, "AttributeName": "expires_at"},
    )


@pytest.fixture
def table_name(request: pytest.FixtureRequest) -> str:
    base = "".join(c if c.isalnum() else "-" for c in request.node.name)[:180]
    return f"dm-{next(_counter)}-{base}"


@pytest.fixture
def make_table(moto_server: str, table_name: str) -> Callable[..., Table]:
    """Create the table on the server and return a factory of ``Table`` objects bound to it
    (keyword arguments go to ``Table``)."""
    create_single_table(moto_server, table_name)

    def factory(**kwargs: Any) -> Table:
        kwargs.setdefault("regions", [REGION])
        kwargs.setdefault("endpoint_url", moto_server)
        kwargs.setdefault("cursor_secret", "test-cursor-secret")
        return Table(table_name, **kwargs)

    return factory


@pytest.fixture
def table(make_table: Callable[..., Table]) -> Table:
    """A dynamodel Table on a fresh single table on the moto server."""
    return make_table()


@pytest.fixture
def sent(table: Table) -> list[tuple[str, dict[str, Any]]]:
    """``(operation, parameters)`` of every request the ``table`` fixture sends from now on,
    in order (recorded by a botocore hook on its home-region client)."""
    seen: list[tuple[str, dict[str, Any]]] = []

    def record(params: dict[str, Any], model: Any, **_: Any) -> None:
        seen.append((model.name, dict(params)))

    table.client().meta.events.register("provide-client-params.dynamodb.*", record)
    return seen
