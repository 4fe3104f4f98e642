"""What docs/deploying.md states about cross-stack values: they travel only as weak
``Fn::GetStackOutput`` references (no exports, no SSM parameters), from the producers it
lists, and the one custom resource of the app is ``Custom::VpcRestrictDefaultSG``."""

from __future__ import annotations

import json
import re
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from tests.infra.templates import StackTemplates


def test_cross_stack_values_are_weak_get_stack_output_references(stacks: StackTemplates) -> None:
    texts = {path: json.dumps(stacks[path]) for path in stacks}
    # No strong references of either kind ...
    for path, text in texts.items():
        assert "Fn::ImportValue" not in text, path
        assert "Export" not in json.dumps(stacks[path].get("Outputs", {})), path
        assert not stacks.resources(path, "AWS::SSM::Parameter"), path
    # ... and weak ones exist, published by exactly the producers the docs name
    assert any("Fn::GetStackOutput" in text for text in texts.values())
    producers = {
        re.sub(r"^(Dev|Prod)/(EuWest1/|UsEast1/)?", "", path)
        for path in stacks
        if any(name.startswith("PublishOutput") for name in stacks[path].get("Outputs", {}))
    }
    assert producers == {"ReplicaKey", "Identity", "Data", "RestApi", "WebSocketApi"}


def test_the_only_custom_resource_restricts_the_default_security_group(
    stacks: StackTemplates,
) -> None:
    custom = {
        resource["Type"]
        for path in stacks
        for resource in stacks[path]["Resources"].values()
        if resource["Type"].startswith(("Custom::", "AWS::CloudFormation::CustomResource"))
    }
    assert custom == {"Custom::VpcRestrictDefaultSG"}
