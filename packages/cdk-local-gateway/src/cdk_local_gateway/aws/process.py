"""Start and stop the local AWS server process on a free loopback port."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from dataclasses import dataclass

import boto3
import botocore.config

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


def client(service: str, endpoint: str, region: str) -> object:
    """A boto3 client of the local AWS with the local credentials."""
    return boto3.client(  # type: ignore[call-overload]
        service,
        endpoint_url=endpoint,
        region_name=region,
        aws_access_key_id=ACCESS_KEY_ID,
        aws_secret_access_key=SECRET_ACCESS_KEY,
        config=botocore.config.Config(retries={"max_attempts": 2}),
    )


@dataclass
class LocalAws:
    """A running moto server this process started (``process`` None: one given by URL)."""

    endpoint: str
    process: subprocess.Popen[bytes] | None = None

    @classmethod
    def start(cls, timeout: float = 30.0) -> LocalAws:
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
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if process.poll() is not None:
                raise RuntimeError(f"the local AWS server exited with {process.returncode}")
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                return cls(f"http://127.0.0.1:{port}", process)
            except OSError:
                time.sleep(0.05)
        process.kill()
        raise RuntimeError(f"the local AWS server did not listen on port {port} in {timeout} s")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(5)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
