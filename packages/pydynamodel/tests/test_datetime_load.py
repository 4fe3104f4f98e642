"""An ISO datetime attribute loads as an aware UTC ``datetime`` whatever offset the stored
string has: the generated loader returns what ``fromisoformat`` parsed when it is already UTC
(what pydynamodel writes) and converts any other offset, as ``f.DateTime.load`` does."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from pydynamodel import Keys, Model
from pydynamodel import fields as f


class Event(Model, entity="Event"):
    keys = Keys(pk="EVENT#{event_id}", sk="META")
    event_id: f.Str = f.Str(required=True)
    at: f.DateTime = f.DateTime()
    seen: f.List[list[datetime]] = f.List(f.DateTime())


@pytest.mark.parametrize(
    "stored",
    [
        "2024-05-01T12:00:00.000000+00:00",
        "2024-05-01T14:00:00.000000+02:00",  # another writer's local time
        "2024-05-01T07:00:00-05:00",
        "2024-05-01T12:00:00Z",
    ],
)
def test_a_stored_iso_string_of_any_offset_loads_as_the_same_instant_in_utc(stored: str) -> None:
    # Given an item whose datetimes were written with some UTC offset
    item = Event(event_id="e1").to_item()
    item["at"] = {"S": stored}
    item["seen"] = {"L": [{"S": stored}]}

    # When it is loaded
    event = Event.from_item(item)

    # Then each value is that instant, in UTC
    expected = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)
    assert event.at == expected
    assert event.at.tzinfo is UTC
    assert event.seen == [expected]
    assert event.seen[0].tzinfo is UTC


def test_what_pydynamodel_writes_loads_back_equal_and_in_utc() -> None:
    # Given a datetime in another zone, saved (written as UTC)
    local = datetime(2024, 5, 1, 14, 30, tzinfo=timezone(timedelta(hours=2)))
    item = Event(event_id="e1", at=local).to_item()

    # When loaded back, Then it is the same instant with UTC as its zone
    loaded = Event.from_item(item).at
    assert loaded == local
    assert loaded.tzinfo is UTC
