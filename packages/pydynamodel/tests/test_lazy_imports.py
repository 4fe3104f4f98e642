"""A Lambda handler compiles the library's source on every cold start (no bytecode in the
asset), so the package loads a module only when one of its names is first used: models built
from strings, numbers and datetimes need neither the table, the request builders, cursors,
batch operations nor the container attribute types. Each check runs in a fresh interpreter."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src"

MODEL = """
from pydynamodel import Keys, Model, fields as f

class Room(Model, entity="Room"):
    keys = Keys(pk="ROOM#{room_id}", sk="META")
    room_id: f.Str = f.Str(required=True)
    created_at: f.DateTime = f.DateTime(auto_now_add=True)
    version: f.Version = f.Version()
    expires_at: f.TTL = f.TTL()
    count: f.Int = f.Int(default=0)

room = Room(room_id="r1")
Room.from_item(room.prepare_save())
"""


def _loaded(code: str) -> set[str]:
    """The pydynamodel modules loaded after running ``code`` in a fresh interpreter."""
    script = code + (
        "\nimport sys, json\n"
        "print(json.dumps(sorted(m for m in sys.modules if m.startswith('pydynamodel'))))"
    )
    result = subprocess.run(
        [sys.executable, "-c", script],
        env={"PYTHONPATH": str(SRC), "PATH": ""},
        capture_output=True,
        text=True,
        check=True,
    )
    return set(json.loads(result.stdout.strip().splitlines()[-1]))


def test_a_model_of_scalar_fields_loads_no_table_builders_cursor_or_container_types() -> None:
    # Given a fresh interpreter
    # When a model of strings, integers and datetimes is defined, saved and loaded
    loaded = _loaded(MODEL)
    # Then only the model's own modules were compiled
    assert loaded == {
        "pydynamodel",
        "pydynamodel.codec",
        "pydynamodel.conditions",
        "pydynamodel.errors",
        "pydynamodel.fields",
        "pydynamodel.model",
        "pydynamodel.serialization",
    }


def test_the_table_loads_without_cursors_batches_transactions_or_async() -> None:
    # Given a fresh interpreter
    # When a Table is built
    loaded = _loaded("from pydynamodel import Table\nTable('t', regions=['eu-west-1'])")
    # Then the modules of paginated cursors, many-item operations and transactions are absent
    assert {"pydynamodel.table", "pydynamodel.builders", "pydynamodel.transport"} <= loaded
    for lazy in ("cursor", "_bulk", "transactions", "aio", "_extra_fields", "ulid"):
        assert f"pydynamodel.{lazy}" not in loaded


def test_transaction_operations_are_built_without_the_request_builders() -> None:
    # Given a fresh interpreter and a model
    # When transaction operations are constructed (not yet written)
    loaded = _loaded(MODEL + "from pydynamodel import Create, Delete\nCreate(room); Delete(room)")
    # Then the request builders and the table were not compiled for it
    assert "pydynamodel.builders" not in loaded
    assert "pydynamodel.table" not in loaded


def test_every_public_name_of_the_package_and_of_fields_resolves_to_its_definition() -> None:
    # Given the package and its lazily loaded names
    import pydynamodel
    from pydynamodel import _extra_fields, fields

    # When every name of __all__ is read, Then it exists
    for name in pydynamodel.__all__:
        assert getattr(pydynamodel, name) is not None, name
    for name in fields.__all__:
        assert getattr(fields, name) is not None, name
    # And the container types read through fields are the classes that define them
    assert fields.List is _extra_fields.List
    # fields names the deferred types without importing them: its list must be the module's
    for name in _extra_fields.__all__:
        assert getattr(fields, name) is getattr(_extra_fields, name), name
    assert set(_extra_fields.__all__) <= set(fields.__all__)
    assert pydynamodel.fields is fields
    assert pydynamodel.Table is sys.modules["pydynamodel.table"].Table
    assert set(pydynamodel.__all__) <= set(dir(pydynamodel))
    assert set(fields.__all__) <= set(dir(fields))


def test_the_container_types_load_when_first_used() -> None:
    # Given a fresh interpreter
    # When a model with a list attribute is defined
    loaded = _loaded(
        "from pydynamodel import Model, Keys, fields as f\n"
        "class T(Model):\n    keys = Keys(pk='T#{i}', sk='T')\n    i: f.Str = f.Str()\n"
        "    tags: f.List[list[str]] = f.List(f.Str())\n"
    )
    # Then the module of the container types was loaded for it
    assert "pydynamodel._extra_fields" in loaded


def test_an_unknown_name_of_fields_is_still_an_attribute_error() -> None:
    from pydynamodel import fields

    with pytest.raises(AttributeError, match="NoSuchField"):
        fields.NoSuchField  # type: ignore[attr-defined]  # noqa: B018


@pytest.mark.parametrize(
    ("part", "modules"),
    [
        ("table", {"pydynamodel.table", "pydynamodel.transport", "pydynamodel.builders"}),
        ("updates", {"pydynamodel._updates"}),
        ("transactions", {"pydynamodel.transactions", "pydynamodel.builders"}),
        ("bulk", {"pydynamodel._bulk"}),
        ("cursor", {"pydynamodel.cursor"}),
        ("fields", {"pydynamodel._extra_fields"}),
        ("async", {"pydynamodel.aio"}),
    ],
)
def test_preload_loads_a_part_at_once(part: str, modules: set[str]) -> None:
    # Given a handler whose every invocation uses a part (a message write is a transaction
    # with an update), so its module level loads it in Lambda's init phase
    loaded = _loaded(f"import pydynamodel\npydynamodel.preload({part!r})")
    # Then the part's modules are loaded before any call
    assert modules <= loaded


def test_preload_of_an_unknown_part_names_it_and_the_known_ones() -> None:
    script = "import pydynamodel\npydynamodel.preload('everything')"
    result = subprocess.run(
        [sys.executable, "-c", script],
        env={"PYTHONPATH": str(SRC), "PATH": ""},
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode != 0
    assert "preload: unknown part 'everything' (parts: async, bulk, cursor" in result.stderr
