"""`make test` keeps a package suite's pass under a key of all its inputs (tools/suite_cache.py)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from tools.suite_cache import ROOT, SUITES, Suite, _is_input, _suite_of, suite_key

if TYPE_CHECKING:
    from pathlib import Path

SUITE = Suite("lib", "packages/lib/tests", ("packages/lib", "docs/lib.md"))


def repository(root: Path) -> Path:
    """Given a repository with a library, its page, and app code that is not its input."""
    for name, text in {
        "packages/lib/src/lib.py": "X = 1\n",
        "packages/lib/tests/test_lib.py": "def test_x() -> None: ...\n",
        "docs/lib.md": "# lib\n",
        "lambda/handler.py": "Y = 2\n",
    }.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)
    return root


def test_editing_an_input_changes_the_key(tmp_path: Path) -> None:
    root = repository(tmp_path)
    before = suite_key(SUITE, root)

    (root / "docs" / "lib.md").write_text("# lib, edited\n")

    assert suite_key(SUITE, root) != before


def test_adding_a_file_to_the_package_changes_the_key(tmp_path: Path) -> None:
    root = repository(tmp_path)
    before = suite_key(SUITE, root)

    (root / "packages" / "lib" / "src" / "extra.py").write_text("Z = 3\n")

    assert suite_key(SUITE, root) != before


def test_editing_the_app_or_a_cache_leaves_the_key(tmp_path: Path) -> None:
    root = repository(tmp_path)
    before = suite_key(SUITE, root)

    (root / "lambda" / "handler.py").write_text("Y = 3\n")
    (root / "packages" / "lib" / "src" / "__pycache__").mkdir()
    (root / "packages" / "lib" / "src" / "__pycache__" / "lib.cpython-311.pyc").write_bytes(b"x")

    assert suite_key(SUITE, root) == before


def test_reads_are_judged_against_the_declared_inputs() -> None:
    suite = next(s for s in SUITES if s.name == "pydynamodel")

    assert _is_input(suite, ROOT / "packages" / "pydynamodel" / "src" / "pydynamodel" / "model.py")
    assert _is_input(suite, ROOT / "docs" / "dynamodel-guide.md")
    # an environment or a cache is no input, and never reported
    assert _is_input(suite, ROOT / ".venv" / "lib" / "site.py")
    assert _is_input(suite, ROOT / "packages" / "cdk-local-gateway" / "src" / "x.egg-info" / "PKG")
    # the app's code and another package's are not this suite's inputs
    assert not _is_input(suite, ROOT / "lambda" / "domain" / "models.py")
    assert not _is_input(suite, ROOT / "packages" / "cdk-local-gateway" / "pyproject.toml")


def test_each_package_suite_is_found_by_its_tests_folder() -> None:
    found = _suite_of(ROOT / "packages" / "cdk-local-gateway" / "tests" / "test_workers.py")

    assert found is not None
    assert found.name == "cdk-local-gateway"
    assert _suite_of(ROOT / "tests" / "handlers" / "test_rooms.py") is None
