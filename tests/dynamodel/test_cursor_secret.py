"""Where the cursor key comes from: a literal, the environment, or a callable fetched lazily
(on the first paginated query, once, whatever the number of threads)."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING

import pytest

from domain.models import Message, Room
from pydynamodel import ConfigurationError, InvalidCursor, Table

if TYPE_CHECKING:
    from collections.abc import Callable

SECRET = "lazy-cursor-secret"


class SecretSource:
    """A zero-argument callable that counts its calls (optionally slow, or failing first)."""

    def __init__(self, value: str | bytes = SECRET, delay: float = 0.0, failures: int = 0):
        self.value, self.delay, self.failures = value, delay, failures
        self.calls = 0
        self._lock = threading.Lock()

    def __call__(self) -> str | bytes:
        with self._lock:
            self.calls += 1
            failing = self.calls <= self.failures
        time.sleep(self.delay)
        if failing:
            raise RuntimeError("secret store unavailable")
        return self.value


def seed(table: Table, messages: int = 6) -> None:
    table.create(Room(room_id="r1", name="lobby", created_by="u1"))
    for i in range(messages):
        table.create(Message(room_id="r1", message_id=f"m{i:02}", user_id="u1", body="hi"))


def test_the_callable_is_not_called_until_the_first_paginated_query(
    make_table: Callable[..., Table],
) -> None:
    # Given a table whose secret comes from a callable
    source = SecretSource()
    table = make_table(cursor_secret=source)

    # When items are written, read by key and queried without a limit
    seed(table, messages=2)
    table.get(Room, room_id="r1")
    assert table.query(Message, room_id="r1").cursor is None

    # Then the secret was never fetched
    assert source.calls == 0

    # And the first paginated query fetches it, although its one page needs no cursor: a
    # missing or broken secret shows at once, not when the data first outgrows a page
    assert table.query(Message, room_id="r1", limit=10).cursor is None
    assert source.calls == 1


def test_the_secret_is_fetched_once_and_reused_for_encoding_and_decoding(
    make_table: Callable[..., Table],
) -> None:
    # Given a table whose secret comes from a callable
    source = SecretSource()
    table = make_table(cursor_secret=source)
    seed(table)

    # When pages are walked with cursors
    page = table.query(Message, room_id="r1", limit=2)
    page = table.query(Message, room_id="r1", limit=2, cursor=page.cursor)
    table.query(Message, room_id="r1", limit=2, cursor=page.cursor)

    # Then the callable ran once, and its key is the one a literal secret would be
    assert source.calls == 1
    literal = make_table(cursor_secret=SECRET)
    assert [m.message_id for m in literal.query(Message, room_id="r1", cursor=page.cursor)] == [
        "m04",
        "m05",
    ]


def test_threads_paging_at_once_share_one_fetch(make_table: Callable[..., Table]) -> None:
    # Given a slow secret source and a table that has not used it yet
    source = SecretSource(value=SECRET.encode(), delay=0.2)
    table = make_table(cursor_secret=source)
    seed(table)

    # When eight threads produce their first cursor at the same time
    with ThreadPoolExecutor(max_workers=8) as pool:
        cursors = list(
            pool.map(lambda _: table.query(Message, room_id="r1", limit=1).cursor, range(8))
        )

    # Then the secret was fetched once and every thread signed with it
    assert source.calls == 1
    assert len(set(cursors)) == 1


def test_a_failed_fetch_is_not_cached(make_table: Callable[..., Table]) -> None:
    # Given a secret source that fails on its first call
    source = SecretSource(failures=1)
    table = make_table(cursor_secret=source)
    seed(table)

    # When a cursor is needed, the failure reaches the caller
    with pytest.raises(RuntimeError, match="unavailable"):
        table.query(Message, room_id="r1", limit=2)

    # Then the next cursor operation fetches again and succeeds
    assert table.query(Message, room_id="r1", limit=2).cursor is not None
    assert source.calls == 2


@pytest.mark.parametrize("value", ["", b""])
def test_a_callable_returning_an_empty_key_is_a_configuration_error(
    make_table: Callable[..., Table], value: str | bytes
) -> None:
    # Given a secret source that returns an empty key
    table = make_table(cursor_secret=SecretSource(value=value))
    seed(table, messages=3)

    # When a cursor is needed
    # Then the table refuses to sign with it
    with pytest.raises(ConfigurationError, match="empty"):
        table.query(Message, room_id="r1", limit=1)


def test_from_env_reads_the_secret_from_the_environment(
    make_table: Callable[..., Table], monkeypatch: pytest.MonkeyPatch, server_url: str
) -> None:
    # Given DYNAMODEL_CURSOR_SECRET in the environment
    writer = make_table()
    seed(writer)
    monkeypatch.setenv("TABLE_NAME", writer.name)
    monkeypatch.setenv("TABLE_REGIONS", writer.home_region)
    monkeypatch.setenv("DYNAMODB_ENDPOINT_URL", server_url)
    monkeypatch.setenv("DYNAMODEL_CURSOR_SECRET", SECRET)

    # When a table from the environment makes a cursor
    cursor = Table.from_env().query(Message, room_id="r1", limit=2).cursor

    # Then a table given the same secret literally accepts it, and another secret does not
    assert len(make_table(cursor_secret=SECRET).query(Message, room_id="r1", cursor=cursor)) == 4
    with pytest.raises(InvalidCursor):
        make_table(cursor_secret="other").query(Message, room_id="r1", cursor=cursor)


def test_an_explicit_callable_wins_over_the_environment(
    make_table: Callable[..., Table], monkeypatch: pytest.MonkeyPatch, server_url: str
) -> None:
    # Given a secret in the environment and a callable passed to from_env
    writer = make_table()
    seed(writer)
    monkeypatch.setenv("TABLE_NAME", writer.name)
    monkeypatch.setenv("DYNAMODB_ENDPOINT_URL", server_url)
    monkeypatch.setenv("DYNAMODEL_CURSOR_SECRET", "from-the-environment")
    source = SecretSource()

    # When the table makes a cursor
    cursor = Table.from_env(cursor_secret=source).query(Message, room_id="r1", limit=2).cursor

    # Then the callable's key signed it
    assert source.calls == 1
    assert len(make_table(cursor_secret=SECRET).query(Message, room_id="r1", cursor=cursor)) == 4


def test_no_secret_anywhere_refuses_paginated_queries_only(
    make_table: Callable[..., Table], monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given a table without a secret (argument or environment)
    monkeypatch.delenv("DYNAMODEL_CURSOR_SECRET", raising=False)
    table = make_table(cursor_secret=None)

    # When items are written, read by key, iterated server-side or queried in one page, it
    # works
    seed(table, messages=3)
    assert table.get(Room, room_id="r1").name == "lobby"
    assert len(list(table.query_all(Message, room_id="r1"))) == 3
    assert len(table.query(Message, room_id="r1")) == 3

    # Then a paginated query is refused even when its data fits one page
    with pytest.raises(ConfigurationError, match="DYNAMODEL_CURSOR_SECRET"):
        table.query(Message, room_id="r1", limit=10)
