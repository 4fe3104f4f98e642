"""Parallel synth parts: the lighter parts yield the cores to the largest, whose end is the
synth's (stacks/synth_parts.py, app.py)."""

from __future__ import annotations

from stacks.config import load_stages
from stacks.synth_parts import lighter_parts, plan_parts

from .fixed_stages import fixed_stages


def stages_with_regions(*regions: int) -> dict[str, object]:
    """Stages ``s0``, ``s1`` ... of the fixed prod stage, with ``regions[i]`` regions each."""
    prod = fixed_stages()["prod"]
    replicas = ["us-east-1", "us-west-2", "eu-central-1"]
    return {f"s{i}": {**prod, "replica_regions": replicas[: n - 1]} for i, n in enumerate(regions)}


def test_every_part_with_fewer_regions_than_the_largest_is_lighter() -> None:
    # Given the fixed stages (dev: one region, prod: two) and stages of 3, 1, 1, 1 regions
    fixed = load_stages(fixed_stages())
    uneven = load_stages(stages_with_regions(3, 1, 1, 1))

    # When they are planned for 2 or 3 cores
    # Then the parts with fewer regions than the largest part are the lighter ones
    assert lighter_parts(fixed, plan_parts(fixed, 2)) == {0}  # dev; prod runs at full priority
    assert lighter_parts(uneven, plan_parts(uneven, 3)) == {1, 2}
    # And parts of equal weight, or one part, are all at full priority
    assert lighter_parts(uneven, plan_parts(uneven, 2)) == set()
    assert lighter_parts(fixed, plan_parts(fixed, 1)) == set()
