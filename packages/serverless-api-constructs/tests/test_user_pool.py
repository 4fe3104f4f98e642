"""ApiUserPool: a new pool with secure defaults, or an existing (imported) one."""

from __future__ import annotations

import aws_cdk as cdk
from aws_cdk import aws_apigateway as apigateway
from aws_cdk import aws_cognito as cognito
from aws_cdk.assertions import Match
from construct_testkit import OTHER_REGION, new_stack, refused, template_of

from serverless_api_constructs.rest import ApiUserPool

PRIMARY_POOL_ARN = f"arn:aws:cognito-idp:{OTHER_REGION}:123456789012:userpool/{OTHER_REGION}_AbC123"


def _api_with_authorizer(stack: cdk.Stack, authorizer: apigateway.IAuthorizer) -> None:
    api = apigateway.RestApi(stack, "Api")
    api.root.add_method(
        "GET",
        apigateway.MockIntegration(),
        authorizer=authorizer,
        authorization_type=apigateway.AuthorizationType.COGNITO,
    )


def test_a_new_pool_is_admin_only_retained_protected_and_has_an_srp_client() -> None:
    # Given a user pool with its defaults
    stack = new_stack()
    users = ApiUserPool(stack, "Users")
    template = template_of(stack)
    # Then administrators create users, deletion is refused and the pool outlives the stack
    template.has_resource(
        "AWS::Cognito::UserPool",
        {
            "Properties": Match.object_like(
                {
                    "AdminCreateUserConfig": {"AllowAdminCreateUserOnly": True},
                    "DeletionProtection": "ACTIVE",
                    "MfaConfiguration": "OPTIONAL",
                    "EnabledMfas": ["SOFTWARE_TOKEN_MFA"],
                }
            ),
            "DeletionPolicy": "Retain",
        },
    )
    # And its one client signs in with SRP and hides whether a user exists
    template.has_resource_properties(
        "AWS::Cognito::UserPoolClient",
        {
            "ExplicitAuthFlows": ["ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
            "GenerateSecret": False,
            "PreventUserExistenceErrors": "ENABLED",
        },
    )
    assert users.client is not None


def test_an_imported_pool_from_another_region_creates_nothing_and_backs_the_authorizer() -> None:
    # Given the primary region's pool imported by ARN and its client by id
    stack = new_stack()
    pool = cognito.UserPool.from_user_pool_arn(stack, "PrimaryPool", PRIMARY_POOL_ARN)
    client = cognito.UserPoolClient.from_user_pool_client_id(stack, "PrimaryClient", "client123")
    # When the construct wraps them
    users = ApiUserPool(stack, "Users", existing_user_pool=pool, existing_client=client)
    _api_with_authorizer(stack, users.authorizer())
    template = template_of(stack)
    # Then no pool, client or group is created here
    assert users.user_pool is pool
    assert users.client is client
    for resource_type in (
        "AWS::Cognito::UserPool",
        "AWS::Cognito::UserPoolClient",
        "AWS::Cognito::UserPoolGroup",
    ):
        template.resource_count_is(resource_type, 0)
    # And the REST authorizer trusts the imported pool by its ARN
    template.has_resource_properties(
        "AWS::ApiGateway::Authorizer",
        {"Type": "COGNITO_USER_POOLS", "ProviderARNs": [PRIMARY_POOL_ARN]},
    )


def test_an_imported_pool_of_this_region_gets_a_client_when_none_is_passed() -> None:
    # Given a pool of the stack's own region, imported without its client
    stack = new_stack()
    pool = cognito.UserPool.from_user_pool_id(stack, "Pool", "eu-west-1_AbC123")
    # When the construct wraps it
    users = ApiUserPool(stack, "Users", existing_user_pool=pool)
    # Then a client of that pool is created, and no pool
    template = template_of(stack)
    template.resource_count_is("AWS::Cognito::UserPool", 0)
    template.has_resource_properties(
        "AWS::Cognito::UserPoolClient", {"UserPoolId": "eu-west-1_AbC123"}
    )
    assert users.client is not None


def test_an_imported_pool_of_another_region_without_its_client_is_refused() -> None:
    # Given a pool of another region, imported without a client
    stack = new_stack()
    pool = cognito.UserPool.from_user_pool_arn(stack, "PrimaryPool", PRIMARY_POOL_ARN)
    # Then the construct refuses, since a client of that pool cannot be created in this stack
    with refused(
        "ApiUserPool: existing_user_pool is in region us-east-1, this stack in eu-west-1; "
        "pass existing_client (a client of that pool cannot be created from this stack)"
    ):
        ApiUserPool(stack, "Users", existing_user_pool=pool)


def test_groups_of_an_imported_pool_of_another_region_are_refused() -> None:
    stack = new_stack()
    pool = cognito.UserPool.from_user_pool_arn(stack, "PrimaryPool", PRIMARY_POOL_ARN)
    client = cognito.UserPoolClient.from_user_pool_client_id(stack, "PrimaryClient", "client123")
    users = ApiUserPool(stack, "Users", existing_user_pool=pool, existing_client=client)
    with refused(
        "ApiUserPool.add_group: existing_user_pool is in region us-east-1, this stack in "
        "eu-west-1; declare group 'admins' in the pool's own stack"
    ):
        users.add_group("Admins", group_name="admins", description="Admins")


def test_user_pool_props_and_an_existing_pool_together_are_refused() -> None:
    stack = new_stack()
    pool = cognito.UserPool.from_user_pool_id(stack, "Pool", "eu-west-1_AbC123")
    with refused(
        "ApiUserPool: pass either existing_user_pool or the new pool's settings (mfa, "
        "user_pool_props), not both"
    ):
        ApiUserPool(stack, "Users", existing_user_pool=pool, mfa=cognito.Mfa.REQUIRED)
