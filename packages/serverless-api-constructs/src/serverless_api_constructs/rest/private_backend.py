"""A private HTTP backend reachable only through an API Gateway REST VPC link.

Path: API Gateway -> VPC link -> internal Network Load Balancer -> internal Application Load
Balancer -> Lambda target. REST VPC links only accept a Network Load Balancer; the ALB behind
it gives HTTP routing and a Lambda target without running servers.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from aws_cdk import Acknowledgment, RemovalPolicy, Stack, Validations
from aws_cdk import aws_apigateway as apigateway
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_elasticloadbalancingv2 as elbv2
from aws_cdk import aws_elasticloadbalancingv2_targets as targets
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from constructs import Construct

from .. import validation
from ..props import merge_props, refuse_both
from .defaults import HTTP_PORT, MAX_AZS

if TYPE_CHECKING:
    from collections.abc import Mapping

_NO_ACCESS_LOGS = (
    "Internal load balancer reachable only through the API's VPC link; every request is "
    "already in the API access log with its request id, so LB access logs would duplicate it."
)


class PrivateHttpBackend(Construct):
    """``function`` served over HTTP inside a VPC, exposed as ``.vpc_link`` + ``.url``.

    - ``.vpc``: ``existing_vpc`` or a new VPC over ``max_azs`` (default 2) AZs with isolated
      subnets only (no NAT, no internet gateway) and flow logs (rejected and accepted traffic)
      kept ``log_retention``; ``vpc_props`` are other ``ec2.Vpc`` keyword arguments merged
      over these (``ip_addresses`` ...), refused with ``existing_vpc`` like ``max_azs``. An
      existing VPC needs ``PRIVATE_ISOLATED`` subnets (the load balancers are placed there);
    - ``.alb``: internal ALB forwarding port 80 to the Lambda target (a target group named
      ``target_group_name``, unique in the account and region; only that group may invoke the
      function), accepting traffic only from the NLB;
    - ``.nlb``: internal NLB (TCP 80) whose target is the ALB; ``.vpc_link`` reaches it.
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        function: lambda_.IFunction,
        log_retention: logs.RetentionDays,
        target_group_name: str,
        existing_vpc: ec2.IVpc | None = None,
        max_azs: int | None = None,
        vpc_props: Mapping[str, Any] | None = None,
    ) -> None:
        super().__init__(scope, construct_id)
        owner = "PrivateHttpBackend"
        validation.retention(owner, "log_retention", log_retention)
        refuse_both(owner, "existing_vpc", existing_vpc, "vpc_props", vpc_props)
        refuse_both(owner, "existing_vpc", existing_vpc, "max_azs", max_azs)
        if existing_vpc is None:
            vpc = ec2.Vpc(
                self,
                "Vpc",
                **merge_props(
                    owner,
                    "vpc_props",
                    {
                        "max_azs": MAX_AZS if max_azs is None else max_azs,
                        "nat_gateways": 0,
                        "subnet_configuration": [
                            ec2.SubnetConfiguration(
                                name="Private",
                                subnet_type=ec2.SubnetType.PRIVATE_ISOLATED,
                                cidr_mask=24,
                            )
                        ],
                    },
                    vpc_props,
                    reserved=("max_azs",),
                ),
            )
            flow_logs = logs.LogGroup(
                self, "FlowLogs", retention=log_retention, removal_policy=RemovalPolicy.RETAIN
            )
            vpc.add_flow_log(
                "FlowLog", destination=ec2.FlowLogDestination.to_cloud_watch_logs(flow_logs)
            )
            self.vpc: ec2.IVpc = vpc
        else:
            self.vpc = existing_vpc
        subnets = ec2.SubnetSelection(subnet_type=ec2.SubnetType.PRIVATE_ISOLATED)
        nlb_security_group = ec2.SecurityGroup(
            self,
            "NlbSecurityGroup",
            vpc=self.vpc,
            description="Internal NLB of the API Gateway VPC link: sends only to the ALB",
            allow_all_outbound=False,
        )
        alb_security_group = ec2.SecurityGroup(
            self,
            "AlbSecurityGroup",
            vpc=self.vpc,
            description="Internal ALB: HTTP from the network load balancer of the VPC link only",
            allow_all_outbound=False,
        )
        alb_security_group.add_ingress_rule(
            nlb_security_group, ec2.Port.tcp(HTTP_PORT), "HTTP from the NLB"
        )
        nlb_security_group.add_egress_rule(
            alb_security_group, ec2.Port.tcp(HTTP_PORT), "HTTP to the internal ALB"
        )
        self.alb = elbv2.ApplicationLoadBalancer(
            self,
            "Alb",
            vpc=self.vpc,
            vpc_subnets=subnets,
            internet_facing=False,
            security_group=alb_security_group,
            drop_invalid_header_fields=True,
        )
        listener = self.alb.add_listener(
            "Http", port=HTTP_PORT, protocol=elbv2.ApplicationProtocol.HTTP, open=False
        )
        listener.add_targets(
            "Function",
            targets=[targets.LambdaTarget(function)],
            target_group_name=target_group_name,
        )
        self._confine_invoke_permission(function, target_group_name)

        self.nlb = elbv2.NetworkLoadBalancer(
            self,
            "Nlb",
            vpc=self.vpc,
            vpc_subnets=subnets,
            internet_facing=False,
            security_groups=[nlb_security_group],
            # VPC link traffic arrives over PrivateLink, which this setting exempts from the
            # NLB's security group: the NLB needs no inbound rule at all.
            enforce_security_group_inbound_rules_on_private_link_traffic=False,
        )
        self.nlb.add_listener("Tcp", port=HTTP_PORT).add_targets(
            "Alb", port=HTTP_PORT, targets=[targets.AlbListenerTarget(listener)]
        )
        for load_balancer in (self.alb, self.nlb):
            Validations.of(load_balancer).acknowledge(
                Acknowledgment(id="AwsSolutions-ELB2", reason=_NO_ACCESS_LOGS)
            )
        self.vpc_link = apigateway.VpcLink(
            self, "VpcLink", targets=[self.nlb], description="API Gateway to the private backend"
        )
        self.url = f"http://{self.nlb.load_balancer_dns_name}"

    @staticmethod
    def _confine_invoke_permission(function: lambda_.IFunction, target_group_name: str) -> None:
        """Let Elastic Load Balancing invoke ``function`` for this target group only.

        The target group registers the function when it is created, so the permission must
        exist first and cannot reference the group's ARN (a dependency cycle). The group's
        name is fixed instead, and the permission names it: ``targetgroup/<name>/*`` (the
        suffix is the id AWS assigns; Lambda matches ``SourceArn`` with ``ArnLike``)."""
        stack = Stack.of(function)
        source_arn = stack.format_arn(
            service="elasticloadbalancing",
            resource="targetgroup",
            resource_name=f"{target_group_name}/*",
        )
        permissions = [
            child
            for child in function.node.find_all()
            if isinstance(child, lambda_.CfnPermission)
            and child.principal == "elasticloadbalancing.amazonaws.com"
        ]
        if len(permissions) != 1:  # pragma: no cover - LambdaTarget adds exactly one
            raise RuntimeError(f"{len(permissions)} ELB invoke permissions on {function}")
        permissions[0].source_arn = source_arn
        permissions[0].source_account = stack.account

    def integration(self, path: str = "/{proxy}") -> apigateway.Integration:
        """An ``HTTP_PROXY`` integration (any method) to ``path`` on the backend."""
        return apigateway.Integration(
            type=apigateway.IntegrationType.HTTP_PROXY,
            integration_http_method="ANY",
            uri=f"{self.url}{path}",
            options=apigateway.IntegrationOptions(
                connection_type=apigateway.ConnectionType.VPC_LINK,
                vpc_link=self.vpc_link,
                request_parameters={"integration.request.path.proxy": "method.request.path.proxy"},
            ),
        )
