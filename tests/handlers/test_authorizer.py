"""The shared Lambda REQUEST authorizer (handlers.authorizer) for REST and WebSocket."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest

from domain.auth.keys import secrets_provider
from handlers import authorizer
from tests.handlers.conftest import USER, load_event, make_token

if TYPE_CHECKING:
    from tests.handlers.conftest import FakeLambdaContext


def rest_request(token: str | None) -> dict[str, Any]:
    event = load_event("authorizer_rest_request.json")
    if token is None:
        del event["headers"]["Authorization"]
    else:
        event["headers"]["Authorization"] = f"Bearer {token}"
    return event


def ws_connect(token: str | None) -> dict[str, Any]:
    event = load_event("authorizer_ws_connect.json")
    event["queryStringParameters"] = {"token": token} if token is not None else None
    return event


@pytest.mark.usefixtures("aws_env")
def test_valid_bearer_header_allows_the_whole_stage(lambda_context: FakeLambdaContext) -> None:
    # Given a REST request with a valid token
    event = rest_request(make_token(name="Alice", groups=["admins"]))

    # When the authorizer runs
    result = authorizer.handler(event, lambda_context)

    # Then it allows every route of the stage, for the token's subject, with its context
    assert result["principalId"] == USER
    statement = result["policyDocument"]["Statement"][0]
    assert statement["Effect"] == "Allow"
    assert statement["Action"] == "execute-api:Invoke"
    assert statement["Resource"] == "arn:aws:execute-api:eu-west-1:123456789012:abc123defg/prod/*"
    assert result["context"] == {"user_id": USER, "name": "Alice", "groups": "admins"}


@pytest.mark.usefixtures("aws_env")
def test_valid_websocket_query_token_allows_the_stage(lambda_context: FakeLambdaContext) -> None:
    # Given a WebSocket $connect with ?token=
    event = ws_connect(make_token("carol"))

    # When the authorizer runs
    result = authorizer.handler(event, lambda_context)

    # Then the connection is allowed for carol on the WebSocket stage
    assert result["principalId"] == "carol"
    resource = result["policyDocument"]["Statement"][0]["Resource"]
    assert resource == "arn:aws:execute-api:eu-west-1:123456789012:wsapi12345/prod/*"
    assert result["context"]["name"] == ""


@pytest.mark.usefixtures("aws_env")
@pytest.mark.parametrize(
    "event",
    [
        pytest.param(rest_request(None), id="missing header"),
        pytest.param(ws_connect(None), id="missing query token"),
        pytest.param(rest_request(make_token(ttl=-10)), id="expired"),
        pytest.param(rest_request(make_token(key="another-key")), id="bad signature"),
        pytest.param(rest_request("not.a.jwt"), id="garbage"),
        pytest.param(rest_request(make_token()[:-3]), id="truncated signature"),
    ],
)
def test_invalid_tokens_raise_unauthorized(
    event: dict[str, Any], lambda_context: FakeLambdaContext
) -> None:
    # Given a request with a missing, expired, forged or malformed token
    # When the authorizer runs
    # Then it raises exactly "Unauthorized" (API Gateway answers 401), never another error
    with pytest.raises(Exception, match=r"^Unauthorized$"):
        authorizer.handler(event, lambda_context)


@pytest.mark.usefixtures("aws_env")
def test_unsigned_alg_none_token_is_rejected(lambda_context: FakeLambdaContext) -> None:
    # Given a token claiming alg "none" with an empty signature
    import base64
    import json

    def part(obj: dict[str, Any]) -> str:
        return base64.urlsafe_b64encode(json.dumps(obj).encode()).rstrip(b"=").decode()

    token = f"{part({'alg': 'none'})}.{part({'sub': 'mallory', 'exp': 4102444800})}."

    # When it is presented
    # Then it is refused
    with pytest.raises(Exception, match=r"^Unauthorized$"):
        authorizer.handler(rest_request(token), lambda_context)


@pytest.mark.usefixtures("aws_env")
def test_secret_is_fetched_once_per_container(lambda_context: FakeLambdaContext) -> None:
    # Given a fresh container whose Secrets Manager calls are counted
    secrets_provider.cache_clear()
    calls: list[str] = []
    secrets_provider().client.meta.events.register(
        "before-call.secrets-manager.GetSecretValue", lambda **_: calls.append("get")
    )

    # When five requests are authorized
    for _ in range(5):
        authorizer.handler(rest_request(make_token()), lambda_context)

    # Then the secret was read once
    assert calls == ["get"]
