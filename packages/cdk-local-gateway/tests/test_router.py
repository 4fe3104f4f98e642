"""Route selection: literal segment > {param} > {proxy+}, method > ANY, raw encoding kept."""

from __future__ import annotations

from typing import Any

import pytest
from cdk_local_gateway.rest.model import Method, RestApi
from cdk_local_gateway.rest.router import route


def api(paths: dict[str, list[str]]) -> RestApi:
    methods = {
        path: {verb: Method(f"{verb}{path}", verb, path, {}) for verb in verbs}
        for path, verbs in paths.items()
    }
    fields: dict[str, Any] = dict.fromkeys(
        ("stack", "logical_id", "api_id", "name", "stage_name", "access_log_format"), None
    )
    names = ("stage_variables", "authorizers", "models", "model_names", "validators")
    empty: dict[str, Any] = {key: {} for key in (*names, "gateway_responses", "api_keys")}
    return RestApi(**fields, **empty, binary_media_types=[], methods=methods, usage_plans=[])


API = api(
    {
        "/": ["GET"],
        "/a": ["GET"],
        "/a/{id}": ["GET", "ANY"],
        "/a/b": ["GET"],
        "/a/{proxy+}": ["ANY"],
        "/{x}/c": ["GET"],
    }
)


@pytest.mark.parametrize(
    ("path", "verb", "resource", "params"),
    [
        ("/", "GET", "/", {}),
        ("/a/b", "GET", "/a/b", {}),
        ("/a/z", "GET", "/a/{id}", {"id": "z"}),
        ("/a/z", "DELETE", "/a/{id}", {"id": "z"}),
        ("/a/z/y", "GET", "/a/{proxy+}", {"proxy": "z/y"}),
        ("/a/c", "GET", "/a/{id}", {"id": "c"}),
        ("/q/c", "GET", "/{x}/c", {"x": "q"}),
        ("/a/x%2Fy", "GET", "/a/{id}", {"id": "x/y"}),
        ("/a/a+b", "GET", "/a/{id}", {"id": "a+b"}),
    ],
)
def test_most_specific_resource_wins(
    path: str, verb: str, resource: str, params: dict[str, str]
) -> None:
    match = route(API, path, verb)
    assert match is not None
    assert (match.method.resource_path, match.path_parameters) == (resource, params)


def test_exact_method_beats_any() -> None:
    match = route(API, "/a/z", "GET")
    assert match is not None
    assert match.method.http_method == "GET"


@pytest.mark.parametrize(("path", "verb"), [("/nothing/here/at/all", "GET"), ("/a", "POST")])
def test_no_match(path: str, verb: str) -> None:
    assert route(API, path, verb) is None
