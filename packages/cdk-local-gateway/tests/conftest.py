"""Builders for small synthetic cloud assemblies (never the app's own cdk.out)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path


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
