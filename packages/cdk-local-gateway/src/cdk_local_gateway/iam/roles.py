"""IAM roles of the template with their policies resolved, and their creation on the local AWS.

A role's identity policies are its inline ``Policies``, its ``ManagedPolicyArns`` (AWS managed
policies exist on the local AWS; a customer ``AWS::IAM::ManagedPolicy`` of the template is
attached as an inline policy with the same document, which IAM evaluates the same way) and
every ``AWS::IAM::Policy`` / ``AWS::IAM::RolePolicy`` / ``AWS::IAM::ManagedPolicy`` of the
assembly that names it. A statement whose intrinsics cannot be resolved locally is left out
(narrower, never wider, than the template) and named in ``problems``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from cdk_local_gateway.intrinsics import Unresolvable

if TYPE_CHECKING:
    from cdk_local_gateway.assembly import Stack
    from cdk_local_gateway.intrinsics import Resolver

_ATTACHING = ("AWS::IAM::Policy", "AWS::IAM::ManagedPolicy", "AWS::IAM::RolePolicy")


@dataclass(frozen=True)
class RoleDefinition:
    stack: str
    logical_id: str
    name: str
    arn: str
    path: str
    trust: dict[str, Any]
    # (policy name, document) pairs put on the role as inline policies.
    inline: tuple[tuple[str, dict[str, Any]], ...] = ()
    managed_arns: tuple[str, ...] = ()
    problems: tuple[str, ...] = field(default=())

    def documents(self) -> list[dict[str, Any]]:
        """The inline documents (managed ones live on the local AWS)."""
        return [document for _, document in self.inline]

    def trusts(self, service: str) -> bool:
        """Whether the trust policy lets ``service`` (e.g. lambda.amazonaws.com) assume it."""
        raw = self.trust.get("Statement", [])
        for statement in raw if isinstance(raw, list) else [raw]:
            if not isinstance(statement, dict) or statement.get("Effect") != "Allow":
                continue
            principal = statement.get("Principal", {})
            services = principal.get("Service", []) if isinstance(principal, dict) else []
            if service in (services if isinstance(services, list) else [services]):
                return True
        return False


def _document(
    resolver: Resolver, stack: Stack, raw: Any, where: str, problems: list[str]
) -> dict[str, Any]:
    """``raw`` resolved statement by statement; unresolvable statements are dropped."""
    if not isinstance(raw, dict):
        problems.append(f"{where}: not a policy document")
        return {"Version": "2012-10-17", "Statement": []}
    statements = raw.get("Statement", [])
    kept: list[Any] = []
    for index, statement in enumerate(statements if isinstance(statements, list) else [statements]):
        try:
            kept.append(resolver.resolve(stack, statement, f"{where}.Statement[{index}]"))
        except Unresolvable as exc:
            problems.append(f"statement left out (narrower than the template): {exc}")
    return {"Version": raw.get("Version", "2012-10-17"), "Statement": kept}


def _names(resolver: Resolver, stack: Stack, value: Any, where: str) -> list[str]:
    try:
        resolved = resolver.resolve(stack, value, where)
    except Unresolvable:
        return []
    if isinstance(resolved, list):
        return [str(v) for v in resolved]
    return [str(resolved)] if resolved else []


def read_role(resolver: Resolver, stack: Stack, logical_id: str) -> RoleDefinition:
    props: dict[str, Any] = stack.resources[logical_id].get("Properties", {})
    problems: list[str] = []
    name = resolver.ref(stack, logical_id)
    arn = str(resolver.get_att(stack, logical_id, "Arn"))
    trust = _document(
        resolver, stack, props.get("AssumeRolePolicyDocument"), f"{logical_id}.Trust", problems
    )
    inline: list[tuple[str, dict[str, Any]]] = []
    for index, policy in enumerate(props.get("Policies", []) or []):
        where = f"{logical_id}.Policies[{index}]"
        policy_name = str(policy.get("PolicyName") or f"inline-{index}")
        inline.append(
            (policy_name, _document(resolver, stack, policy.get("PolicyDocument"), where, problems))
        )
    managed: list[str] = []
    for index, entry in enumerate(props.get("ManagedPolicyArns", []) or []):
        where = f"{logical_id}.ManagedPolicyArns[{index}]"
        target = entry.get("Ref") if isinstance(entry, dict) else None
        resource = stack.resources.get(str(target)) if target else None
        if resource is not None and resource.get("Type") == "AWS::IAM::ManagedPolicy":
            document = resource.get("Properties", {}).get("PolicyDocument")
            inline.append((str(target), _document(resolver, stack, document, where, problems)))
            continue
        try:
            managed.append(str(resolver.resolve(stack, entry, where)))
        except Unresolvable as exc:
            problems.append(f"managed policy left out: {exc}")
    for other in resolver.assembly.stacks:
        for policy_id, resource in other.of_type(*_ATTACHING).items():
            policy_props = resource.get("Properties", {})
            where = f"{other.display_name}/{policy_id}"
            if resource["Type"] == "AWS::IAM::RolePolicy":
                attached = _names(resolver, other, policy_props.get("RoleName"), where)
            else:
                attached = _names(resolver, other, policy_props.get("Roles", []), where)
            if name in attached:
                document = policy_props.get("PolicyDocument")
                inline.append((policy_id, _document(resolver, other, document, where, problems)))
    return RoleDefinition(
        stack=stack.stack_name,
        logical_id=logical_id,
        name=name,
        arn=arn,
        path=str(props.get("Path") or "/"),
        trust=trust,
        inline=tuple(inline),
        managed_arns=tuple(managed),
        problems=tuple(problems),
    )


def role_of_function(resolver: Resolver, stack: Stack, logical_id: str) -> RoleDefinition | None:
    """The execution role of a function (None: no Role, or not a role of the assembly)."""
    role = stack.resources[logical_id].get("Properties", {}).get("Role")
    if role is None:
        return None
    try:
        arn = str(resolver.resolve(stack, role, f"{logical_id}.Role"))
    except Unresolvable:
        return None
    return find_role(resolver, arn)


def find_role(resolver: Resolver, arn: str) -> RoleDefinition | None:
    """The ``AWS::IAM::Role`` of the assembly whose ARN is ``arn``."""
    for stack in resolver.assembly.stacks:
        for logical_id in stack.of_type("AWS::IAM::Role"):
            try:
                candidate = str(resolver.get_att(stack, logical_id, "Arn"))
            except Unresolvable:
                continue
            if candidate == arn:
                return read_role(resolver, stack, logical_id)
    return None


def create_role(iam: Any, role: RoleDefinition) -> list[str]:
    """Create (or bring up to date) ``role`` on the local AWS; returns what was left out."""
    problems: list[str] = []
    try:
        iam.create_role(
            RoleName=role.name,
            Path=role.path,
            AssumeRolePolicyDocument=json.dumps(role.trust),
            MaxSessionDuration=43200,
        )
    except iam.exceptions.EntityAlreadyExistsException:
        # A local AWS shared with an earlier run: its policies are replaced by this template's.
        iam.update_assume_role_policy(RoleName=role.name, PolicyDocument=json.dumps(role.trust))
        for old in iam.list_role_policies(RoleName=role.name)["PolicyNames"]:
            iam.delete_role_policy(RoleName=role.name, PolicyName=old)
        for attached in iam.list_attached_role_policies(RoleName=role.name)["AttachedPolicies"]:
            iam.detach_role_policy(RoleName=role.name, PolicyArn=attached["PolicyArn"])
    for index, (name, document) in enumerate(role.inline):
        try:
            iam.put_role_policy(
                RoleName=role.name,
                PolicyName=f"{name[:100]}-{index}",
                PolicyDocument=json.dumps(document),
            )
        except iam.exceptions.MalformedPolicyDocumentException as error:
            # Narrower than the template, never wider: the policy is left out, and said so.
            problems.append(
                f"{role.name}: policy {name} left out, the local AWS refused it: {error}"
            )
    for arn in role.managed_arns:
        try:
            iam.attach_role_policy(RoleName=role.name, PolicyArn=arn)
        except iam.exceptions.NoSuchEntityException:
            problems.append(f"{role.name}: managed policy {arn} is unknown to the local AWS")
    return problems
