"""An SQS queue with a dead-letter queue, encrypted and reachable over TLS only."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from aws_cdk import Acknowledgment, Duration, Validations
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from .. import validation
from ..props import merge_props, refuse_both
from . import defaults

if TYPE_CHECKING:
    from collections.abc import Mapping


class SecureQueue(Construct):
    """A queue (``.queue``) and its dead-letter queue (``.dead_letter_queue``):

    - SQS-managed server-side encryption (no KMS grants needed by producers such as API
      Gateway's direct integration), ``enforce_ssl`` on both queues;
    - ``max_receive_count=3`` receives before a message moves to the DLQ, kept 14 days;
    - ``retention`` 4 days; ``visibility_timeout`` (required): at least 6x the consumer's
      timeout, as AWS recommends for Lambda event sources;
    - ``existing_dead_letter_queue``: send failures to a queue made elsewhere (none is created;
      ``dead_letter_queue_props`` then is an error); ``queue_props`` and
      ``dead_letter_queue_props`` are other ``sqs.Queue`` keyword arguments merged over the
      defaults (the ones this construct names or wires are refused there).
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        visibility_timeout: Duration,
        max_receive_count: int = defaults.QUEUE_MAX_RECEIVE_COUNT,
        retention: Duration | None = None,
        existing_dead_letter_queue: sqs.IQueue | None = None,
        dead_letter_queue_props: Mapping[str, Any] | None = None,
        queue_props: Mapping[str, Any] | None = None,
    ) -> None:
        super().__init__(scope, construct_id)
        owner = "SecureQueue"
        refuse_both(
            owner,
            "existing_dead_letter_queue",
            existing_dead_letter_queue,
            "dead_letter_queue_props",
            dead_letter_queue_props,
        )
        validation.number_in(owner, "max_receive_count", max_receive_count, 1, 1000)
        self.dead_letter_queue: sqs.IQueue
        if existing_dead_letter_queue is not None:
            self.dead_letter_queue = existing_dead_letter_queue
        else:
            self.dead_letter_queue = sqs.Queue(
                self,
                "DeadLetters",
                **merge_props(
                    owner,
                    "dead_letter_queue_props",
                    {
                        "encryption": sqs.QueueEncryption.SQS_MANAGED,
                        "enforce_ssl": True,
                        "retention_period": Duration.days(defaults.DLQ_RETENTION_DAYS),
                    },
                    dead_letter_queue_props,
                    reserved=("dead_letter_queue",),
                ),
            )
            dlq_resource = self.dead_letter_queue.node.default_child
            if dlq_resource is None:  # a Queue always has its CfnQueue child
                raise RuntimeError(f"{self.node.path}: dead-letter queue without a resource")
            Validations.of(dlq_resource).acknowledge(
                Acknowledgment(
                    id="Serverless-SQSRedrivePolicy",
                    reason="This is the dead-letter queue: its messages are inspected and "
                    "redriven by an operator, never sent to a further queue.",
                )
            )
        self.queue = sqs.Queue(
            self,
            "Resource",
            **merge_props(
                owner,
                "queue_props",
                {
                    "encryption": sqs.QueueEncryption.SQS_MANAGED,
                    "enforce_ssl": True,
                    "visibility_timeout": visibility_timeout,
                    "retention_period": retention or Duration.days(defaults.QUEUE_RETENTION_DAYS),
                    "dead_letter_queue": sqs.DeadLetterQueue(
                        queue=self.dead_letter_queue, max_receive_count=max_receive_count
                    ),
                },
                queue_props,
                reserved=("visibility_timeout", "retention_period", "dead_letter_queue"),
            ),
        )
