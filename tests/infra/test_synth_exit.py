"""app.py run by the CDK CLI synthesizes its stages in parallel processes, joins their cloud
assemblies and exits as soon as the result is written, skipping the interpreter's teardown:
what it leaves behind must be exactly what one in-process synth writes, and nothing else (no
temporary directory, no part's directory)."""

from __future__ import annotations

import hashlib
import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import aws_cdk as cdk
import pytest

from stacks import synth_parts
from stacks.app_builder import build_app, write_openapi
from stacks.config import load_stages
from stacks.synth_parts import PARTS_VARIABLE, lighter_parts, local_part, plan_parts
from tests.infra.fixed_stages import ROOT, fixed_stages, synth_context
from tests.infra.synth_cache import cached_synth, run_inputs

#: The jsii kernel's random working directory (under the temporary directory), which CDK
#: writes into the creation stack traces of ``*.metadata.json`` (a VPC records them even under
#: the CLI): it differs between any two synths, so it is the one thing compared masked.
KERNEL_DIR = re.compile(rb"\.\.\./[^\"]*/jsii-kernel-[A-Za-z0-9]{6}/")


def files_of(root: Path) -> dict[str, str]:
    """Every file under ``root`` by relative path, with the SHA-256 of its bytes (kernel
    directory masked)."""
    return {
        str(p.relative_to(root)): hashlib.sha256(
            KERNEL_DIR.sub(b".../jsii-kernel-XXXXXX/", p.read_bytes())
        ).hexdigest()
        for p in root.rglob("*")
        if p.is_file()
    }


def in_process_files(context: dict[str, object], out: Path) -> dict[str, str]:
    """:func:`files_of` what one in-process synth of ``context`` writes into ``out``: the
    reference the CLI's output is held to. Like the infrastructure tests' templates, it is
    read from the synth cache when exactly these inputs were synthesized in process before
    (tests/infra/synth_cache.py); the CLI run under test always runs."""

    def synthesize() -> dict[str, str]:
        app = cdk.App(context=context, outdir=str(out), builtin_cloud_formation_validation=False)
        write_openapi(build_app(app), app.synth())
        return files_of(out)

    return cached_synth({**context, "tests:reference": "files of an in-process synth"}, synthesize)


def run_app_as_the_cli_does(context: dict[str, object], tmp_path: Path) -> dict[str, Any]:
    """Run app.py as the CLI runs it on ``context`` (CDK_CONTEXT_JSON, CDK_OUTDIR, ``-O``,
    the stages in two processes) with a temporary directory of its own, while the same app is
    synthesized in one process here (the two side by side; the reference comes from the synth
    cache when these inputs were synthesized in process before).

    Its outcome (exit status, output, what it left in its temporary directory, every file it
    wrote) is a function of the synth inputs, app.py's environment and this test: it is kept
    in the synth cache under a key of all three, and only when it is the outcome this test
    accepts (:func:`accepted`), so an edit to any input runs the app again and a failure is
    never replayed."""
    cli_out, own_tmp, in_process_out = tmp_path / "cli", tmp_path / "tmp", tmp_path / "in-process"
    own_tmp.mkdir()
    env = {
        **os.environ,
        "CDK_OUTDIR": str(cli_out),
        "CDK_CONTEXT_JSON": json.dumps(context),
        "TMPDIR": str(own_tmp),
        # Two parts whatever the machine's cores, so that the join is what is compared.
        PARTS_VARIABLE: "2",
        "PATH": f"{ROOT / 'node_modules' / '.bin'}{os.pathsep}{os.environ.get('PATH', '')}",
    }

    def run() -> dict[str, Any]:
        with subprocess.Popen(
            [sys.executable, "-O", "app.py"],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        ) as cli:
            expected = in_process_files(context, in_process_out)
            stdout, stderr = cli.communicate(timeout=600)
        return {
            "returncode": cli.returncode,
            "stdout": stdout[-3000:],
            "stderr": stderr[-3000:],
            "left_in_tmp": sorted(p.name for p in own_tmp.iterdir()),
            "written": files_of(cli_out) if cli_out.is_dir() else {},
            "expected": expected,
        }

    # The run's own inputs: this test, and the variables it passes on (the output and
    # temporary directories are fresh per run; the context is in the key already).
    inputs = run_inputs(env, [Path(__file__)], ignore={"CDK_OUTDIR", "CDK_CONTEXT_JSON", "TMPDIR"})
    key = {**context, **inputs, "tests:run": "app.py as the CLI runs it"}
    return cached_synth(key, run, store_if=accepted)


def accepted(outcome: dict[str, Any]) -> bool:
    """Whether ``outcome`` passes every check of the test below (only such an outcome is
    cached)."""
    written, expected = outcome["written"], outcome["expected"]
    return bool(
        outcome["returncode"] == 0
        and outcome["left_in_tmp"] == []
        and written == expected
        and any(name.startswith("openapi/") for name in written)
        and not any(name.startswith(".part-") for name in written)
    )


def test_app_run_by_the_cli_writes_the_same_assembly_and_leaves_no_temporary_files(
    tmp_path: Path,
) -> None:
    # Given the tests' context, handed to app.py as the CLI hands it, with a temporary
    # directory of its own
    context = {**synth_context(), "aws:cdk:version-reporting": False}

    # When app.py runs as cdk.json runs it (-O; the stages in two processes), next to an
    # in-process synth of the same app
    outcome = run_app_as_the_cli_does(context, tmp_path)

    # Then it succeeds, and leaves nothing in its temporary directory (staged Lambda asset and
    # jsii runtime scripts removed by its exit handlers)
    assert outcome["returncode"] == 0, outcome["stderr"]
    assert outcome["left_in_tmp"] == []
    # ... and every file it wrote (templates, manifests, tree, assets, OpenAPI documents) is
    # byte-identical to the in-process synth's
    written, expected = outcome["written"], outcome["expected"]
    assert sorted(written) == sorted(expected)
    assert [name for name in expected if written[name] != expected[name]] == []
    assert any(name.startswith("openapi/") for name in written), outcome["stdout"]
    assert not any(name.startswith(".part-") for name in written)


def test_only_an_outcome_the_test_accepts_is_kept() -> None:
    # Given the outcome of a run that passed every check
    files = {"manifest.json": "a", "openapi/Dev.json": "b"}
    good = {"returncode": 0, "left_in_tmp": [], "written": files, "expected": dict(files)}
    # When any one check fails / Then the outcome is not one to keep
    assert accepted(good)
    assert not accepted({**good, "returncode": 1})
    assert not accepted({**good, "left_in_tmp": ["jsii-runtime.123"]})
    assert not accepted({**good, "written": {**files, "manifest.json": "c"}})
    assert not accepted(
        {**good, "written": {"manifest.json": "a"}, "expected": {"manifest.json": "a"}}
    )
    assert not accepted(
        {**good, "written": {**files, ".part-0/x": "d"}, "expected": {**files, ".part-0/x": "d"}}
    )


def stages_with_regions(*regions: int) -> dict[str, object]:
    """Stages ``s0``, ``s1`` ... of the fixed prod stage, with ``regions[i]`` regions each."""
    prod = fixed_stages()["prod"]
    replicas = ["us-east-1", "us-west-2", "eu-central-1"]
    return {f"s{i}": {**prod, "replica_regions": replicas[: n - 1]} for i, n in enumerate(regions)}


def test_stages_are_shared_among_the_cores_by_their_regions() -> None:
    # Given the fixed stages (dev: one region, prod: two) and stages of 3, 1, 1, 1 regions
    fixed = load_stages(fixed_stages())
    uneven = load_stages(stages_with_regions(3, 1, 1, 1))

    # When they are planned for a number of cores
    # Then each part gets about the same number of regions, stages keep the app's order, and
    # there are never more parts than stages or cores
    assert plan_parts(fixed, 2) == [("dev",), ("prod",)]
    assert plan_parts(fixed, 8) == [("dev",), ("prod",)]
    assert plan_parts(fixed, 1) == [("dev", "prod")]
    assert plan_parts(uneven, 2) == [("s0",), ("s1", "s2", "s3")]
    assert plan_parts(uneven, 3) == [("s0",), ("s1", "s3"), ("s2",)]


def test_the_apps_own_process_synthesizes_the_largest_part() -> None:
    # Given the fixed stages planned for 2 cores (dev: one region, prod: two), and stages of
    # 3, 1, 1, 1 regions planned for 3
    fixed = load_stages(fixed_stages())
    fixed_parts = plan_parts(fixed, 2)
    uneven = load_stages(stages_with_regions(1, 3, 1, 1))
    uneven_parts = plan_parts(uneven, 3)

    # When the part the app's process keeps for itself is chosen (the others are forks that
    # first start a jsii kernel of their own)
    # Then it is the first of the parts with the most regions
    assert fixed_parts[local_part(fixed_parts, lighter_parts(fixed, fixed_parts))] == ("prod",)
    uneven_lighter = lighter_parts(uneven, uneven_parts)
    assert uneven_parts[local_part(uneven_parts, uneven_lighter)] == ("s1",)
    assert local_part([("a",), ("b",)], set()) == 0


def test_parts_run_on_idle_cores_only(monkeypatch: pytest.MonkeyPatch) -> None:
    # Given a machine with 2 cores this process may use
    monkeypatch.setattr(os, "sched_getaffinity", lambda _pid: {0, 1}, raising=False)

    # When it is idle, or busy with more runnable processes than cores plus one
    monkeypatch.setattr(os, "getloadavg", lambda: (0.3, 0.2, 0.1))
    idle = synth_parts.worker_count({})
    monkeypatch.setattr(os, "getloadavg", lambda: (3.5, 3.0, 2.0))
    busy = synth_parts.worker_count({})

    # Then the stages are shared by 2 processes when idle and synthesized by 1 when busy,
    # unless APP_SYNTH_PARTS says how many
    assert (idle, busy) == (2, 1)
    assert synth_parts.worker_count({PARTS_VARIABLE: "3"}) == 3


def test_parts_that_disagree_on_a_shared_file_are_not_joined(tmp_path: Path) -> None:
    # Given two parts whose cloud assembly versions differ
    parts = [tmp_path / ".part-0", tmp_path / ".part-1"]
    for part, version in zip(parts, ("55.0.0", "56.0.0"), strict=True):
        part.mkdir()
        (part / "cdk.out").write_text(json.dumps({"version": version}))

    # When they are joined / Then the join refuses, rather than keep one of them
    with pytest.raises(ValueError, match=r"disagree on cdk\.out"):
        synth_parts.join_parts(tmp_path / "out", parts, ["Dev", "Prod"])


def test_a_part_left_by_an_interrupted_synth_is_removed(tmp_path: Path) -> None:
    # Given a cloud assembly with a part's directory an interrupted synth left behind
    stale = tmp_path / ".part-1" / "assembly-Prod"
    stale.mkdir(parents=True)
    (stale / "ProdData.template.json").write_text("{}")
    (tmp_path / "manifest.json").write_text("{}")

    # When the next synth starts / Then the part is gone (no stale template is linted) and
    # the rest is left to the synth
    synth_parts.remove_stale_parts(tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["manifest.json"]
