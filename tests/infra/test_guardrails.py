"""cdk-nag runs on every synth and fails it on any finding not acknowledged with a reason."""

from __future__ import annotations

from typing import TYPE_CHECKING

import aws_cdk as cdk
import pytest
from aws_cdk import aws_sqs as sqs

from stacks.guardrails import acknowledge, add_guardrails

if TYPE_CHECKING:
    from pathlib import Path


def app_with_plain_queue(tmp_path: Path) -> tuple[cdk.App, sqs.Queue]:
    app = cdk.App(outdir=str(tmp_path), builtin_cloud_formation_validation=False)
    stack = cdk.Stack(cdk.Stage(app, "Test"), "Queues")
    # A queue with neither a dead-letter queue nor an SSL-only policy breaks two AwsSolutions rules.
    queue = sqs.Queue(stack, "Plain")
    add_guardrails(app)
    return app, queue


def test_an_unacknowledged_finding_fails_synth(tmp_path: Path) -> None:
    app, _ = app_with_plain_queue(tmp_path)
    with pytest.raises(Exception, match="AwsSolutions-SQS3"):
        app.synth()


def test_findings_acknowledged_on_the_resource_with_a_reason_pass(tmp_path: Path) -> None:
    app, queue = app_with_plain_queue(tmp_path)
    resource = queue.node.default_child
    assert resource is not None
    for rule in ("AwsSolutions-SQS3", "AwsSolutions-SQS4", "Serverless-SQSRedrivePolicy"):
        acknowledge(resource, rule, "Test fixture queue that exists only inside this test app.")
    app.synth()


def test_acknowledging_on_a_whole_stack_is_refused(tmp_path: Path) -> None:
    _, queue = app_with_plain_queue(tmp_path)
    with pytest.raises(ValueError, match="on the resource that triggers it"):
        acknowledge(queue.stack, "AwsSolutions-SQS3", "Every queue in this stack is a test one.")


def test_an_acknowledgement_without_a_concrete_reason_is_refused(tmp_path: Path) -> None:
    _, queue = app_with_plain_queue(tmp_path)
    with pytest.raises(ValueError, match="needs a concrete reason"):
        acknowledge(queue, "AwsSolutions-SQS3", "ok")


def test_several_rules_with_one_reason_are_acknowledged_in_one_call(tmp_path: Path) -> None:
    app, queue = app_with_plain_queue(tmp_path)
    resource = queue.node.default_child
    assert resource is not None
    acknowledge(
        resource,
        ["AwsSolutions-SQS3", "AwsSolutions-SQS4", "Serverless-SQSRedrivePolicy"],
        "Test fixture queue that exists only inside this test app.",
    )
    app.synth()


def test_a_rule_left_out_of_the_list_still_fails_synth(tmp_path: Path) -> None:
    app, queue = app_with_plain_queue(tmp_path)
    resource = queue.node.default_child
    assert resource is not None
    acknowledge(
        resource,
        ["AwsSolutions-SQS3", "Serverless-SQSRedrivePolicy"],
        "Test fixture queue that exists only inside this test app.",
    )
    with pytest.raises(Exception, match="AwsSolutions-SQS4"):
        app.synth()
