"""Every alarm of the app watches a metric no other stage, region or API can feed.

Dev and Prod deploy to the same account and region: two alarms on the same namespace, metric
name and dimension set would each fire on the other stage's traffic. CloudWatch metrics are
regional, so the region is part of a metric's identity; everything else must differ.
"""

from __future__ import annotations

from collections import defaultdict
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from tests.infra.templates import StackTemplates

MetricKey = tuple[str, str, str, frozenset[tuple[str, str]]]

_REGIONS = {"EuWest1": "eu-west-1", "UsEast1": "us-east-1"}


def _render(value: Any, stack: str, region: str) -> str:
    """A dimension value as the physical thing it names: a ``Ref`` or ``GetAtt`` names a
    resource of ``stack`` (the same logical id in another stack is another resource), a
    ``Fn::GetStackOutput`` names the producing stack's output."""
    if isinstance(value, str):
        return value
    if "Ref" in value:
        pseudo = {"AWS::Region": region, "AWS::AccountId": "<account>"}
        return pseudo.get(value["Ref"], f"{stack}:{value['Ref']}")
    if "Fn::GetAtt" in value:
        return f"{stack}:{'.'.join(value['Fn::GetAtt'])}"
    if "Fn::GetStackOutput" in value:
        output = value["Fn::GetStackOutput"]
        return f"{output['StackName']}:{output['OutputName']}"
    if "Fn::Join" in value:
        separator, parts = value["Fn::Join"]
        return str(separator).join(_render(p, stack, region) for p in parts)
    raise ValueError(f"cannot render dimension value {value!r}")


def _metrics(alarm: dict[str, Any]) -> list[dict[str, Any]]:
    """The metrics an alarm reads (one, or each ``MetricStat`` of a metric-math alarm)."""
    if "MetricName" in alarm:
        return [alarm]
    return [m["MetricStat"]["Metric"] for m in alarm.get("Metrics", []) if "MetricStat" in m]


def alarm_metrics(stacks: StackTemplates) -> dict[MetricKey, list[str]]:
    """(region, namespace, metric, dimensions) -> the alarms (``stack/logical id``) on it."""
    found: dict[MetricKey, list[str]] = defaultdict(list)
    for path in stacks:
        region = _REGIONS.get(path.split("/")[1], "eu-west-1")
        stack = path.replace("/", "-")
        for logical_id, alarm in stacks.resources(path, "AWS::CloudWatch::Alarm").items():
            for metric in _metrics(alarm["Properties"]):
                dimensions = frozenset(
                    (d["Name"], _render(d["Value"], stack, region))
                    for d in metric.get("Dimensions", [])
                )
                key = (region, metric["Namespace"], metric["MetricName"], dimensions)
                found[key].append(f"{path}/{logical_id}")
    return found


def test_no_two_alarms_of_the_app_watch_the_same_metric(stacks: StackTemplates) -> None:
    # Given every alarm of every stack of every stage
    metrics = alarm_metrics(stacks)
    assert metrics

    # Then no metric (region, namespace, name, dimensions) is watched from two stacks
    shared = {
        key: alarms
        for key, alarms in metrics.items()
        if len({alarm.rsplit("/", 1)[0] for alarm in alarms}) > 1
    }
    assert not shared, shared


@pytest.mark.parametrize("namespace", ["AWS/ApiGateway"])
def test_api_alarms_name_the_api_and_its_stage(stacks: StackTemplates, namespace: str) -> None:
    # Given the alarms on API Gateway metrics (REST and WebSocket)
    keys = [key for key in alarm_metrics(stacks) if key[1] == namespace]
    assert keys

    # Then each names its API (REST: unique name; WebSocket: API id) and its stage
    for _, _, _, dimensions in keys:
        names = {name for name, _ in dimensions}
        assert names in ({"ApiName", "Stage"}, {"ApiId", "Stage"}), dimensions


def test_every_rest_api_has_a_stage_and_region_qualified_name(stacks: StackTemplates) -> None:
    names = [
        api["Properties"]["Name"]
        for path in stacks
        for api in stacks.resources(path, "AWS::ApiGateway::RestApi").values()
    ]
    assert sorted(names) == ["Dev-eu-west-1-rooms", "Prod-eu-west-1-rooms", "Prod-us-east-1-rooms"]
