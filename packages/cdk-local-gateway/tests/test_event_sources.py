"""SQS event-source mappings from a synthetic template: the runtime polls the local queue,
invokes the function with Lambda's SQS event, deletes what succeeded and leaves the records
the function reports as failed to the queue's redrive policy."""

from __future__ import annotations

import json
import time
import uuid
from typing import TYPE_CHECKING, Any, cast

import boto3
import pytest
from cdk_local_gateway.event_sources import sqs_event, succeeded
from cdk_local_gateway.pytest_plugin import RunningGateway
from cdk_local_gateway.runtime import RuntimeConfig
from gateway_testkit import write_assembly

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator
    from pathlib import Path

#: Upper bound on waiting for the poller; redelivery takes the queue's 1 s visibility timeout.
PATIENCE_S = 60.0

HANDLERS = """
import json, os

def consume(event, context):
    failures = []
    with open(os.environ["SEEN_FILE"], "a") as seen:
        for record in event["Records"]:
            seen.write(json.dumps(record) + "\\n")
            if record["body"].startswith("fail"):
                failures.append({"itemIdentifier": record["messageId"]})
    return {"batchItemFailures": failures}
"""


def template(seen_file: Path) -> dict[str, Any]:
    return {
        "Resources": {
            "DeadLetters": {"Type": "AWS::SQS::Queue", "Properties": {}},
            "Work": {
                "Type": "AWS::SQS::Queue",
                "Properties": {
                    "VisibilityTimeout": 1,
                    "RedrivePolicy": {
                        "deadLetterTargetArn": {"Fn::GetAtt": ["DeadLetters", "Arn"]},
                        "maxReceiveCount": 2,
                    },
                },
            },
            "Consumer": {
                "Type": "AWS::Lambda::Function",
                "Properties": {
                    "Code": {"S3Bucket": "b", "S3Key": "a" * 64 + ".zip"},
                    "Handler": "app.consume",
                    "Runtime": "python3.12",
                    "Timeout": 5,
                    "Environment": {"Variables": {"SEEN_FILE": str(seen_file)}},
                },
            },
            "Mapping": {
                "Type": "AWS::Lambda::EventSourceMapping",
                "Properties": {
                    "EventSourceArn": {"Fn::GetAtt": ["Work", "Arn"]},
                    "FunctionName": {"Ref": "Consumer"},
                    "BatchSize": 5,
                    "FunctionResponseTypes": ["ReportBatchItemFailures"],
                },
            },
        }
    }


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[dict[str, Any], Path]]:
    root: Path = tmp_path_factory.mktemp("event-sources")
    seen = root / "seen.jsonl"
    seen.touch()
    write_assembly(
        root / "cdk.out",
        {"Test-Queues": template(seen)},
        assets={"Test-Queues": {"app.py": HANDLERS}},
    )
    config = RuntimeConfig(
        cdk_out=root / "cdk.out", stage="Dev", region="eu-west-1", state_dir=root / "state"
    )
    running = RunningGateway(config)
    try:
        yield running.start(), seen
    finally:
        running.stop()


def _sqs(endpoints: dict[str, Any]) -> Any:
    return boto3.client(
        "sqs",
        region_name=endpoints["region"],
        endpoint_url=endpoints["aws_endpoint"],
        **endpoints["credentials"],
    )


def _queue(sqs: Any, marker: str) -> str:
    (url,) = [u for u in sqs.list_queues()["QueueUrls"] if marker in u]
    return str(url)


def _until(condition: Callable[[], bool]) -> None:
    deadline = time.monotonic() + PATIENCE_S
    while not condition():
        assert time.monotonic() < deadline, "the poller did not get there"
        time.sleep(0.2)


def _seen(seen: Path, body: str) -> list[dict[str, Any]]:
    records = [json.loads(line) for line in seen.read_text().splitlines() if line]
    return [r for r in records if r["body"] == body]


def _in_flight(sqs: Any, url: str) -> int:
    attributes = sqs.get_queue_attributes(
        QueueUrl=url,
        AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
    )["Attributes"]
    return sum(int(v) for v in attributes.values())


def test_the_endpoints_list_the_mapping(served: tuple[dict[str, Any], Path]) -> None:
    endpoints, _ = served
    (mapping,) = endpoints["event_sources"]
    assert "Work" in mapping
    assert "Consumer" in mapping


def test_a_message_is_consumed_with_lambdas_sqs_event_and_deleted(
    served: tuple[dict[str, Any], Path],
) -> None:
    endpoints, seen = served
    sqs = _sqs(endpoints)
    url = _queue(sqs, "Work")
    body = f"ok {uuid.uuid4()}"
    # Given a message with an attribute on the mapped queue
    sent = sqs.send_message(
        QueueUrl=url,
        MessageBody=body,
        MessageAttributes={"kind": {"DataType": "String", "StringValue": "greeting"}},
    )
    # Then the function receives it once, in Lambda's record shape
    _until(lambda: bool(_seen(seen, body)))
    (record,) = _seen(seen, body)
    assert record["messageId"] == sent["MessageId"]
    assert record["eventSource"] == "aws:sqs"
    assert record["eventSourceARN"].endswith(":" + url.rsplit("/", 1)[-1])
    assert record["awsRegion"] == endpoints["region"]
    assert record["md5OfBody"] == sent["MD5OfMessageBody"]
    assert record["attributes"]["ApproximateReceiveCount"] == "1"
    for key in ("SentTimestamp", "SenderId", "ApproximateFirstReceiveTimestamp"):
        assert record["attributes"][key]
    assert record["messageAttributes"] == {
        "kind": {
            "stringValue": "greeting",
            "stringListValues": [],
            "binaryListValues": [],
            "dataType": "String",
        }
    }
    # And the message is deleted: nothing visible or in flight remains
    _until(lambda: _in_flight(sqs, url) == 0)


def test_a_reported_failure_is_redelivered_then_dead_lettered(
    served: tuple[dict[str, Any], Path],
) -> None:
    endpoints, seen = served
    sqs = _sqs(endpoints)
    url = _queue(sqs, "Work")
    dead = _queue(sqs, "DeadLetters")
    body = f"fail {uuid.uuid4()}"
    # Given a message the function reports in batchItemFailures
    sqs.send_message(QueueUrl=url, MessageBody=body)
    # Then it lands in the dead-letter queue after maxReceiveCount (2) receives
    found: list[dict[str, Any]] = []

    def dead_lettered() -> bool:
        found.extend(
            m
            for m in sqs.receive_message(QueueUrl=dead, MaxNumberOfMessages=10).get("Messages", [])
            if m["Body"] == body
        )
        return bool(found)

    _until(dead_lettered)
    # And the function saw it exactly twice, the second time as a redelivery
    counts = [r["attributes"]["ApproximateReceiveCount"] for r in _seen(seen, body)]
    assert counts == ["1", "2"]


def test_an_unreadable_failure_report_fails_the_whole_batch() -> None:
    messages = [{"MessageId": "a"}, {"MessageId": "b"}]
    # Lambda treats an unknown or missing itemIdentifier as a failure of every record
    assert (
        succeeded(messages, {"batchItemFailures": [{"itemIdentifier": "z"}]}, report_failures=True)
        == []
    )
    assert succeeded(messages, {"batchItemFailures": [{}]}, report_failures=True) == []
    # An empty report, or none without ReportBatchItemFailures, means all succeeded
    assert succeeded(messages, {"batchItemFailures": []}, report_failures=True) == messages
    assert (
        succeeded(messages, {"batchItemFailures": [{"itemIdentifier": "a"}]}, report_failures=False)
        == messages
    )
    assert succeeded(
        messages, {"batchItemFailures": [{"itemIdentifier": "a"}]}, report_failures=True
    ) == [messages[1]]


def test_a_binary_attribute_is_base64_in_the_event() -> None:
    message = {
        "MessageId": "m",
        "ReceiptHandle": "r",
        "Body": "b",
        "MD5OfBody": "x",
        "MessageAttributes": {"blob": {"DataType": "Binary", "BinaryValue": b"\x00\x01"}},
    }
    (record,) = sqs_event([message], "arn:aws:sqs:eu-west-1:123456789012:q")["Records"]
    assert record["messageAttributes"]["blob"]["binaryValue"] == "AAE="
    assert record["awsRegion"] == "eu-west-1"


def test_gathering_a_batch_never_waits_past_the_batching_window() -> None:
    import asyncio

    from cdk_local_gateway.event_sources import SqsPoller

    # Given a mapping with a 1.5 s batching window, and a queue that has one message now
    # and none after it (each empty receive waits as long as it asks, as a long poll does)
    calls: list[tuple[float, float]] = []
    first_answer: list[float] = []

    class ScriptedQueue(SqsPoller):
        async def _receive(self, limit: int, wait_s: int = 1) -> list[dict[str, Any]]:
            loop = asyncio.get_running_loop()
            calls.append((loop.time(), wait_s))
            if not first_answer:
                first_answer.append(loop.time())
                return [{"MessageId": "m-1"}]
            await asyncio.sleep(wait_s)
            return []

    poller = _poller_of(ScriptedQueue, window_s=1.5)
    # When the poller gathers a batch
    batch = asyncio.run(poller._batch())
    # Then it holds the message, and no receive after it was asked to wait past the window
    assert [m["MessageId"] for m in batch] == ["m-1"]
    deadline = first_answer[0] + poller.mapping.window_s
    assert all(start + wait <= deadline for start, wait in calls[1:]), (deadline, calls)


def _poller_of(poller_class: type[Any], *, window_s: float = 0) -> Any:
    """A ``poller_class`` (an ``SqsPoller`` with a scripted queue) for a mapping of one
    queue, batches of 10 and a batching window of ``window_s``."""
    from cdk_local_gateway.event_sources import SqsMapping

    mapping = SqsMapping(
        stack="S",
        logical_id="Mapping",
        queue_arn="arn:aws:sqs:eu-west-1:123456789012:work",
        queue_url="http://127.0.0.1/123456789012/work",
        function=cast("Any", None),
        batch_size=10,
        window_s=window_s,
    )
    return poller_class(
        mapping, cast("Any", None), aws_endpoint="http://127.0.0.1", credentials=("k", "s")
    )


def test_stopping_does_not_wait_for_the_long_poll_in_progress() -> None:
    import asyncio
    import threading

    from cdk_local_gateway.event_sources import SqsPoller

    # Given a poller whose receive is blocked in a long poll (in a thread, as boto3's is)
    # that only the end of the test releases
    released = threading.Event()

    class LongPoll(SqsPoller):
        async def _receive(self, limit: int, wait_s: int = 1) -> list[dict[str, Any]]:
            receiving.set()
            await asyncio.to_thread(released.wait, PATIENCE_S)
            return []

    async def scenario() -> bool:
        poller = _poller_of(LongPoll)
        poller.start()
        await receiving.wait()
        try:
            # When the runtime stops it
            await asyncio.wait_for(poller.stop(), PATIENCE_S)
            # Then it has stopped while the receive is still polling
            return not released.is_set()
        finally:
            released.set()  # (the loop's end waits for the receive's thread)

    receiving = asyncio.Event()
    assert asyncio.run(scenario())


def test_stopping_lets_the_invocation_in_flight_finish() -> None:
    import asyncio

    from cdk_local_gateway.event_sources import SqsPoller

    # Given a poller that received a message and is invoking the function with it
    delivered: list[str] = []

    class OneMessage(SqsPoller):
        async def _receive(self, limit: int, wait_s: int = 1) -> list[dict[str, Any]]:
            return [] if delivered or invoking.is_set() else [{"MessageId": "m-1"}]

        async def _deliver(self, batch: list[dict[str, Any]]) -> None:
            invoking.set()
            await finish.wait()
            delivered.extend(m["MessageId"] for m in batch)

    async def scenario() -> None:
        poller = _poller_of(OneMessage)
        poller.start()
        await invoking.wait()
        # When the runtime stops it while the invocation runs (which then ends)
        stopping = asyncio.ensure_future(poller.stop())
        await asyncio.sleep(0)
        finish.set()
        await asyncio.wait_for(stopping, PATIENCE_S)

    invoking, finish = asyncio.Event(), asyncio.Event()
    asyncio.run(scenario())
    # Then the invocation finished (and its messages were handled) before the poller stopped
    assert delivered == ["m-1"]
