"""Direct AWS service integrations (no Lambda in between), each with a least-privilege role.

:class:`DynamoDbQuery` and :class:`SqsSendMessage` are integrations in the CDK's own style:
plain objects passed to ``resource.add_method(verb, integration)``, whose :meth:`bind` (called
by the method) creates what they need in the method's scope, here the role API Gateway
assumes, allowed exactly one action on one resource. Pass ``role`` to use a role of your own
instead (nothing is created then; the grants are still added to it).

:class:`DynamoDbQueryIntegration` and :class:`SqsSendMessageIntegration` are the constructs of
version 0.1 holding ``.integration`` and ``.role``; they remain, built on the classes above,
so that existing stacks keep their logical ids. New code uses the bind-style classes.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from aws_cdk import ArnFormat, Stack
from aws_cdk import aws_apigateway as apigateway
from aws_cdk import aws_iam as iam
from constructs import Construct

if TYPE_CHECKING:
    from collections.abc import Sequence

    from aws_cdk import aws_dynamodb as dynamodb
    from aws_cdk import aws_kms as kms
    from aws_cdk import aws_sqs as sqs

#: Every AWS service API is called with POST (``AwsIntegration``'s default).
_HTTP_METHOD = "POST"
_FORM_CONTENT_TYPE = {
    "integration.request.header.Content-Type": "'application/x-www-form-urlencoded'"
}


class _RoleOnBind(apigateway.AwsIntegration):
    """An AWS integration whose credentials role is created (and granted) when it is bound to
    its first method, in that method's scope; later methods share the role."""

    _description = ""

    def __init__(
        self,
        *,
        role: iam.IRole | None,
        options: dict[str, Any],
        service: str,
        api_type: str,
        api_value: str,
    ) -> None:
        self._role = role
        self._options = options
        self._uri_arn = {"account": service, "resource": api_type, "resource_name": api_value}
        if role is not None:
            self._grant(role)
        api: dict[str, Any] = {api_type: api_value}  # action="Query" or path="..."
        super().__init__(
            service=service,
            **api,
            integration_http_method=_HTTP_METHOD,
            options=apigateway.IntegrationOptions(credentials_role=role, **options),
        )

    @property
    def role(self) -> iam.IRole | None:
        """The role API Gateway assumes: the one passed, or the one made at the first bind."""
        return self._role

    def bind(self, method: apigateway.Method) -> apigateway.IntegrationConfig:
        # The configuration AwsIntegration.bind would return, built here: its answer comes
        # back from the jsii kernel as a struct by reference, which Python reads field by
        # field (about 30 round trips a bind); the URI is the ARN its lazy value formats.
        if self._role is None:
            role = iam.Role(
                method,
                "IntegrationRole",
                assumed_by=iam.ServicePrincipal("apigateway.amazonaws.com"),
                description=self._description,
            )
            self._grant(role)
            self._role = role
        return apigateway.IntegrationConfig(
            type=apigateway.IntegrationType.AWS,
            uri=Stack.of(method).format_arn(
                service="apigateway", arn_format=ArnFormat.SLASH_RESOURCE_NAME, **self._uri_arn
            ),
            integration_http_method=_HTTP_METHOD,
            options=apigateway.IntegrationOptions(credentials_role=self._role, **self._options),
        )

    def _grant(self, role: iam.IRole) -> None:
        raise NotImplementedError


class DynamoDbQuery(_RoleOnBind):
    """Calls DynamoDB ``Query`` on ``table`` (or its ``index_name``) as a role that may run
    exactly that action there and decrypt with ``table_key``.

    ``request_template`` builds the Query request; requests without a matching template are
    refused (``passthrough_behavior=NEVER``), so callers never reach DynamoDB with raw input.
    """

    _description = "API Gateway: DynamoDB Query on one table"

    def __init__(
        self,
        *,
        table: dynamodb.ITableV2,
        request_template: str,
        integration_responses: Sequence[apigateway.IntegrationResponse],
        table_key: kms.IKey | None = None,
        index_name: str | None = None,
        role: iam.IRole | None = None,
    ) -> None:
        self._resource = (
            table.table_arn if index_name is None else f"{table.table_arn}/index/{index_name}"
        )
        self._table_key = table_key
        super().__init__(
            role=role,
            service="dynamodb",
            api_type="action",
            api_value="Query",
            options={
                "passthrough_behavior": apigateway.PassthroughBehavior.NEVER,
                "request_templates": {"application/json": request_template},
                "integration_responses": list(integration_responses),
            },
        )

    def _grant(self, role: iam.IRole) -> None:
        role.add_to_principal_policy(
            iam.PolicyStatement(actions=["dynamodb:Query"], resources=[self._resource])
        )
        if self._table_key is not None:
            self._table_key.grant_decrypt(role)


class SqsSendMessage(_RoleOnBind):
    """Sends the request to ``queue`` (SQS ``SendMessage``) as a role that may only send to
    that queue and use its KMS key to encrypt the message.

    ``request_template`` renders the form-encoded ``Action=SendMessage&MessageBody=...``.
    """

    _description = "API Gateway: SQS SendMessage to one queue"

    def __init__(
        self,
        *,
        queue: sqs.IQueue,
        request_template: str,
        integration_responses: Sequence[apigateway.IntegrationResponse],
        role: iam.IRole | None = None,
    ) -> None:
        self._queue = queue
        super().__init__(
            role=role,
            service="sqs",
            api_type="path",
            api_value=f"{queue.env.account}/{queue.queue_name}",
            options={
                "passthrough_behavior": apigateway.PassthroughBehavior.NEVER,
                "request_parameters": dict(_FORM_CONTENT_TYPE),
                "request_templates": {"application/json": request_template},
                "integration_responses": list(integration_responses),
            },
        )

    def _grant(self, role: iam.IRole) -> None:
        role.add_to_principal_policy(
            iam.PolicyStatement(actions=["sqs:SendMessage"], resources=[self._queue.queue_arn])
        )
        if self._queue.encryption_master_key is not None:
            self._queue.encryption_master_key.grant(role, "kms:GenerateDataKey", "kms:Decrypt")


def _integration_role(scope: Construct, description: str) -> iam.Role:
    return iam.Role(
        scope,
        "Role",
        assumed_by=iam.ServicePrincipal("apigateway.amazonaws.com"),
        description=description,
    )


class DynamoDbQueryIntegration(Construct):
    """Version 0.1's construct form of :class:`DynamoDbQuery` (kept for existing stacks):
    ``.integration`` is a :class:`DynamoDbQuery` using ``.role``, made in this construct."""

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
        self.role = _integration_role(self, DynamoDbQuery._description)
        self.integration = DynamoDbQuery(
            table=table,
            request_template=request_template,
            integration_responses=integration_responses,
            table_key=table_key,
            index_name=index_name,
            role=self.role,
        )


class SqsSendMessageIntegration(Construct):
    """Version 0.1's construct form of :class:`SqsSendMessage` (kept for existing stacks):
    ``.integration`` is a :class:`SqsSendMessage` using ``.role``, made in this construct."""

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
        self.role = _integration_role(self, SqsSendMessage._description)
        self.integration = SqsSendMessage(
            queue=queue,
            request_template=request_template,
            integration_responses=integration_responses,
            role=self.role,
        )
