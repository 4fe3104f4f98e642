"""Who reads which secret: only the authorizer reads the token signing key; the REST
functions page with their own cursor key (``CURSOR_SECRET_ARN``) and start without
``TOKEN_SECRET_ARN`` at all.

``cursor_secret`` (also used by the bad-input modules) creates the cursor secret on the local
server and points ``CURSOR_SECRET_ARN`` at it, as the stack does for the REST functions.
"""

from __future__ import annotations

import json
import os
import uuid
from typing import TYPE_CHECKING, Any

import boto3
import pytest

from domain.auth import keys
from domain.settings import get_settings
from handlers.rest import rooms
from tests.handlers.conftest import REGION, reset_container_caches, rest_event

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

    from tests.handlers.conftest import HttpResult

CURSOR_KEY = "test-cursor-key-independent-of-the-token-key-0123456789"


@pytest.fixture(scope="module")
def cursor_secret(aws_env: dict[str, str]) -> Iterator[str]:
    """``{"cursor_key": ...}`` on the local server, its ARN in ``CURSOR_SECRET_ARN``."""
    secrets: Any = boto3.client(
        "secretsmanager", region_name=REGION, endpoint_url=aws_env["SECRETS_ENDPOINT_URL"]
    )
    arn: str = secrets.create_secret(
        Name=f"rest-handlers-cursor-{uuid.uuid4().hex[:8]}",
        SecretString=json.dumps({"cursor_key": CURSOR_KEY}),
    )["ARN"]
    saved = os.environ.get("CURSOR_SECRET_ARN")
    os.environ["CURSOR_SECRET_ARN"] = arn
    reset_container_caches()
    yield arn
    if saved is None:
        os.environ.pop("CURSOR_SECRET_ARN", None)
    else:
        os.environ["CURSOR_SECRET_ARN"] = saved
    reset_container_caches()


@pytest.fixture
def rest_function_env(cursor_secret: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """A REST function's environment without ``TOKEN_SECRET_ARN``; yields the SecretIds of
    every GetSecretValue call the container makes."""
    monkeypatch.delenv("TOKEN_SECRET_ARN")
    reset_container_caches()
    read: list[str] = []
    client = keys.secrets_provider(keys.secret_region(cursor_secret)).client
    client.meta.events.register(
        "before-parameter-build.secrets-manager.GetSecretValue",
        lambda params, **_: read.append(params["SecretId"]),
    )
    yield read
    monkeypatch.undo()
    reset_container_caches()


def test_rest_functions_page_without_the_token_secret(
    rest_function_env: list[str], cursor_secret: str, invoke: Callable[..., HttpResult]
) -> None:
    # Given a REST function with CURSOR_SECRET_ARN but no TOKEN_SECRET_ARN, and three rooms
    for i in range(3):
        create = rest_event(
            "rooms_create.json", body={"name": f"page {i}"}, headers={"Idempotency-Key": None}
        )
        assert invoke(rooms.handler, create).status == 201

    # When it lists rooms one at a time, following the cursor once
    first = invoke(rooms.handler, rest_event("rooms_list.json", query={"limit": "1"}))
    cursor = first.body["next_cursor"]
    second = invoke(rooms.handler, rest_event("rooms_list.json", query={"cursor": cursor}))

    # Then both pages are served, and the only secret it ever read is the cursor secret
    assert (first.status, second.status) == (200, 200)
    assert set(rest_function_env) == {cursor_secret}


def test_cursor_key_is_the_cursor_secret_not_derived_from_the_token_key(
    cursor_secret: str,
) -> None:
    # Given both secrets configured
    get_settings.cache_clear()

    # When the keys are read
    # Then the cursor key is exactly the cursor secret's value, unrelated to the signing key
    assert keys.cursor_key() == CURSOR_KEY.encode()
    assert keys.signing_key() != keys.cursor_key()


def test_a_missing_variable_is_named(monkeypatch: pytest.MonkeyPatch) -> None:
    # Given a function without CURSOR_SECRET_ARN
    monkeypatch.delenv("CURSOR_SECRET_ARN", raising=False)
    get_settings.cache_clear()
    try:
        # When it needs the cursor key
        # Then the error names the variable
        with pytest.raises(RuntimeError, match="CURSOR_SECRET_ARN"):
            keys.cursor_key()
    finally:
        monkeypatch.undo()
        get_settings.cache_clear()
