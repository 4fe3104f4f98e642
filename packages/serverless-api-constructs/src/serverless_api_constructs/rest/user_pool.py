"""A Cognito user pool for API users, and the REST authorizer that trusts it."""

from __future__ import annotations

from aws_cdk import Acknowledgment, Validations
from aws_cdk import aws_apigateway as apigateway
from aws_cdk import aws_cognito as cognito
from constructs import Construct

from .. import defaults
from .defaults import PASSWORD_MIN_LENGTH, TEMPORARY_PASSWORD_VALIDITY


class ApiUserPool(Construct):
    """A user pool (``.user_pool``) and an app client (``.client``) for API users:

    - administrators create users (self sign-up off); sign-in with e-mail;
    - passwords of at least ``PASSWORD_MIN_LENGTH`` characters with all character classes;
    - ``mfa`` (default optional) with TOTP apps only (no SMS cost or SIM-swap risk);
    - Plus feature plan with threat protection enforced (compromised credentials, risky
      sign-ins); account recovery by e-mail only;
    - retained on stack deletion, with deletion protection;
    - the client uses SRP (no password sent) and hides whether a user exists;
    - :meth:`add_group` declares a group (``cognito:groups`` claim) next to the pool.
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        mfa: cognito.Mfa = cognito.Mfa.OPTIONAL,
    ) -> None:
        super().__init__(scope, construct_id)
        self.user_pool = cognito.UserPool(
            self,
            "Resource",
            self_sign_up_enabled=False,
            sign_in_aliases=cognito.SignInAliases(email=True),
            password_policy=cognito.PasswordPolicy(
                min_length=PASSWORD_MIN_LENGTH,
                require_lowercase=True,
                require_uppercase=True,
                require_digits=True,
                require_symbols=True,
                temp_password_validity=TEMPORARY_PASSWORD_VALIDITY,
            ),
            mfa=mfa,
            mfa_second_factor=cognito.MfaSecondFactor(otp=True, sms=False),
            account_recovery=cognito.AccountRecovery.EMAIL_ONLY,
            feature_plan=cognito.FeaturePlan.PLUS,
            standard_threat_protection_mode=cognito.StandardThreatProtectionMode.FULL_FUNCTION,
            deletion_protection=True,
            removal_policy=defaults.STATEFUL_REMOVAL_POLICY,
        )
        if mfa != cognito.Mfa.REQUIRED:
            Validations.of(self.user_pool).acknowledge(
                Acknowledgment(
                    id="AwsSolutions-COG2",
                    reason="MFA is offered to every user (TOTP) but not forced on sign-up; "
                    "threat protection blocks risky sign-ins of users without it.",
                )
            )
        self.client = self.user_pool.add_client(
            "AppClient",
            auth_flows=cognito.AuthFlow(user_srp=True),
            generate_secret=False,
            prevent_user_existence_errors=True,
        )

    def add_group(
        self, construct_id: str, *, group_name: str, description: str
    ) -> cognito.CfnUserPoolGroup:
        """A group of this pool: its members' ID tokens list ``group_name`` in
        ``cognito:groups`` (membership is granted by an operator, never by sign-up)."""
        return cognito.CfnUserPoolGroup(
            self,
            construct_id,
            user_pool_id=self.user_pool.user_pool_id,
            group_name=group_name,
            description=description,
        )

    def authorizer(self, construct_id: str = "Authorizer") -> apigateway.CognitoUserPoolsAuthorizer:
        """A REST authorizer accepting ID tokens of this pool in the ``Authorization`` header."""
        return apigateway.CognitoUserPoolsAuthorizer(
            self, construct_id, cognito_user_pools=[self.user_pool]
        )
