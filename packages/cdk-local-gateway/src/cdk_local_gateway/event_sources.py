"""SQS event-source mappings: poll the local queues and invoke the functions as Lambda does.

The poller reads and deletes with the function's execution role, as Lambda's does (the role
needs sqs:ReceiveMessage, DeleteMessage, GetQueueAttributes on the queue).

Failed records are not deleted: SQS's visibility timeout brings them back and the queue's
redrive policy moves them to its dead-letter queue after maxReceiveCount, as on AWS.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import json
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import boto3

if TYPE_CHECKING:
    from collections.abc import Callable

    from cdk_local_gateway.assembly import Stack
    from cdk_local_gateway.intrinsics import Resolver
    from cdk_local_gateway.lambdas.workers import FunctionSpec, LambdaService

#: Each receive long-polls at most this long, so stopping waits at most about as long.
WAIT_S = 1
#: SQS hands out at most 10 messages per ReceiveMessage.
RECEIVE_MAX = 10
#: After a failed SQS call (not a failed function) the poller waits this long before the next.
BACKOFF_S = 1.0


@dataclass(frozen=True)
class SqsMapping:
    stack: str
    logical_id: str
    queue_arn: str
    queue_url: str
    function: FunctionSpec
    batch_size: int = 10
    window_s: float = 0.0
    report_failures: bool = False
    enabled: bool = True

    @property
    def display(self) -> str:
        return f"{self.queue_arn.rsplit(':', 1)[-1]} -> {self.function.name}"


def read_sqs_mappings(
    resolver: Resolver,
    stacks: list[Stack],
    functions: dict[str, FunctionSpec],
    log: Callable[[str], None] = print,
) -> list[SqsMapping]:
    """Every EventSourceMapping of ``stacks`` whose source is a queue the runtime provisioned."""
    queues: dict[str, str] = {}
    for stack in stacks:
        for logical_id in stack.of_type("AWS::SQS::Queue"):
            with contextlib.suppress(Exception):  # a queue of another region is not served
                arn = str(resolver.get_att(stack, logical_id, "Arn"))
                queues[arn] = resolver.ref(stack, logical_id)
    by_name = {spec.name: spec for spec in functions.values()}
    mappings: list[SqsMapping] = []
    for stack in stacks:
        for logical_id, resource in stack.of_type("AWS::Lambda::EventSourceMapping").items():
            props = resource.get("Properties", {})
            where = f"{stack.display_name}/{logical_id}"
            source = str(resolver.resolve(stack, props.get("EventSourceArn"), where))
            if source not in queues:
                log(f"not emulated: {where}: event source {source} is not a local SQS queue")
                continue
            target = str(resolver.resolve(stack, props.get("FunctionName"), where))
            spec = functions.get(target) or by_name.get(target.rsplit(":", 1)[-1])
            if spec is None:
                log(f"not emulated: {where}: function {target} is not served")
                continue
            responses = resolver.resolve(stack, props.get("FunctionResponseTypes", []), where)
            mappings.append(
                SqsMapping(
                    stack=stack.display_name,
                    logical_id=logical_id,
                    queue_arn=source,
                    queue_url=queues[source],
                    function=spec,
                    batch_size=int(resolver.resolve(stack, props.get("BatchSize", 10), where)),
                    window_s=float(
                        resolver.resolve(
                            stack, props.get("MaximumBatchingWindowInSeconds", 0), where
                        )
                    ),
                    report_failures="ReportBatchItemFailures" in (responses or []),
                    enabled=bool(resolver.resolve(stack, props.get("Enabled", True), where)),
                )
            )
    return mappings


def _message_attribute(value: dict[str, Any]) -> dict[str, Any]:
    """SQS's MessageAttributeValue in the shape Lambda puts in an SQS event record."""
    shaped: dict[str, Any] = {
        "stringListValues": [],
        "binaryListValues": [],
        "dataType": value["DataType"],
    }
    if "StringValue" in value:
        shaped["stringValue"] = value["StringValue"]
    if "BinaryValue" in value:
        shaped["binaryValue"] = base64.b64encode(value["BinaryValue"]).decode()
    return shaped


def sqs_event(messages: list[dict[str, Any]], queue_arn: str) -> dict[str, Any]:
    """The event Lambda's SQS poller hands a function for ``messages`` (ReceiveMessage items)."""
    region = queue_arn.split(":")[3]
    return {
        "Records": [
            {
                "messageId": m["MessageId"],
                "receiptHandle": m["ReceiptHandle"],
                "body": m["Body"],
                "attributes": dict(m.get("Attributes", {})),
                "messageAttributes": {
                    name: _message_attribute(value)
                    for name, value in m.get("MessageAttributes", {}).items()
                },
                "md5OfBody": m["MD5OfBody"],
                "eventSource": "aws:sqs",
                "eventSourceARN": queue_arn,
                "awsRegion": region,
            }
            for m in messages
        ]
    }


def succeeded(
    messages: list[dict[str, Any]], payload: Any, *, report_failures: bool
) -> list[dict[str, Any]]:
    """The messages to delete after an invocation that returned ``payload`` without error.

    With ReportBatchItemFailures Lambda keeps the listed items; a response it cannot read (an
    unknown or empty itemIdentifier) fails the whole batch, as on AWS.
    """
    if not report_failures or not isinstance(payload, dict):
        return messages
    failures = payload.get("batchItemFailures")
    if not failures:
        return messages
    ids = {m["MessageId"] for m in messages}
    failed: set[str] = set()
    for item in failures if isinstance(failures, list) else [None]:
        identifier = item.get("itemIdentifier") if isinstance(item, dict) else None
        if not isinstance(identifier, str) or identifier not in ids:
            return []
        failed.add(identifier)
    return [m for m in messages if m["MessageId"] not in failed]


class SqsPoller:
    """One mapping's poller: receive a batch, invoke, delete what succeeded, repeat."""

    def __init__(
        self,
        mapping: SqsMapping,
        lambdas: LambdaService,
        *,
        aws_endpoint: str,
        credentials: tuple[str, str],
        log: Callable[[str], None] = print,
    ) -> None:
        self.mapping = mapping
        self.lambdas = lambdas
        self.log = log
        self.aws_endpoint = aws_endpoint
        self.credentials = credentials
        self._client: Any = None
        self._stopping = False
        self._delivering = False
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._task = asyncio.get_running_loop().create_task(self._run())

    async def stop(self) -> None:
        self._stopping = True
        if self._task is not None:
            # An invocation in flight completes (its batch is deleted or left to redrive).
            # Anything else is a receive or the wait between two: stopped at once rather than
            # after the long poll (up to WAIT_S per runtime stop). What that abandoned receive
            # may still take becomes visible again after the queue's visibility timeout, as
            # when a Lambda poller is stopped.
            if not self._delivering:
                self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    async def _sqs(self) -> Any:
        """The SQS client, with the function's role session when IAM is enforced."""
        if self._client is None:
            role = await self.lambdas.iam.function_credentials(self.mapping.function)
            key_id, secret = self.credentials
            self._client = boto3.client(
                "sqs",
                region_name=self.mapping.queue_arn.split(":")[3],
                endpoint_url=self.aws_endpoint,
                aws_access_key_id=role.access_key if role else key_id,
                aws_secret_access_key=role.secret_key if role else secret,
                aws_session_token=role.token if role else None,
            )
        return self._client

    async def _run(self) -> None:
        while not self._stopping:
            try:
                batch = await self._batch()
                if batch:
                    self._delivering = True
                    try:
                        await self._deliver(batch)
                    finally:
                        self._delivering = False
            except Exception as error:  # a poller outlives a failed SQS call
                self.log(f"event source {self.mapping.display}: {error}")
                await asyncio.sleep(BACKOFF_S)

    async def _receive(self, limit: int, wait_s: int = WAIT_S) -> list[dict[str, Any]]:
        sqs = await self._sqs()
        answer = await asyncio.to_thread(
            sqs.receive_message,
            QueueUrl=self.mapping.queue_url,
            MaxNumberOfMessages=max(1, min(RECEIVE_MAX, limit)),
            WaitTimeSeconds=wait_s,
            AttributeNames=["All"],
            MessageAttributeNames=["All"],
        )
        return [dict(m) for m in answer.get("Messages", [])]

    async def _batch(self) -> list[dict[str, Any]]:
        """Up to BatchSize messages, gathering for at most the batching window."""
        mapping = self.mapping
        batch = await self._receive(mapping.batch_size)
        if not batch or mapping.window_s <= 0:
            return batch
        loop = asyncio.get_running_loop()
        deadline = loop.time() + mapping.window_s
        while len(batch) < mapping.batch_size and not self._stopping:
            left = deadline - loop.time()
            if left <= 0:
                break
            # A long poll ends by the window's end (SQS waits whole seconds): Lambda invokes
            # when the window closes, not a receive's wait later.
            wait_s = min(WAIT_S, int(left))
            received = await self._receive(mapping.batch_size - len(batch), wait_s)
            batch += received
            if not received and wait_s == 0:
                await asyncio.sleep(min(0.1, max(0.0, deadline - loop.time())))
        return batch

    async def _deliver(self, batch: list[dict[str, Any]]) -> None:
        mapping = self.mapping
        result = await self.lambdas.invoke(mapping.function, sqs_event(batch, mapping.queue_arn))
        if result.error is not None:
            self.log(
                f"event source {mapping.display}: {result.error.get('errorType')}: "
                f"{result.error.get('errorMessage')} ({len(batch)} messages left to redrive)"
            )
            return
        try:
            payload = json.loads(result.payload) if result.payload else None
        except ValueError:
            payload = None
        done = succeeded(batch, payload, report_failures=mapping.report_failures)
        if len(done) < len(batch):
            self.log(f"event source {mapping.display}: {len(batch) - len(done)} records failed")
        for start in range(0, len(done), RECEIVE_MAX):
            chunk = done[start : start + RECEIVE_MAX]
            await asyncio.to_thread(
                (await self._sqs()).delete_message_batch,
                QueueUrl=mapping.queue_url,
                Entries=[
                    {"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(chunk)
                ],
            )


class EventSources:
    """The pollers of every enabled mapping of a running runtime."""

    def __init__(self, pollers: list[SqsPoller]) -> None:
        self.pollers = pollers

    def start(self) -> None:
        for poller in self.pollers:
            poller.start()

    async def stop(self) -> None:
        await asyncio.gather(*(poller.stop() for poller in self.pollers))
