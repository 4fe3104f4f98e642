"""The infrastructure tests synthesize stages of their own (tests/infra/stages.json), so that
docs/stages.md's recipe, adding or changing a stage in cdk.json, keeps every test and snapshot
as it is. Proven without synthesizing twice: the context the fixtures synthesize from does not
change when cdk.json's stages do, and the session's app has exactly the fixed stages.
"""

from __future__ import annotations

import json
import re
from typing import TYPE_CHECKING, Any

from stacks.config import load_stages
from tests.infra.fixed_stages import ROOT, STAGES, cdk_json_context, fixed_stages, synth_context

if TYPE_CHECKING:
    from tests.infra.templates import StackTemplates

RECIPE = ROOT / "docs" / "stages.md"


def documented_stage() -> dict[str, Any]:
    """The stage entry the "Adding a stage" recipe of docs/stages.md tells you to add."""
    text = RECIPE.read_text()
    section = text.split("### Adding a stage", 1)[1]
    match = re.search(r"```json\n(.*?)```", section, re.DOTALL)
    assert match, f"no json block under 'Adding a stage' in {RECIPE}"
    stage: dict[str, Any] = json.loads("{" + match.group(1) + "}")
    return stage


def test_the_fixed_stages_are_one_region_dev_and_prod_with_a_replica() -> None:
    assert STAGES["Dev"].regions == ("eu-west-1",)
    assert STAGES["Prod"].regions == ("eu-west-1", "us-east-1")
    assert sorted(STAGES) == ["Dev", "Prod"]


def test_the_session_app_has_exactly_the_fixed_stages(stacks: StackTemplates) -> None:
    assert {path.split("/")[0] for path in stacks} == set(STAGES)


def test_following_the_recipe_changes_nothing_the_tests_synthesize() -> None:
    # Given cdk.json as committed, and a copy edited as the recipe says: the documented stage
    # added, and an existing stage changed besides
    committed = cdk_json_context()
    edited = cdk_json_context()
    edited["stages"].update(documented_stage())
    first = next(iter(edited["stages"]))
    retention = edited["stages"][first]["log_retention_days"]
    edited["stages"][first]["log_retention_days"] = 7 if retention != 7 else 14

    # When the edited stages are validated (as app.py does before synth)
    names = [config.name for config in load_stages(edited["stages"])]

    # Then they are valid and include the new stage ...
    assert set(documented_stage()) <= set(names)
    # ... and the tests synthesize exactly what they synthesized before: their own stages,
    # with cdk.json's feature flags
    assert synth_context(edited) == synth_context(committed)
    assert synth_context(edited)["stages"] == fixed_stages()


def test_a_feature_flag_in_cdk_json_does_reach_the_tests() -> None:
    # Given cdk.json with one feature flag flipped (app behaviour, not a deployer's stage)
    edited = cdk_json_context()
    flag = "@aws-cdk/aws-iam:minimizePolicies"
    edited[flag] = not edited[flag]

    # Then the tests synthesize with the flipped flag, so its effect shows in the snapshots
    assert synth_context(edited)[flag] == edited[flag]
    assert synth_context(edited) != synth_context(cdk_json_context())


def test_only_the_real_cdk_json_test_reads_cdk_json_stages() -> None:
    # A test module reading cdk.json's context would again depend on the deployer's stages.
    readers = sorted(
        path.name
        for path in (ROOT / "tests" / "infra").glob("*.py")
        if "cdk_json_context(" in path.read_text()
    )
    assert readers == ["fixed_stages.py", "test_config.py", "test_fixed_stages.py"]
