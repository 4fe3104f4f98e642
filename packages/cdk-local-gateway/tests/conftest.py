"""Builders for small synthetic cloud assemblies (never the app's own cdk.out)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from collections.abc import Iterator

HERE = Path(__file__).resolve().parent


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """With ``--dist loadgroup``, keep the tests of a module that share a module- or
    class-scoped fixture (a running runtime) on one worker, so it starts once per run."""
    for item in items:
        path = Path(str(item.path))
        if HERE not in path.parents or item.get_closest_marker("xdist_group") is not None:
            continue
        info = getattr(item, "_fixtureinfo", None)
        defs = info.name2fixturedefs.values() if info is not None else ()
        if any(d[-1].scope in ("module", "class") for d in defs if d):
            group = "local-gateway/" + path.relative_to(HERE).as_posix()
            item.add_marker(pytest.mark.xdist_group(group))


@pytest.fixture
def assembly_dir(tmp_path: Path) -> Path:
    return tmp_path / "cdk.out"


@pytest.fixture(scope="session")
def local_aws() -> Iterator[str]:
    """One moto server for the package's tests (resources get unique names per test)."""
    from cdk_local_gateway.aws.process import LocalAws

    server = LocalAws.start()
    try:
        yield server.endpoint
    finally:
        server.stop()
