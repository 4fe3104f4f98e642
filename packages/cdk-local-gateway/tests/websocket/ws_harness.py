"""Serve the synthetic template through the real pieces: assembly reader, resolver, local AWS,
Lambda workers, and ``mount_websocket_apis`` (the runtime's entry point)."""

from __future__ import annotations

import asyncio
import contextlib
import json
import threading
import time
import uuid
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import boto3
from cdk_local_gateway.assembly import read_assembly
from cdk_local_gateway.aws.process import ACCESS_KEY_ID, SECRET_ACCESS_KEY, client
from cdk_local_gateway.aws.provision import Provisioner
from cdk_local_gateway.intrinsics import Resolver
from cdk_local_gateway.lambdas.functions import function_spec
from cdk_local_gateway.lambdas.layers import build_layer_folder
from cdk_local_gateway.lambdas.workers import LambdaService
from cdk_local_gateway.websocket import (
    Limits,
    LocalTls,
    ServedWebSocketApi,
    local_tls,
    mount_websocket_apis,
)
from gateway_testkit import write_assembly
from ws_template import HANDLERS, STAGE, websocket_template

if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Awaitable, Callable
    from pathlib import Path

REGION = "eu-west-1"


@dataclass
class Served:
    chat: ServedWebSocketApi
    bare: ServedWebSocketApi
    lambdas: LambdaService
    queue_url: str
    aws_endpoint: str
    logs: list[str]
    tls: LocalTls | None = None
    # Recorded events read from the queue and not yet matched by a test.
    pending: list[dict[str, Any]] = field(default_factory=list)

    def url(self, api: ServedWebSocketApi, query: str = "") -> str:
        return api.urls()[STAGE] + (f"?{query}" if query else "")

    @property
    def chat_management(self) -> str:
        return f"http://{self.chat.host}:{self.chat.port}/{STAGE}"

    def management(self, api: ServedWebSocketApi | None = None) -> Any:
        """boto3's apigatewaymanagementapi client at the local endpoint, as a Lambda builds it."""
        api = api or self.chat
        return boto3.client(
            "apigatewaymanagementapi",
            endpoint_url=api.management_urls()[STAGE],
            verify=str(self.tls.ca_file) if self.tls else None,
            region_name=REGION,
            aws_access_key_id=ACCESS_KEY_ID,
            aws_secret_access_key=SECRET_ACCESS_KEY,
        )

    async def recorded(
        self, predicate: Callable[[dict[str, Any]], bool], *, within_s: float = 20.0
    ) -> dict[str, Any]:
        """The first event a function recorded in the queue that satisfies ``predicate``."""
        sqs: Any = client("sqs", self.aws_endpoint, REGION)
        deadline = time.monotonic() + within_s
        while time.monotonic() < deadline:
            for event in self.pending:
                if predicate(event):
                    self.pending.remove(event)
                    return event
            answer = await asyncio.to_thread(
                sqs.receive_message,
                QueueUrl=self.queue_url,
                MaxNumberOfMessages=10,
                WaitTimeSeconds=1,
            )
            for message in answer.get("Messages", []):
                await asyncio.to_thread(
                    sqs.delete_message,
                    QueueUrl=self.queue_url,
                    ReceiptHandle=message["ReceiptHandle"],
                )
                event = json.loads(message["Body"])
                if isinstance(event, dict):
                    self.pending.append(event)
        raise AssertionError("no recorded event matched")


def serve(
    tmp_path: Path,
    aws_endpoint: str,
    scenario: Callable[[Served], Awaitable[Any]],
    *,
    limits: Limits | None = None,
    upstream: str | None = None,
    tls: bool = False,
    extra_credentials: dict[str, str] | None = None,
    http_overrides: dict[str, str] | None = None,
) -> Any:
    """Run ``scenario`` against the synthetic stack served locally; tear everything down."""

    async def main() -> Any:
        async with served_stack(
            tmp_path,
            aws_endpoint,
            limits=limits,
            upstream=upstream,
            tls=tls,
            extra_credentials=extra_credentials,
            http_overrides=http_overrides,
        ) as served:
            return await scenario(served)

    return asyncio.run(main())


class SharedRuntime:
    """One served stack for several tests whose scenarios only read from it.

    Its event loop runs in a thread of its own, so the stack outlives each test's scenario
    (every scenario runs on that loop, as it would inside ``serve``).
    """

    def __init__(self, tmp_path: Path, aws_endpoint: str) -> None:
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self._thread.start()
        self._stack = served_stack(tmp_path, aws_endpoint)
        self._served = self._call(self._stack.__aenter__())

    def _call(self, work: Awaitable[Any]) -> Any:
        async def wrapped() -> Any:
            return await work

        return asyncio.run_coroutine_threadsafe(wrapped(), self._loop).result()

    def run(self, scenario: Callable[[Served], Awaitable[Any]]) -> Any:
        return self._call(scenario(self._served))

    def stop(self) -> None:
        try:
            self._call(self._stack.__aexit__(None, None, None))
        finally:
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join()
            self._loop.close()


@contextlib.asynccontextmanager
async def served_stack(
    tmp_path: Path,
    aws_endpoint: str,
    *,
    limits: Limits | None = None,
    upstream: str | None = None,
    tls: bool = False,
    extra_credentials: dict[str, str] | None = None,
    http_overrides: dict[str, str] | None = None,
) -> AsyncIterator[Served]:
    """The synthetic stack provisioned and served until the block ends."""
    stack_name = f"Ws{uuid.uuid4().hex[:8]}"  # one shared local AWS: fresh queue names
    root = tmp_path / stack_name
    certificates = local_tls(root / "tls") if tls else None
    write_assembly(
        root / "cdk.out",
        {
            stack_name: websocket_template(
                upstream, str(certificates.ca_file) if certificates else None
            )
        },
        region=REGION,
        assets={stack_name: {"app.py": HANDLERS}},
    )

    assembly = read_assembly(root / "cdk.out")
    resolver = Resolver(assembly, default_region=REGION)
    Provisioner(resolver, aws_endpoint).provision(assembly.stacks)
    (stack,) = assembly.stacks
    functions = {}
    for logical_id in stack.of_type("AWS::Lambda::Function"):
        spec = function_spec(resolver, stack, logical_id)
        functions[spec.arn] = spec
    layer = root / "layer"
    build_layer_folder(layer, [])
    lambdas = LambdaService(
        aws_endpoint=aws_endpoint,
        credentials=(ACCESS_KEY_ID, SECRET_ACCESS_KEY),
        layer_folder=layer,
    )
    await lambdas.start()
    logs: list[str] = []
    apis = await mount_websocket_apis(
        assembly.stacks,
        resolver=resolver,
        lambdas=lambdas,
        functions=functions,
        aws_endpoint=aws_endpoint,
        credentials=(ACCESS_KEY_ID, SECRET_ACCESS_KEY),
        limits=limits,
        log=logs.append,
        ssl_context=certificates.server_context() if certificates else None,
        extra_credentials=extra_credentials,
        http_overrides=http_overrides,
    )
    try:
        by_name = {a.api.name: a for a in apis}
        served = Served(
            chat=by_name["chat"],
            bare=by_name["bare"],
            lambdas=lambdas,
            queue_url=resolver.ref(stack, "Queue"),
            aws_endpoint=aws_endpoint,
            logs=logs,
            tls=certificates,
        )
        yield served
    finally:
        for api in apis:
            await api.stop()
        await lambdas.stop()
