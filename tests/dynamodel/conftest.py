"""Fixtures for the dynamodel suite: a fresh single table (pk/sk + GSI1 + GSI2) per test on
the shared moto server, and the dynamodel ``Table`` bound to it."""

from __future__ import annotations

import itertools
import os
from typing import TYPE_CHECKING, Any

import pytest

from dynamodel import Table
from tests.conftest import create_single_table

if TYPE_CHECKING:
    from collections.abc import Callable

REGION = "eu-west-1"
SECOND_REGION = "us-east-1"
_counter = itertools.count()

os.environ.setdefault("DYNAMODEL_CURSOR_SECRET", "test-cursor-secret")


@pytest.fixture
def table_name(request: pytest.FixtureRequest) -> str:
    base = "".join(c if c.isalnum() else "-" for c in request.node.name)[:180]
    return f"dm-{next(_counter)}-{base}"


@pytest.fixture
def make_table(moto_server: str, table_name: str) -> Callable[..., Table]:
    """Create the table on the server and return a factory of ``Table`` objects bound to it
    (keyword arguments go to ``Table``)."""
    create_single_table(moto_server, table_name, REGION)

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
