"""The reference pass of a synthesis stops at nested stages (stacks/kernel_stage_refs.js,
loaded by stacks/kernel_host.js: a backport of aws-cdk-lib 2.276.0's change): the App's pass
renders the elements of its stages once less, still walks the stacks directly under it,
and the cloud assembly is byte for byte what aws-cdk-lib writes without it.

The aws-cdk-lib the kernel loads (this project's Python package's) runs here in Node directly,
with the module and without it; the npm package of a version that has the change upstream
(node_modules/aws-cdk-lib) is the reference for how often each element is rendered. That the
whole app's synth through the host writes exactly what one without it writes is held by
tests/infra/test_synth_exit.py.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import json
import os
import subprocess
import tarfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.infra.fixed_stages import ROOT
from tests.infra.kernel_node import NODE, replaces_hook

STAGE_REFS = ROOT / "stacks" / "kernel_stage_refs.js"

#: An App with two stages, each with a stack exporting a value another of its stacks imports
#: (the stage's pass creates the export and the import), a stack directly under the App
#: that imports from another such stack (only the App's pass resolves it), and in every stack
#: a resource whose property counts how often it is rendered. Prints the counts.
APP = r"""
if (process.env.STAGE_REFS_MODULE) require(process.env.STAGE_REFS_MODULE);
const cdk = require('aws-cdk-lib');
const app = new cdk.App({ outdir: process.argv[1], builtinCloudFormationValidation: false });
const renders = {};
function counted(stack, name) {
  const key = `${stack.node.path}/${name}`;
  renders[key] = 0;
  return new cdk.CfnResource(stack, name, {
    type: 'Test::Counted::Thing',
    properties: {
      Rendered: cdk.Lazy.uncachedString({ produce: () => { renders[key] += 1; return 'x'; } }),
    },
  });
}
function pair(scope) {
  const producer = new cdk.Stack(scope, 'Producer');
  const made = counted(producer, 'Made');
  const consumer = new cdk.Stack(scope, 'Consumer');
  counted(consumer, 'Own');
  new cdk.CfnResource(consumer, 'Uses', {
    type: 'Test::Uses::Thing', properties: { From: made.getAtt('Arn').toString() },
  });
}
pair(new cdk.Stage(app, 'One'));
pair(new cdk.Stage(app, 'Two'));
pair(app);
app.synth();
console.log(JSON.stringify(renders));
"""


#: The jsii packages the app's kernel loads that synthesizing needs (the asset packages are
#: loaded lazily, by constructs this app does not make), by their tarball in the Python
#: packages: the files the kernel runs.
KERNEL_PACKAGES = {
    "aws-cdk-lib": "aws_cdk/_jsii/aws-cdk-lib@*.jsii.tgz",
    "@aws-cdk/cloud-assembly-schema": "aws_cdk/cloud_assembly_schema/_jsii/*.jsii.tgz",
    "constructs": "constructs/_jsii/constructs@*.jsii.tgz",
}


#: What jsii's kernel writes into a package's cache entry once it is fully extracted.
JSII_COMPLETE = ".jsii-runtime-package-cache"


@pytest.fixture(scope="module")
def kernels_cdk(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder whose node_modules holds the packages the jsii kernel loads, linked as the
    kernel links them: from jsii's package cache when a synth has extracted them, otherwise
    extracted here from the Python packages' tarballs."""
    base = tmp_path_factory.mktemp("kernels-cdk")
    site = Path(str(importlib.metadata.distribution("aws-cdk-lib").locate_file("")))
    for name, pattern in KERNEL_PACKAGES.items():
        tarball = next(site.glob(pattern), None)
        if tarball is None:
            pytest.fail(f"no jsii tarball {pattern} in {site}: is the Python package installed?")
        version = tarball.name.removesuffix(".jsii.tgz").rpartition("@")[2]
        # An entry jsii finished extracting (it writes the marker last); else a copy of our own
        cached = sorted(
            marker.parent
            for marker in (ROOT / ".cache" / "jsii" / name / version).glob(f"*/{JSII_COMPLETE}")
        )
        if cached:
            package = cached[0]
        else:
            with tarfile.open(tarball) as archive:
                archive.extractall(base / "extracted" / name, filter="data")
            package = base / "extracted" / name / "package"
        link = base / "node_modules" / name
        link.parent.mkdir(parents=True, exist_ok=True)
        link.symlink_to(package)
        assert json.loads((package / "package.json").read_text())["version"] == version
    return base


def _start(out: Path, *, stage_refs: bool, cdk: Path) -> subprocess.Popen[str]:
    """Synthesize :data:`APP` into ``out`` with the aws-cdk-lib of ``cdk``'s node_modules
    (links kept, as the kernel keeps them)."""
    env = {k: v for k, v in os.environ.items() if k not in ("NODE_OPTIONS", "NODE_PATH")}
    env["CDK_DISABLE_VERSION_CHECK"] = "1"
    if stage_refs:
        env["STAGE_REFS_MODULE"] = str(STAGE_REFS)
    return subprocess.Popen(
        [str(NODE), "--preserve-symlinks", "-e", APP, str(out)],
        cwd=cdk,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _files(root: Path) -> dict[str, str]:
    return {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


@dataclass(frozen=True)
class Synth:
    """One synth of :data:`APP`: how often each counted element was rendered, and the SHA-256
    of every file of its cloud assembly, by path."""

    renders: dict[str, int]
    files: dict[str, str]
    out: Path


#: The synths compared: the kernel's aws-cdk-lib and the npm one that stops at stages
#: upstream, each with the module and without.
SYNTHS = {
    "kernel": (True, "kernel"),
    "kernel, module off": (False, "kernel"),
    "upstream": (False, "upstream"),
    "upstream with the module": (True, "upstream"),
}


@pytest.fixture(scope="module")
def synths(kernels_cdk: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Synth]:
    """Every synth of :data:`SYNTHS`, run side by side."""
    base = tmp_path_factory.mktemp("synths")
    cdks = {"kernel": kernels_cdk, "upstream": ROOT}
    started = {
        name: (base / str(i), _start(base / str(i), stage_refs=module, cdk=cdks[cdk]))
        for i, (name, (module, cdk)) in enumerate(SYNTHS.items())
    }
    done = {}
    for name, (out, process) in started.items():
        stdout, stderr = process.communicate(timeout=180)
        assert process.returncode == 0, stderr
        done[name] = Synth(renders=json.loads(stdout), files=_files(out), out=out)
    return done


def test_the_apps_pass_renders_its_stages_once_less(synths: dict[str, Synth]) -> None:
    # Given an App with stages and stacks of its own, synthesized by the kernel's aws-cdk-lib
    cdks = synths["kernel, module off"].renders

    # When it is synthesized with the reference pass stopping at nested stages
    ours = synths["kernel"].renders

    # Then every element in a stage is rendered once less, and those under the App as often
    in_stages = {key for key in cdks if key.startswith(("One/", "Two/"))}
    assert len(in_stages) == 4
    assert {key: ours[key] + 1 for key in in_stages} == {key: cdks[key] for key in in_stages}
    assert {key: ours[key] for key in cdks.keys() - in_stages} == {
        key: cdks[key] for key in cdks.keys() - in_stages
    }
    # ... as often as by the aws-cdk-lib that stops there upstream
    assert ours == synths["upstream"].renders


def test_the_cloud_assembly_is_the_same_byte_for_byte(synths: dict[str, Synth]) -> None:
    # Given the app synthesized by the kernel's aws-cdk-lib with the module and without
    ours, cdks = synths["kernel"], synths["kernel, module off"]

    # Then they wrote the same files, byte for byte
    assert ours.files == cdks.files
    # ... exports and imports included, in the stages' stacks and in the App's own
    consumers: dict[str, Any] = {
        name: json.loads((ours.out / name).read_text())
        for name in ours.files
        if "Consumer" in Path(name).name and name.endswith(".template.json")
    }
    assert len(consumers) == 3
    for template in consumers.values():
        assert "Fn::ImportValue" in json.dumps(template["Resources"]["Uses"])


def test_an_aws_cdk_lib_that_stops_at_stages_is_left_alone(synths: dict[str, Synth]) -> None:
    # Given the npm aws-cdk-lib, whose reference pass already stops at nested stages
    refs = ROOT / "node_modules" / "aws-cdk-lib" / "core" / "lib" / "private" / "refs.js"
    assert "iterateDfsPreorderStopAtStage" in refs.read_text()

    # When the app is synthesized with it, with the module and without
    ours, theirs = synths["upstream with the module"], synths["upstream"]

    # Then the same elements are rendered as often, and the same files written
    assert ours.renders == theirs.renders
    assert ours.files == theirs.files


#: A stand-in for aws-cdk-lib's core/lib/private: refs.js asks for the tree iteration, whose
#: walk the module replaces, and prints whether it got CDK's own.
FAKE_PRIVATE = {
    "construct-iteration.js": "exports.iterateDfsPreorder = function* (root) { yield root; };",
    "core-construct-finders.js": "exports.STAGE_TYPE = { isMarked: () => false };",
    "refs.js": "module.exports = require('./construct-iteration');",
}


@pytest.mark.parametrize(
    ("name", "version", "replaced"),
    [
        ("aws-cdk-lib", "2.275.0", True),
        ("aws-cdk-lib", "2.99.9", True),
        ("aws-cdk-lib", "2.276.0", False),
        ("aws-cdk-lib", "2.300.1", False),
        ("aws-cdk-lib", "3.0.0", False),
        ("another-lib", "2.275.0", False),
    ],
)
def test_only_an_aws_cdk_lib_below_2_276_is_changed(
    tmp_path: Path, name: str, version: str, replaced: bool
) -> None:
    # Given a package laid out as aws-cdk-lib's core, of a name and version
    package = tmp_path / "node_modules" / name
    private = package / "core" / "lib" / "private"
    private.mkdir(parents=True)
    (package / "package.json").write_text(json.dumps({"name": name, "version": version}))
    for file, source in FAKE_PRIVATE.items():
        (private / file).write_text(source)

    # When its refs.js asks for the tree iteration, with the module loaded
    script = (
        f"require({json.dumps(str(STAGE_REFS))});"
        f"const refs = require({json.dumps(str(private / 'refs.js'))});"
        f"const own = require({json.dumps(str(private / 'construct-iteration.js'))});"
        "console.log(refs !== own && refs.iterateDfsPreorder !== own.iterateDfsPreorder)"
    )
    env = {
        k: v for k, v in os.environ.items() if k not in ("NODE_OPTIONS", "APP_KERNEL_STAGE_REFS")
    }
    result = subprocess.run(
        [str(NODE), "-e", script], env=env, capture_output=True, text=True, check=True, timeout=60
    )

    # Then only an aws-cdk-lib below 2.276.0 gets the walk that stops at stages
    assert result.stdout.strip() == str(replaced).lower()


def test_off_leaves_the_walk_as_it_is() -> None:
    # Given the module, loaded as the host loads it and with APP_KERNEL_STAGE_REFS=off
    # When each is required / Then only the first replaces Node's loader
    assert replaces_hook(STAGE_REFS, "_load")
    assert not replaces_hook(STAGE_REFS, "_load", APP_KERNEL_STAGE_REFS="off")
