"""The shared Lambda REQUEST authorizer (handlers.authorizer) for REST and WebSocket.

Routine rejections are explicit Deny policies (API Gateway answers 403), never exceptions:
an exception is a Lambda error, and the authorizer-errors alarm pages on those. Only a fault
of the deployment (the secret cannot be read) raises.
"""

from __future__ import annotations

import base64
import json
import time
import uuid
from typing import TYPE_CHECKING, Any

import boto3
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from domain.auth.keys import SecretUnavailable, secret_region, secrets_provider
from domain.auth.tokens import MAX_TIMESTAMP, encode, sign_segments
from domain.settings import get_settings
from handlers import authorizer
from tests.fuzz import fuzz_examples
from tests.handlers.conftest import REGION, SIGNING_KEY, USER, load_event

if TYPE_CHECKING:
    from collections.abc import Iterator

    from tests.conftest import FakeLambdaContext

REST_STAGE = "arn:aws:execute-api:eu-west-1:123456789012:abc123defg/prod/*"
WS_STAGE = "arn:aws:execute-api:eu-west-1:123456789012:wsapi12345/prod/*"


def app_token(sub: str = USER, *, key: str = SIGNING_KEY, ttl: int = 600, **claims: Any) -> str:
    """A token of this app (default issuer and audience) for ``sub``."""
    now = int(time.time())
    base = {"iss": "rooms-service", "aud": "rooms-api", "sub": sub, "iat": now, "exp": now + ttl}
    return encode({**base, **claims}, key)


def rest_request(authorization: str | None) -> dict[str, Any]:
    event = load_event("authorizer_rest_request.json")
    if authorization is None:
        del event["headers"]["Authorization"]
    else:
        event["headers"]["Authorization"] = authorization
    return event


def bearer(token: str) -> dict[str, Any]:
    return rest_request(f"Bearer {token}")


def ws_connect(token: str | None) -> dict[str, Any]:
    event = load_event("authorizer_ws_connect.json")
    event["queryStringParameters"] = {"token": token} if token is not None else None
    return event


def assert_deny(result: dict[str, Any], resource: str = REST_STAGE) -> None:
    """A well-formed Deny policy: API Gateway answers 403 and records no Lambda error."""
    assert set(result) == {"principalId", "policyDocument"}
    assert isinstance(result["principalId"], str)
    assert result["principalId"]
    assert result["policyDocument"] == {
        "Version": "2012-10-17",
        "Statement": [{"Action": "execute-api:Invoke", "Effect": "Deny", "Resource": resource}],
    }


@pytest.mark.usefixtures("aws_env")
def test_valid_bearer_header_allows_the_whole_stage(lambda_context: FakeLambdaContext) -> None:
    # Given a REST request with a valid token
    event = bearer(app_token(name="Alice", groups=["admins"]))

    # When the authorizer runs
    result = authorizer.handler(event, lambda_context)

    # Then it allows every route of the stage, for the token's subject, with its context
    assert result["principalId"] == USER
    statement = result["policyDocument"]["Statement"][0]
    assert statement == {"Action": "execute-api:Invoke", "Effect": "Allow", "Resource": REST_STAGE}
    assert result["context"] == {"user_id": USER, "name": "Alice", "groups": "admins"}


@pytest.mark.usefixtures("aws_env")
def test_valid_websocket_query_token_allows_the_stage(lambda_context: FakeLambdaContext) -> None:
    # Given a WebSocket $connect with ?token=
    event = ws_connect(app_token("carol"))

    # When the authorizer runs
    result = authorizer.handler(event, lambda_context)

    # Then the connection is allowed for carol on the WebSocket stage
    assert result["principalId"] == "carol"
    assert result["policyDocument"]["Statement"][0]["Resource"] == WS_STAGE
    assert result["context"] == {"user_id": "carol", "name": "", "groups": ""}


@pytest.mark.usefixtures("aws_env")
@pytest.mark.parametrize(
    ("event", "resource"),
    [
        pytest.param(rest_request(None), REST_STAGE, id="missing header"),
        pytest.param(ws_connect(None), WS_STAGE, id="missing query token"),
        pytest.param(bearer(app_token(ttl=-600)), REST_STAGE, id="expired"),
        pytest.param(bearer(app_token(key="another-key")), REST_STAGE, id="bad signature"),
        pytest.param(bearer(app_token(iss="someone-else")), REST_STAGE, id="foreign issuer"),
        pytest.param(bearer(app_token(aud="other-api")), REST_STAGE, id="foreign audience"),
        pytest.param(bearer(app_token(ttl=86400)), REST_STAGE, id="lifetime too long"),
        pytest.param(bearer("not.a.jwt"), REST_STAGE, id="garbage"),
        pytest.param(bearer(app_token()[:-3]), REST_STAGE, id="truncated signature"),
        pytest.param(bearer("a" * 10_000), REST_STAGE, id="oversized"),
        pytest.param(rest_request(f"Basic {app_token()}"), REST_STAGE, id="not bearer"),
        pytest.param(
            bearer(sign_segments(b"[" * 3000, b"{}", SIGNING_KEY)), REST_STAGE, id="header 3000 ["
        ),
        pytest.param(
            bearer(sign_segments(b'{"alg":"HS256"}', b'{"exp":1e400}', SIGNING_KEY)),
            REST_STAGE,
            id="exp 1e400",
        ),
    ],
)
def test_routine_rejections_are_deny_policies(
    event: dict[str, Any], resource: str, lambda_context: FakeLambdaContext
) -> None:
    # Given a request with a missing, expired, forged, foreign or malformed token
    # When the authorizer runs
    result = authorizer.handler(event, lambda_context)

    # Then it returns (no Lambda error) an explicit Deny on the stage: API Gateway answers 403
    assert_deny(result, resource)


@pytest.mark.usefixtures("aws_env")
def test_unsigned_alg_none_token_is_denied(lambda_context: FakeLambdaContext) -> None:
    # Given a token claiming alg "none" with an empty signature
    def part(obj: dict[str, Any]) -> str:
        return base64.urlsafe_b64encode(json.dumps(obj).encode()).rstrip(b"=").decode()

    token = f"{part({'alg': 'none'})}.{part({'sub': 'mallory', 'exp': 4102444800})}."

    # When it is presented
    # Then it is denied
    assert_deny(authorizer.handler(bearer(token), lambda_context))


@pytest.mark.usefixtures("aws_env")
def test_each_api_reads_only_its_own_identity_source(lambda_context: FakeLambdaContext) -> None:
    # Given a REST request whose only token is in a ?token= query parameter
    rest = rest_request(None)
    rest["queryStringParameters"] = {"token": app_token()}
    # And a WebSocket $connect whose only token is in an Authorization header
    ws = ws_connect(None)
    ws["headers"]["Authorization"] = f"Bearer {app_token()}"
    # And a WebSocket $connect whose header and query hold different users
    both = ws_connect(app_token("carol"))
    both["headers"]["Authorization"] = f"Bearer {app_token('mallory')}"

    # When the authorizer runs on each
    # Then the REST API reads only the header and the WebSocket API only the query string
    assert_deny(authorizer.handler(rest, lambda_context))
    assert_deny(authorizer.handler(ws, lambda_context), WS_STAGE)
    assert authorizer.handler(both, lambda_context)["principalId"] == "carol"


@pytest.mark.usefixtures("aws_env")
def test_rejection_reason_is_logged_without_the_token(
    lambda_context: FakeLambdaContext, caplog: pytest.LogCaptureFixture
) -> None:
    # Given a request with a token of another issuer
    token = app_token(iss="someone-else")

    # When it is rejected
    authorizer.handler(bearer(token), lambda_context)

    # Then the log says why, and no part of the token appears in it
    rejected = [r for r in caplog.records if r.getMessage() == "token rejected"]
    assert [getattr(r, "reason", None) for r in rejected] == ["token issuer is not accepted"]
    logged = " ".join(str(v) for r in caplog.records for v in vars(r).values())
    for part in token.split("."):
        assert part not in logged


@pytest.fixture
def broken_secret(aws_env: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The authorizer's secret holds no signing_key (a deployment fault)."""
    secrets: Any = boto3.client(
        "secretsmanager", region_name=REGION, endpoint_url=aws_env["SECRETS_ENDPOINT_URL"]
    )
    arn = secrets.create_secret(
        Name=f"broken-token-{uuid.uuid4().hex[:8]}", SecretString=json.dumps({"other": "x"})
    )["ARN"]
    monkeypatch.setenv("TOKEN_SECRET_ARN", arn)
    get_settings.cache_clear()
    yield
    monkeypatch.undo()
    get_settings.cache_clear()


@pytest.mark.usefixtures("broken_secret")
def test_an_unreadable_secret_is_a_fault_that_raises(lambda_context: FakeLambdaContext) -> None:
    # Given an authorizer whose signing secret is unusable
    # When a request with a token arrives
    # Then the function fails (a Lambda error the alarm should page on), it does not deny
    with pytest.raises(SecretUnavailable, match="signing_key"):
        authorizer.handler(bearer(app_token()), lambda_context)


def test_only_the_token_secret_variable_is_needed(
    aws_env: dict[str, str], lambda_context: FakeLambdaContext, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given the authorizer's deployed environment: the token secret and nothing of the table
    for name in ("TABLE_NAME", "TABLE_REGIONS", "CURSOR_SECRET_ARN"):
        monkeypatch.delenv(name, raising=False)
    get_settings.cache_clear()
    try:
        # When a valid token is presented
        result = authorizer.handler(bearer(app_token()), lambda_context)
    finally:
        monkeypatch.undo()
        get_settings.cache_clear()

    # Then it is allowed
    assert result["policyDocument"]["Statement"][0]["Effect"] == "Allow"


@pytest.mark.usefixtures("aws_env")
def test_secret_is_fetched_once_per_container(lambda_context: FakeLambdaContext) -> None:
    # Given a fresh container whose Secrets Manager calls are counted
    secrets_provider.cache_clear()
    calls: list[str] = []
    region = secret_region(str(get_settings().token_secret_arn))
    secrets_provider(region).client.meta.events.register(
        "before-call.secrets-manager.GetSecretValue", lambda **_: calls.append("get")
    )

    # When five requests are authorized
    for _ in range(5):
        authorizer.handler(bearer(app_token()), lambda_context)

    # Then the secret was read once
    assert calls == ["get"]


# ------------------------------------------------------------------ generated malformed tokens
def _flip(token: str, at: int) -> str:
    i = at % len(token)
    return f"{token[:i]}{'A' if token[i] != 'A' else 'B'}{token[i + 1 :]}"


def _signed(header: bytes, payload: bytes) -> str:
    return sign_segments(header, payload, SIGNING_KEY)


hostile_json = (
    st.integers(1, 6000).map(lambda n: b"[" * n)
    | st.integers(1, 2000).map(lambda n: b'{"a":' * n)
    | st.binary(max_size=200)
    | st.sampled_from(
        [
            b'{"exp":1e400}',
            b'{"exp":NaN}',
            b'{"sub":"a","sub":"b"}',
            b'{"exp":' + b"9" * 5000 + b"}",
        ]
    )
)
malformed_tokens = (
    st.text(max_size=300)
    | st.text("ABCDEFabcdef0123456789-_.=", max_size=400)
    | st.builds(_flip, st.just(app_token()), st.integers(0, 500))
    | st.builds(_signed, hostile_json, hostile_json)
    | st.builds(_signed, st.just(b'{"alg":"HS256"}'), hostile_json)
    | st.builds(
        lambda claims: app_token(**claims),
        st.fixed_dictionaries(
            {},
            optional={
                # Each generated claim is invalid on its own: none can yield an Allow.
                "iss": st.text(max_size=5) | st.integers(),
                "aud": st.lists(st.text(max_size=5), max_size=3) | st.none(),
                "exp": st.integers(max_value=0)
                | st.integers(min_value=MAX_TIMESTAMP + 1)
                | st.floats()
                | st.booleans()
                | st.text(max_size=5),
                "iat": st.integers(max_value=-1) | st.integers(min_value=2**40) | st.floats(),
                "sub": st.integers() | st.just(""),
            },
        ).filter(bool),
    )
)


@settings(
    max_examples=fuzz_examples(300),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
    database=None,
)
@given(token=malformed_tokens, websocket=st.booleans())
def test_generated_malformed_tokens_always_get_a_deny(
    token: str, websocket: bool, aws_env: dict[str, str], lambda_context: FakeLambdaContext
) -> None:
    # Given a $connect or REST request carrying a generated malformed token
    event = ws_connect(token) if websocket else bearer(token)

    # When the authorizer runs
    result = authorizer.handler(event, lambda_context)

    # Then it never raises and always answers a well-formed Deny for the stage
    assert_deny(result, WS_STAGE if websocket else REST_STAGE)


@settings(
    max_examples=fuzz_examples(100),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
    database=None,
)
@given(
    sub=st.text(min_size=1, max_size=128),
    name=st.none() | st.text(max_size=40),
    groups=st.lists(st.text(st.characters(exclude_characters=","), max_size=12), max_size=4),
    websocket=st.booleans(),
)
def test_generated_valid_tokens_are_allowed_with_their_context(
    sub: str,
    name: str | None,
    groups: list[str],
    websocket: bool,
    aws_env: dict[str, str],
    lambda_context: FakeLambdaContext,
) -> None:
    # Given a valid token of this app for any subject, name and groups
    extra: dict[str, Any] = {"groups": groups} | ({"name": name} if name is not None else {})
    token = app_token(sub, **extra)
    event = ws_connect(token) if websocket else bearer(token)

    # When the authorizer runs
    result = authorizer.handler(event, lambda_context)

    # Then it allows the stage for that subject, with exactly its context
    assert result["principalId"] == sub
    statement = result["policyDocument"]["Statement"][0]
    assert statement["Effect"] == "Allow"
    assert statement["Resource"] == (WS_STAGE if websocket else REST_STAGE)
    assert result["context"] == {"user_id": sub, "name": name or "", "groups": ",".join(groups)}
