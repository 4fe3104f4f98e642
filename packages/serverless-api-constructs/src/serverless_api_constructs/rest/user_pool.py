"""A Cognito user pool for API users, and the REST authorizer that trusts it."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from aws_cdk import Acknowledgment, Stack, Token, Validations
from aws_cdk import aws_apigateway as apigateway
from aws_cdk import aws_cognito as cognito
from constructs import Construct

from .. import defaults
from ..props import merge_props, refuse_both
from .defaults import PASSWORD_MIN_LENGTH, TEMPORARY_PASSWORD_VALIDITY

if TYPE_CHECKING:
    from collections.abc import Mapping

_OWNER = "ApiUserPool"


class ApiUserPool(Construct):
    """A user pool (``.user_pool``) and an app client (``.client``) for API users.

    A new pool (the default) is secure by default:

    - administrators create users (self sign-up off); sign-in with e-mail;
    - passwords of at least ``PASSWORD_MIN_LENGTH`` characters with all character classes;
    - ``mfa`` (default ``Mfa.OPTIONAL``) with TOTP apps only (no SMS cost or SIM-swap risk);
    - Plus feature plan with threat protection enforced (compromised credentials, risky
      sign-ins); account recovery by e-mail only;
    - retained on stack deletion, with deletion protection;
    - the client uses SRP (no password sent) and hides whether a user exists.

    ``user_pool_props`` / ``client_props`` are other ``UserPool`` / ``add_client`` keyword
    arguments merged over these defaults (``mfa`` has its own keyword argument).

    ``existing_user_pool`` wraps a pool created elsewhere instead, e.g. one pool shared by the
    regions of a multi-region API (``UserPool.from_user_pool_arn`` in the other regions): no
    pool is created, and passing ``mfa`` or ``user_pool_props`` as well is an error.
    ``existing_client`` is its client (``client_props`` then is an error); without one, a
    client with the settings above is created, which is only possible when the pool is in
    this stack's region (otherwise the construct refuses, naming both regions).

    :meth:`authorizer` returns a REST authorizer trusting the pool (new or imported, any
    region); :meth:`add_group` declares a group (``cognito:groups`` claim) next to the pool.
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        existing_user_pool: cognito.IUserPool | None = None,
        existing_client: cognito.IUserPoolClient | None = None,
        mfa: cognito.Mfa | None = None,
        user_pool_props: Mapping[str, Any] | None = None,
        client_props: Mapping[str, Any] | None = None,
    ) -> None:
        super().__init__(scope, construct_id)
        refuse_both(_OWNER, "existing_client", existing_client, "client_props", client_props)
        if existing_user_pool is not None:
            if mfa is not None or user_pool_props is not None:
                raise ValueError(
                    "ApiUserPool: pass either existing_user_pool or the new pool's settings "
                    "(mfa, user_pool_props), not both"
                )
            self.user_pool: cognito.IUserPool = existing_user_pool
            self._foreign_region = _foreign_region(self, existing_user_pool)
            if existing_client is None and self._foreign_region is not None:
                raise ValueError(
                    f"ApiUserPool: existing_user_pool is in region {self._foreign_region}, "
                    f"this stack in {Stack.of(self).region}; pass existing_client (a client "
                    "of that pool cannot be created from this stack)"
                )
        else:
            self.user_pool = self._new_pool(mfa or cognito.Mfa.OPTIONAL, user_pool_props)
            self._foreign_region = None
        self.client: cognito.IUserPoolClient = existing_client or self.user_pool.add_client(
            "AppClient",
            **merge_props(
                _OWNER,
                "client_props",
                {
                    "auth_flows": cognito.AuthFlow(user_srp=True),
                    "generate_secret": False,
                    "prevent_user_existence_errors": True,
                },
                client_props,
                reserved=("user_pool",),
            ),
        )

    def _new_pool(
        self, mfa: cognito.Mfa, user_pool_props: Mapping[str, Any] | None
    ) -> cognito.UserPool:
        props = merge_props(
            _OWNER,
            "user_pool_props",
            {
                "self_sign_up_enabled": False,
                "sign_in_aliases": cognito.SignInAliases(email=True),
                "password_policy": cognito.PasswordPolicy(
                    min_length=PASSWORD_MIN_LENGTH,
                    require_lowercase=True,
                    require_uppercase=True,
                    require_digits=True,
                    require_symbols=True,
                    temp_password_validity=TEMPORARY_PASSWORD_VALIDITY,
                ),
                "mfa": mfa,
                "mfa_second_factor": cognito.MfaSecondFactor(otp=True, sms=False),
                "account_recovery": cognito.AccountRecovery.EMAIL_ONLY,
                "feature_plan": cognito.FeaturePlan.PLUS,
                "standard_threat_protection_mode": (
                    cognito.StandardThreatProtectionMode.FULL_FUNCTION
                ),
                "deletion_protection": True,
                "removal_policy": defaults.STATEFUL_REMOVAL_POLICY,
            },
            user_pool_props,
            reserved=("mfa",),
        )
        pool = cognito.UserPool(self, "Resource", **props)
        if mfa != cognito.Mfa.REQUIRED:
            Validations.of(pool).acknowledge(
                Acknowledgment(
                    id="AwsSolutions-COG2",
                    reason="MFA is offered to every user (TOTP) but not forced on sign-up; "
                    "threat protection blocks risky sign-ins of users without it.",
                )
            )
        return pool

    def add_group(
        self, construct_id: str, *, group_name: str, description: str
    ) -> cognito.CfnUserPoolGroup:
        """A group of this pool: its members' ID tokens list ``group_name`` in
        ``cognito:groups`` (membership is granted by an operator, never by sign-up)."""
        if self._foreign_region is not None:
            raise ValueError(
                f"ApiUserPool.add_group: existing_user_pool is in region {self._foreign_region}, "
                f"this stack in {Stack.of(self).region}; declare group {group_name!r} in the "
                "pool's own stack"
            )
        return cognito.CfnUserPoolGroup(
            self,
            construct_id,
            user_pool_id=self.user_pool.user_pool_id,
            group_name=group_name,
            description=description,
        )

    def authorizer(self, construct_id: str = "Authorizer") -> apigateway.CognitoUserPoolsAuthorizer:
        """A REST authorizer accepting ID tokens of this pool in the ``Authorization`` header
        (API Gateway accepts a pool of any region)."""
        return apigateway.CognitoUserPoolsAuthorizer(
            self, construct_id, cognito_user_pools=[self.user_pool]
        )


def _foreign_region(scope: Construct, pool: cognito.IUserPool) -> str | None:
    """The pool's region when it is known and differs from the stack's, else ``None``."""
    here, there = Stack.of(scope).region, pool.env.region
    if Token.is_unresolved(here) or Token.is_unresolved(there) or here == there:
        return None
    return there
