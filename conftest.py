"""Repository-wide pytest plugins (the folders' own conftest.py files hold their fixtures)."""

from __future__ import annotations

#: ``make test`` skips a package's suite that passed on exactly its current inputs before.
pytest_plugins = ["tools.suite_cache"]
