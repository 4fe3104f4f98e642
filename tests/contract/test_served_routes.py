"""Every route the contract serves with a function is served by that function, and nothing
else is: REST proxy routes are resolved through the handler module's own Powertools
resolver, WebSocket routes name a function whose handler exists."""

from __future__ import annotations

import ast
import importlib
import json
from typing import TYPE_CHECKING, Any

import pytest

from contract import rest, websocket
from tests.conftest import ROOT, FakeLambdaContext
from tests.contract.events import proxy_event

if TYPE_CHECKING:
    from aws_lambda_powertools.event_handler import APIGatewayRestResolver

PROXY_ROUTES = [r for r in rest.ROUTES if r.integration is rest.Integration.LAMBDA_PROXY]
HANDLERS = ROOT / "lambda" / "handlers"


class _NoTable(RuntimeError):
    """Raised instead of reaching a table: resolving a route must not need one."""


def _resolver(module_name: str, monkeypatch: pytest.MonkeyPatch) -> APIGatewayRestResolver:
    module = importlib.import_module(module_name)

    def no_table() -> None:
        raise _NoTable

    if hasattr(module, "get_table"):
        monkeypatch.setattr(module, "get_table", no_table)
    app: APIGatewayRestResolver = module.app
    return app


def _resolve(app: APIGatewayRestResolver, method: str, resource: str) -> dict[str, Any]:
    context: Any = FakeLambdaContext()
    answer: dict[str, Any] = app.resolve(proxy_event(method, resource), context)
    return answer


def _is_route_miss(answer: dict[str, Any]) -> bool:
    """The resolver's answer when no route matches (``build_resolver``'s not-found hook)."""
    if answer["statusCode"] != 404:
        return False
    return bool(json.loads(answer["body"])["error"]["message"] == "no such route")


def _module(route: rest.Route) -> str:
    if route.function is None:
        raise AssertionError(f"{route.method} {route.path} names no function")
    return rest.FUNCTIONS[route.function].module


@pytest.mark.parametrize("route", PROXY_ROUTES, ids=lambda r: f"{r.method} {r.path}")
def test_each_proxy_route_of_the_contract_is_served_by_its_functions_resolver(
    route: rest.Route, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given the resolver of the function the contract puts behind the route
    app = _resolver(_module(route), monkeypatch)
    # When API Gateway's event for the route reaches it
    answer = _resolve(app, route.method, route.path)
    # Then a route of the resolver took it (whatever it answered), not the not-found hook
    assert not _is_route_miss(answer), answer


def test_a_path_no_resolver_serves_is_told_apart_as_a_route_miss(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Given the rooms resolver and a path the contract does not have
    app = _resolver("handlers.rest.rooms", monkeypatch)
    # When API Gateway's event for it reaches the resolver
    answer = _resolve(app, "GET", "/rooms/{room_id}/members")
    # Then the check above would see the miss
    assert _is_route_miss(answer)


def _resolver_routes(app: APIGatewayRestResolver) -> set[tuple[str, str]]:
    """``(method, path)`` of every route registered on ``app``, in the contract's spelling."""
    routes = [*app._static_routes, *app._dynamic_routes]
    return {(r.method.upper(), r.path.replace("<", "{").replace(">", "}")) for r in routes}


@pytest.mark.parametrize(
    "module", sorted({_module(r) for r in PROXY_ROUTES}), ids=lambda m: m.rsplit(".", 1)[-1]
)
def test_every_route_a_resolver_serves_is_in_the_contract(
    module: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given what the contract routes to the module's function
    declared = {(r.method, r.path) for r in PROXY_ROUTES if _module(r) == module}
    # When its resolver's own routes are listed
    served = _resolver_routes(_resolver(module, monkeypatch))
    # Then they are the same routes: none undeclared, none missing
    assert served == declared


def _handler_modules() -> set[str]:
    """Every module under lambda/handlers that defines a top-level ``handler``."""
    found = set()
    for path in HANDLERS.rglob("*.py"):
        tree = ast.parse(path.read_text())
        defines = any(
            isinstance(node, ast.FunctionDef) and node.name == "handler" for node in tree.body
        )
        if defines:
            relative = path.relative_to(ROOT / "lambda").with_suffix("")
            found.add(".".join(relative.parts))
    return found


def test_every_handler_in_the_code_is_a_function_of_the_contract_and_vice_versa() -> None:
    # Given the functions the contract declares (REST, WebSocket) and the shared authorizer,
    # which API Gateway calls before token routes and $connect
    declared = {spec.handler for spec in rest.FUNCTIONS.values()}
    declared |= {spec.handler for spec in websocket.FUNCTIONS.values()}
    declared.add(rest.AUTHORIZER_HANDLER)
    # When the handler modules of lambda/ are listed
    in_code = {f"{module}.handler" for module in _handler_modules()}
    # Then each handler is declared and each declared one exists
    assert in_code == declared


def test_every_websocket_route_served_by_a_function_names_one_and_every_function_serves_one() -> (
    None
):
    # Given the WebSocket routes that run a function (directly or through the queue)
    served = [r for r in websocket.ROUTES if r.kind in (websocket.Kind.LAMBDA, websocket.Kind.SQS)]
    # Then each names a declared function, and each declared function serves a route
    assert all(r.function in websocket.FUNCTIONS for r in served), served
    assert {r.function for r in served} == set(websocket.FUNCTIONS)
    # And the routes without one name none
    assert all(r.function is None for r in websocket.ROUTES if r not in served)


WEBSOCKET_STACK = "Dev/EuWest1/WebSocketApi"


@pytest.fixture(scope="module")
def websocket_template(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    from tests.infra.conftest import synth

    template: dict[str, Any] = synth(tmp_path_factory.mktemp("cdk.out"))[WEBSOCKET_STACK]
    return template


def _of_type(template: dict[str, Any], kind: str) -> list[dict[str, Any]]:
    return [r["Properties"] for r in template["Resources"].values() if r["Type"] == kind]


def test_the_deployed_websocket_api_has_exactly_the_contracts_routes(
    websocket_template: dict[str, Any],
) -> None:
    deployed = {r["RouteKey"] for r in _of_type(websocket_template, "AWS::ApiGatewayV2::Route")}
    assert deployed == {r.key for r in websocket.ROUTES}


def test_the_deployed_default_route_lists_exactly_the_actions_the_api_routes(
    websocket_template: dict[str, Any],
) -> None:
    from tests.templates.vtl import render_text

    # Given the actions the deployed API has a route for
    deployed = {r["RouteKey"] for r in _of_type(websocket_template, "AWS::ApiGatewayV2::Route")}
    actions = {key for key in deployed if not key.startswith("$")}
    # When the deployed $default response (an unknown action's error frame) is rendered
    (template,) = (
        r["ResponseTemplates"]["$default"]
        for r in _of_type(websocket_template, "AWS::ApiGatewayV2::IntegrationResponse")
        if "unknown_action" in json.dumps(r.get("ResponseTemplates", {}))
    )
    frame = json.loads(render_text(template, context={"requestId": "r-1"}))
    # Then it lists exactly those actions, each once
    assert sorted(frame["valid_actions"]) == sorted(actions)
