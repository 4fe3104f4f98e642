"""End-to-end fixtures: this app's Dev stage served by the local gateway from cdk.out.

cdk.out is brought up to date by ``make synth-cached`` (under a file lock, so xdist workers
share it), which synthesizes unless a passing synth of exactly the current inputs wrote it
(E2E_REUSE_CDK_OUT=1 serves an existing cdk.out as it is, e.g. while the stacks are mid-edit;
E2E_CDK_OUT=path serves another one). The public HTTP pass-through's upstream (httpbin.org)
is replaced by a local stub, so the suite runs offline.

IAM is enforced (the runtime's default): every function calls the local AWS with its own
role's session, and a test during which any call was denied fails with the denials, so a
missing grant in the stacks fails the suite even where the app swallows the error. Tests
that provoke denials on purpose are marked ``iam_denials_expected``.
"""

from __future__ import annotations

import json
import ssl
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from aiohttp import web
from cdk_local_gateway.pytest_plugin import RunningGateway
from cdk_local_gateway.runtime import RuntimeConfig

from tests.cdk_out import CDK_OUT, ensure_synthesized

if TYPE_CHECKING:
    from collections.abc import Iterator

STAGE, REGION = "Dev", "eu-west-1"
UPSTREAM = "https://httpbin.org"
#: The xdist group of every end-to-end test that the Dev runtime serves.
DEV_GROUP = "e2e-dev"


class Upstream:
    """A stand-in for httpbin.org's /anything and /status/<code>, on a loopback port."""

    def __init__(self) -> None:
        import asyncio

        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.url = ""

    async def _anything(self, request: web.Request) -> web.Response:
        return web.json_response(
            {
                "method": request.method,
                "path": request.path,
                "args": dict(request.query),
                "headers": dict(request.headers),
                "data": (await request.read()).decode(),
            }
        )

    async def _start(self) -> str:
        app = web.Application()
        app.router.add_route("*", "/{tail:.*}", self._anything)
        self.runner = web.AppRunner(app)
        await self.runner.setup()
        site = web.TCPSite(self.runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        return f"http://127.0.0.1:{port}"

    def start(self) -> str:
        import asyncio

        self.thread.start()
        self.url = asyncio.run_coroutine_threadsafe(self._start(), self.loop).result(10)
        return self.url

    def stop(self) -> None:
        import asyncio

        asyncio.run_coroutine_threadsafe(self.runner.cleanup(), self.loop).result(10)
        self.loop.call_soon_threadsafe(self.loop.stop)


@pytest.fixture(scope="session")
def upstream() -> Iterator[str]:
    stub = Upstream()
    try:
        yield stub.start()
    finally:
        stub.stop()


@pytest.fixture(scope="session")
def local_gateway_config(upstream: str, tmp_path_factory: pytest.TempPathFactory) -> RuntimeConfig:
    """Overrides the package plugin's fixture: this app's Dev stage, offline upstream."""
    ensure_synthesized()
    return RuntimeConfig(
        cdk_out=CDK_OUT,
        stage=STAGE,
        region=REGION,
        state_dir=tmp_path_factory.mktemp("local-gateway"),
        http_overrides={UPSTREAM: upstream},
    )


@pytest.fixture(scope="session")
def running_gateway(local_gateway_config: RuntimeConfig) -> Iterator[RunningGateway]:
    """The runtime itself (its IAM denials, its functions), for the tests that need more than
    its endpoints."""
    running = RunningGateway(local_gateway_config)
    try:
        running.start()
        yield running
    finally:
        running.stop()


@pytest.fixture(scope="session")
def local_gateway(running_gateway: RunningGateway) -> dict[str, Any]:
    """Overrides the package plugin's fixture: the endpoints of the runtime above."""
    return running_gateway.endpoints


def iam_denials(running: RunningGateway) -> list[dict[str, Any]]:
    lambdas = running.runtime.lambdas
    return [] if lambdas is None else lambdas.iam.denials()


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "iam_denials_expected: the test provokes IAM denials on purpose"
    )


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    # One local runtime of the Dev stage serves every end-to-end test (its start and its
    # functions' cold imports are the suite's main cost): with `--dist loadgroup` they all run
    # on one worker. A module with its own stage (test_two_regions) has its own group. Marked
    # before xdist's hook reads the marks; the root conftest then gives every marked test the
    # id xdist's scheduler groups by (tests/xdist_groups.py).
    here = Path(__file__).parent
    for item in items:
        if here in Path(str(item.path)).parents and item.get_closest_marker("xdist_group") is None:
            item.add_marker(pytest.mark.xdist_group(DEV_GROUP))


@pytest.fixture(autouse=True)
def no_iam_denials(
    request: pytest.FixtureRequest, running_gateway: RunningGateway
) -> Iterator[None]:
    """Fail a test during which the local AWS denied a call of a function or integration."""
    before = len(iam_denials(running_gateway))
    yield
    if request.node.get_closest_marker("iam_denials_expected"):
        return
    new = iam_denials(running_gateway)[before:]
    if new:
        lines = [f"{d['function']}: {d['action']} on {d['resource']}" for d in new]
        pytest.fail("IAM denied (a grant missing in the stacks?):\n" + "\n".join(lines))


@pytest.fixture(scope="session")
def api(local_gateway: dict[str, Any]) -> str:
    """Base URL of the REST API (``http://127.0.0.1:PORT/<stage>``)."""
    (url,) = [u for name, u in local_gateway["rest"].items() if name.endswith("/RestApi")]
    return str(url)


@pytest.fixture(scope="session")
def cli_env(local_gateway_config: RuntimeConfig) -> list[str]:
    return ["--state-dir", str(local_gateway_config.state_dir)]


def _token_secret(state_dir: Path) -> str:
    """The app token's signing secret as endpoints.json names it (``<stack>/<logical id>``):
    the token authorizer's own secret, or the identity stack's shared one."""
    import re

    secrets = json.loads((state_dir / "endpoints.json").read_text())["secrets"]
    (name,) = [n for n in secrets if re.search(r"/Token(Authorizer)?Secret[0-9A-F]{8}$", n)]
    return str(name)


def token(state_dir: Path, user: str, *, kind: str = "cognito") -> str:
    import contextlib
    import io

    from cdk_local_gateway.cli import main

    args = ["token", "--user", user, "--state-dir", str(state_dir)]
    if kind == "app":
        args += [
            "--kind",
            "hs256",
            "--secret",
            _token_secret(state_dir),
            "--json-key",
            "signing_key",
            "--claim",
            "iss=rooms-service",
            "--claim",
            "aud=rooms-api",
        ]
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        main(args)
    return out.getvalue().strip()


@pytest.fixture(scope="session")
def cognito_token(local_gateway: dict[str, Any], local_gateway_config: RuntimeConfig) -> str:
    return token(local_gateway_config.state_dir, "alice")


@pytest.fixture(scope="session")
def app_token(local_gateway: dict[str, Any], local_gateway_config: RuntimeConfig) -> str:
    return token(local_gateway_config.state_dir, "alice", kind="app")


@pytest.fixture(scope="session")
def api_key(local_gateway: dict[str, Any]) -> str:
    (value,) = local_gateway["api_keys"].values()
    return str(value)


@pytest.fixture(scope="session")
def credentials(local_gateway: dict[str, Any]) -> dict[str, str]:
    return dict(local_gateway["credentials"])


def dump(response: Any) -> str:
    return f"{response.status_code} {response.headers} {response.text[:500]}"


__all__ = ["dump", "json", "token"]


@pytest.fixture(scope="session")
def ws_url(local_gateway: dict[str, Any]) -> str:
    """The wss:// URL of the region's WebSocket API stage."""
    (url,) = [u for name, u in local_gateway["websocket"].items() if "WebSocketApi" in name]
    return str(url)


@pytest.fixture(scope="session")
def ws_tls(local_gateway: dict[str, Any]) -> ssl.SSLContext:
    """Trusts the runtime's local CA, which serves wss:// and the @connections https URL."""
    return ssl.create_default_context(cafile=local_gateway["ca_bundle"])
