"""``handlers.rest.ingest_consumer.handler``: SQS consumer of POST /ingest.

Each record's body is ``{"room_id", "body"}``; it becomes a Message through the domain layer,
written as the partner that sent it: user id ``partner:<API key id>``, taken from the
``partner_key_id`` message attribute that the API's request template sets from the caller's
API key (``$context.identity.apiKeyId``). A partner cannot name the author: a body with a
``user_id`` is refused, and so is a record without the attribute (it did not come through the
API). A record that is invalid or names an unknown room fails alone (reported in
``batchItemFailures``), so SQS retries only it and moves it to the DLQ after three receives.

SQS delivers at least once: each record is posted through ``domain.messages.post_once`` keyed
on its SQS ``messageId``, which writes the message, the room's counter and the key's receipt in
one transaction. A redelivery (also after a write whose answer was lost) finds the receipt and
posts nothing twice; a record that failed left nothing behind and is retried normally.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.batch import (
    BatchProcessor,
    EventType,
    process_partial_response,
)

from domain.messages import post_once
from domain.runtime import get_table
from domain.validation import PARTNER_MESSAGE, check_id
from shared.http import parse_json, raw_body
from shared.tracing import service_tracer

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
    from aws_lambda_powertools.utilities.typing import LambdaContext

logger = Logger()
tracer = service_tracer()
metrics = Metrics()
#: Message attribute holding the sender's API key id (set by the ingest request template).
PARTNER_KEY_ATTRIBUTE = "partner_key_id"
#: Authors of partner messages: a prefix no signed-in user's id (a Cognito sub) can have.
PARTNER_PREFIX = "partner:"
#: Idempotency keys of ingested records (never equal to a REST or WebSocket client's key).
SQS_KEY_PREFIX = "sqs:"

# Every record is validated as the Ingest model: its validator is built in the init phase,
# not in the first invocation (the REST routes build theirs on first use, domain.validation).
PARTNER_MESSAGE.load()

# A batch where every record failed is reported like any other (all items listed) rather
# than raised: SQS retries the same records either way, without a function error.
processor = BatchProcessor(event_type=EventType.SQS, raise_on_entire_batch_failure=False)


def _ingest(message_id: str, data: dict[str, Any], author: str) -> str:
    """Post one validated message once per SQS message id."""
    posted = post_once(
        get_table(),
        room_id=data["room_id"],
        user_id=author,
        body=data["body"],
        key=f"{SQS_KEY_PREFIX}{message_id}",
    )
    if not posted.replayed:
        metrics.add_metric(name="MessagesIngested", unit=MetricUnit.Count, value=1)
    return posted.message.message_id


@tracer.capture_method
def record_handler(record: SQSRecord) -> str:
    """Ingest one record once; any exception marks just this record as failed. Invalid
    records are rejected before the idempotency layer, so they never touch the table."""
    author = _partner(record)
    data = PARTNER_MESSAGE.validate(parse_json(raw_body(record.body, False)))
    check_id(data["room_id"], "body.room_id")
    return _ingest(record.message_id, data, author)


def _partner(record: SQSRecord) -> str:
    """``partner:<API key id>`` of the record's sender; ``ValidationFailed`` without one."""
    path = f"messageAttributes.{PARTNER_KEY_ATTRIBUTE}"
    attribute = record.message_attributes[PARTNER_KEY_ATTRIBUTE]
    return PARTNER_PREFIX + check_id(attribute.string_value if attribute else None, path)


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics(capture_cold_start_metric=True)
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    if not event.get("Records"):
        # Powertools refuses an empty batch; SQS never sends one, but a test event might.
        return {"batchItemFailures": []}
    response = process_partial_response(
        event=event, record_handler=record_handler, processor=processor, context=context
    )
    return dict(response)
