"""Follow a VPC Link target (an NLB DNS name) through listeners and target groups to a Lambda.

NLB listener (port) -> target group -> ALB target -> ALB listener (port) -> target group ->
Lambda target. Instance and IP targets cannot be reached locally (501).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from cdk_local_gateway.intrinsics import Unresolvable
from cdk_local_gateway.rest.errors import NotEmulated

if TYPE_CHECKING:
    from cdk_local_gateway.assembly import Stack
    from cdk_local_gateway.lambdas.workers import FunctionSpec
    from cdk_local_gateway.rest.services import Services

_LB = "AWS::ElasticLoadBalancingV2::LoadBalancer"


@dataclass(frozen=True)
class LambdaTarget:
    function: FunctionSpec
    target_group_arn: str


def _ref(value: Any) -> str | None:
    return value["Ref"] if isinstance(value, dict) and set(value) == {"Ref"} else None


def _find_by_dns(services: Services, host: str) -> tuple[Stack, str]:
    for stack in services.assembly.stacks:
        for logical_id in stack.of_type(_LB):
            try:
                if services.resolver.get_att(stack, logical_id, "DNSName") == host:
                    return stack, logical_id
            except Unresolvable:
                continue
    raise NotEmulated(f"no load balancer of the assembly has the DNS name {host}")


def follow(services: Services, host: str, port: int, depth: int = 0) -> LambdaTarget:
    stack, lb = _find_by_dns(services, host)
    return _from_listener(services, stack, lb, port, depth)


def _from_listener(
    services: Services, stack: Stack, lb: str, port: int, depth: int
) -> LambdaTarget:
    if depth > 4:
        raise NotEmulated("load balancer chain too deep")
    for listener_id, listener in stack.of_type("AWS::ElasticLoadBalancingV2::Listener").items():
        props = listener["Properties"]
        if _ref(props.get("LoadBalancerArn")) != lb or int(props.get("Port", 0)) != port:
            continue
        for action in props.get("DefaultActions", []):
            if action.get("Type") != "forward":
                raise NotEmulated(f"{listener_id}: listener action {action.get('Type')}")
            group = _ref(action.get("TargetGroupArn"))
            if group is None:
                raise NotEmulated(f"{listener_id}: forward to a target group outside the stack")
            return _from_group(services, stack, group, depth)
    raise NotEmulated(f"{lb}: no listener on port {port}")


def _from_group(services: Services, stack: Stack, group: str, depth: int) -> LambdaTarget:
    props = stack.resources[group]["Properties"]
    kind = props.get("TargetType", "instance")
    targets = props.get("Targets", [])
    if not targets:
        raise NotEmulated(f"{group}: target group without targets")
    target = targets[0]
    if kind == "lambda":
        arn = str(services.resolver.resolve(stack, target["Id"], f"{group}.Targets"))
        spec = services.functions.get(arn)
        if spec is None:
            raise NotEmulated(f"{group}: Lambda target {arn} is not in the assembly")
        return LambdaTarget(spec, services.resolver.ref(stack, group))
    if kind == "alb":
        alb = _ref(target["Id"])
        if alb is None:
            raise NotEmulated(f"{group}: ALB target outside the stack")
        return _from_listener(
            services, stack, alb, int(target.get("Port", props.get("Port", 80))), depth + 1
        )
    raise NotEmulated(f"{group}: {kind} targets cannot be reached locally")
