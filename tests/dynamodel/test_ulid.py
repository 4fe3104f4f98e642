"""ULIDs: monotonic ids for "now", ids for an explicit time, and the floor of a millisecond."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from pydynamodel.ulid import is_ulid, new_ulid, ulid_floor, ulid_time

T0 = datetime(2026, 3, 1, 12, 30, 45, 123456, tzinfo=UTC)
T0_MS = 1_772_368_245_123


def test_ids_for_now_are_strictly_increasing_within_a_process() -> None:
    # Given many ids made back to back (several share a millisecond)
    ids = [new_ulid() for _ in range(2000)]

    # Then each sorts after the previous one
    assert ids == sorted(ids)
    assert len(set(ids)) == len(ids)
    assert all(is_ulid(i) for i in ids)


def test_an_explicit_past_time_is_used_as_given() -> None:
    # Given the process has just made an id for now
    now_id = new_ulid()

    # When an id is made for a time ten days ago
    past_ms = T0_MS - 10 * 86_400_000
    past_id = new_ulid(now_ms=past_ms)

    # Then it encodes that time (it is not clamped to now) and sorts before the id of now
    assert ulid_time(past_id) == datetime.fromtimestamp(past_ms / 1000, UTC)
    assert past_id < now_id


def test_an_explicit_time_does_not_disturb_the_ids_for_now() -> None:
    # Given an id made for a time far in the future
    new_ulid(now_ms=T0_MS + 10 * 365 * 86_400_000)

    # When ids for now are made afterwards
    later = new_ulid()

    # Then they still carry the current time, not the future one
    assert abs(ulid_time(later) - datetime.now(UTC)) < timedelta(minutes=1)


def test_the_floor_of_a_millisecond_is_its_time_and_zero_bits() -> None:
    # Given a time in epoch milliseconds
    # When its floor is taken
    floor = ulid_floor(T0_MS)

    # Then it is the 10-char time followed by 16 zero characters
    assert floor == new_ulid(now_ms=T0_MS)[:10] + "0" * 16
    assert is_ulid(floor)
    assert ulid_time(floor) == datetime.fromtimestamp(T0_MS / 1000, UTC)


def test_every_id_of_that_millisecond_or_later_sorts_at_or_above_the_floor() -> None:
    # Given the floor of a millisecond
    floor = ulid_floor(T0_MS)

    # Then ids of that millisecond and later are >= it, ids of the millisecond before are <
    assert all(new_ulid(now_ms=T0_MS) >= floor for _ in range(50))
    assert new_ulid(now_ms=T0_MS + 1) > floor
    assert all(new_ulid(now_ms=T0_MS - 1) < floor for _ in range(50))


def test_the_floor_of_a_datetime_truncates_to_its_millisecond() -> None:
    # Given the same instant as an aware datetime (with microseconds), in another zone and naive
    other_zone = T0.astimezone(timezone(timedelta(hours=-5)))
    naive_utc = T0.replace(tzinfo=None)

    # Then every form gives the floor of the millisecond it falls in
    assert ulid_floor(T0) == ulid_floor(T0_MS)
    assert ulid_floor(other_zone) == ulid_floor(T0_MS)
    assert ulid_floor(naive_utc) == ulid_floor(T0_MS)  # naive is UTC, as f.DateTime takes it


@pytest.mark.parametrize("bad", [-1, 1 << 48, 1.5, True])
def test_a_time_outside_the_48_bit_range_is_refused(bad: object) -> None:
    # Given a time a ULID cannot hold (or not an int of milliseconds)
    # Then both the floor and an explicit id refuse it
    with pytest.raises(ValueError, match="epoch milliseconds"):
        ulid_floor(bad)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="epoch milliseconds"):
        new_ulid(now_ms=bad)  # type: ignore[arg-type]
