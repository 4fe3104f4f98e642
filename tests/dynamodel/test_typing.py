"""Type safety: mypy --strict accepts correct model code and rejects wrong types/names.

mypy runs once (module fixture) over typing_check.py and one snippet file per bad case, with
its incremental cache in .cache/mypy-typing (mypy rechecks whatever changed by content, so a
warm run re-analyses only the snippets instead of boto3's stubs and the library).

The cache is mypy's file store, not its default SQLite one: switching a SQLite cache to WAL
needs a lock that any other holder of the database keeps for longer than sqlite3's 5 s wait.
A CI run failed so ("database is locked" before mypy had checked anything) when this module's
tests were split over two xdist workers, each running the fixture's mypy over one cold cache
(tests/tools/test_xdist_groups.py now proves they share a worker).
"""

from __future__ import annotations

import sqlite3
import sys
import textwrap
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from mypy import api
from mypy.defaults import SQLITE_NUM_SHARDS

if TYPE_CHECKING:
    from collections.abc import Iterator

ROOT = Path(__file__).resolve().parents[2]
TYPING_CHECK = ROOT / "tests/dynamodel/typing_check.py"

PRELUDE = """
from domain.models import Room, Message
from pydynamodel import Table
"""

BAD_SNIPPETS = {
    "wrong_ctor_type": ('Room(room_id=1, name="x", created_by="u")', 'Argument "room_id"'),
    "wrong_ctor_name": ('Room(nmae="x")', 'Unexpected keyword argument "nmae"'),
    "wrong_assignment": (
        'room = Room(name="x", created_by="u")\nroom.name = 5',
        "Incompatible types in assignment",
    ),
    "wrong_attribute": (
        'room = Room(name="x", created_by="u")\nprint(room.nmae)',
        'has no attribute "nmae"',
    ),
    "wrong_read_type": (
        "x: int = Room(name='x', created_by='u').name",
        "Incompatible types in assignment",
    ),
    "wrong_update_value": ('Room.message_count.set("many")', 'Argument 1 to "set"'),
    "wrong_class_attribute": ("Room.colour.exists()", 'has no attribute "colour"'),
    "wrong_model_result": (
        "def f(t: Table) -> None:\n    m: Room = t.get(Message, room_id='r')",
        "Incompatible types in assignment",
    ),
}


CACHE = ROOT / ".cache" / "mypy-typing"


def run_mypy(cache: Path, *files: Path) -> str:
    """mypy --strict (the project's settings) over ``files``, its incremental cache in
    ``cache``; what it printed."""
    stdout, stderr, _ = api.run(
        [
            "--config-file",
            str(ROOT / "pyproject.toml"),
            "--cache-dir",
            str(cache),
            "--no-sqlite-cache",
            *map(str, files),
        ]
    )
    return stdout + stderr


@pytest.fixture(scope="module")
def mypy_output(tmp_path_factory: pytest.TempPathFactory) -> str:
    folder = tmp_path_factory.mktemp("typing")
    files = []
    for name, (body, _) in BAD_SNIPPETS.items():
        path = folder / f"{name}.py"
        path.write_text(PRELUDE + textwrap.dedent(body) + "\n")
        files.append(path)
    return run_mypy(CACHE, TYPING_CHECK, *files)


@pytest.fixture
def locked_sqlite_cache(tmp_path: Path) -> Iterator[Path]:
    """A cache folder whose SQLite databases another connection holds mid-write."""
    # mypy keeps its cache for this Python in <cache dir>/<major>.<minor>.
    folder = tmp_path / "cache" / "{}.{}".format(*sys.version_info[:2])
    folder.mkdir(parents=True)
    holders = []
    for name in ["cache.db", *(f"cache.{i}.db" for i in range(SQLITE_NUM_SHARDS))]:
        holder = sqlite3.connect(folder / name, isolation_level=None)
        holder.execute("BEGIN EXCLUSIVE")
        holders.append(holder)
    yield tmp_path / "cache"
    for holder in holders:
        holder.close()


def test_the_typing_check_file_is_clean(mypy_output: str) -> None:
    assert "typing_check.py" not in mypy_output, mypy_output


@pytest.mark.parametrize("name", sorted(BAD_SNIPPETS))
def test_wrong_types_and_names_are_type_errors(mypy_output: str, name: str) -> None:
    expected = BAD_SNIPPETS[name][1]
    lines = [line for line in mypy_output.splitlines() if f"{name}.py" in line]
    assert any("error" in line and expected in line for line in lines), mypy_output


def test_the_check_does_not_depend_on_a_sqlite_cache_lock(
    locked_sqlite_cache: Path, tmp_path: Path
) -> None:
    # Given a cache folder whose SQLite databases another connection holds mid-write
    # (a snippet that imports nothing: a fresh cache would otherwise analyse boto3's stubs)
    snippet = tmp_path / "snippet.py"
    snippet.write_text('count: int = "many"\n')
    # When the typing check runs with that cache folder
    output = run_mypy(locked_sqlite_cache, snippet)
    # Then mypy checks the code (the lock is not its cache's)
    assert "Incompatible types in assignment" in output, output
