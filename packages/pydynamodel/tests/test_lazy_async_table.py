"""``AsyncTable`` is part of the public API but loads only when asked for, so code that uses
``Table`` alone (every Lambda handler of the app) does not pay for ``aio`` at import."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src"


def _run(code: str) -> str:
    result = subprocess.run(
        [sys.executable, "-c", code],
        env={"PYTHONPATH": str(SRC), "PATH": ""},
        capture_output=True,
        text=True,
        check=True,
    )
    return result.stdout.strip()


def test_importing_the_package_does_not_load_the_async_module() -> None:
    # Given a fresh interpreter
    # When the package is imported and its synchronous Table used
    loaded = _run(
        "import sys, pydynamodel; pydynamodel.Table; print('pydynamodel.aio' in sys.modules)"
    )
    # Then the async module was not loaded
    assert loaded == "False"


def test_async_table_is_importable_from_the_package_and_is_the_aio_class() -> None:
    # Given a fresh interpreter
    # When AsyncTable is imported from the package
    same = _run(
        "from pydynamodel import AsyncTable; import pydynamodel.aio as aio; "
        "print(AsyncTable is aio.AsyncTable)"
    )
    # Then it is the class the aio module defines
    assert same == "True"


def test_an_unknown_name_is_still_an_attribute_error() -> None:
    # Given the package
    import pydynamodel

    # When a name it does not define is read, Then AttributeError names it
    with pytest.raises(AttributeError, match="NoSuchName"):
        pydynamodel.NoSuchName  # type: ignore[attr-defined]  # noqa: B018
