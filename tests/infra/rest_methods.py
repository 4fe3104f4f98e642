"""Addresses REST API methods in a synthesized template by path and HTTP method."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from tests.infra.templates import StackTemplates

REST_STACKS = ("Dev/EuWest1/RestApi", "Prod/EuWest1/RestApi", "Prod/UsEast1/RestApi")
DEV = "Dev/EuWest1/RestApi"
PROD = "Prod/EuWest1/RestApi"
PROD_REPLICA = "Prod/UsEast1/RestApi"


def resource_paths(stacks: StackTemplates, stack: str) -> dict[str, str]:
    """Logical id of every API Gateway resource -> its full path (``/rooms/{room_id}``)."""
    resources = stacks.resources(stack, "AWS::ApiGateway::Resource")
    paths: dict[str, str] = {}

    def path_of(logical_id: str) -> str:
        if logical_id not in paths:
            properties = resources[logical_id]["Properties"]
            parent = properties["ParentId"]
            prefix = path_of(parent["Ref"]) if "Ref" in parent else ""
            paths[logical_id] = f"{prefix}/{properties['PathPart']}"
        return paths[logical_id]

    for logical_id in resources:
        path_of(logical_id)
    return paths


def methods(stacks: StackTemplates, stack: str) -> dict[tuple[str, str], dict[str, Any]]:
    """``(HTTP method, path)`` -> the method's properties, for every method of the API."""
    paths = resource_paths(stacks, stack)
    found: dict[tuple[str, str], dict[str, Any]] = {}
    for method in stacks.resources(stack, "AWS::ApiGateway::Method").values():
        properties = method["Properties"]
        resource = properties["ResourceId"]
        path = paths[resource["Ref"]] if "Ref" in resource else "/"
        found[(properties["HttpMethod"], path)] = properties
    return found


def method(stacks: StackTemplates, stack: str, http_method: str, path: str) -> dict[str, Any]:
    return methods(stacks, stack)[(http_method, path)]


def logical_id_of(stacks: StackTemplates, stack: str, resource_type: str, **match: Any) -> str:
    """The one resource of ``resource_type`` whose properties include ``match``."""
    hits = [
        logical_id
        for logical_id, resource in stacks.resources(stack, resource_type).items()
        if all(resource.get("Properties", {}).get(k) == v for k, v in match.items())
    ]
    assert len(hits) == 1, f"{len(hits)} {resource_type} match {match}"
    return hits[0]
