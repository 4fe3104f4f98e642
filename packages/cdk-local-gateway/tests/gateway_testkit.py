"""Builders for small synthetic cloud assemblies (never the app's own cdk.out)."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from pathlib import Path


def write_assembly(
    root: Path,
    stacks: dict[str, dict[str, Any]],
    *,
    stage: str = "Dev",
    region: str = "eu-west-1",
    regions: dict[str, str] | None = None,
    assets: dict[str, dict[str, str]] | None = None,
) -> Path:
    """A cdk.out with one nested stage assembly holding ``stacks`` (stack name -> template).

    ``assets`` maps a stack name to {file name: content} written into one asset folder whose
    object key is ``<hash>.zip`` with hash ``"a" * 64``.
    """
    nested = root / f"assembly-{stage}"
    nested.mkdir(parents=True)
    (root / "manifest.json").write_text(
        json.dumps(
            {
                "version": "55.0.0",
                "artifacts": {
                    f"assembly-{stage}": {
                        "type": "cdk:cloud-assembly",
                        "properties": {"directoryName": f"assembly-{stage}", "displayName": stage},
                    }
                },
            }
        )
    )
    artifacts: dict[str, Any] = {}
    for name, template in stacks.items():
        artifact = name.replace("-", "")
        stack_region = (regions or {}).get(name, region)
        (nested / f"{artifact}.template.json").write_text(json.dumps(template))
        dependencies = []
        if assets and name in assets:
            folder = root / ("asset." + "a" * 64)
            folder.mkdir(exist_ok=True)
            for file_name, content in assets[name].items():
                target = folder / file_name
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_text(content)
            (nested / f"{artifact}.assets.json").write_text(
                json.dumps(
                    {
                        "version": "55.0.0",
                        "files": {
                            "a" * 64: {
                                "source": {"path": "../asset." + "a" * 64, "packaging": "zip"},
                                "destinations": {"d": {"objectKey": "a" * 64 + ".zip"}},
                            }
                        },
                    }
                )
            )
            artifacts[f"{artifact}.assets"] = {
                "type": "cdk:asset-manifest",
                "properties": {"file": f"{artifact}.assets.json"},
            }
            dependencies.append(f"{artifact}.assets")
        artifacts[artifact] = {
            "type": "aws:cloudformation:stack",
            "environment": f"aws://unknown-account/{stack_region}",
            "properties": {"templateFile": f"{artifact}.template.json", "stackName": name},
            "dependencies": dependencies,
            "displayName": f"{stage}/{name}",
        }
    (nested / "manifest.json").write_text(json.dumps({"version": "55.0.0", "artifacts": artifacts}))
    return root
