"""Protection of the REST API: WAF, throttling and the source-IP resource policy."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest
from aws_cdk.assertions import Match

from tests.infra.rest_methods import DEV, PROD, PROD_REPLICA, REST_STACKS

if TYPE_CHECKING:
    from collections.abc import Callable

    from aws_cdk.assertions import Template

    from tests.infra.templates import StackTemplates


def _web_acl(stacks: StackTemplates, stack: str) -> tuple[str, dict[str, Any]]:
    ((logical_id, acl),) = stacks.resources(stack, "AWS::WAFv2::WebACL").items()
    return logical_id, acl["Properties"]


@pytest.mark.parametrize(("stack", "limit"), [(DEV, 1000), (PROD, 2000), (PROD_REPLICA, 2000)])
def test_web_acl_runs_managed_rules_and_the_configured_rate_limit(
    stacks: StackTemplates, stack: str, limit: int
) -> None:
    _, acl = _web_acl(stacks, stack)
    assert acl["Scope"] == "REGIONAL"
    assert acl["DefaultAction"] == {"Allow": {}}
    managed = {
        rule["Statement"]["ManagedRuleGroupStatement"]["Name"]
        for rule in acl["Rules"]
        if "ManagedRuleGroupStatement" in rule["Statement"]
    }
    assert {
        "AWSManagedRulesCommonRuleSet",
        "AWSManagedRulesKnownBadInputsRuleSet",
        "AWSManagedRulesAmazonIpReputationList",
    } <= managed
    (rate,) = (r for r in acl["Rules"] if "RateBasedStatement" in r["Statement"])
    assert rate["Action"] == {"Block": {}}
    assert rate["Statement"]["RateBasedStatement"]["Limit"] == limit
    assert rate["Statement"]["RateBasedStatement"]["AggregateKeyType"] == "IP"
    assert len({r["Priority"] for r in acl["Rules"]}) == len(acl["Rules"])


@pytest.mark.parametrize("stack", REST_STACKS)
def test_web_acl_is_associated_with_the_api_stage(stacks: StackTemplates, stack: str) -> None:
    acl_id, _ = _web_acl(stacks, stack)
    (stage,) = stacks.resources(stack, "AWS::ApiGateway::Stage")
    (association,) = stacks.resources(stack, "AWS::WAFv2::WebACLAssociation").values()
    properties = association["Properties"]
    assert properties["WebACLArn"] == {"Fn::GetAtt": [acl_id, "Arn"]}
    assert {"Ref": stage} in properties["ResourceArn"]["Fn::Join"][1]


@pytest.mark.parametrize(("stack", "rate", "burst"), [(DEV, 50, 100), (PROD, 500, 1000)])
def test_stage_throttling_comes_from_config(
    template: Callable[[str], Template], stack: str, rate: int, burst: int
) -> None:
    template(stack).has_resource_properties(
        "AWS::ApiGateway::Stage",
        {
            "MethodSettings": Match.array_with(
                [
                    Match.object_like(
                        {
                            "HttpMethod": "*",
                            "ResourcePath": "/*",
                            "ThrottlingRateLimit": rate,
                            "ThrottlingBurstLimit": burst,
                        }
                    )
                ]
            )
        },
    )


@pytest.mark.parametrize(("stack", "rate", "burst"), [(DEV, 5, 10), (PROD, 50, 100)])
def test_the_report_method_is_throttled_below_the_stage(
    template: Callable[[str], Template], stack: str, rate: int, burst: int
) -> None:
    template(stack).has_resource_properties(
        "AWS::ApiGateway::Stage",
        {
            "MethodSettings": Match.array_with(
                [
                    Match.object_like(
                        {
                            "HttpMethod": "GET",
                            "ResourcePath": "/~1rooms~1{room_id}~1report",
                            "ThrottlingRateLimit": rate,
                            "ThrottlingBurstLimit": burst,
                        }
                    )
                ]
            )
        },
    )


def test_dev_without_ip_lists_has_no_resource_policy(stacks: StackTemplates) -> None:
    (api,) = stacks.resources(DEV, "AWS::ApiGateway::RestApi").values()
    assert "Policy" not in api["Properties"]


def _policy(stacks: StackTemplates, stack: str) -> dict[str, dict[str, Any]]:
    (api,) = stacks.resources(stack, "AWS::ApiGateway::RestApi").values()
    return {s["Sid"]: s for s in api["Properties"]["Policy"]["Statement"]}


@pytest.mark.parametrize("stack", [PROD, PROD_REPLICA])
def test_prod_denies_the_listed_source_ips(stacks: StackTemplates, stack: str) -> None:
    deny = _policy(stacks, stack)["DenyListedSourceIps"]
    assert deny["Effect"] == "Deny"
    assert deny["Principal"] == {"AWS": "*"}
    assert deny["Action"] == "execute-api:Invoke"
    assert deny["Condition"] == {"IpAddress": {"aws:SourceIp": ["192.0.2.0/24"]}}


def test_prod_has_no_allow_list_so_every_other_ip_may_call(stacks: StackTemplates) -> None:
    assert "DenyUnlistedSourceIps" not in _policy(stacks, PROD)


def test_the_anonymous_allow_names_every_route_except_the_iam_ones(
    stacks: StackTemplates,
) -> None:
    statements = _policy(stacks, PROD)
    anonymous = statements["AllowAnonymousMethods"]
    assert anonymous["Principal"] == {"AWS": "*"}
    assert "execute-api:/*/GET/rooms/*/messages" in anonymous["Resource"]
    assert "execute-api:/*/OPTIONS/*" in anonymous["Resource"]
    assert not [r for r in anonymous["Resource"] if "/admin/" in r or "/internal/" in r]
    account = statements["AllowThisAccount"]
    assert account["Resource"] == "execute-api:/*"
    assert account["Principal"]["AWS"]["Fn::Join"][1][-1] == ":root"


def test_an_allow_list_refuses_every_other_source_ip() -> None:
    from serverless_api_constructs.rest.api import _resource_policy

    # Given only an allow list
    document = _resource_policy(["203.0.113.0/24"], [], [("GET", "/health")])

    # Then the policy denies every source outside it
    assert document is not None
    statements = {s["Sid"]: s for s in document.to_json()["Statement"]}
    assert statements["DenyUnlistedSourceIps"]["Condition"] == {
        "NotIpAddress": {"aws:SourceIp": ["203.0.113.0/24"]}
    }
    assert "DenyListedSourceIps" not in statements
