"""Synthesized templates addressed by stack path, and the scrubbing that makes snapshots stable."""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from aws_cdk import cx_api

# An asset's content hash, as it appears in S3 object keys and asset hash fields.
_ASSET_HASH = re.compile(r"[0-9a-f]{64}")
ASSET_PLACEHOLDER = "<asset-hash>"


def scrub(value: Any) -> Any:
    """Replace asset hashes so that editing Lambda source leaves the template unchanged while
    any change of infrastructure still shows."""
    if isinstance(value, dict):
        return {k: scrub(v) for k, v in value.items()}
    if isinstance(value, list):
        return [scrub(v) for v in value]
    if isinstance(value, str):
        return _ASSET_HASH.sub(ASSET_PLACEHOLDER, value)
    return value


class StackTemplates(Mapping[str, dict[str, Any]]):
    """Templates of every stack of every stage, keyed by the stack's construct path."""

    def __init__(
        self,
        templates: dict[str, dict[str, Any]],
        environments: Mapping[str, tuple[str, str]] | None = None,
    ) -> None:
        self._templates = templates
        #: ``path -> (stack name, region)``: what ``Fn::GetStackOutput`` addresses a stack by.
        self.environments = dict(environments or {})

    @classmethod
    def from_assembly(cls, assembly: cx_api.CloudAssembly) -> StackTemplates:
        templates: dict[str, dict[str, Any]] = {}
        environments: dict[str, tuple[str, str]] = {}
        for nested in assembly.nested_assemblies:
            for stack in nested.nested_assembly.stacks:
                templates[stack.hierarchical_id] = stack.template
                environments[stack.hierarchical_id] = (stack.stack_name, stack.environment.region)
        return cls(templates, environments)

    def region(self, path: str) -> str:
        """The region stack ``path`` deploys to."""
        return self.environments[path][1]

    def path_of(self, stack_name: str, region: str) -> str:
        """The path of the stack deployed as ``stack_name`` in ``region``."""
        for path, environment in self.environments.items():
            if environment == (stack_name, region):
                return path
        raise KeyError(f"no stack {stack_name!r} in {region}")

    def __getitem__(self, path: str) -> dict[str, Any]:
        try:
            return self._templates[path]
        except KeyError:
            raise KeyError(f"no stack {path!r}; stacks: {sorted(self._templates)}") from None

    def __iter__(self) -> Iterator[str]:
        return iter(sorted(self._templates))

    def __len__(self) -> int:
        return len(self._templates)

    def resources(self, path: str, resource_type: str) -> dict[str, dict[str, Any]]:
        """Resources of one type in one stack, keyed by logical id."""
        return {
            logical_id: resource
            for logical_id, resource in self[path]["Resources"].items()
            if resource["Type"] == resource_type
        }

    def function(self, path: str, handler: str) -> tuple[str, dict[str, Any]]:
        """The one Lambda function of stack ``path`` running ``handler``: logical id, resource."""
        functions = self.resources(path, "AWS::Lambda::Function")
        matches = [(k, f) for k, f in functions.items() if f["Properties"]["Handler"] == handler]
        if len(matches) != 1:
            raise LookupError(f"{len(matches)} functions run {handler!r} in {path}")
        return matches[0]

    def role_statements(self, path: str, role: str) -> list[dict[str, Any]]:
        """Every policy statement attached to the role with logical id ``role`` in ``path``."""
        return [
            statement
            for policy in self.resources(path, "AWS::IAM::Policy").values()
            if {"Ref": role} in policy["Properties"]["Roles"]
            for statement in policy["Properties"]["PolicyDocument"]["Statement"]
        ]

    def function_statements(self, path: str, handler: str) -> list[dict[str, Any]]:
        """Every policy statement of the execution role of the function running ``handler``."""
        _, function = self.function(path, handler)
        return self.role_statements(path, function["Properties"]["Role"]["Fn::GetAtt"][0])
