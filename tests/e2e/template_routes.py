"""The routes a stage's synthesized templates define, read from cdk.out directly (not through
the local gateway's own assembly reader, so a stack or route the runtime misses is still
listed).

A REST route is ``"<HTTP method> <resource path>"`` (``"GET /rooms/{room_id}"``), the path
built by following each ``AWS::ApiGateway::Resource``'s ``ParentId`` up to the API's root; a
WebSocket route is ``"ws:<route key>"`` (``"ws:$connect"``). Resources are found by type and
by the references between them, never by their hash-suffixed logical ids.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from pathlib import Path

WS_PREFIX = "ws:"


def stage_templates(cdk_out: Path, stage: str) -> list[dict[str, Any]]:
    """The templates of every stack of the stage's nested assembly (all its regions)."""
    manifest = json.loads((cdk_out / "manifest.json").read_text())
    folders = [
        cdk_out / artifact["properties"]["directoryName"]
        for artifact in manifest["artifacts"].values()
        if artifact["type"] == "cdk:cloud-assembly"
        and artifact["properties"].get("displayName") == stage
    ]
    if len(folders) != 1:
        raise LookupError(f"{cdk_out} has {len(folders)} nested assemblies named {stage!r}")
    (folder,) = folders
    nested = json.loads((folder / "manifest.json").read_text())
    return [
        json.loads((folder / artifact["properties"]["templateFile"]).read_text())
        for artifact in nested["artifacts"].values()
        if artifact["type"] == "aws:cloudformation:stack"
    ]


def _of_type(template: dict[str, Any], kind: str) -> dict[str, dict[str, Any]]:
    resources: dict[str, dict[str, Any]] = template.get("Resources", {})
    return {lid: r.get("Properties", {}) for lid, r in resources.items() if r.get("Type") == kind}


def _resource_path(reference: Any, resources: dict[str, dict[str, Any]], seen: int = 0) -> str:
    """The path of the resource ``reference`` points at: ``{"Fn::GetAtt": [api,
    "RootResourceId"]}`` is ``/``, ``{"Ref": <resource>}`` its parent's path plus its part."""
    if isinstance(reference, dict) and "Fn::GetAtt" in reference:
        if reference["Fn::GetAtt"][1] != "RootResourceId":
            raise ValueError(f"unexpected resource reference {reference}")
        return "/"
    if not isinstance(reference, dict) or reference.get("Ref") not in resources:
        raise ValueError(f"unexpected resource reference {reference}")
    if seen > len(resources):
        raise ValueError(f"resource parents form a cycle at {reference}")
    properties = resources[reference["Ref"]]
    parent = _resource_path(properties["ParentId"], resources, seen + 1)
    return parent.rstrip("/") + "/" + str(properties["PathPart"])


def rest_routes(template: dict[str, Any]) -> set[str]:
    resources = _of_type(template, "AWS::ApiGateway::Resource")
    return {
        f"{properties['HttpMethod']} {_resource_path(properties['ResourceId'], resources)}"
        for properties in _of_type(template, "AWS::ApiGateway::Method").values()
    }


def websocket_routes(template: dict[str, Any]) -> set[str]:
    return {
        f"{WS_PREFIX}{properties['RouteKey']}"
        for properties in _of_type(template, "AWS::ApiGatewayV2::Route").values()
    }


def stage_routes(cdk_out: Path, stage: str) -> set[str]:
    """Every REST and WebSocket route of the stage."""
    routes: set[str] = set()
    for template in stage_templates(cdk_out, stage):
        routes |= rest_routes(template) | websocket_routes(template)
    return routes
