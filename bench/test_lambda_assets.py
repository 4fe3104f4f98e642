"""Specification of what the cold start benchmark measures: the functions as synthesized, the
asset with the runtime's bytecode only (or none, for comparison), a path with only the
runtime's and the layer's distributions, and what a handler's import adds to ``import
boto3``.

Run: ``.venv/bin/pytest -q -p no:randomly -n 0 bench/test_lambda_assets.py``
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from stacks.lambda_bytecode import CACHE_TAG

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_handlers import top_packages
from lambda_assets import (
    PLACEHOLDER,
    SOURCE_DIRS,
    copy_asset,
    layer_path,
    python_functions,
    stage_source,
)


def _function(handler: str, asset: str, runtime: str = "python3.14") -> dict[str, object]:
    return {
        "Type": "AWS::Lambda::Function",
        "Properties": {
            "Handler": handler,
            "Runtime": runtime,
            "Environment": {"Variables": {"TABLE_NAME": {"Ref": "Table"}, "LEVEL": "INFO"}},
        },
        "Metadata": {"aws:asset:path": asset},
    }


@pytest.fixture
def cdk_out(tmp_path: Path) -> Path:
    """Given a cloud assembly with two stage assemblies sharing one Python asset, plus a
    Node.js custom resource and a non-function resource."""
    out = tmp_path / "cdk.out"
    (out / "asset.abc" / "handlers").mkdir(parents=True)
    (out / "asset.abc" / "handlers" / "a.py").write_text("X = 1\n")
    (out / "asset.abc" / "handlers" / "__pycache__").mkdir()
    (out / "asset.abc" / "handlers" / "__pycache__" / "a.cpython-311.pyc").write_bytes(b"x")
    (out / "asset.node").mkdir()
    for stage in ("Dev", "Prod"):
        (out / f"assembly-{stage}").mkdir()
        template = {
            "Resources": {
                "Fn1": _function("handlers.a.handler", "../asset.abc"),
                "Fn2": _function("handlers.b.handler", "../asset.abc"),
                "Custom": _function("index.handler", "../asset.node", runtime="nodejs22.x"),
                "Table": {"Type": "AWS::DynamoDB::Table"},
            }
        }
        (out / f"assembly-{stage}" / f"{stage}Api.template.json").write_text(json.dumps(template))
    return out


def test_each_python_handler_of_each_asset_is_found_once_with_its_environment(
    cdk_out: Path,
) -> None:
    # When the functions are read from the assembly
    functions = python_functions(cdk_out)

    # Then each (asset, handler) pair appears once, Node.js functions are left out,
    # and values resolved at deploy time are placeholders
    assert [fn.handler for fn in functions] == ["handlers.a.handler", "handlers.b.handler"]
    assert functions[0].asset_dir == (cdk_out / "asset.abc").resolve()
    assert functions[0].logical_ids == ("Fn1", "Fn1")
    assert functions[0].module == "handlers.a"
    assert functions[0].environment == {"TABLE_NAME": PLACEHOLDER, "LEVEL": "INFO"}


def test_an_assembly_without_templates_is_refused(tmp_path: Path) -> None:
    with pytest.raises(SystemExit, match="synthesize first"):
        python_functions(tmp_path)


def test_the_asset_copy_keeps_the_runtimes_bytecode_only(cdk_out: Path, tmp_path: Path) -> None:
    # Given the asset with the runtime's bytecode besides another interpreter's
    pycache = cdk_out / "asset.abc" / "handlers" / "__pycache__"
    (pycache / f"a.{CACHE_TAG}.pyc").write_bytes(b"runtime")

    # When the asset is copied as the task root, as Lambda unpacks it
    task = copy_asset(cdk_out / "asset.abc", tmp_path / "task")

    # Then its sources and the runtime's bytecode are there, and no other bytecode is
    assert (task / "handlers" / "a.py").read_text() == "X = 1\n"
    assert [p.name for p in task.rglob("*.pyc")] == [f"a.{CACHE_TAG}.pyc"]


def test_the_source_only_copy_has_no_bytecode(cdk_out: Path, tmp_path: Path) -> None:
    # Given the asset with the runtime's bytecode
    pycache = cdk_out / "asset.abc" / "handlers" / "__pycache__"
    (pycache / f"a.{CACHE_TAG}.pyc").write_bytes(b"runtime")

    # When it is copied source only
    task = copy_asset(cdk_out / "asset.abc", tmp_path / "task", bytecode=False)

    # Then its sources are there and no bytecode is
    assert (task / "handlers" / "a.py").read_text() == "X = 1\n"
    assert not list(task.rglob("__pycache__"))
    assert not list(task.rglob("*.pyc"))


def test_the_layer_path_holds_the_runtime_and_layer_distributions_only(tmp_path: Path) -> None:
    # When the layer path is built from the installed distributions
    layer, _missing = layer_path(tmp_path / "layer")
    names = {p.name for p in layer.iterdir()}

    # Then boto3, botocore, Powertools and the X-Ray SDK (its "all" extra) are there,
    # and test-only packages of the virtualenv are not
    assert {"boto3", "botocore", "aws_lambda_powertools", "aws_xray_sdk"} <= names
    assert not {"pytest", "pynamodb", "moto", "aws_cdk"} & names


def test_what_a_handler_adds_excludes_what_boto3_loads() -> None:
    # Given self times of a handler's import, of which botocore.client is also boto3's
    times = {"botocore.client": 50.0, "pydynamodel.model": 30.0, "pydynamodel": 5.0, "domain": 8.0}

    # When what it adds is summed per top-level package
    added = top_packages(times, baseline={"botocore.client"})

    # Then only modules boto3 does not load count, largest package first
    assert added == [("pydynamodel", 35.0), ("domain", 8.0)]


def test_the_staged_source_tree_is_lambda_with_its_libraries_beside_and_no_bytecode(
    tmp_path: Path,
) -> None:
    # When the source tree is staged as the synth stages the asset (its bytecode left out)
    task = stage_source(tmp_path / "task", bytecode=False)

    # Then lambda/'s packages and each library are at the top, without bytecode or docs
    names = {p.name for p in task.iterdir()}
    assert {"handlers", "domain", "shared"} <= names
    assert {library.name for library in SOURCE_DIRS} <= names
    assert not list(task.rglob("__pycache__"))
    assert not list(task.rglob("*.md"))


def test_the_staged_libraries_are_those_the_stack_stages() -> None:
    # Given the stack module's list of library import directories (read, not imported: it
    # would start the CDK's jsii kernel)
    source = (Path(__file__).resolve().parents[1] / "stacks" / "lambda_code.py").read_text()

    # Then each library staged here is staged there under the same path
    for library in SOURCE_DIRS:
        parts = library.relative_to(Path(__file__).resolve().parents[1]).parts
        assert ", ".join(f'"{part}"' for part in parts) in source.replace(" / ", ", ")
