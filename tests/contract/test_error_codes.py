"""Every error code a handler can produce is declared in the contract, and each route
declares (hence documents) every code its code path can answer with."""

from __future__ import annotations

import json
import re

import pytest

from contract import rest, websocket
from contract.errors import ERROR_STATUSES, FRAME_ERROR_CODES
from tests.conftest import ROOT
from tests.contract.callgraph import all_constructed_codes, codes_of, route_function

#: What the proxy resolver itself answers for a failure of any route (``build_resolver``):
#: unexpected errors, a throttled or unavailable dependency. Its NotFound is the route miss,
#: which no declared route can produce.
RESOLVER = codes_of("handlers.rest.api", "build_resolver").rest - {"NotFound"}
WEBSOCKET_TEMPLATES = ROOT / "stacks" / "websocket"
#: Codes the walk finds on a route's path but the route cannot produce, and why.
UNREACHABLE = {
    # if_match(app, required=False): only a required If-Match answers 428 when missing.
    ("DELETE", "/rooms/{room_id}"): {"PreconditionRequired"},
}


def test_every_error_code_constructed_in_lambda_is_in_the_catalogue() -> None:
    # Given every error class defined and every coded error constructed in lambda/
    constructed = all_constructed_codes()
    # Then each REST code has a status in the catalogue and each frame code is declared
    assert constructed.rest <= set(ERROR_STATUSES)
    assert constructed.frame <= set(FRAME_ERROR_CODES)
    # And the walk found them (an empty walk would pass the checks above)
    assert {"NotFound", "PreconditionRequired", "ServiceUnavailable"} <= constructed.rest
    assert {"unknown_action", "not_a_member", "unavailable"} <= constructed.frame


def test_each_error_class_answers_with_the_catalogues_status() -> None:
    from domain.errors import AppError

    pending: list[type[AppError]] = [AppError]
    while pending:
        cls = pending.pop()
        assert cls.status == ERROR_STATUSES[cls.code], cls
        pending.extend(cls.__subclasses__())


def test_the_websocket_mapping_templates_answer_only_declared_frame_errors() -> None:
    # Given the error frames API Gateway answers without a function ($default, publish)
    codes = {
        code
        for path in WEBSOCKET_TEMPLATES.glob("*.vtl")
        for code in re.findall(r'"error":"(\w+)"', path.read_text())
    }
    # Then they are declared, and declared on the route whose template answers them
    assert codes == {"unknown_action", "publish_failed"}
    assert codes <= set(FRAME_ERROR_CODES)
    assert "unknown_action" in websocket.route("$default").errors
    assert "publish_failed" in websocket.route("publish").errors


PROXY_ROUTES = [r for r in rest.ROUTES if r.integration is rest.Integration.LAMBDA_PROXY]


def _module(route: rest.Route) -> str:
    assert route.function is not None
    return rest.FUNCTIONS[route.function].module


@pytest.mark.parametrize("route", PROXY_ROUTES, ids=lambda r: f"{r.method} {r.path}")
def test_each_proxy_route_declares_every_code_its_handler_can_answer_with(
    route: rest.Route,
) -> None:
    # Given the codes the route's function, and the resolver around it, can produce
    module = _module(route)
    produced = codes_of(module, route_function(module, route.method, route.path)).rest
    produced |= RESOLVER
    unreachable = UNREACHABLE.get((route.method, route.path), set())
    assert unreachable <= produced, "the walk no longer finds it: drop it from UNREACHABLE"
    produced -= unreachable
    # Then the route declares each (so its documented responses include each status)
    assert produced <= set(route.errors), sorted(produced - set(route.errors))
    statuses = {str(ERROR_STATUSES[code]) for code in produced}
    assert statuses <= set(route.statuses)


def test_the_report_route_declares_every_tag_its_handler_raises() -> None:
    # Given the tags the report handler raises (each selects an integration response)
    route = rest.route("GET", "/rooms/{room_id}/report")
    tags = codes_of("handlers.rest.report", "handler").rest
    # Then each is declared on the route and mapped by one of its integration responses
    assert tags <= set(route.errors)
    mapped = {response.code for response in route.integration_responses}
    assert tags <= mapped


@pytest.mark.parametrize(
    "route",
    [r for r in websocket.ROUTES if r.kind is websocket.Kind.LAMBDA and r.is_action],
    ids=lambda r: r.key,
)
def test_each_websocket_action_declares_every_frame_error_its_handler_can_answer_with(
    route: websocket.WebSocketRoute,
) -> None:
    assert route.function is not None
    module = websocket.FUNCTIONS[route.function].handler.rsplit(".", 1)[0]
    # Given the frame errors the action's handler can produce
    produced = codes_of(module, "handler").frame
    # Then the route declares each
    assert produced, module
    assert produced <= set(route.errors), sorted(produced - set(route.errors))


def test_the_openapi_document_answers_each_route_with_every_declared_status() -> None:
    from stacks.rest.openapi import ANY_METHOD, openapi_document

    # Given the OpenAPI document generated for a stage
    paths = openapi_document(stage="Dev", region="eu-west-1")["paths"]
    for route in rest.ROUTES:
        verb = ANY_METHOD if route.method == "ANY" else route.method.lower()
        documented = set(paths[route.path][verb]["responses"])
        # Then every status the route can answer with is documented, errors with the Error
        # schema whose codes are the catalogue's
        assert documented == set(route.statuses), (route.method, route.path)
    error = json.dumps(openapi_document(stage="Dev", region="eu-west-1")["components"])
    assert all(f'"{code}"' in error for code in ERROR_STATUSES)
