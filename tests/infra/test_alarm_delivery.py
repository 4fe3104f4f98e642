"""Alarms reach a human: CloudWatch may publish to each alarm topic and use its key, and only
on behalf of alarms of the topic's own account and region (no confused deputy)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from tests.infra.templates import StackTemplates

CLOUDWATCH = {"Service": "cloudwatch.amazonaws.com"}


def _actions(statement: dict[str, Any]) -> set[str]:
    actions = statement["Action"]
    return {actions} if isinstance(actions, str) else set(actions)


def _alarm_stacks(stacks: StackTemplates) -> list[str]:
    return [path for path in stacks if stacks.resources(path, "AWS::CloudWatch::Alarm")]


def _scoped_to_this_accounts_alarms(path: str, statement: dict[str, Any]) -> None:
    region = {"EuWest1": "eu-west-1", "UsEast1": "us-east-1"}[path.split("/")[1]]
    condition = statement["Condition"]
    assert condition["StringEquals"]["aws:SourceAccount"] == {"Ref": "AWS::AccountId"}
    separator, parts = condition["ArnLike"]["aws:SourceArn"]["Fn::Join"]
    rendered = separator.join(
        "<account>" if part == {"Ref": "AWS::AccountId"} else part for part in parts
    )
    assert rendered == f"arn:aws:cloudwatch:{region}:<account>:alarm:*"


def test_every_stack_with_alarms_has_a_topic(stacks: StackTemplates) -> None:
    paths = _alarm_stacks(stacks)
    assert len(paths) == 6, paths  # REST and WebSocket of Dev, Prod eu-west-1, Prod us-east-1
    for path in paths:
        assert len(stacks.resources(path, "AWS::SNS::Topic")) == 1, path


@pytest.mark.parametrize(
    "path",
    [
        "Dev/EuWest1/RestApi",
        "Dev/EuWest1/WebSocketApi",
        "Prod/EuWest1/RestApi",
        "Prod/UsEast1/WebSocketApi",
    ],
)
def test_cloudwatch_may_publish_to_the_alarm_topic_for_this_accounts_alarms_only(
    stacks: StackTemplates, path: str
) -> None:
    # Given the alarm topic of a stack and its topic policy (which replaces SNS's default)
    ((topic, _),) = stacks.resources(path, "AWS::SNS::Topic").items()
    (policy,) = (
        p["Properties"]
        for p in stacks.resources(path, "AWS::SNS::TopicPolicy").values()
        if {"Ref": topic} in p["Properties"]["Topics"]
    )

    # Then one statement allows the CloudWatch service to publish to exactly this topic ...
    allows = [
        s
        for s in policy["PolicyDocument"]["Statement"]
        if s["Effect"] == "Allow" and s.get("Principal") == CLOUDWATCH
    ]
    assert len(allows) == 1, policy
    (allow,) = allows
    assert _actions(allow) == {"sns:Publish"}
    assert allow["Resource"] == {"Ref": topic}
    # ... on behalf of alarms of this account and region only
    _scoped_to_this_accounts_alarms(path, allow)


@pytest.mark.parametrize("path", ["Dev/EuWest1/RestApi", "Prod/UsEast1/WebSocketApi"])
def test_cloudwatch_may_use_the_topic_key_for_this_accounts_alarms_only(
    stacks: StackTemplates, path: str
) -> None:
    # Given the key that encrypts the alarm topic
    ((_, topic),) = stacks.resources(path, "AWS::SNS::Topic").items()
    key_id = topic["Properties"]["KmsMasterKeyId"]["Fn::GetAtt"][0]
    statements = stacks[path]["Resources"][key_id]["Properties"]["KeyPolicy"]["Statement"]

    # Then CloudWatch's statement allows what SNS needs to encrypt a message, scoped the same way
    (grant,) = (s for s in statements if s.get("Principal") == CLOUDWATCH)
    assert _actions(grant) == {"kms:Decrypt", "kms:GenerateDataKey*"}
    _scoped_to_this_accounts_alarms(path, grant)
