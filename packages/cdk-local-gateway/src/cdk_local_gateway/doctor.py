"""What a cloud assembly uses that the runtime does not emulate, and the route listing."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from cdk_local_gateway.assembly import read_assembly
from cdk_local_gateway.aws.provision import PROVISIONED
from cdk_local_gateway.intrinsics import Physical, Resolver
from cdk_local_gateway.lambdas.functions import function_spec
from cdk_local_gateway.rest.model import read_rest_apis

if TYPE_CHECKING:
    from pathlib import Path

    from cdk_local_gateway.assembly import Stack

# Types whose absence changes no answer of the APIs (recorded, not needed locally).
_INERT = {
    "AWS::CDK::Metadata": "metadata",
    "AWS::IAM::Role": "IAM is not enforced yet (all calls allowed)",
    "AWS::IAM::Policy": "IAM is not enforced yet (all calls allowed)",
    "AWS::Lambda::Permission": "invoke permissions are not checked",
    "AWS::Logs::LogGroup": "logs go to stdout",
    "AWS::CloudWatch::Alarm": "no metrics locally",
    "AWS::CloudWatch::Dashboard": "no metrics locally",
    "AWS::KMS::Key": "encryption at rest is not emulated",
    "AWS::ApiGateway::Account": "account settings",
    "AWS::ApiGateway::Deployment": "the template's current resources are served",
    "AWS::EC2::VPC": "networking is not emulated (load balancers are followed by the template)",
    "AWS::EC2::Subnet": "networking",
    "AWS::EC2::RouteTable": "networking",
    "AWS::EC2::SubnetRouteTableAssociation": "networking",
    "AWS::EC2::SecurityGroup": "networking: security groups are not enforced",
    "AWS::EC2::SecurityGroupIngress": "networking: security groups are not enforced",
    "AWS::EC2::SecurityGroupEgress": "networking: security groups are not enforced",
    "AWS::EC2::FlowLog": "networking",
    "AWS::SNS::Topic": "alarm notifications",
    "AWS::SNS::Subscription": "alarm notifications",
    "AWS::SNS::TopicPolicy": "alarm notifications",
    "AWS::SQS::QueuePolicy": "resource policies are not enforced",
}
_HANDLED = {
    *PROVISIONED,
    "AWS::Lambda::Function",
    "AWS::Lambda::EventSourceMapping",
    "AWS::ApiGateway::RestApi",
    "AWS::ApiGateway::Resource",
    "AWS::ApiGateway::Method",
    "AWS::ApiGateway::Stage",
    "AWS::ApiGateway::Authorizer",
    "AWS::ApiGateway::Model",
    "AWS::ApiGateway::RequestValidator",
    "AWS::ApiGateway::GatewayResponse",
    "AWS::ApiGateway::ApiKey",
    "AWS::ApiGateway::UsagePlan",
    "AWS::ApiGateway::UsagePlanKey",
    "AWS::ApiGateway::VpcLink",
    "AWS::ElasticLoadBalancingV2::LoadBalancer",
    "AWS::ElasticLoadBalancingV2::Listener",
    "AWS::ElasticLoadBalancingV2::TargetGroup",
}
_NOT_YET = {
    "AWS::WAFv2::WebACL": "WAF rules are not applied",
    "AWS::WAFv2::WebACLAssociation": "WAF rules are not applied",
}


class _Placeholders(dict[str, Any]):
    """Attributes of a resource the runtime provisions: known at run time, not before."""

    def __contains__(self, key: object) -> bool:
        return True

    def __missing__(self, key: str) -> str:
        return f"<{key} from the local AWS>"


def notes(cdk_out: Path, stage: str, region: str) -> list[str]:
    """What is stood in for (not a failure): layers by ARN, global table replicas."""
    assembly = read_assembly(cdk_out)
    resolver = Resolver(assembly, default_region=region)
    _assume_provisioned(resolver, assembly.select(stage, None))
    found = []
    for stack in assembly.select(stage, None):
        for logical_id in stack.of_type("AWS::Lambda::Function"):
            spec = function_spec(resolver, stack, logical_id)
            if spec.layer_distributions:
                found.append(
                    f"{stack.display_name} {logical_id}: its layer is stood in for by the "
                    "installed "
                    f"{', '.join(spec.layer_distributions)} (only those packages and boto3 are on "
                    "the worker's path)"
                )
        for logical_id, stage_resource in stack.of_type("AWS::ApiGateway::Stage").items():
            settings = stage_resource.get("Properties", {}).get("MethodSettings", [])
            if any("ThrottlingRateLimit" in s or "ThrottlingBurstLimit" in s for s in settings):
                found.append(
                    f"{stack.display_name} {logical_id}: stage/method throttling is not applied "
                    "(usage plan throttling and quotas are)"
                )
        for logical_id, table in stack.of_type("AWS::DynamoDB::GlobalTable").items():
            replicas = table.get("Properties", {}).get("Replicas", [])
            if len(replicas) > 1:
                found.append(
                    f"{stack.display_name} {logical_id}: one table per replica region, writes "
                    "copied between them by the runtime's replication emulation (asynchronous, "
                    "last writer wins; no conflict metadata, lag unlike AWS's)"
                )
    return found


def _assume_provisioned(resolver: Resolver, stacks: list[Stack]) -> None:
    for stack in stacks:
        for logical_id in stack.of_type(*PROVISIONED):
            resolver.record(stack, logical_id, Physical(f"<{logical_id}>", _Placeholders()))


def diagnose(cdk_out: Path, stage: str, region: str) -> list[str]:
    assembly = read_assembly(cdk_out)
    resolver = Resolver(assembly, default_region=region)
    _assume_provisioned(resolver, assembly.select(stage, None))
    findings: list[str] = []
    for stack in assembly.select(stage, None):
        findings.extend(_unserved_resources(stack))
        for logical_id, mapping in stack.of_type("AWS::Lambda::EventSourceMapping").items():
            if _sqs_source(stack, mapping) is None:
                findings.append(
                    f"{stack.display_name} {logical_id}: only SQS event sources are polled"
                )
        for logical_id in stack.of_type("AWS::Lambda::Function"):
            spec = function_spec(resolver, stack, logical_id)
            if spec.unavailable:
                findings.append(f"{stack.display_name} {logical_id}: {spec.unavailable}")
        if stack.region in (None, region):
            findings.extend(_rest_api_problems(resolver, stack))
    return findings


def _unserved_resources(stack: Stack) -> list[str]:
    """A finding for each resource of ``stack`` the runtime neither serves nor can ignore."""
    findings = []
    for logical_id, resource in stack.resources.items():
        kind = str(resource.get("Type"))
        reason = _unserved_reason(kind, resource)
        if reason is not None:
            findings.append(f"{stack.display_name} {logical_id} ({kind}): {reason}")
    return findings


def _unserved_reason(kind: str, resource: dict[str, Any]) -> str | None:
    """Why a resource of type ``kind`` is not served (``None``: it is, or need not be)."""
    if kind == "AWS::ApiGatewayV2::Api":
        protocol = resource.get("Properties", {}).get("ProtocolType")
        if protocol == "WEBSOCKET":
            return None
        return "HTTP APIs (API Gateway v2 with ProtocolType HTTP) are not served"
    if kind in _HANDLED or kind in _INERT or kind.startswith("AWS::ApiGatewayV2::"):
        return None
    return _NOT_YET.get(kind, "resource type not emulated")


def _rest_api_problems(resolver: Resolver, stack: Stack) -> list[str]:
    """What the REST APIs of ``stack`` use that is not emulated: each API's problems, then
    its methods'."""
    findings: list[str] = []
    for api in read_rest_apis(resolver, stack):
        findings.extend(f"{stack.display_name} {p}" for p in api.problems)
        for methods in api.methods.values():
            for method in methods.values():
                if method.problem:
                    findings.append(f"{stack.display_name} {method.logical_id}: {method.problem}")
    return findings


def _sqs_source(stack: Stack, mapping: dict[str, Any]) -> str | None:
    """The queue (logical id or ARN) a mapping polls, or None for a source other than SQS."""
    source = mapping.get("Properties", {}).get("EventSourceArn")
    if isinstance(source, str):
        return source if source.startswith("arn:aws:sqs:") else None
    target = source.get("Fn::GetAtt", [None])[0] if isinstance(source, dict) else None
    kind = stack.resources.get(str(target), {}).get("Type")
    return str(target) if kind == "AWS::SQS::Queue" else None


def list_routes(cdk_out: Path, stage: str, region: str) -> list[str]:
    assembly = read_assembly(cdk_out)
    resolver = Resolver(assembly, default_region=region)
    lines = []
    for stack in assembly.select(stage, region):
        for api in read_rest_apis(resolver, stack):
            lines.append(f"{stack.display_name} (stage {api.stage_name})")
            for path in sorted(api.methods):
                for verb, method in sorted(api.methods[path].items()):
                    integration = method.integration
                    kind = str(integration.get("Type", ""))
                    uri = str(integration.get("Uri", ""))
                    target = (
                        uri.split(":")[4] if uri.startswith("arn:") and uri.count(":") > 4 else uri
                    )
                    key = " +api-key" if method.props.get("ApiKeyRequired") else ""
                    lines.append(
                        f"  {verb:7} {path:40} {method.authorization_type + key:28} {kind} {target}"
                    )
        for logical_id, mapping in stack.of_type("AWS::Lambda::EventSourceMapping").items():
            queue = _sqs_source(stack, mapping)
            if queue is None:
                continue
            props = mapping.get("Properties", {})
            function = props.get("FunctionName")
            name = function.get("Ref", function) if isinstance(function, dict) else function
            lines.append(
                f"{stack.display_name} event source {logical_id}: SQS {queue} -> {name} "
                f"(batch {props.get('BatchSize', 10)})"
            )
    return lines
