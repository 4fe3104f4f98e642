"""Read a cloud assembly (``cdk.out``): nested stage assemblies, stacks, environments, assets."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

_STACK = "aws:cloudformation:stack"
_NESTED = "cdk:cloud-assembly"
_ASSETS = "cdk:asset-manifest"


class AssemblyError(Exception):
    """The folder is not a readable cloud assembly; the message names the file."""


@dataclass(frozen=True)
class Stack:
    """One CloudFormation stack of the assembly."""

    artifact_id: str
    stack_name: str
    display_name: str
    account: str | None
    region: str | None
    template: dict[str, Any]
    directory: Path
    # S3 object key of a file asset ("<hash>.zip") -> the local folder or file it was built from.
    assets: dict[str, Path] = field(default_factory=dict)

    @property
    def resources(self) -> dict[str, dict[str, Any]]:
        resources: dict[str, dict[str, Any]] = self.template.get("Resources", {})
        return resources

    def of_type(self, *types: str) -> dict[str, dict[str, Any]]:
        return {k: r for k, r in self.resources.items() if r.get("Type") in types}

    @property
    def stage(self) -> str:
        """The first segment of the construct path (the CDK stage), ``""`` for a top-level stack."""
        head, sep, _ = self.display_name.partition("/")
        return head if sep else ""


@dataclass(frozen=True)
class Assembly:
    root: Path
    stacks: list[Stack]

    def stack_by_name(self, name: str, region: str | None = None) -> Stack | None:
        for stack in self.stacks:
            if stack.stack_name == name and (region is None or stack.region in (None, region)):
                return stack
        return None

    def select(self, stage: str | None, region: str | None) -> list[Stack]:
        """Stacks of one stage (``None``: all) deployed to ``region`` (``None``: all)."""
        return [
            s
            for s in self.stacks
            if (stage is None or s.stage == stage)
            and (region is None or s.region in (None, region))
        ]


def _load_json(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise AssemblyError(f"{path}: {exc}") from exc
    if not isinstance(data, dict):
        raise AssemblyError(f"{path}: not a JSON object")
    return data


def _environment(value: str | None) -> tuple[str | None, str | None]:
    """``aws://account/region`` with ``unknown-*`` placeholders meaning "not fixed"."""
    if not value or not value.startswith("aws://"):
        return None, None
    account, _, region = value[len("aws://") :].partition("/")
    return (
        None if account.startswith("unknown-") else account,
        None if region.startswith("unknown-") else region,
    )


def _assets(directory: Path, manifest_file: Path) -> dict[str, Path]:
    found: dict[str, Path] = {}
    manifest = _load_json(manifest_file)
    for entry in manifest.get("files", {}).values():
        source = (directory / entry["source"]["path"]).resolve()
        for destination in entry.get("destinations", {}).values():
            found[destination["objectKey"]] = source
    return found


def _read(directory: Path, prefix: str) -> list[Stack]:
    manifest = _load_json(directory / "manifest.json")
    artifacts: dict[str, Any] = manifest.get("artifacts", {})
    stacks: list[Stack] = []
    for artifact_id, artifact in artifacts.items():
        kind = artifact.get("type")
        props = artifact.get("properties", {})
        if kind == _NESTED:
            stacks.extend(_read(directory / props["directoryName"], props.get("displayName", "")))
        elif kind == _STACK:
            assets: dict[str, Path] = {}
            for dependency in artifact.get("dependencies", []):
                dep = artifacts.get(dependency, {})
                if dep.get("type") == _ASSETS:
                    assets.update(_assets(directory, directory / dep["properties"]["file"]))
            account, region = _environment(artifact.get("environment"))
            stacks.append(
                Stack(
                    artifact_id=artifact_id,
                    stack_name=props.get("stackName", artifact_id),
                    display_name=artifact.get("displayName", artifact_id),
                    account=account,
                    region=region,
                    template=_load_json(directory / props["templateFile"]),
                    directory=directory,
                    assets=assets,
                )
            )
    return stacks


def read_assembly(root: Path | str) -> Assembly:
    """Every stack of ``root`` and of its nested (stage) assemblies, in manifest order."""
    path = Path(root)
    if not (path / "manifest.json").is_file():
        raise AssemblyError(f"{path}: no manifest.json (run `cdk synth` first)")
    return Assembly(root=path, stacks=_read(path, ""))
