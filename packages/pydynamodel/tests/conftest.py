"""Fixtures for the package's own tests: a local moto server for the README and the docs
examples these tests execute.

The package's behaviour is specified by the suite in the repository's ``tests/dynamodel`` (run
on moto and dynalite); these tests check what a new user reads: that the README runs as
written after ``pip install`` and that every documented example is valid for the current API.
"""

from __future__ import annotations

import subprocess
import sys
import time
import urllib.request
from typing import TYPE_CHECKING

import pytest
from pydynamodel_testkit import free_port

if TYPE_CHECKING:
    from collections.abc import Iterator


@pytest.fixture(scope="session")
def moto_endpoint() -> Iterator[str]:
    """moto's standalone server (``moto_server``, the one the README tells users to start) on
    a free loopback port, for the whole session; yields its endpoint URL."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    proc = subprocess.Popen(
        [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"moto server exited early with code {proc.returncode}")
            try:
                with urllib.request.urlopen(f"{url}/moto-api/", timeout=1):
                    break
            except OSError:
                if time.monotonic() > deadline:
                    raise RuntimeError(f"moto server at {url} did not start in 60 s") from None
                time.sleep(0.1)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
