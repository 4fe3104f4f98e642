"""Direct AWS service integrations (no Lambda in between), each with a least-privilege role."""

from __future__ import annotations

from typing import TYPE_CHECKING

from aws_cdk import Stack
from aws_cdk import aws_apigateway as apigateway
from aws_cdk import aws_iam as iam
from constructs import Construct

if TYPE_CHECKING:
    from collections.abc import Sequence

    from aws_cdk import aws_dynamodb as dynamodb
    from aws_cdk import aws_kms as kms
    from aws_cdk import aws_sqs as sqs


def _integration_role(scope: Construct, description: str) -> iam.Role:
    return iam.Role(
        scope,
        "Role",
        assumed_by=iam.ServicePrincipal("apigateway.amazonaws.com"),
        description=description,
    )


class DynamoDbQueryIntegration(Construct):
    """``.integration`` calls DynamoDB ``Query`` as ``.role``, which may run exactly that
    action on ``table`` (or its ``index_name``) and decrypt with ``table_key``.

    ``request_template`` builds the Query request; requests without a matching template are
    refused (``passthrough_behavior=NEVER``), so callers never reach DynamoDB with raw input.
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        table: dynamodb.ITableV2,
        request_template: str,
        integration_responses: Sequence[apigateway.IntegrationResponse],
        table_key: kms.IKey | None = None,
        index_name: str | None = None,
    ) -> None:
        super().__init__(scope, construct_id)
        self.role = _integration_role(self, "API Gateway: DynamoDB Query on one table")
        resource = (
            table.table_arn if index_name is None else f"{table.table_arn}/index/{index_name}"
        )
        self.role.add_to_policy(
            iam.PolicyStatement(actions=["dynamodb:Query"], resources=[resource])
        )
        if table_key is not None:
            table_key.grant_decrypt(self.role)
        self.integration = apigateway.AwsIntegration(
            service="dynamodb",
            action="Query",
            integration_http_method="POST",
            options=apigateway.IntegrationOptions(
                credentials_role=self.role,
                passthrough_behavior=apigateway.PassthroughBehavior.NEVER,
                request_templates={"application/json": request_template},
                integration_responses=list(integration_responses),
            ),
        )


class SqsSendMessageIntegration(Construct):
    """``.integration`` sends the request to ``queue`` (SQS ``SendMessage``) as ``.role``,
    which may only send to that queue and use its KMS key to encrypt the message.

    ``request_template`` renders the form-encoded ``Action=SendMessage&MessageBody=...``.
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        queue: sqs.IQueue,
        request_template: str,
        integration_responses: Sequence[apigateway.IntegrationResponse],
    ) -> None:
        super().__init__(scope, construct_id)
        self.role = _integration_role(self, "API Gateway: SQS SendMessage to one queue")
        self.role.add_to_policy(
            iam.PolicyStatement(actions=["sqs:SendMessage"], resources=[queue.queue_arn])
        )
        if queue.encryption_master_key is not None:
            queue.encryption_master_key.grant(self.role, "kms:GenerateDataKey", "kms:Decrypt")
        self.integration = apigateway.AwsIntegration(
            service="sqs",
            path=f"{Stack.of(self).account}/{queue.queue_name}",
            integration_http_method="POST",
            options=apigateway.IntegrationOptions(
                credentials_role=self.role,
                passthrough_behavior=apigateway.PassthroughBehavior.NEVER,
                request_parameters={
                    "integration.request.header.Content-Type": "'application/x-www-form-urlencoded'"
                },
                request_templates={"application/json": request_template},
                integration_responses=list(integration_responses),
            ),
        )
