"""app.py run by the CDK CLI exits as soon as the cloud assembly is written, skipping the
interpreter's teardown: what it leaves behind must be exactly what a normal synth writes, and
nothing else (no temporary directory)."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from typing import TYPE_CHECKING

import aws_cdk as cdk

from stacks.app_builder import build_app, write_openapi
from tests.infra.fixed_stages import ROOT, synth_context

if TYPE_CHECKING:
    from pathlib import Path


#: The jsii kernel's random working directory (under the temporary directory), which CDK
#: writes into the creation stack traces of ``*.metadata.json`` (a VPC records them even under
#: the CLI): it differs between any two synths, so it is the one thing compared masked.
KERNEL_DIR = re.compile(rb"\.\.\./[^\"]*/jsii-kernel-[A-Za-z0-9]{6}/")


def files_of(root: Path) -> dict[str, bytes]:
    """Every file under ``root`` by relative path, with its bytes (kernel directory masked)."""
    return {
        str(p.relative_to(root)): KERNEL_DIR.sub(b".../jsii-kernel-XXXXXX/", p.read_bytes())
        for p in root.rglob("*")
        if p.is_file()
    }


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
        "PATH": f"{ROOT / 'node_modules' / '.bin'}{os.pathsep}{os.environ.get('PATH', '')}",
    }

    # When app.py runs as cdk.json runs it (-O), while the same app is synthesized in-process
    # and exits normally here (the two run side by side)
    with subprocess.Popen(
        [sys.executable, "-O", "app.py"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    ) as cli:
        app = cdk.App(
            context=context, outdir=str(in_process_out), builtin_cloud_formation_validation=False
        )
        write_openapi(build_app(app), app.synth())
        stdout, stderr = cli.communicate(timeout=600)

    # Then it succeeds, and leaves nothing in its temporary directory (staged Lambda asset and
    # jsii runtime scripts removed by its exit handlers)
    assert cli.returncode == 0, stderr[-3000:]
    assert list(own_tmp.iterdir()) == []
    # ... and every file it wrote (templates, manifests, tree, assets, OpenAPI documents) is
    # byte-identical to the in-process synth's
    written = files_of(cli_out)
    expected = files_of(in_process_out)
    assert sorted(written) == sorted(expected)
    assert [name for name in expected if written[name] != expected[name]] == []
    assert any(name.startswith("openapi/") for name in written), stdout
