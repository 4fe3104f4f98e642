"""The per-container table of the REST handlers (domain.runtime)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from domain.auth import keys
from domain.models import Room
from domain.runtime import get_table
from tests.handlers.conftest import USER, new_id, reset_container_caches

if TYPE_CHECKING:
    from collections.abc import Iterator


@pytest.fixture
def fresh_container(aws_env: dict[str, str]) -> Iterator[None]:
    """No table, settings or secret cached before the test, nor left behind by it."""
    reset_container_caches()
    yield
    reset_container_caches()


@pytest.mark.usefixtures("fresh_container")
def test_the_table_is_built_once_without_fetching_the_cursor_key(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Given a container whose secret store cannot be reached
    def unreachable() -> bytes:
        raise RuntimeError("secrets manager unreachable")

    monkeypatch.setattr(keys, "cursor_key", unreachable)

    # When the table is obtained twice and used for reads and writes that need no cursor
    table = get_table()
    assert get_table() is table
    for _ in range(2):
        table.create(Room(room_id=new_id(), name="runtime", created_by=USER))
    assert table.find(Room, room_id=new_id()) is None

    # Then only the first pagination cursor asks for the key
    with pytest.raises(RuntimeError, match="unreachable"):
        table.query(Room, index="GSI1", limit=1)
