"""Resolve CloudFormation intrinsic functions to local values, across stacks and regions.

Resolution is lazy: only the values the runtime needs (function environments, integration
URIs, mapping templates, authorizer settings) are resolved, after the stateful resources were
created on the local AWS, whose physical ids and ARNs then feed ``Ref`` and ``Fn::GetAtt``.
Resources the runtime does not provision get deterministic local physical ids; an attribute it
cannot know is an error naming the stack, the logical id and the key, never a guess.
"""

from __future__ import annotations

import base64
import hashlib
import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from cdk_local_gateway.assembly import Assembly, Stack

DEFAULT_ACCOUNT = "123456789012"  # moto's default account, so the ARNs it returns agree
_NO_VALUE = object()
_SUB = re.compile(r"\$\{([^}!][^}]*)\}")


_LB_ATTRIBUTES = ("DNSName", "LoadBalancerName", "LoadBalancerFullName", "CanonicalHostedZoneID")


class Unresolvable(Exception):
    """A value that cannot be resolved locally; says where and why."""

    def __init__(self, stack: str, where: str, reason: str) -> None:
        super().__init__(f"{stack}: {where}: {reason}")
        self.stack = stack
        self.where = where
        self.reason = reason


@dataclass
class Physical:
    """What CloudFormation would report for a created resource."""

    ref: str
    attributes: dict[str, Any] = field(default_factory=dict)


# Service and resource segment of the ARN a resource type's Arn attribute has.
_ARN_SHAPES: dict[str, tuple[str, str, bool]] = {
    # type: (service, "resource-type" + separator, regional)
    "AWS::Lambda::Function": ("lambda", "function:", True),
    "AWS::IAM::Role": ("iam", "role/", False),
    "AWS::IAM::Policy": ("iam", "policy/", False),
    "AWS::SNS::Topic": ("sns", "", True),
    "AWS::Logs::LogGroup": ("logs", "log-group:", True),
    "AWS::KMS::Key": ("kms", "key/", True),
    "AWS::WAFv2::WebACL": ("wafv2", "regional/webacl/", True),
    "AWS::ElasticLoadBalancingV2::LoadBalancer": ("elasticloadbalancing", "loadbalancer/", True),
    "AWS::ElasticLoadBalancingV2::TargetGroup": ("elasticloadbalancing", "targetgroup/", True),
    "AWS::ElasticLoadBalancingV2::Listener": ("elasticloadbalancing", "listener/", True),
    "AWS::CloudWatch::Alarm": ("cloudwatch", "alarm:", True),
}


def _local_id(stack: Stack, logical_id: str, size: int = 10) -> str:
    digest = hashlib.sha256(f"{stack.stack_name}/{logical_id}".encode()).hexdigest()
    return digest[:size]


class Resolver:
    """Resolves template values of any stack of an assembly."""

    def __init__(
        self,
        assembly: Assembly,
        *,
        default_region: str,
        account: str = DEFAULT_ACCOUNT,
        partition: str = "aws",
        url_suffix: str = "amazonaws.com",
    ) -> None:
        self.assembly = assembly
        self.default_region = default_region
        self.account = account
        self.partition = partition
        self.url_suffix = url_suffix
        # (stack name, logical id) -> what the local AWS (or the runtime) created for it.
        self.physical: dict[tuple[str, str], Physical] = {}

    # -- public -------------------------------------------------------------------------------
    def region_of(self, stack: Stack) -> str:
        return stack.region or self.default_region

    def record(self, stack: Stack, logical_id: str, physical: Physical) -> None:
        self.physical[(stack.stack_name, logical_id)] = physical

    def resolve(self, stack: Stack, value: Any, where: str) -> Any:
        """``value`` with every intrinsic resolved; ``where`` names it in errors."""
        result = self._resolve(stack, value, where)
        return None if result is _NO_VALUE else result

    def resource_property(self, stack: Stack, logical_id: str, *path: str) -> Any:
        value: Any = stack.resources[logical_id].get("Properties", {})
        for key in path:
            if not isinstance(value, dict) or key not in value:
                return None
            value = value[key]
        return self.resolve(stack, value, f"{logical_id}.{'.'.join(path)}")

    def ref(self, stack: Stack, logical_id: str) -> str:
        return str(self._ref(stack, logical_id, f"Ref {logical_id}"))

    def get_att(self, stack: Stack, logical_id: str, attribute: str) -> Any:
        return self._get_att(stack, logical_id, attribute, f"Fn::GetAtt {logical_id}.{attribute}")

    def condition(self, stack: Stack, name: str) -> bool:
        conditions = stack.template.get("Conditions", {})
        if name not in conditions:
            raise Unresolvable(stack.stack_name, f"Condition {name}", "no such condition")
        return bool(self._resolve(stack, conditions[name], f"Condition {name}"))

    def output(self, stack: Stack, name: str) -> Any:
        outputs = stack.template.get("Outputs", {})
        if name not in outputs:
            raise Unresolvable(stack.stack_name, f"Output {name}", "no such output")
        return self.resolve(stack, outputs[name]["Value"], f"Output {name}")

    # -- internals ----------------------------------------------------------------------------
    def _pseudo(self, stack: Stack, name: str, where: str) -> Any:
        region = self.region_of(stack)
        pseudo: dict[str, Any] = {
            "AWS::Region": region,
            "AWS::AccountId": stack.account or self.account,
            "AWS::Partition": self.partition,
            "AWS::URLSuffix": self.url_suffix,
            "AWS::StackName": stack.stack_name,
            "AWS::StackId": (
                f"arn:{self.partition}:cloudformation:{region}:{self.account}:stack/"
                f"{stack.stack_name}/{_local_id(stack, '', 32)}"
            ),
            "AWS::NotificationARNs": [],
            "AWS::NoValue": _NO_VALUE,
        }
        if name not in pseudo:
            raise Unresolvable(stack.stack_name, where, f"unknown pseudo parameter {name}")
        return pseudo[name]

    def _ref(self, stack: Stack, name: str, where: str) -> Any:
        if name.startswith("AWS::"):
            return self._pseudo(stack, name, where)
        parameters = stack.template.get("Parameters", {})
        if name in parameters:
            parameter = parameters[name]
            if "Default" not in parameter:
                raise Unresolvable(stack.stack_name, where, f"parameter {name} has no default")
            default = parameter["Default"]
            if (
                str(parameter.get("Type", "")).startswith("List<")
                or parameter.get("Type") == "CommaDelimitedList"
            ):
                return str(default).split(",")
            return default
        if name not in stack.resources:
            raise Unresolvable(stack.stack_name, where, f"no resource or parameter {name}")
        known = self.physical.get((stack.stack_name, name))
        if known is not None:
            return known.ref
        return self._default_ref(stack, name)

    def _default_ref(self, stack: Stack, logical_id: str) -> str:
        kind = stack.resources[logical_id].get("Type", "")
        if kind in ("AWS::Lambda::Function", "AWS::IAM::Role"):
            return f"{stack.stack_name}-{logical_id}"[:64]
        if kind.startswith(("AWS::ApiGateway::", "AWS::ApiGatewayV2::")):
            return _local_id(stack, logical_id)
        shape = _ARN_SHAPES.get(kind)
        if shape is not None and kind in (
            "AWS::SNS::Topic",
            "AWS::ElasticLoadBalancingV2::LoadBalancer",
            "AWS::ElasticLoadBalancingV2::TargetGroup",
            "AWS::ElasticLoadBalancingV2::Listener",
        ):
            return self._arn(stack, logical_id, kind)
        return f"{logical_id}-{_local_id(stack, logical_id, 8)}"

    def _arn(self, stack: Stack, logical_id: str, kind: str) -> str:
        service, prefix, regional = _ARN_SHAPES[kind]
        region = self.region_of(stack) if regional else ""
        name = f"{stack.stack_name}-{logical_id}"[:64]
        if kind == "AWS::KMS::Key":
            name = _local_id(stack, logical_id, 32)
        return f"arn:{self.partition}:{service}:{region}:{self.account}:{prefix}{name}"

    def _get_att(self, stack: Stack, logical_id: str, attribute: str, where: str) -> Any:
        if logical_id not in stack.resources:
            raise Unresolvable(stack.stack_name, where, f"no resource {logical_id}")
        known = self.physical.get((stack.stack_name, logical_id))
        if known is not None and attribute in known.attributes:
            return known.attributes[attribute]
        kind = stack.resources[logical_id].get("Type", "")
        if attribute == "Arn" and kind in _ARN_SHAPES:
            if kind in ("AWS::Lambda::Function", "AWS::IAM::Role"):
                service, prefix, regional = _ARN_SHAPES[kind]
                region = self.region_of(stack) if regional else ""
                ref = self._ref(stack, logical_id, where)
                return f"arn:{self.partition}:{service}:{region}:{self.account}:{prefix}{ref}"
            return self._arn(stack, logical_id, kind)
        if kind == "AWS::ApiGateway::RestApi" and attribute == "RootResourceId":
            return _local_id(stack, logical_id + "/root")
        if kind == "AWS::ElasticLoadBalancingV2::LoadBalancer" and attribute in _LB_ATTRIBUTES:
            name = f"{stack.stack_name[:10]}-{logical_id[:10]}".lower()
            full = f"{name}-{_local_id(stack, logical_id, 16)}"
            return {
                "DNSName": f"{full}.elb.{self.region_of(stack)}.{self.url_suffix}",
                "LoadBalancerName": name,
                "LoadBalancerFullName": f"app/{name}/{_local_id(stack, logical_id, 16)}",
                "CanonicalHostedZoneID": "Z2IFOLAFXWLO4F",
            }[attribute]
        if kind == "AWS::Logs::LogGroup" and attribute == "Arn":
            return f"{self._arn(stack, logical_id, kind)}:*"
        raise Unresolvable(
            stack.stack_name, where, f"attribute {attribute} of {kind} is not known locally"
        )

    def _stack_output(self, stack: Stack, spec: Any, where: str) -> Any:
        args = self._resolve(stack, spec, where)
        if not isinstance(args, dict) or "StackName" not in args or "OutputName" not in args:
            raise Unresolvable(
                stack.stack_name, where, "Fn::GetStackOutput needs StackName and OutputName"
            )
        region = args.get("Region") or self.region_of(stack)
        target = None
        for candidate in self.assembly.stacks:
            if candidate.stack_name == args["StackName"] and self.region_of(candidate) == region:
                target = candidate
        if target is None:
            raise Unresolvable(
                stack.stack_name, where, f"no stack {args['StackName']} in {region} in the assembly"
            )
        return self.output(target, str(args["OutputName"]))

    def _import(self, stack: Stack, name: Any, where: str) -> Any:
        export = self._resolve(stack, name, where)
        region = self.region_of(stack)
        for candidate in self.assembly.stacks:
            if self.region_of(candidate) != region:
                continue
            for output_name, output in candidate.template.get("Outputs", {}).items():
                export_spec = output.get("Export", {}).get("Name")
                if export_spec is None:
                    continue
                if self.resolve(candidate, export_spec, f"Output {output_name}") == export:
                    return self.output(candidate, output_name)
        raise Unresolvable(stack.stack_name, where, f"no stack in {region} exports {export}")

    def _sub(self, stack: Stack, args: Any, where: str) -> str:
        if isinstance(args, str):
            text, variables = args, {}
        else:
            text, raw = args[0], args[1]
            variables = {k: self._resolve(stack, v, where) for k, v in raw.items()}

        def substitute(match: re.Match[str]) -> str:
            name = match.group(1).strip()
            if name in variables:
                return str(variables[name])
            if "." in name and not name.startswith("AWS::"):
                logical_id, attribute = name.split(".", 1)
                return str(self._get_att(stack, logical_id, attribute, where))
            return str(self._ref(stack, name, where))

        return _SUB.sub(substitute, text).replace("${!", "${")

    def _resolve(self, stack: Stack, value: Any, where: str) -> Any:
        if isinstance(value, list):
            items = [self._resolve(stack, v, where) for v in value]
            return [v for v in items if v is not _NO_VALUE]
        if not isinstance(value, dict):
            return value
        if len(value) == 1:
            ((key, arg),) = value.items()
            handler = self._FUNCTIONS.get(key)
            # {"Condition": name} is an intrinsic; {"Condition": {...}} (IAM) is data.
            if handler is not None and (key != "Condition" or isinstance(arg, str)):
                return handler(self, stack, arg, where)
            if key.startswith("Fn::"):
                raise Unresolvable(stack.stack_name, where, f"{key} is not supported locally")
        resolved = {k: self._resolve(stack, v, f"{where}.{k}") for k, v in value.items()}
        return {k: v for k, v in resolved.items() if v is not _NO_VALUE}

    def _fn_ref(self, stack: Stack, arg: Any, where: str) -> Any:
        return self._ref(stack, str(arg), where)

    def _fn_get_att(self, stack: Stack, arg: Any, where: str) -> Any:
        if isinstance(arg, str):
            logical_id, attribute = arg.split(".", 1)
        else:
            logical_id = arg[0]
            attribute = str(self._resolve(stack, arg[1], where))
        return self._get_att(stack, logical_id, attribute, where)

    def _fn_join(self, stack: Stack, arg: Any, where: str) -> str:
        separator, items = arg
        values = self._resolve(stack, items, where)
        return str(separator).join(str(v) for v in values)

    def _fn_select(self, stack: Stack, arg: Any, where: str) -> Any:
        index = int(self._resolve(stack, arg[0], where))
        items = self._resolve(stack, arg[1], where)
        if not isinstance(items, list) or not 0 <= index < len(items):
            raise Unresolvable(stack.stack_name, where, f"Fn::Select index {index} out of range")
        return items[index]

    def _fn_split(self, stack: Stack, arg: Any, where: str) -> list[str]:
        separator = str(arg[0])
        return str(self._resolve(stack, arg[1], where)).split(separator)

    def _fn_if(self, stack: Stack, arg: Any, where: str) -> Any:
        name, when_true, when_false = arg
        chosen = when_true if self.condition(stack, name) else when_false
        return self._resolve(stack, chosen, where)

    def _fn_equals(self, stack: Stack, arg: Any, where: str) -> bool:
        left, right = (self._resolve(stack, v, where) for v in arg)
        return bool(left == right)

    def _fn_not(self, stack: Stack, arg: Any, where: str) -> bool:
        return not self._resolve(stack, arg[0], where)

    def _fn_and(self, stack: Stack, arg: Any, where: str) -> bool:
        return all(self._resolve(stack, v, where) for v in arg)

    def _fn_or(self, stack: Stack, arg: Any, where: str) -> bool:
        return any(self._resolve(stack, v, where) for v in arg)

    def _fn_condition(self, stack: Stack, arg: Any, where: str) -> bool:
        return self.condition(stack, str(arg))

    def _fn_get_azs(self, stack: Stack, arg: Any, where: str) -> list[str]:
        region = self._resolve(stack, arg, where) or self.region_of(stack)
        return [f"{region}{zone}" for zone in "abc"]

    def _fn_base64(self, stack: Stack, arg: Any, where: str) -> str:
        return base64.b64encode(str(self._resolve(stack, arg, where)).encode()).decode()

    def _fn_find_in_map(self, stack: Stack, arg: Any, where: str) -> Any:
        name, top, second = (self._resolve(stack, v, where) for v in arg)
        try:
            return stack.template["Mappings"][name][top][second]
        except KeyError:
            raise Unresolvable(
                stack.stack_name, where, f"no {name}.{top}.{second} in Mappings"
            ) from None

    _FUNCTIONS: dict[str, Any] = {
        "Ref": _fn_ref,
        "Fn::GetAtt": _fn_get_att,
        "Fn::Join": _fn_join,
        "Fn::Sub": _sub,
        "Fn::Select": _fn_select,
        "Fn::Split": _fn_split,
        "Fn::If": _fn_if,
        "Fn::Equals": _fn_equals,
        "Fn::Not": _fn_not,
        "Fn::And": _fn_and,
        "Fn::Or": _fn_or,
        "Condition": _fn_condition,
        "Fn::ImportValue": _import,
        "Fn::GetStackOutput": _stack_output,
        "Fn::GetAZs": _fn_get_azs,
        "Fn::Base64": _fn_base64,
        "Fn::FindInMap": _fn_find_in_map,
    }
