"""What the runtime tells WebSocket clients (endpoints.json), and how it points functions at
the local @connections endpoint."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from cdk_local_gateway.lambdas.workers import FunctionSpec
from cdk_local_gateway.runtime import _rewrite_callback_urls

if TYPE_CHECKING:
    from cdk_local_gateway.websocket import ServedWebSocketApi


def test_endpoints_name_the_wss_url_of_the_stage_and_the_ca_bundle(
    local_gateway: dict[str, Any],
) -> None:
    # Then the region's WebSocket API is listed by its stack's display name, over wss://
    (name,) = local_gateway["websocket"]
    assert name.endswith("/WebSocketApi")
    url = local_gateway["websocket"][name]
    assert url.startswith("wss://127.0.0.1:")
    assert url.endswith("/dev")
    # And the CA that signed its certificate is a PEM file clients can trust
    assert Path(local_gateway["ca_bundle"]).read_text().startswith("-----BEGIN CERTIFICATE-----")


class _Served:
    """Stands in for a served API: only its callback aliases matter here."""

    def callback_aliases(self) -> dict[str, str]:
        return {"https://abc123.execute-api.eu-west-1.amazonaws.com/dev": "https://127.0.0.1:9/dev"}


def _spec(environment: dict[str, str]) -> FunctionSpec:
    return FunctionSpec(
        stack="S",
        logical_id="Fn",
        name="fn",
        arn="arn:aws:lambda:eu-west-1:123456789012:function:fn",
        region="eu-west-1",
        handler="h.handler",
        code_dir=None,
        environment=environment,
    )


def test_a_deployed_callback_url_in_a_function_environment_points_at_the_local_api() -> None:
    # Given a function whose environment holds the deployed callback URL (and one lookalike)
    deployed = "https://abc123.execute-api.eu-west-1.amazonaws.com/dev"
    functions = {
        "fn": _spec(
            {
                "CALLBACK_URL": deployed,
                "CONNECTIONS": f"{deployed}/@connections",
                "OTHER": f"{deployed}x",
                "TABLE": "t",
            }
        )
    }
    served: list[ServedWebSocketApi] = [_Served()]  # type: ignore[list-item]
    # When the runtime rewrites the environments
    _rewrite_callback_urls(functions, served)
    # Then the URL and paths under it point at the local API; other values are untouched
    assert functions["fn"].environment == {
        "CALLBACK_URL": "https://127.0.0.1:9/dev",
        "CONNECTIONS": "https://127.0.0.1:9/dev/@connections",
        "OTHER": f"{deployed}x",
        "TABLE": "t",
    }
