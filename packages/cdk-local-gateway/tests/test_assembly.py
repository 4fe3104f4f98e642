"""The cloud assembly reader: nested stage assemblies, environments, asset folders."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest
from cdk_local_gateway.assembly import AssemblyError, read_assembly
from gateway_testkit import write_assembly

if TYPE_CHECKING:
    from pathlib import Path


def test_stacks_of_nested_stage_assemblies_with_their_region_and_assets(assembly_dir: Path) -> None:
    # Given a stage assembly with two stacks, one with a Lambda code asset
    write_assembly(
        assembly_dir,
        {"Dev-Data": {"Resources": {}}, "Dev-Api": {"Resources": {}}},
        regions={"Dev-Api": "us-east-1"},
        assets={"Dev-Api": {"app.py": "def handler(e, c): return 1\n"}},
    )
    # When the assembly is read
    assembly = read_assembly(assembly_dir)
    # Then both stacks are found with their stage, region and asset folder
    api = assembly.stack_by_name("Dev-Api")
    assert api is not None
    assert (api.stage, api.region, api.account) == ("Dev", "us-east-1", None)
    assert (api.assets["a" * 64 + ".zip"] / "app.py").is_file()
    assert [s.stack_name for s in assembly.select("Dev", "eu-west-1")] == ["Dev-Data"]
    assert assembly.select("Prod", None) == []


def test_a_folder_without_manifest_is_refused_with_its_path(tmp_path: Path) -> None:
    with pytest.raises(AssemblyError, match=r"no manifest\.json"):
        read_assembly(tmp_path)
