"""Every route of the Dev stage's REST and WebSocket APIs has an end-to-end test.

A test declares the routes it exercises with ``@pytest.mark.route("POST /rooms")`` (REST:
method and resource path as the template defines them) or ``@pytest.mark.route("ws:join")``
(WebSocket route key), on the test function or on one ``pytest.param`` of its parametrize
list. The declarations are read from the e2e modules' source with ``ast``, so the check sees
every test whichever subset of the suite is run.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from tests.cdk_out import CDK_OUT, ensure_synthesized

from .conftest import STAGE
from .template_routes import rest_routes, stage_routes

E2E = Path(__file__).resolve().parent


def _is_route_mark(node: ast.AST) -> bool:
    """``pytest.mark.route(...)`` or ``mark.route(...)``."""
    return (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr == "route"
        and isinstance(node.func.value, ast.Attribute)
        and node.func.value.attr == "mark"
    )


def declared_routes(source: str, module: str) -> dict[str, list[str]]:
    """Route -> the tests of ``source`` declaring it. Only marks inside a test function's
    decorators count (directly or in a parametrize list), so a mark left anywhere else does
    not pass for coverage."""
    declared: dict[str, list[str]] = {}
    for node in ast.walk(ast.parse(source)):
        if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            continue
        if not node.name.startswith("test_"):
            continue
        for decorator in node.decorator_list:
            for mark in filter(_is_route_mark, ast.walk(decorator)):
                assert isinstance(mark, ast.Call)
                for argument in mark.args:
                    if not (isinstance(argument, ast.Constant) and isinstance(argument.value, str)):
                        raise AssertionError(
                            f"{module}::{node.name}: route marks take literal strings, "
                            f"got {ast.unparse(argument)}"
                        )
                    declared.setdefault(argument.value, []).append(f"{module}::{node.name}")
    return declared


def suite_routes() -> dict[str, list[str]]:
    """Route -> every e2e test declaring it."""
    declared: dict[str, list[str]] = {}
    for path in sorted(E2E.glob("test_*.py")):
        for route, tests in declared_routes(path.read_text(), path.name).items():
            declared.setdefault(route, []).extend(tests)
    return declared


@pytest.fixture(scope="module")
def template_routes() -> set[str]:
    ensure_synthesized()
    return stage_routes(CDK_OUT, STAGE)


def test_the_dev_templates_define_both_apis_routes(template_routes: set[str]) -> None:
    # Then the reader found the REST and the WebSocket API (an empty list would pass below)
    assert {"GET /health", "POST /rooms", "OPTIONS /"} <= template_routes
    assert {"ws:$connect", "ws:$disconnect", "ws:$default"} <= template_routes


def test_every_route_of_the_dev_templates_has_an_end_to_end_test(
    template_routes: set[str],
) -> None:
    covered = suite_routes()
    # Then no route of either API is left without a test that declares it
    missing = sorted(template_routes - covered.keys())
    assert not missing, "routes without an end-to-end test (@pytest.mark.route):\n  " + (
        "\n  ".join(missing)
    )


def test_every_declared_route_exists_in_the_templates(template_routes: set[str]) -> None:
    covered = suite_routes()
    # Then a declaration naming no route (a typo, a removed route) is reported with its test
    unknown = {route: tests for route, tests in covered.items() if route not in template_routes}
    assert not unknown, f"declared routes the Dev templates do not define: {unknown}"


def test_the_path_is_built_from_the_parent_chain_of_path_parts() -> None:
    # Given a synthetic API whose resources are listed child first, under other ids
    template = {
        "Resources": {
            "Zz": {
                "Type": "AWS::ApiGateway::Resource",
                "Properties": {"ParentId": {"Ref": "Yy"}, "PathPart": "{id}"},
            },
            "Yy": {
                "Type": "AWS::ApiGateway::Resource",
                "Properties": {
                    "ParentId": {"Fn::GetAtt": ["Api", "RootResourceId"]},
                    "PathPart": "items",
                },
            },
            "M1": {
                "Type": "AWS::ApiGateway::Method",
                "Properties": {"HttpMethod": "DELETE", "ResourceId": {"Ref": "Zz"}},
            },
            "M2": {
                "Type": "AWS::ApiGateway::Method",
                "Properties": {
                    "HttpMethod": "OPTIONS",
                    "ResourceId": {"Fn::GetAtt": ["Api", "RootResourceId"]},
                },
            },
        }
    }
    # Then each method's route is its method and full path
    assert rest_routes(template) == {"DELETE /items/{id}", "OPTIONS /"}


def test_marks_count_on_tests_and_their_params_only() -> None:
    source = """
import pytest

@pytest.mark.route("GET /a", "GET /b")
def test_one(): ...

@pytest.mark.parametrize("p", [pytest.param(1, marks=pytest.mark.route("OPTIONS /a"))])
def test_two(p): ...

@pytest.mark.route("GET /helper")
def helper(): ...

LOOSE = pytest.mark.route("GET /loose")
"""
    # Then the test's own marks and its params' marks count, a helper's and a loose one do not
    assert declared_routes(source, "m.py") == {
        "GET /a": ["m.py::test_one"],
        "GET /b": ["m.py::test_one"],
        "OPTIONS /a": ["m.py::test_two"],
    }
