"""Least privilege of the REST functions' table grants and of the internal service's invoke
permission.

The expected DynamoDB actions are what each function's code path calls (handlers, domain and
pydynamodel read by hand; transactions are authorized per item). They are written out here, not
imported from the stack, so a grant that widens or narrows fails this test.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest

from tests.infra.rest_methods import DEV, PROD_REPLICA, REST_STACKS

if TYPE_CHECKING:
    from tests.infra.templates import StackTemplates

#: Transactions of Put, Update and Delete items with conditions (rooms, messages, request
#: records): no ConditionCheck item anywhere, so no
#: dynamodb:ConditionCheckItem.
TRANSACTIONAL_WRITE = {
    "dynamodb:DeleteItem",
    "dynamodb:GetItem",
    "dynamodb:PutItem",
    "dynamodb:UpdateItem",
}
EXPECTED: dict[str, tuple[set[str], set[str]]] = {
    # handler: (DynamoDB actions, indexes queried)
    "handlers.rest.rooms.handler": (
        TRANSACTIONAL_WRITE | {"dynamodb:Query", "dynamodb:BatchWriteItem"},
        {"GSI1"},
    ),
    "handlers.rest.report.handler": ({"dynamodb:GetItem", "dynamodb:Query"}, set()),
    "handlers.rest.admin.handler": ({"dynamodb:Query"}, {"GSI1"}),
    "handlers.rest.ingest_consumer.handler": (
        {"dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem"},
        set(),
    ),
}


def _actions(statement: dict[str, Any]) -> set[str]:
    actions = statement["Action"]
    return {actions} if isinstance(actions, str) else set(actions)


@pytest.mark.parametrize("stack", REST_STACKS)
@pytest.mark.parametrize("handler", sorted(EXPECTED))
def test_each_function_may_call_exactly_the_table_actions_its_code_calls(
    stacks: StackTemplates, stack: str, handler: str
) -> None:
    actions, indexes = EXPECTED[handler]
    statements = [
        s
        for s in stacks.function_statements(stack, handler)
        if any(a.startswith("dynamodb:") for a in _actions(s))
    ]
    assert {a for s in statements for a in _actions(s)} == actions
    resources = str([s["Resource"] for s in statements])
    for index in ("GSI1", "GSI2"):
        assert (f"/index/{index}" in resources) == (index in indexes), (handler, index)
    assert "/index/*" not in resources


@pytest.mark.parametrize("stack", [DEV, PROD_REPLICA])
def test_only_the_internal_services_target_group_may_invoke_it(
    stacks: StackTemplates, stack: str
) -> None:
    # Given the ELB permission to invoke the internal service and its target group
    internal, _ = stacks.function(stack, "handlers.rest.internal_service.handler")
    ((permission),) = (
        p["Properties"]
        for p in stacks.resources(stack, "AWS::Lambda::Permission").values()
        if p["Properties"]["Principal"] == "elasticloadbalancing.amazonaws.com"
    )
    assert permission["FunctionName"] == {"Fn::GetAtt": [internal, "Arn"]}
    (group,) = (
        g["Properties"]
        for g in stacks.resources(stack, "AWS::ElasticLoadBalancingV2::TargetGroup").values()
        if g["Properties"]["TargetType"] == "lambda"
    )

    # Then the permission names that group (by its fixed name) in this account and region
    separator, parts = permission["SourceArn"]["Fn::Join"]
    rendered = separator.join(p if isinstance(p, str) else f"<{p['Ref']}>" for p in parts)
    region = "us-east-1" if stack == PROD_REPLICA else "eu-west-1"
    assert rendered == (
        f"arn:aws:elasticloadbalancing:{region}:<AWS::AccountId>:targetgroup/{group['Name']}/*"
    )
    assert permission["SourceAccount"] == {"Ref": "AWS::AccountId"}


def test_target_group_names_are_unique_per_account_and_region(stacks: StackTemplates) -> None:
    names = {
        (path.split("/")[1], g["Properties"]["Name"])
        for path in stacks
        for g in stacks.resources(path, "AWS::ElasticLoadBalancingV2::TargetGroup").values()
        if g["Properties"].get("TargetType") == "lambda"
    }
    assert len(names) == 3
    assert len({name for _, name in names}) == 2  # Dev and Prod; Prod's regions may share it
    assert all(len(name) <= 32 for _, name in names)
