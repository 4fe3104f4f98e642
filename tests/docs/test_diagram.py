"""The architecture picture is current: the committed description (docs/images/architecture.dot)
is what cdk-dia draws from the app's cloud assembly now, so a stack change that alters the
picture fails here until `make diagram` redraws it. Graphviz is not needed (only its input is
compared); node and cdk-dia are (package.json).

cdk.out is brought up to date as the end-to-end suite does (``make synth-cached`` under the
same lock; E2E_REUSE_CDK_OUT=1 reads an existing cdk.out as it is, E2E_CDK_OUT=path another).

cdk-dia takes seconds on the app's tree, and what it draws is a pure function of the tree and
of the code that draws: so its description is kept on disk (tests/infra/synth_cache.py) under
a hash of cdk.out/tree.json, of the drawing code and of every installed package (cdk-dia's
version through package-lock.json), and drawn again whenever one of them differs. The
comparison with the committed description runs every time.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import pytest

from tests.cdk_out import CDK_OUT, ensure_synthesized
from tests.docs.committed import assert_committed
from tests.infra.synth_cache import ROOT, cached_synth
from tools.diagram import (
    DOT,
    STAGE,
    STALE,
    dot_source,
    relative_icons,
    stage_tree,
    unique_clusters,
)

#: What draws the description besides the tree: this repository's code around cdk-dia.
DRAWING_CODE = (ROOT / "tools" / "diagram.py", ROOT / "tools" / "diagram_dot.js", Path(__file__))


def drawn(cdk_out: Path) -> str:
    """``dot_source(cdk_out)``: what cdk-dia draws from the assembly's tree, read from the
    cache when exactly this tree was drawn by exactly this code before."""

    def digest(path: Path) -> str:
        return hashlib.sha256(path.read_bytes()).hexdigest()

    key = {
        "tests:diagram of stage": STAGE,
        "tree.json": digest(cdk_out / "tree.json"),
        "drawn by": {path.name: digest(path) for path in DRAWING_CODE},
    }
    return str(cached_synth(key, lambda: {"dot": dot_source(cdk_out)})["dot"])


def test_the_committed_diagram_is_what_the_cloud_assembly_draws() -> None:
    # Given the app's cloud assembly, synthesized from the current sources
    ensure_synthesized()
    # When cdk-dia describes its stage again (or the cache gives what it drew from this tree)
    fresh = drawn(CDK_OUT)
    # Then the description is the committed one
    assert_committed(DOT, fresh, STALE)


def _node(node_id: str, fqn: str, **children: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": node_id,
        "path": node_id,
        "constructInfo": {"fqn": fqn},
        "children": dict(children),
    }


def _alarm() -> dict[str, Any]:
    resource = {
        "id": "Resource",
        "path": "Resource",
        "attributes": {"aws:cdk:cloudformation:type": "AWS::CloudWatch::Alarm"},
    }
    return _node("Errors", "aws-cdk-lib.aws_cloudwatch.Alarm", Resource=resource)


def _tree() -> dict[str, Any]:
    raw_alarm = {
        "id": "Raw",
        "path": "Raw",
        "attributes": {"aws:cdk:cloudformation:type": "AWS::CloudWatch::Alarm"},
    }
    queue = _node("Queue", "aws-cdk-lib.aws_sqs.Queue")
    stack = _node("Api", "aws-cdk-lib.Stack", Queue=queue, Errors=_alarm(), Raw=raw_alarm)
    return {
        "version": "tree-0.1",
        "tree": _node(
            "App",
            "aws-cdk-lib.App",
            Dev=_node("Dev", "aws-cdk-lib.Stage", Api=stack),
            Prod=_node("Prod", "aws-cdk-lib.Stage", Api=stack),
            Tree=_node("Tree", "constructs.Construct"),
        ),
    }


def test_the_picture_shows_one_stage_without_its_alarms() -> None:
    # When the tree is reduced to the Prod stage
    reduced = stage_tree(_tree(), "Prod")
    # Then the app holds that stage alone, and its stack keeps the queue but no alarm
    app = reduced["tree"]
    assert list(app["children"]) == ["Prod"]
    assert list(app["children"]["Prod"]["children"]["Api"]["children"]) == ["Queue"]
    # And the input is left as it was
    assert "Dev" in _tree()["tree"]["children"]


def test_an_unknown_stage_is_refused_with_the_stages_there_are() -> None:
    with pytest.raises(
        ValueError, match=r"^the cloud assembly has no stage 'Qa'; it has \['Dev', 'Prod'\]$"
    ):
        stage_tree(_tree(), "Qa")


def test_clusters_of_the_same_label_in_two_regions_both_get_a_name_of_their_own() -> None:
    dot = (
        'subgraph "cluster-SubGraph.RestApi" {\n}\n'
        'subgraph "cluster-SubGraph.RestApi" {\n}\n'
        'subgraph "App" {\n}\n'
    )
    assert unique_clusters(dot) == (
        'subgraph "cluster_1_RestApi" {\n}\n'
        'subgraph "cluster_2_RestApi" {\n}\n'
        'subgraph "App" {\n}\n'
    )


def test_icon_paths_are_relative_to_the_repository_wherever_it_is_checked_out() -> None:
    dot = 'image = "/home/me/repo/node_modules/cdk-dia/icons/aws/sqs.png";'
    assert (
        relative_icons(dot, "/home/me/repo/node_modules/cdk-dia")
        == 'image = "node_modules/cdk-dia/icons/aws/sqs.png";'
    )
