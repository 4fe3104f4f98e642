"""Type safety: mypy --strict accepts correct model code and rejects wrong types/names.

mypy runs once (module fixture) over typing_check.py and one snippet file per bad case, with
its incremental cache in .cache/mypy-typing (mypy rechecks whatever changed by content, so a
warm run re-analyses only the snippets instead of boto3's stubs and the library).
"""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest
from mypy import api

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


@pytest.fixture(scope="module")
def mypy_output(tmp_path_factory: pytest.TempPathFactory) -> str:
    folder = tmp_path_factory.mktemp("typing")
    files = []
    for name, (body, _) in BAD_SNIPPETS.items():
        path = folder / f"{name}.py"
        path.write_text(PRELUDE + textwrap.dedent(body) + "\n")
        files.append(str(path))
    stdout, stderr, _ = api.run(
        [
            "--config-file",
            str(ROOT / "pyproject.toml"),
            "--cache-dir",
            str(ROOT / ".cache" / "mypy-typing"),
            str(TYPING_CHECK),
            *files,
        ]
    )
    return stdout + stderr


def test_the_typing_check_file_is_clean(mypy_output: str) -> None:
    assert "typing_check.py" not in mypy_output, mypy_output


@pytest.mark.parametrize("name", sorted(BAD_SNIPPETS))
def test_wrong_types_and_names_are_type_errors(mypy_output: str, name: str) -> None:
    expected = BAD_SNIPPETS[name][1]
    lines = [line for line in mypy_output.splitlines() if f"{name}.py" in line]
    assert any("error" in line and expected in line for line in lines), mypy_output
