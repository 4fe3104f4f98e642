"""The stage's one identity, in its primary region: the Cognito user pool (app client, admins
group), the token signing secret and the pagination cursor secret.

One pool and one value of each secret for the whole stage, so that a token or a cursor issued
in one region is accepted in every other (docs/decisions/multi-region.md). Secrets Manager
replicates both secrets to every replica region of the stage; a function reads the replica in
its own region (:meth:`IdentityStack.replica_arn`), so a read never crosses regions.
"""

from __future__ import annotations

# First: importing lambda_code puts lambda/ on sys.path, where `contract` lives.
from . import lambda_code as _lambda_code  # noqa: F401

# isort: split

from typing import TYPE_CHECKING, Any, Protocol

import aws_cdk as cdk
from aws_cdk import aws_secretsmanager as secretsmanager

from contract.limits import ADMIN_GROUP
from serverless_api_constructs.rest import ApiUserPool
from serverless_api_constructs.rest.defaults import SIGNING_KEY_LENGTH

from .guardrails import acknowledge

if TYPE_CHECKING:
    from constructs import Construct

    from .config import StageConfig

#: Length of the generated cursor HMAC key (alphanumeric characters).
CURSOR_KEY_LENGTH = 64


def admin_group() -> str:
    """The Cognito group whose members the rooms access rules treat as admins
    (``contract.limits.ADMIN_GROUP``, which the rooms rules read)."""
    return ADMIN_GROUP


class StageIdentity(Protocol):
    """What an API stack of any region reads of the stage's identity (:class:`IdentityStack`
    provides it): the user pool by ARN and each secret's replica in the reader's region."""

    @property
    def user_pool_arn(self) -> str: ...

    def token_secret_arn(self, reader: Construct) -> str: ...

    def cursor_secret_arn(self, reader: Construct) -> str: ...


class IdentityStack(cdk.Stack):
    """Users and the keys that sign what the API hands out, once per stage (read by the API
    stacks through :class:`StageIdentity`)."""

    def __init__(
        self, scope: Construct, construct_id: str, *, config: StageConfig, **kwargs: Any
    ) -> None:
        super().__init__(scope, construct_id, **kwargs)
        self._resource_name_outputs: dict[str, cdk.CfnOutput] = {}
        self.users = ApiUserPool(self, "Users")
        self.admins = self.users.add_group(
            "Admins",
            group_name=admin_group(),
            description="Rooms admins: may change and delete any room (docs/access-control.md)",
        )
        replicas = [
            secretsmanager.ReplicaRegion(region=region) for region in config.replica_regions
        ]
        self.token_secret = self._secret(
            "TokenSecret",
            description=(
                "HS256 key that signs API access tokens only (not cursors or anything else); "
                "read by the authorizer alone"
            ),
            key="signing_key",
            length=SIGNING_KEY_LENGTH,
            replicas=replicas,
            not_rotated=(
                "A rotated signing key would invalidate every live token at once; keys are "
                "rotated by a planned dual-key rollout, not automatically."
            ),
        )
        self.cursor_secret = self._secret(
            "CursorSecret",
            description="HMAC key of the REST API's pagination cursors (not of tokens)",
            key="cursor_key",
            length=CURSOR_KEY_LENGTH,
            replicas=replicas,
            not_rotated=(
                "Rotating the cursor key would invalidate every cursor clients hold; the key "
                "signs opaque page positions only and is replaced by a planned redeploy, not a "
                "schedule."
            ),
        )
        cdk.CfnOutput(self, "UserPoolId", value=self.users.user_pool.user_pool_id)
        cdk.CfnOutput(self, "UserPoolClientId", value=self.users.client.user_pool_client_id)

    @property
    def user_pool_arn(self) -> str:
        """The stage's one user pool, named by its ARN in every region."""
        return self.users.user_pool.user_pool_arn

    def token_secret_arn(self, reader: Construct) -> str:
        """The token secret's replica in ``reader``'s region, as a value of its stack."""
        return self.replica_arn(self.token_secret, cdk.Stack.of(reader).region, reader)

    def cursor_secret_arn(self, reader: Construct) -> str:
        """The cursor secret's replica in ``reader``'s region, as a value of its stack."""
        return self.replica_arn(self.cursor_secret, cdk.Stack.of(reader).region, reader)

    def replica_arn(self, secret: secretsmanager.Secret, region: str, scope: Construct) -> str:
        """The ARN of ``secret``'s replica in ``region``, as a value of ``scope``'s stack.

        A replica's ARN is the secret's ARN with the region field replaced: same partition,
        account and resource name (the name and its random suffix). This stack splits its own
        ARN (``Fn::Split``/``Fn::Select``) and publishes the resource name; the reader joins it
        with its region, partition and account (the stage's stacks share one account). No
        ``Fn::Split`` is applied to a ``Fn::GetStackOutput`` value: cfn-lint refuses it (E1022,
        not a string). In the secret's own region the ARN is the secret's."""
        if region == self.region:
            return secret.secret_arn
        output = self._resource_name_outputs[secret.node.id]
        name = cdk.Token.as_string(
            {
                "Fn::GetStackOutput": {
                    "StackName": self.stack_name,
                    "OutputName": self.get_logical_id(output),
                    "Region": self.region,
                }
            }
        )
        reader = cdk.Stack.of(scope)
        reader.add_stack_dependency(self, "reads the resource name of a secret")
        return reader.format_arn(
            service="secretsmanager",
            region=region,
            resource="secret",
            resource_name=name,
            arn_format=cdk.ArnFormat.COLON_RESOURCE_NAME,
        )

    def _secret(
        self,
        construct_id: str,
        *,
        description: str,
        key: str,
        length: int,
        replicas: list[secretsmanager.ReplicaRegion],
        not_rotated: str,
    ) -> secretsmanager.Secret:
        secret = secretsmanager.Secret(
            self,
            construct_id,
            description=description,
            generate_secret_string=secretsmanager.SecretStringGenerator(
                secret_string_template="{}",
                generate_string_key=key,
                password_length=length,
                exclude_punctuation=True,
            ),
            # The same value in every region: a token or cursor of one region is valid in all.
            replica_regions=replicas or None,
            # A new key invalidates every token or cursor in flight: kept on stack deletion.
            removal_policy=cdk.RemovalPolicy.RETAIN,
        )
        acknowledge(secret, "AwsSolutions-SMG4", not_rotated)
        if replicas:
            # Read by the replica regions' stacks (replica_arn): "<name>-<random suffix>".
            parsed = cdk.Arn.split(secret.secret_arn, cdk.ArnFormat.COLON_RESOURCE_NAME)
            self._resource_name_outputs[construct_id] = cdk.CfnOutput(
                self, f"{construct_id}ResourceName", value=str(parsed.resource_name)
            )
        return secret
