"""$connect end to end: the shared REQUEST authorizer (handlers.authorizer) verifies the token
from the query string, and the context it returns is what the connect handler stores."""

from __future__ import annotations

import json
import time
import uuid
from typing import TYPE_CHECKING, Any

import boto3
import pytest

from contract.websocket import CONNECT_TOKEN_QUERY
from domain.auth.tokens import encode
from domain.models import Connection
from handlers.ws import runtime
from tests.ws.conftest import REGION_A, load_event

if TYPE_CHECKING:
    from collections.abc import Iterator

    from tests.ws.conftest import Client

SIGNING_KEY = "ws-test-signing-key-0123456789abcdef"


def app_token(sub: str, *, key: str = SIGNING_KEY, ttl: int = 600) -> str:
    """A token of this app (default issuer and audience)."""
    now = int(time.time())
    claims = {"iss": "rooms-service", "aud": "rooms-api", "sub": sub, "iat": now}
    return encode({**claims, "exp": now + ttl}, key)


@pytest.fixture
def token_secret(moto_server: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The signing-key secret on moto, and the authorizer's environment pointing at it."""
    from domain.auth.keys import secrets_provider
    from domain.settings import get_settings

    secrets: Any = boto3.client("secretsmanager", region_name=REGION_A, endpoint_url=moto_server)
    arn = secrets.create_secret(
        Name=f"ws-token-{uuid.uuid4().hex[:8]}",
        SecretString=json.dumps({"signing_key": SIGNING_KEY}),
    )["ARN"]
    monkeypatch.setenv("TOKEN_SECRET_ARN", arn)
    monkeypatch.setenv("SECRETS_ENDPOINT_URL", moto_server)
    get_settings.cache_clear()
    secrets_provider.cache_clear()
    yield
    get_settings.cache_clear()
    secrets_provider.cache_clear()


def authorizer_event(token: str) -> dict[str, Any]:
    event = load_event("connect_authorizer")
    event["queryStringParameters"][CONNECT_TOKEN_QUERY] = token
    event["multiValueQueryStringParameters"][CONNECT_TOKEN_QUERY] = [token]
    return event


def test_a_valid_token_connects_as_its_user(ws: Client, token_secret: None) -> None:
    from handlers import authorizer

    # Given a token signed with the stage's key for user "carol"
    token = app_token("carol")
    # When the authorizer runs on the WebSocket $connect request
    result = authorizer.handler(authorizer_event(token), ws.context)
    # Then it allows the stage and names the user in its context
    assert result["principalId"] == "carol"
    assert result["context"]["user_id"] == "carol"
    # And the connect handler, given that context as API Gateway passes it, stores carol
    event = load_event("connect")
    event["requestContext"]["authorizer"] = {"principalId": "carol", **result["context"]}
    from handlers.ws import connect

    assert connect.handler(event, ws.context) == {"statusCode": 200}
    connection_id = event["requestContext"]["connectionId"]
    assert runtime.table().get(Connection, connection_id=connection_id).user_id == "carol"


@pytest.mark.parametrize(
    "token",
    [
        "",
        "not-a-jwt",
        app_token("mallory", key="another-key"),
        app_token("carol", ttl=-600),
        encode({"sub": "carol", "exp": int(time.time()) + 600}, SIGNING_KEY),
    ],
    ids=["empty", "garbage", "wrong-key", "expired", "no-issuer-or-audience"],
)
def test_a_bad_token_is_refused_before_any_connection_is_stored(
    ws: Client, token_secret: None, token: str
) -> None:
    from handlers import authorizer

    # When the authorizer runs on a $connect request with a bad token
    result = authorizer.handler(authorizer_event(token), ws.context)
    # Then API Gateway is told Deny (403; the connect handler never runs), without an error
    assert result["policyDocument"]["Statement"][0]["Effect"] == "Deny"
    assert ws.items() == []


def test_the_handler_reads_the_identity_source_the_stack_configures(
    ws: Client, token_secret: None
) -> None:
    from handlers import authorizer

    # Given a $connect carrying carol's token in the query parameter the contract names as
    # the authorizer's identity source (the stack's, tests/infra/test_websocket_api.py), and
    # mallory's in an Authorization header
    event = authorizer_event(app_token("carol"))
    event["headers"]["Authorization"] = f"Bearer {app_token('mallory')}"
    # When the authorizer runs
    result = authorizer.handler(event, ws.context)
    # Then it read the configured source, the query string, and nothing else
    assert result["principalId"] == "carol"
