"""Who may call what: authorizers per route, the user pool, API keys and the usage plan."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest
from aws_cdk.assertions import Match

from contract.rest import ROUTES, Auth, Route
from domain.rooms import ADMIN_GROUP
from tests.infra.rest_methods import DEV, PROD, logical_id_of, method

if TYPE_CHECKING:
    from collections.abc import Callable

    from aws_cdk.assertions import Template

    from tests.infra.templates import StackTemplates

AUTHORIZER = "AWS::ApiGateway::Authorizer"
#: The stacks owning each stage's one user pool (in its primary region).
IDENTITY_STACKS = ("Dev/Identity", "Prod/Identity")
AUTHORIZATION_TYPES = {
    Auth.NONE: "NONE",
    Auth.API_KEY: "NONE",
    Auth.COGNITO: "COGNITO_USER_POOLS",
    Auth.IAM: "AWS_IAM",
    Auth.TOKEN: "CUSTOM",
}


@pytest.mark.parametrize("route", ROUTES, ids=lambda r: f"{r.method} {r.path}")
def test_each_route_uses_the_contract_authorization(stacks: StackTemplates, route: Route) -> None:
    properties = method(stacks, DEV, route.method, route.path)
    assert properties["AuthorizationType"] == AUTHORIZATION_TYPES[route.auth]
    assert properties["ApiKeyRequired"] is (route.auth is Auth.API_KEY)
    if route.auth is Auth.COGNITO:
        cognito = logical_id_of(
            stacks, DEV, "AWS::ApiGateway::Authorizer", Type="COGNITO_USER_POOLS"
        )
        assert properties["AuthorizerId"] == {"Ref": cognito}
    if route.auth is Auth.TOKEN:
        token = logical_id_of(stacks, DEV, AUTHORIZER, Type="REQUEST")
        assert properties["AuthorizerId"] == {"Ref": token}


def test_cors_preflight_needs_no_credentials(stacks: StackTemplates) -> None:
    preflight = method(stacks, DEV, "OPTIONS", "/rooms")
    assert preflight["AuthorizationType"] == "NONE"
    assert preflight["Integration"]["Type"] == "MOCK"


@pytest.mark.parametrize(("stack", "origin"), [(DEV, "'*'"), (PROD, "'https://app.example.com'")])
def test_cors_preflight_allows_the_stage_origins(
    stacks: StackTemplates, stack: str, origin: str
) -> None:
    (response,) = method(stacks, stack, "OPTIONS", "/rooms")["Integration"]["IntegrationResponses"]
    assert response["ResponseParameters"]["method.response.header.Access-Control-Allow-Origin"] == (
        origin
    )


def test_report_authorizer_reads_the_bearer_header_and_caches_5_minutes(
    template: Callable[[str], Template],
) -> None:
    template(DEV).has_resource_properties(
        "AWS::ApiGateway::Authorizer",
        {
            "Type": "REQUEST",
            "IdentitySource": "method.request.header.Authorization",
            "AuthorizerResultTtlInSeconds": 300,
        },
    )


@pytest.mark.parametrize("stack", IDENTITY_STACKS)
def test_user_pool_is_admin_created_with_strong_passwords_and_threat_protection(
    template: Callable[[str], Template], stack: str
) -> None:
    template(stack).has_resource(
        "AWS::Cognito::UserPool",
        {
            "Properties": Match.object_like(
                {
                    "AdminCreateUserConfig": {"AllowAdminCreateUserOnly": True},
                    "Policies": {
                        "PasswordPolicy": Match.object_like(
                            {
                                "MinimumLength": 12,
                                "RequireLowercase": True,
                                "RequireUppercase": True,
                                "RequireNumbers": True,
                                "RequireSymbols": True,
                            }
                        )
                    },
                    "MfaConfiguration": "OPTIONAL",
                    "EnabledMfas": ["SOFTWARE_TOKEN_MFA"],
                    "UserPoolAddOns": {"AdvancedSecurityMode": "ENFORCED"},
                    "DeletionProtection": "ACTIVE",
                }
            ),
            "DeletionPolicy": "Retain",
        },
    )


@pytest.mark.parametrize("stack", IDENTITY_STACKS)
def test_app_client_uses_srp_without_a_secret(
    template: Callable[[str], Template], stack: str
) -> None:
    template(stack).has_resource_properties(
        "AWS::Cognito::UserPoolClient",
        {
            "ExplicitAuthFlows": ["ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
            "GenerateSecret": False,
            "PreventUserExistenceErrors": "ENABLED",
        },
    )


@pytest.mark.parametrize(
    ("stack", "rate", "burst", "quota", "period"),
    [(DEV, 10, 20, 10000, "DAY"), (PROD, 50, 100, 1000000, "MONTH")],
)
def test_partner_usage_plan_takes_throttle_and_quota_from_config(
    template: Callable[[str], Template],
    stack: str,
    rate: int,
    burst: int,
    quota: int,
    period: str,
) -> None:
    template(stack).has_resource_properties(
        "AWS::ApiGateway::UsagePlan",
        {
            "Throttle": {"RateLimit": rate, "BurstLimit": burst},
            "Quota": {"Limit": quota, "Period": period},
            "ApiStages": [Match.object_like({"Stage": Match.any_value()})],
        },
    )


def test_partner_key_belongs_to_the_usage_plan(stacks: StackTemplates) -> None:
    (key,) = stacks.resources(DEV, "AWS::ApiGateway::ApiKey")
    (plan,) = stacks.resources(DEV, "AWS::ApiGateway::UsagePlan")
    (link,) = stacks.resources(DEV, "AWS::ApiGateway::UsagePlanKey").values()
    assert link["Properties"] == {
        "KeyId": {"Ref": key},
        "KeyType": "API_KEY",
        "UsagePlanId": {"Ref": plan},
    }


@pytest.mark.parametrize("stack", IDENTITY_STACKS)
def test_the_admin_group_the_rooms_rules_check_exists_in_the_user_pool(
    stacks: StackTemplates, stack: str
) -> None:
    # Given the group the rooms access rules treat as admins (lambda/domain/rooms.py)
    # When the stage's user pool groups are read
    groups = stacks.resources(stack, "AWS::Cognito::UserPoolGroup").values()
    (pool,) = stacks.resources(stack, "AWS::Cognito::UserPool")
    # Then exactly that group exists, in the stage's one pool (every region's Cognito
    # authorizer trusts that pool: tests/infra/test_multi_region.py)
    (group,) = (g["Properties"] for g in groups if g["Properties"]["GroupName"] == ADMIN_GROUP)
    assert group["UserPoolId"] == {"Ref": pool}
    assert group["Description"]
