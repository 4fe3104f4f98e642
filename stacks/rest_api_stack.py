"""REST API of one region of a stage: routes, access control, protection and monitoring."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import aws_cdk as cdk

from serverless_api_constructs import TokenRequestAuthorizer
from serverless_api_constructs.rest import retention_days

from .lambda_code import lambda_code

if TYPE_CHECKING:
    from aws_cdk import aws_dynamodb as dynamodb
    from aws_cdk import aws_kms as kms
    from aws_cdk import aws_lambda as lambda_
    from aws_cdk import aws_secretsmanager as secretsmanager
    from constructs import Construct

    from .config import StageConfig

SERVICE = "rooms"
METRICS_NAMESPACE = "RoomsService"


class RestApiStack(cdk.Stack):
    """The REST API of one region.

    Shared with the WebSocket API of the same region: ``token_secret`` (the HS256 signing key
    of access tokens) and ``authorizer_function`` (the Lambda REQUEST authorizer).
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        config: StageConfig,
        table: dynamodb.ITableV2,
        table_key: kms.IKey,
        **kwargs: Any,
    ) -> None:
        super().__init__(scope, construct_id, **kwargs)
        self.config = config
        self.code = lambda_code()
        self.log_retention = retention_days(config.log_retention_days)

        self.token_authorizer = TokenRequestAuthorizer(
            self,
            "TokenAuthorizer",
            code=self.code,
            log_retention=self.log_retention,
            service=SERVICE,
            metrics_namespace=METRICS_NAMESPACE,
        )
        self.token_secret: secretsmanager.ISecret = self.token_authorizer.secret
        self.authorizer_function: lambda_.IFunction = self.token_authorizer.function
