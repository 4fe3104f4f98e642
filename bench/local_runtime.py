"""What the local runtime benchmarks share: the runtime started as a user starts it
(``cdk-local-gateway serve`` in its own process), tokens from its CLI, the bare baseline
server, the stage's WebSocket throttle, and percentiles."""

from __future__ import annotations

import contextlib
import json
import math
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
CDK_OUT = Path(os.environ.get("BENCH_CDK_OUT", str(ROOT / "cdk.out")))
STAGE, REGION = "Dev", "eu-west-1"
CLI = str(Path(sys.executable).parent / "cdk-local-gateway")
QUICK = os.environ.get("BENCH_QUICK") == "1"


def percentile(values: list[float], q: float) -> float:
    """Nearest-rank percentile (``q`` in 0..100)."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(q / 100 * len(ordered)) - 1)]


class Runtime:
    """``cdk-local-gateway serve`` for the stage; ``startup_s`` is launch -> endpoints.json."""

    def __init__(self, cdk_out: Path = CDK_OUT) -> None:
        self.folder = Path(tempfile.mkdtemp(prefix="bench-local-runtime-"))
        self.state_dir = self.folder / "state"
        self.log_file = self.folder / "serve.log"
        self.cdk_out = cdk_out
        self.process: subprocess.Popen[bytes] | None = None
        self.endpoints: dict[str, Any] = {}
        self.startup_s = 0.0

    def start(self, timeout_s: float = 120.0) -> Runtime:
        endpoints = self.state_dir / "endpoints.json"
        command = [CLI, "serve", "--cdk-out", str(self.cdk_out), "--stage", STAGE]
        command += ["--region", REGION, "--state-dir", str(self.state_dir)]
        with self.log_file.open("wb") as log:
            started = time.perf_counter()
            self.process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)
        # endpoints.json is written last, once every API accepts requests.
        while not endpoints.exists():
            if self.process.poll() is not None or time.perf_counter() - started > timeout_s:
                self.stop()
                raise SystemExit(f"serve did not start:\n{self.log_file.read_text()[-3000:]}")
            time.sleep(0.005)
        self.startup_s = time.perf_counter() - started
        while True:  # written, maybe not yet flushed
            try:
                self.endpoints = json.loads(endpoints.read_text())
                break
            except ValueError:
                time.sleep(0.005)
        return self

    def ready_line(self) -> str:
        """The runtime's own "ready in X s" line (its start, without interpreter launch)."""
        lines = [ln for ln in self.log_file.read_text().splitlines() if ln.startswith("ready in")]
        return lines[0] if lines else "(no ready line)"

    def rest_url(self) -> str:
        (url,) = [u for n, u in self.endpoints["rest"].items() if n.endswith("/RestApi")]
        return str(url)

    def ws_url(self) -> str:
        (url,) = [u for n, u in self.endpoints["websocket"].items() if "WebSocketApi" in n]
        return str(url)

    def token(self, user: str, *, app: bool = False) -> str:
        """A Cognito ID token, or (``app``) the app's own HS256 token for $connect."""
        command = [CLI, "token", "--user", user, "--state-dir", str(self.state_dir)]
        if app:
            # The token-signing secret, whatever stack holds it (not the cursor secret).
            secret = next(
                name.rsplit("/", 1)[1]
                for name in sorted(self.endpoints["secrets"])
                if "Token" in name.rsplit("/", 1)[1]
            )
            command += ["--kind", "hs256", "--secret", secret, "--json-key", "signing_key"]
            command += ["--claim", "iss=rooms-service", "--claim", "aud=rooms-api"]
        return subprocess.run(command, capture_output=True, text=True, check=True).stdout.strip()

    def children(self) -> list[int]:
        """Process ids of the runtime's child processes (moto, Lambda workers)."""
        assert self.process is not None
        found = []
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                fields = stat.read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == self.process.pid:
                found.append(int(stat.parent.name))
        return found

    def worker_environment(self, handler: str) -> dict[str, str]:
        """The environment of a running worker of the function with this handler."""
        for pid in self.children():
            try:
                raw = Path(f"/proc/{pid}/environ").read_bytes()
            except OSError:
                continue
            env = dict(item.split("=", 1) for item in raw.decode().split("\0") if "=" in item)
            if env.get("_HANDLER") == handler:
                return env
        raise SystemExit(f"no running worker with handler {handler}")

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        children = {pid: _cmdline(pid) for pid in self.children()}
        # Ctrl-C, as a user stops it: the runtime stops its workers and moto.
        self.process.send_signal(signal.SIGINT)
        try:
            self.process.wait(60)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        # What a killed (or failed) runtime left behind: its moto server, its workers.
        # Only a process still running the same command line: a pid may have been reused.
        for pid, cmdline in children.items():
            if cmdline and _cmdline(pid) == cmdline:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL)

    def __enter__(self) -> Runtime:
        return self.start()

    def __exit__(self, *_: object) -> None:
        self.stop()


def _cmdline(pid: int) -> bytes:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return b""


class BaselineServer:
    """``bench/baseline_server.py`` in its own process."""

    def __init__(self, body: bytes, content_type: str) -> None:
        self.folder = Path(tempfile.mkdtemp(prefix="bench-baseline-"))
        body_file = self.folder / "body"
        body_file.write_bytes(body)
        self.process = subprocess.Popen(
            [
                sys.executable,
                str(ROOT / "bench" / "baseline_server.py"),
                "--stage",
                "dev",
                "--body-file",
                str(body_file),
                "--content-type",
                content_type,
                "--tls-dir",
                str(self.folder / "tls"),
            ],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
        )
        assert self.process.stdout is not None
        self.ports: dict[str, Any] = json.loads(self.process.stdout.readline())

    @property
    def http_url(self) -> str:
        return f"http://127.0.0.1:{self.ports['http']}/dev"

    @property
    def wss_url(self) -> str:
        return f"wss://127.0.0.1:{self.ports['wss']}/dev"

    @property
    def ca_file(self) -> str:
        return str(self.ports["ca_file"])

    def stop(self) -> None:
        assert self.process.stdin is not None
        self.process.stdin.close()
        try:
            self.process.wait(10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def websocket_throttle(cdk_out: Path = CDK_OUT) -> tuple[float, float]:
    """(rate/s, burst) of the stage's WebSocket default route settings: the runtime enforces
    them per route, so the benchmarks pace their frames below them."""
    manifest = json.loads((cdk_out / "manifest.json").read_text())
    (folder,) = [
        cdk_out / a["properties"]["directoryName"]
        for a in manifest["artifacts"].values()
        if a["type"] == "cdk:cloud-assembly" and a["properties"].get("displayName") == STAGE
    ]
    for template_file in folder.glob("*.template.json"):
        for resource in json.loads(template_file.read_text()).get("Resources", {}).values():
            if resource.get("Type") == "AWS::ApiGatewayV2::Stage":
                settings = resource["Properties"].get("DefaultRouteSettings", {})
                rate = float(settings.get("ThrottlingRateLimit", 10_000))
                return rate, float(settings.get("ThrottlingBurstLimit", rate))
    return 10_000.0, 10_000.0
