"""Fixtures for the handler tests: the single table, the token and cursor secrets on the
shared moto server (over HTTP), the environment a deployed function would get, recorded API Gateway
events and a Lambda context.

State is never reset between tests: each test makes its own ids (``new_id``), so tests stay
independent while the handler modules are imported once, as in one warm container.
"""

from __future__ import annotations

import json
import os
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from types import EllipsisType
from typing import TYPE_CHECKING, Any

import boto3
import pytest

from tests.conftest import FakeLambdaContext, create_single_table
from tests.conftest import load_event as shared_load_event
from tests.iam import recorder

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator, Mapping

# What the handler test modules import from here (FakeLambdaContext is re-exported from
# tests/conftest.py, so mypy --strict needs it listed).
__all__ = [
    "CURSOR_KEY",
    "REGION",
    "SIGNING_KEY",
    "TABLE",
    "USER",
    "FakeLambdaContext",
    "HttpResult",
    "call",
    "item_count",
    "load_event",
    "make_token",
    "new_id",
    "reset_container_caches",
    "rest_event",
]

# Record every AWS call the handlers make here (tests/iam compares them with the roles).
recorder.install()

REGION = "eu-west-1"
TABLE = "rest-handlers"
SIGNING_KEY = "test-signing-key-0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQ"
CURSOR_KEY = "test-cursor-key-0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQR"
USER = "7d8e7a2c-0000-4a51-9a1e-1f2a3b4c5d6e"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    # Powertools warns on every invocation that publishes no metric (reads): expected here.
    here = Path(__file__).parent
    for item in items:
        if here in Path(str(item.fspath)).parents:
            item.add_marker(pytest.mark.filterwarnings("ignore:No application metrics"))


def reset_container_caches() -> None:
    """Forget per-container state, as a fresh Lambda container would have none."""
    from domain.auth.keys import secrets_provider
    from domain.runtime import install_table
    from domain.settings import get_settings

    get_settings.cache_clear()
    install_table(None)
    secrets_provider.cache_clear()


@pytest.fixture(scope="package")
def aws_env(moto_server: str) -> Iterator[dict[str, str]]:
    """Create the table and secrets on moto and export the function environment for this
    package's tests only (restored afterwards, so other packages never see it)."""
    create_single_table(moto_server, TABLE, REGION)
    secrets: Any = boto3.client("secretsmanager", region_name=REGION, endpoint_url=moto_server)

    def secret(kind: str, value: dict[str, str]) -> str:
        name = f"rest-handlers-{kind}-{uuid.uuid4().hex[:8]}"
        return str(secrets.create_secret(Name=name, SecretString=json.dumps(value))["ARN"])

    env = {
        "TABLE_NAME": TABLE,
        "TABLE_REGIONS": REGION,
        "DYNAMODB_ENDPOINT_URL": moto_server,
        "SECRETS_ENDPOINT_URL": moto_server,
        "TOKEN_SECRET_ARN": secret("token", {"signing_key": SIGNING_KEY}),
        "CURSOR_SECRET_ARN": secret("cursor", {"cursor_key": CURSOR_KEY}),
        "AWS_LAMBDA_FUNCTION_NAME": "rest-handlers-test",
    }
    saved = {k: os.environ.get(k) for k in env}
    os.environ.update(env)
    reset_container_caches()
    yield env
    for key, value in saved.items():
        if value is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = value
    reset_container_caches()


@pytest.fixture(scope="session")
def lambda_context() -> FakeLambdaContext:
    return FakeLambdaContext()


@pytest.fixture(scope="package")
def ddb(aws_env: dict[str, str]) -> Any:
    """A plain boto3 client on the moto table, for assertions on what was written."""
    return boto3.client(
        "dynamodb", region_name=REGION, endpoint_url=aws_env["DYNAMODB_ENDPOINT_URL"]
    )


def load_event(name: str) -> dict[str, Any]:
    """A recorded event from tests/events/rest/ (parsed afresh: each call is its own copy)."""
    return shared_load_event("rest", name)


def new_id() -> str:
    """A fresh valid room id (upper-case hex, like a ULID in length) for one test."""
    return uuid.uuid4().hex.upper()[:26]


def make_token(sub: str = USER, *, key: str = SIGNING_KEY, ttl: int = 3600, **claims: Any) -> str:
    from domain.auth.tokens import encode

    now = int(time.time())
    return encode({"sub": sub, "iat": now, "exp": now + ttl, **claims}, key)


def rest_event(
    name: str,
    *,
    path: str | None = None,
    body: Any = ...,
    headers: Mapping[str, str | None] | None = None,
    query: dict[str, str] | EllipsisType | None = ...,
    user: str | None = None,
    groups: str | None = None,
) -> dict[str, Any]:
    """A recorded proxy event with its path, JSON body, headers, query or caller replaced
    (a header set to ``None`` is removed). ``groups`` is the ``cognito:groups`` claim as API
    Gateway's Cognito authorizer passes it: one string, comma-separated."""
    event = load_event(name)
    if path is not None:
        event["path"] = path
        event["requestContext"]["path"] = f"/prod{path}"
    if body is not ...:
        event["body"] = body if isinstance(body, str) or body is None else json.dumps(body)
    for key, value in (headers or {}).items():
        if value is None:
            event["headers"].pop(key, None)
            event["multiValueHeaders"].pop(key, None)
        else:
            event["headers"][key] = value
            event["multiValueHeaders"][key] = [value]
    if not isinstance(query, EllipsisType):
        event["queryStringParameters"] = query
        event["multiValueQueryStringParameters"] = (
            {k: [v] for k, v in query.items()} if query else None
        )
    if user is not None:
        event["requestContext"]["authorizer"]["claims"]["sub"] = user
    if groups is not None:
        event["requestContext"]["authorizer"]["claims"]["cognito:groups"] = groups
    event["requestContext"]["requestId"] = str(uuid.uuid4())
    return event


@dataclass
class HttpResult:
    status: int
    headers: dict[str, str]
    body: Any


def call(handler: Callable[..., dict[str, Any]], event: dict[str, Any], context: Any) -> HttpResult:
    response = handler(event, context)
    raw = response.get("body")
    body = json.loads(raw) if raw else None
    # The REST resolver answers with multiValueHeaders; flatten them for assertions.
    headers = dict(response.get("headers") or {})
    for key, values in (response.get("multiValueHeaders") or {}).items():
        headers[key] = ", ".join(values)
    return HttpResult(response["statusCode"], headers, body)


def item_count(client: Any, table: str = TABLE) -> int:
    """Every item in the table (rooms, messages and idempotency records alike)."""
    total, kwargs = 0, {"TableName": table, "Select": "COUNT"}
    while True:
        page = client.scan(**kwargs)
        total += int(page["Count"])
        if "LastEvaluatedKey" not in page:
            return total
        kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]


@pytest.fixture
def invoke(aws_env: dict[str, str], lambda_context: FakeLambdaContext) -> Callable[..., HttpResult]:
    """Invoke a proxy handler with an event and decode its JSON response."""

    def run(handler: Callable[..., dict[str, Any]], event: dict[str, Any]) -> HttpResult:
        return call(handler, event, lambda_context)

    return run
