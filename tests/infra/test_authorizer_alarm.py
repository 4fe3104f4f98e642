"""The authorizer pages on real faults only: routine rejections (bad, expired, foreign or
malformed tokens) are answered with an explicit Deny policy, which Lambda counts as a
successful invocation, so the authorizer's Errors alarm means the function itself failed."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from tests.infra.rest_methods import REST_STACKS

if TYPE_CHECKING:
    from tests.infra.templates import StackTemplates


@pytest.mark.parametrize("stack", REST_STACKS)
def test_the_authorizer_errors_alarm_watches_function_errors_of_the_authorizer(
    stacks: StackTemplates, stack: str
) -> None:
    # Given the authorizer function of the REST stack (shared with the WebSocket API)
    authorizer, _ = stacks.function(stack, "handlers.authorizer.handler")

    # Then exactly one alarm watches its Errors, firing on any error in 2 of 3 periods
    alarms = [
        a["Properties"]
        for a in stacks.resources(stack, "AWS::CloudWatch::Alarm").values()
        if a["Properties"].get("MetricName") == "Errors"
        and a["Properties"]["Dimensions"]
        == [{"Name": "FunctionName", "Value": {"Ref": authorizer}}]
    ]
    assert len(alarms) == 1
    (alarm,) = alarms
    assert alarm["Namespace"] == "AWS/Lambda"
    assert alarm["Statistic"] == "Sum"
    assert alarm["Threshold"] == 0
    assert alarm["ComparisonOperator"] == "GreaterThanThreshold"
    assert (alarm["DatapointsToAlarm"], alarm["EvaluationPeriods"]) == (2, 3)
    assert alarm["TreatMissingData"] == "notBreaching"


def test_no_alarm_pages_on_rejected_credentials(stacks: StackTemplates) -> None:
    # 401/403 answers are clients' mistakes (or probes), visible on the dashboard only
    for path in stacks:
        for alarm in stacks.resources(path, "AWS::CloudWatch::Alarm").values():
            assert alarm["Properties"].get("MetricName") != "4XXError", path
