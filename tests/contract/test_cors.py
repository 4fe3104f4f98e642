"""The CORS headers a browser is told about agree between API Gateway's preflight answers (as
deployed) and the Lambda proxy handlers' answers: both come from ``contract.cors``."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from tests.infra.conftest import synth

if TYPE_CHECKING:
    from pathlib import Path

REST_STACK = "Dev/EuWest1/RestApi"
ALLOW = "method.response.header.Access-Control-Allow-Headers"
EXPOSE = "method.response.header.Access-Control-Expose-Headers"


def _listed(value: str) -> set[str]:
    return {name.strip().lower() for name in value.strip("'").split(",") if name.strip()}


@pytest.fixture(scope="module")
def preflight_headers(tmp_path_factory: pytest.TempPathFactory) -> dict[str, set[str]]:
    """Allow and expose headers of every OPTIONS (preflight) method of the deployed REST API."""
    out: Path = tmp_path_factory.mktemp("cdk.out")
    found: dict[str, set[str]] = {ALLOW: set(), EXPOSE: set()}
    methods = synth(out).resources(REST_STACK, "AWS::ApiGateway::Method").values()
    for method in methods:
        if method["Properties"]["HttpMethod"] != "OPTIONS":
            continue
        for response in method["Properties"]["Integration"].get("IntegrationResponses", []):
            for name in (ALLOW, EXPOSE):
                if name in response.get("ResponseParameters", {}):
                    found[name] |= _listed(response["ResponseParameters"][name])
    return found


def test_the_handlers_answer_with_the_headers_the_deployed_preflight_allows(
    preflight_headers: dict[str, set[str]], monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given a stage with allowed origins (Dev's test configuration has them)
    monkeypatch.setenv("CORS_ALLOW_ORIGINS", "https://app.example,https://admin.example")
    from handlers.rest.api import build_resolver

    # When a REST proxy handler's resolver states its CORS headers for an allowed origin
    cors = build_resolver()._cors
    assert cors is not None
    answered = cors.to_dict("https://admin.example")

    # Then they are the headers API Gateway's preflight answers with, no more, no fewer
    assert preflight_headers[ALLOW], "no preflight method found: this test checks nothing"
    assert _listed(answered["Access-Control-Allow-Headers"]) == preflight_headers[ALLOW]
    assert _listed(answered["Access-Control-Expose-Headers"]) == preflight_headers[EXPOSE]
