"""Start and stop the local AWS server process on a free loopback port."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

# Fixed local credentials: the account's administrator on the local AWS (never checked against
# a policy; functions get role sessions instead), and what the AWS_IAM authorizer verifies
# SigV4 signatures of clients of the local gateway against.
ACCESS_KEY_ID = "AKIALOCALGATEWAY0001"
SECRET_ACCESS_KEY = "local-gateway-secret-access-key"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@lru_cache(maxsize=1)
def _session() -> Any:
    # One session: its loader keeps the service models it read, so the next client of the
    # same service does not parse them again. Imported here: ``serve`` launches the local AWS
    # before it pays for boto3.
    import boto3

    return boto3.session.Session()


_CLIENT_LOCK = threading.Lock()


def client(service: str, endpoint: str, region: str) -> Any:
    """A boto3 client of the local AWS with the local credentials."""
    import botocore.config

    # Creating clients from one session is not thread-safe (botocore's documentation).
    with _CLIENT_LOCK:
        return _session().client(
            service,
            endpoint_url=endpoint,
            region_name=region,
            aws_access_key_id=ACCESS_KEY_ID,
            aws_secret_access_key=SECRET_ACCESS_KEY,
            config=botocore.config.Config(retries={"max_attempts": 2}),
        )


@dataclass
class LocalAws:
    """A moto server this process started (``process`` None: one given by URL)."""

    endpoint: str
    process: subprocess.Popen[bytes] | None = None
    _ready: bool = field(default=False, repr=False)

    @classmethod
    def launch(cls) -> LocalAws:
        """Start the server process and return at once: its interpreter start and imports
        (about a second) then overlap with the caller's; :meth:`wait_ready` before use."""
        port = free_port()
        # AWS managed policies (AWSLambdaBasicExecutionRole...) exist, so roles can attach them.
        env = dict(
            os.environ,
            MOTO_ALLOW_NONEXISTENT_REGION="true",
            MOTO_IAM_LOAD_MANAGED_POLICIES="true",
        )
        process = subprocess.Popen(
            [sys.executable, "-m", "cdk_local_gateway.aws.server", "127.0.0.1", str(port)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            env=env,
        )
        return cls(f"http://127.0.0.1:{port}", process)

    @classmethod
    def start(cls, timeout: float = 30.0) -> LocalAws:
        """Start the server and wait until it accepts connections."""
        return cls.launch().wait_ready(timeout)

    def wait_ready(self, timeout: float = 30.0) -> LocalAws:
        """Wait until the server accepts connections (at once for a server given by URL)."""
        if self._ready or self.process is None:
            return self
        port = int(self.endpoint.rsplit(":", 1)[1])
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"the local AWS server exited with {self.process.returncode}")
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                self._ready = True
                return self
            except OSError:
                time.sleep(0.02)
        self.process.kill()
        self.process.wait()
        raise RuntimeError(f"the local AWS server did not listen on port {port} in {timeout} s")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(5)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
