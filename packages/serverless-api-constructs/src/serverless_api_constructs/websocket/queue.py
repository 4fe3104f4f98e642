"""An SQS queue with a dead-letter queue, encrypted and reachable over TLS only."""

from __future__ import annotations

from aws_cdk import Acknowledgment, Duration, Validations
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from . import defaults


class SecureQueue(Construct):
    """A queue (``.queue``) and its dead-letter queue (``.dead_letter_queue``):

    - SQS-managed server-side encryption (no KMS grants needed by producers such as API
      Gateway's direct integration), ``enforce_ssl`` on both queues;
    - ``max_receive_count=3`` receives before a message moves to the DLQ, kept 14 days;
    - ``retention`` 4 days; ``visibility_timeout`` (required): at least 6x the consumer's
      timeout, as AWS recommends for Lambda event sources.
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        visibility_timeout: Duration,
        max_receive_count: int = defaults.QUEUE_MAX_RECEIVE_COUNT,
        retention: Duration | None = None,
    ) -> None:
        super().__init__(scope, construct_id)
        self.dead_letter_queue = sqs.Queue(
            self,
            "DeadLetters",
            encryption=sqs.QueueEncryption.SQS_MANAGED,
            enforce_ssl=True,
            retention_period=Duration.days(defaults.DLQ_RETENTION_DAYS),
        )
        dlq_resource = self.dead_letter_queue.node.default_child
        if dlq_resource is None:  # a Queue always has its CfnQueue child
            raise RuntimeError(f"{self.node.path}: dead-letter queue without a resource")
        Validations.of(dlq_resource).acknowledge(
            Acknowledgment(
                id="Serverless-SQSRedrivePolicy",
                reason="This is the dead-letter queue: its messages are inspected and redriven "
                "by an operator, never sent to a further queue.",
            )
        )
        self.queue = sqs.Queue(
            self,
            "Resource",
            encryption=sqs.QueueEncryption.SQS_MANAGED,
            enforce_ssl=True,
            visibility_timeout=visibility_timeout,
            retention_period=retention or Duration.days(defaults.QUEUE_RETENTION_DAYS),
            dead_letter_queue=sqs.DeadLetterQueue(
                queue=self.dead_letter_queue, max_receive_count=max_receive_count
            ),
        )
