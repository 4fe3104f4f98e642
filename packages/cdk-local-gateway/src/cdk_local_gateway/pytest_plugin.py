"""pytest plugin: one local gateway per test session (per xdist worker).

Configure with ``--local-gateway-cdk-out`` / ini ``local_gateway_cdk_out`` (and ``..._stage``,
``..._region``, ``..._http_override``), or override the ``local_gateway_config`` fixture.
The ``local_gateway`` fixture yields the running runtime's endpoints (the content of
``endpoints.json``).
"""

from __future__ import annotations

import asyncio
import tempfile
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

    from cdk_local_gateway.runtime import RuntimeConfig


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("cdk-local-gateway")
    group.addoption("--local-gateway-cdk-out", help="cloud assembly to serve (default: cdk.out)")
    parser.addini("local_gateway_cdk_out", "cloud assembly to serve", default="cdk.out")
    parser.addini("local_gateway_stage", "CDK stage to serve", default="")
    parser.addini("local_gateway_region", "region to serve", default="")
    parser.addini(
        "local_gateway_http_override", "PREFIX=URL lines for HTTP integrations", type="linelist"
    )


class RunningGateway:
    """A :class:`LocalRuntime` on its own event loop thread."""

    def __init__(self, config: RuntimeConfig, log: Callable[[str], None] | None = None) -> None:
        # Imported here: the plugin loads in every pytest session of an environment that has
        # the package, and most never start a gateway.
        from cdk_local_gateway.runtime import LocalRuntime

        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(
            target=self.loop.run_forever, name="local-gateway", daemon=True
        )
        self.runtime = LocalRuntime(config, log=log or (lambda _line: None))
        self.endpoints: dict[str, Any] = {}

    def start(self, timeout: float = 120.0) -> dict[str, Any]:
        self.thread.start()
        future = asyncio.run_coroutine_threadsafe(self.runtime.start(), self.loop)
        self.endpoints = future.result(timeout)
        return self.endpoints

    def stop(self) -> None:
        asyncio.run_coroutine_threadsafe(self.runtime.stop(), self.loop).result(60)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(10)


@pytest.fixture(scope="session")
def local_gateway_config(pytestconfig: pytest.Config) -> RuntimeConfig:
    """Override to serve another assembly, stage or region."""
    from cdk_local_gateway.runtime import RuntimeConfig

    cdk_out = pytestconfig.getoption("--local-gateway-cdk-out") or pytestconfig.getini(
        "local_gateway_cdk_out"
    )
    stage = str(pytestconfig.getini("local_gateway_stage"))
    region = str(pytestconfig.getini("local_gateway_region"))
    if not stage or not region:
        pytest.skip("set local_gateway_stage and local_gateway_region (ini) to serve a stage")
    overrides = dict(
        line.split("=", 1)
        for line in pytestconfig.getini("local_gateway_http_override")
        if "=" in line
    )
    return RuntimeConfig(
        cdk_out=Path(str(cdk_out)),
        stage=stage,
        region=region,
        state_dir=Path(tempfile.mkdtemp(prefix="local-gateway-state-")),
        http_overrides=overrides,
    )


@pytest.fixture(scope="session")
def local_gateway(local_gateway_config: RuntimeConfig) -> Iterator[dict[str, Any]]:
    """The endpoints of a local gateway running for the whole session."""
    running = RunningGateway(local_gateway_config)
    try:
        yield running.start()
    finally:
        running.stop()
