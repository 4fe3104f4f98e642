"""Every documented example is valid for the current API.

Every ```python block of every page under ``docs/`` must compile. Blocks marked
``<!-- runnable -->`` (the line before the fence) also run: a page's runnable blocks run in
order as one script, in this environment, against moto's server, after the prelude the pages
describe (``table`` on a fresh table with the quickstart's layout; see
``pydynamodel_testkit.docs_prelude``). Their ``assert`` lines are the pages' claims.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from typing import TYPE_CHECKING

import pytest
from pydynamodel_testkit import DOCS, PACKAGE, code_blocks, docs_prelude

if TYPE_CHECKING:
    from pathlib import Path

PAGES = (
    "quickstart",
    "models-and-fields",
    "single-table-design",
    "conditions-and-updates",
    "queries-and-pagination",
    "batch-and-transactions",
    "async",
    "multi-region",
    "errors",
    "testing",
)


def test_every_page_the_readme_promises_exists() -> None:
    assert sorted(p.stem for p in DOCS.glob("*.md")) == sorted(PAGES)


@pytest.mark.parametrize("page", PAGES)
def test_every_python_block_of_the_page_compiles(page: str) -> None:
    blocks = code_blocks(DOCS / f"{page}.md")
    for block in blocks:
        try:
            compile(block.text, block.where, "exec")
        except SyntaxError as exc:
            pytest.fail(f"{block.where}: {exc}")


def _has_runnable_blocks(page: str) -> bool:
    path = DOCS / f"{page}.md"
    return path.is_file() and any(b.runnable for b in code_blocks(path))


@pytest.mark.parametrize("page", [p for p in PAGES if _has_runnable_blocks(p)])
def test_the_runnable_examples_of_the_page_run_against_moto(
    page: str, moto_endpoint: str, tmp_path: Path
) -> None:
    # Given the page's runnable blocks after the prelude, as one script
    runnable = [b for b in code_blocks(DOCS / f"{page}.md") if b.runnable]
    parts = [docs_prelude(f"docs-{page}")]
    parts += [f"# --- {b.where}\n{b.text}" for b in runnable]
    script = tmp_path / f"{page}.py"
    script.write_text("\n\n".join(parts))

    # When it runs against moto, from outside the package
    # (nothing the library reads from the environment leaks in from this process)
    prefixes = ("AWS_", "DYNAMODEL_", "DYNAMODB_", "TABLE_")
    env = {k: v for k, v in os.environ.items() if not k.startswith(prefixes)}
    env["DYNAMODB_ENDPOINT_URL"] = moto_endpoint
    env.pop("PYTHONPATH", None)
    result = subprocess.run(
        [sys.executable, str(script)],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )

    # Then every example runs and every assert in them holds
    assert result.returncode == 0, f"{page}:\n{result.stdout}\n{result.stderr}"


_LINK = re.compile(r"\]\(([^)#\s]+\.md)?(?:#([^)\s]+))?\)")


def _anchors(markdown: str) -> set[str]:
    """GitHub's heading anchors: lower case, punctuation dropped, spaces as hyphens."""
    headings = re.findall(r"^#{1,6} (.+)$", markdown, re.MULTILINE)
    return {re.sub(r"[^\w\- ]", "", h.strip().lower()).replace(" ", "-") for h in headings}


@pytest.mark.parametrize(
    "page",
    [
        *(f"docs/{p}.md" for p in PAGES),
        "README.md",
        "CHANGELOG.md",
        "../../docs/dynamodel-guide.md",
    ],
)
def test_every_link_to_a_page_and_heading_resolves(page: str) -> None:
    # Given a page of the package's documentation (or the app's pointer pages)
    path = (PACKAGE / page).resolve()
    text = path.read_text(encoding="utf-8")
    for target, anchor in _LINK.findall(text):
        # When it links to a markdown page (or a heading of one)
        linked = (path.parent / target).resolve() if target else path
        # Then the page exists and has that heading
        assert linked.is_file(), f"{page}: {target}"
        if anchor:
            assert anchor in _anchors(linked.read_text(encoding="utf-8")), f"{page}: #{anchor}"


LIBRARY_TESTS = PACKAGE.parents[1] / "tests" / "dynamodel"


@pytest.mark.parametrize("page", [f"{p}.md" for p in PAGES])
def test_every_test_a_page_names_exists_in_the_library_suite(page: str) -> None:
    # Given the test functions of the repository's tests/dynamodel
    defined = {
        (path.name, name)
        for path in LIBRARY_TESTS.glob("test_*.py")
        for name in re.findall(r"^(?:async )?def (test_\w+)\(", path.read_text(), re.MULTILINE)
    }
    names = {name for _, name in defined}
    # When a docs page names a test (`test_x` or `test_file.py::test_x`)
    text = (DOCS / page).read_text(encoding="utf-8")
    for file, name in re.findall(r"`(?:(test_\w+\.py)::)?(test_\w+)`", text):
        # Then that test exists (in that file, when the page says which)
        assert ((file, name) in defined) if file else (name in names), f"{page}: {file}::{name}"
