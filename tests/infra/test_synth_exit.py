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
from typing import TYPE_CHECKING

import aws_cdk as cdk
import pytest

from stacks import synth_parts
from stacks.app_builder import build_app, write_openapi
from stacks.config import load_stages
from stacks.synth_parts import PARTS_VARIABLE, plan_parts
from tests.infra.fixed_stages import ROOT, fixed_stages, synth_context
from tests.infra.synth_cache import cached_synth

if TYPE_CHECKING:
    from pathlib import Path


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


def test_app_run_by_the_cli_writes_the_same_assembly_and_leaves_no_temporary_files(
    tmp_path: Path,
) -> None:
    # Given the tests' context, handed to app.py as the CLI hands it (CDK_CONTEXT_JSON,
    # CDK_OUTDIR), with a temporary directory of its own
    context = {**synth_context(), "aws:cdk:version-reporting": False}
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

    # When app.py runs as cdk.json runs it (-O; the stages in two processes), while the same
    # app is synthesized in one process here (the two run side by side; the reference comes
    # from the synth cache when these inputs were synthesized in process before)
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

    # Then it succeeds, and leaves nothing in its temporary directory (staged Lambda asset and
    # jsii runtime scripts removed by its exit handlers)
    assert cli.returncode == 0, stderr[-3000:]
    assert list(own_tmp.iterdir()) == []
    # ... and every file it wrote (templates, manifests, tree, assets, OpenAPI documents) is
    # byte-identical to the in-process synth's
    written = files_of(cli_out)
    assert sorted(written) == sorted(expected)
    assert [name for name in expected if written[name] != expected[name]] == []
    assert any(name.startswith("openapi/") for name in written), stdout
    assert not any(name.startswith(".part-") for name in written)


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
