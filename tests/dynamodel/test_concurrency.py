"""Optimistic locking under concurrent writers: no lost updates."""

from __future__ import annotations

import threading

import pytest

from pydynamodel import Table, VersionConflict
from tests.dynamodel.models import Counter

WRITERS = 4
INCREMENTS = 5


def test_racing_writers_with_version_checks_lose_no_update(table: Table) -> None:
    # Given a versioned counter
    table.create(Counter(name="c"))
    barrier = threading.Barrier(WRITERS)

    def writer() -> None:
        barrier.wait()
        done = 0
        while done < INCREMENTS:
            counter = table.get(Counter, name="c", consistent=True)
            counter.value += 1
            try:
                table.save(counter)
                done += 1
            except VersionConflict:
                continue  # someone else won: re-read and retry

    # When several threads increment it read-modify-write style at the same time
    threads = [threading.Thread(target=writer) for _ in range(WRITERS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    # Then the final value counts every increment exactly once
    final = table.get(Counter, name="c", consistent=True)
    assert final.value == WRITERS * INCREMENTS
    assert final.version == 1 + WRITERS * INCREMENTS


@pytest.mark.moto_only("ReturnValuesOnConditionCheckFailure (the failed item is not returned)")
def test_racing_updates_with_expected_version_lose_no_update(table: Table) -> None:
    table.create(Counter(name="c"))

    def writer() -> None:
        done = 0
        while done < INCREMENTS:
            current = table.get(Counter, name="c", consistent=True)
            try:
                table.update(
                    Counter,
                    {"name": "c"},
                    Counter.value.set(current.value + 1),
                    expected_version=current.version,
                )
                done += 1
            except VersionConflict:
                continue

    threads = [threading.Thread(target=writer) for _ in range(WRITERS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert table.get(Counter, name="c").value == WRITERS * INCREMENTS
