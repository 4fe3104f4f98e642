"""One version, declared in the package and repeated where a reader or installer looks."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import serverless_api_constructs

PACKAGE = Path(__file__).resolve().parents[1]


def test_the_package_pyproject_readme_and_changelog_agree_on_the_version() -> None:
    # Given the version the code reports
    version = serverless_api_constructs.__version__
    # Then the distribution is built with it
    pyproject = tomllib.loads((PACKAGE / "pyproject.toml").read_text())
    assert pyproject["project"]["version"] == version
    # And the README states it, and the CHANGELOG's newest entry is it
    assert f"Version {version} (" in (PACKAGE / "README.md").read_text()
    entries = re.findall(r"^## (\S+)", (PACKAGE / "CHANGELOG.md").read_text(), re.MULTILINE)
    assert entries[0] == version
