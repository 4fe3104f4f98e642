"""CORS preflight on every resource of the REST API: each ``OPTIONS`` method is a MOCK
integration answering without any authorizer, even where the resource's own methods need a
Cognito token, an API key or a SigV4 signature."""

from __future__ import annotations

import pytest
import requests

from .conftest import dump

#: A concrete request path for each resource of the Dev REST API that has an OPTIONS method.
PREFLIGHTS = {
    "/": "/",
    "/health": "/health",
    "/rooms": "/rooms",
    "/rooms/{room_id}": "/rooms/r-1",
    "/rooms/{room_id}/messages": "/rooms/r-1/messages",
    "/rooms/{room_id}/report": "/rooms/r-1/report",
    "/ingest": "/ingest",
    "/partner": "/partner",
    "/partner/rooms": "/partner/rooms",
    "/admin": "/admin",
    "/admin/stats": "/admin/stats",
    "/proxy": "/proxy",
    "/proxy/{proxy+}": "/proxy/a/b%2Fc",
    "/internal": "/internal",
    "/internal/{proxy+}": "/internal/some/path",
}


@pytest.mark.parametrize(
    "path",
    [
        pytest.param("/", marks=pytest.mark.route("OPTIONS /")),
        pytest.param("/health", marks=pytest.mark.route("OPTIONS /health")),
        pytest.param("/rooms", marks=pytest.mark.route("OPTIONS /rooms")),
        pytest.param("/rooms/{room_id}", marks=pytest.mark.route("OPTIONS /rooms/{room_id}")),
        pytest.param(
            "/rooms/{room_id}/messages",
            marks=pytest.mark.route("OPTIONS /rooms/{room_id}/messages"),
        ),
        pytest.param(
            "/rooms/{room_id}/report", marks=pytest.mark.route("OPTIONS /rooms/{room_id}/report")
        ),
        pytest.param("/ingest", marks=pytest.mark.route("OPTIONS /ingest")),
        pytest.param("/partner", marks=pytest.mark.route("OPTIONS /partner")),
        pytest.param("/partner/rooms", marks=pytest.mark.route("OPTIONS /partner/rooms")),
        pytest.param("/admin", marks=pytest.mark.route("OPTIONS /admin")),
        pytest.param("/admin/stats", marks=pytest.mark.route("OPTIONS /admin/stats")),
        pytest.param("/proxy", marks=pytest.mark.route("OPTIONS /proxy")),
        pytest.param("/proxy/{proxy+}", marks=pytest.mark.route("OPTIONS /proxy/{proxy+}")),
        pytest.param("/internal", marks=pytest.mark.route("OPTIONS /internal")),
        pytest.param("/internal/{proxy+}", marks=pytest.mark.route("OPTIONS /internal/{proxy+}")),
    ],
)
def test_preflight_answers_204_without_credentials(api: str, path: str) -> None:
    # When a browser's preflight reaches the resource, with no token, key or signature
    response = requests.options(
        f"{api}{PREFLIGHTS[path]}",
        headers={
            "Origin": "https://example.com",
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "authorization,content-type",
        },
        timeout=30,
    )
    # Then the resource's MOCK OPTIONS method answers it, not an authorizer or the proxy
    assert response.status_code == 204, dump(response)
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    allowed = {m.strip() for m in response.headers["Access-Control-Allow-Methods"].split(",")}
    assert {"OPTIONS", "GET", "POST", "PATCH", "DELETE"} <= allowed
    assert "authorization" in response.headers["Access-Control-Allow-Headers"].lower()
    assert response.content == b""
