"""The architecture picture, generated from the cloud assembly: ``make diagram``.

cdk-dia (npm, pinned in package.json) turns the construct tree the CDK writes into
``cdk.out/tree.json`` into a Graphviz description (DOT); Graphviz's ``dot`` renders it. This
script draws one stage (``Prod``: both regions, the identity and data stacks) and writes

- ``docs/images/architecture.dot``: the description, committed and compared with a fresh one
  by ``tests/docs/test_diagram.py`` (which needs node, not Graphviz);
- ``docs/images/architecture.png``: the picture (PNG, because the icons cdk-dia draws are PNG
  files in ``node_modules``, which an SVG could only reference, not contain).

What is changed in cdk-dia's output, and why:

- CloudWatch alarms are left out of the tree before drawing: there are dozens per region
  (one row of identical icons wider than everything else); ``docs/operating.md`` lists them;
- cluster names are made unique (cdk-dia names a cluster after its label, so the second
  region's ``RestApi`` cluster would be dropped by Graphviz as a duplicate of the first);
- icon paths are relative to the repository (``node_modules/cdk-dia/...``), not absolute, so
  the description does not depend on where the checkout is.

Usage: ``python tools/diagram.py [--cdk-out cdk.out] [--check]``; ``--check`` only compares
the committed description with the assembly's and says whether ``make diagram`` is needed.
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
DOT = ROOT / "docs" / "images" / "architecture.dot"
PNG = ROOT / "docs" / "images" / "architecture.png"
STAGE = "Prod"
#: Resolution of the PNG: readable when zoomed, a few hundred KB.
DPI = 72
#: Constructs left out of the picture (see the module docstring).
LEFT_OUT_FQNS = frozenset({"aws-cdk-lib.aws_cloudwatch.Alarm"})
LEFT_OUT_TYPES = frozenset({"AWS::CloudWatch::Alarm"})
_CFN_TYPE = "aws:cdk:cloudformation:type"
_ICONS = "node_modules/cdk-dia/"
_NO_GRAPHVIZ = (
    "Graphviz's `dot` is not installed; it renders the picture. Install it "
    "(Debian/Ubuntu: sudo apt-get install -y graphviz; macOS: brew install graphviz), "
    "then run `make diagram` again."
)
STALE = (
    "docs/images/architecture.dot does not match the cloud assembly (the stacks changed): "
    "run `make diagram` and commit docs/images/architecture.dot and architecture.png"
)


def _left_out(node: dict[str, Any]) -> bool:
    fqn = node.get("constructInfo", {}).get("fqn")
    cfn_type = node.get("attributes", {}).get(_CFN_TYPE)
    return fqn in LEFT_OUT_FQNS or cfn_type in LEFT_OUT_TYPES


def _pruned(node: dict[str, Any]) -> dict[str, Any]:
    children = {
        name: _pruned(child)
        for name, child in node.get("children", {}).items()
        if not _left_out(child)
    }
    return {**node, "children": children} if "children" in node else node


def stage_tree(tree: dict[str, Any], stage: str = STAGE) -> dict[str, Any]:
    """``tree.json`` reduced to the app with ``stage`` alone, without left-out constructs."""
    app = tree["tree"]
    if stage not in app.get("children", {}):
        known = sorted(
            name
            for name, child in app.get("children", {}).items()
            if child.get("constructInfo", {}).get("fqn") == "aws-cdk-lib.Stage"
        )
        raise ValueError(f"the cloud assembly has no stage {stage!r}; it has {known}")
    only_stage = {**app, "children": {stage: app["children"][stage]}}
    return {**tree, "tree": _pruned(only_stage)}


def unique_clusters(dot: str) -> str:
    """Number the clusters in order, so that two of the same label are both drawn."""
    count = 0

    def rename(match: re.Match[str]) -> str:
        nonlocal count
        count += 1
        return f'subgraph "cluster_{count}_{match.group(1)}"'

    return re.sub(r'subgraph "cluster-SubGraph\.([^"]*)"', rename, dot)


def relative_icons(dot: str, icons_base: str) -> str:
    """Icon paths relative to the repository (``dot`` is run from its root)."""
    return dot.replace(icons_base.rstrip("/") + "/", _ICONS)


def normalized(dot: str, icons_base: str) -> str:
    return unique_clusters(relative_icons(dot, icons_base)).rstrip("\n") + "\n"


def _node() -> str:
    pinned = ROOT / "node_modules" / ".bin" / "node"
    return str(pinned) if pinned.exists() else "node"


def dot_source(cdk_out: Path, stage: str = STAGE) -> str:
    """cdk-dia's description of ``stage`` in the assembly at ``cdk_out``, normalized."""
    tree_json = cdk_out / "tree.json"
    if not tree_json.is_file():
        raise FileNotFoundError(
            f"{tree_json} is missing: the diagram is drawn from the construct tree the CDK "
            "writes on every synth (`make synth`)"
        )
    tree = stage_tree(json.loads(tree_json.read_text()), stage)
    with tempfile.TemporaryDirectory(prefix="diagram-") as folder:
        reduced = Path(folder) / "tree.json"
        reduced.write_text(json.dumps(tree))
        done = subprocess.run(
            [_node(), str(ROOT / "tools" / "diagram_dot.js"), str(reduced)],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=False,
        )
    if done.returncode != 0:
        raise RuntimeError(f"cdk-dia failed: {done.stderr.strip()[-2000:]}")
    output = json.loads(done.stdout)
    return normalized(output["dot"], output["iconsBase"])


def render_png(dot: str, target: Path, dpi: int = DPI) -> None:
    """Render ``dot`` with Graphviz (from the repository root, where the icon paths point)."""
    executable = shutil.which("dot")
    if executable is None:
        raise SystemExit(_NO_GRAPHVIZ)
    subprocess.run(
        [executable, "-Tpng", f"-Gdpi={dpi}", "-o", str(target)],
        input=dot,
        cwd=ROOT,
        text=True,
        check=True,
        capture_output=True,
    )


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cdk-out", type=Path, default=ROOT / "cdk.out")
    parser.add_argument("--stage", default=STAGE)
    parser.add_argument("--check", action="store_true", help="compare only; exit 1 when stale")
    args = parser.parse_args(argv)
    dot = dot_source(args.cdk_out, args.stage)
    if args.check:
        current = DOT.read_text() if DOT.exists() else ""
        if current != dot:
            print(STALE, file=sys.stderr)
            return 1
        print(f"{DOT.relative_to(ROOT)} is current")
        return 0
    DOT.parent.mkdir(parents=True, exist_ok=True)
    render_png(dot, PNG)
    DOT.write_text(dot)
    print(f"wrote {DOT.relative_to(ROOT)} and {PNG.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
