"""``TableAccess`` lives in ``contract.access`` and is still named by ``contract.table``.

Every function that uses the table reads ``contract.table`` (index names, key templates) on its
cold start; only the route tables (``contract.rest``, ``contract.websocket``) declare access,
so defining the class there made every such function pay for a dataclass it never uses.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from contract import access, rest, table, websocket
from tests.conftest import ROOT

_PROBE = """\
import json, sys
import contract.table
print(json.dumps("contract.access" in sys.modules))
"""


def test_the_table_module_names_the_same_class_the_route_tables_declare_with() -> None:
    # When TableAccess is looked up where the stacks name it
    named = table.TableAccess
    # Then it is the one class, and every function of both route tables is declared with it
    assert named is access.TableAccess
    declared = [fn.table for fn in rest.FUNCTIONS.values() if fn.table is not None]
    declared += [fn.table for fn in websocket.FUNCTIONS.values()]
    assert declared
    assert all(type(a) is named for a in declared)


def test_an_unknown_name_of_the_table_module_is_an_attribute_error() -> None:
    with pytest.raises(AttributeError, match="NoSuchName"):
        _ = table.NoSuchName


def test_reading_the_table_names_does_not_define_the_access_class() -> None:
    # Given a fresh interpreter with the functions' import path
    env = {"PATH": os.environ.get("PATH", ""), "PYTHONPATH": str(ROOT / "lambda")}
    # When only contract.table is imported, as the models do
    result = subprocess.run(
        [sys.executable, "-c", _PROBE], env=env, capture_output=True, text=True, check=True
    )
    # Then contract.access was not loaded
    assert json.loads(result.stdout.strip().splitlines()[-1]) is False
