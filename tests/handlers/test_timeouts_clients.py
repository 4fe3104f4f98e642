"""Time budgets of the AWS clients (shared.budget): every DynamoDB and Secrets Manager client
has connect/read timeouts and a retry limit whose worst case ends before the function's
timeout with room to answer, and a hanging endpoint ends in a clean error answer (503, or a
raised fault for the authorizer), not a Lambda timeout.

No test measures time: they check the configured values and the outcome.
"""

from __future__ import annotations

import ast
from typing import TYPE_CHECKING, Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.auth import keys
from domain.runtime import get_table, table_budget
from domain.settings import DEFAULT_FUNCTION_TIMEOUT, get_settings
from handlers import authorizer
from handlers.rest import rooms
from pydynamodel.table import BREAKER_SECONDS
from shared.budget import ANSWER_RESERVE, MAX_ATTEMPTS, MIN_TIMEOUT, ClientBudget, client_budget
from tests.conftest import ROOT
from tests.handlers.conftest import reset_container_caches, rest_event
from tests.handlers.test_authorizer import app_token, bearer
from tests.handlers.test_security_secrets import cursor_secret  # noqa: F401 (a fixture)
from tests.ws.hanging_endpoint import HangingEndpoint

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

    from tests.conftest import FakeLambdaContext
    from tests.handlers.conftest import HttpResult

CONSTRUCT_DEFAULTS = (
    ROOT / "packages/serverless-api-constructs/src/serverless_api_constructs/defaults.py"
)
#: The function timeouts the stacks configure: the construct default (REST functions, the
#: authorizer), the ingest and publish consumers (30 s) and the WebSocket send (28 s).
STACK_TIMEOUTS = (10.0, 28.0, 30.0)


def construct_default_timeout() -> float:
    """``LAMBDA_TIMEOUT_SECONDS`` as the construct package defines it (read, not imported)."""
    tree = ast.parse(CONSTRUCT_DEFAULTS.read_text())
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(
            isinstance(t, ast.Name) and t.id == "LAMBDA_TIMEOUT_SECONDS" for t in node.targets
        ):
            return float(ast.literal_eval(node.value))
    raise AssertionError("LAMBDA_TIMEOUT_SECONDS not found")


def test_the_default_budget_is_for_the_constructs_default_timeout() -> None:
    # Given the timeout every ServiceFunction gets unless its stack sets another
    # When a function runs without FUNCTION_TIMEOUT_SECONDS
    # Then its budget assumes exactly that timeout
    assert construct_default_timeout() == DEFAULT_FUNCTION_TIMEOUT


@pytest.mark.parametrize("timeout", STACK_TIMEOUTS)
@pytest.mark.parametrize("regions", [1, 2])
def test_every_stack_timeout_has_a_budget_that_leaves_room_to_answer(
    timeout: float, regions: int
) -> None:
    # Given a function timeout of the stacks and a read that may fail over across regions
    # When its client budget is derived
    budget = client_budget(timeout, regions)

    # Then the worst call (every attempt of every region timing out) ends in time to answer
    assert budget.worst_case(regions) + ANSWER_RESERVE <= timeout
    assert budget.max_attempts >= 2


@given(timeout=st.floats(1, 900), regions=st.integers(1, 4))
def test_any_budget_that_fits_ends_before_the_timeout(timeout: float, regions: int) -> None:
    # Given any timeout and region count
    # When a budget is derived
    try:
        budget = client_budget(timeout, regions)
    except ValueError:
        # Then either not even the smallest useful budget fits (a short timeout, many regions)
        smallest = ClientBudget(MIN_TIMEOUT, 2 * MIN_TIMEOUT, MAX_ATTEMPTS)
        assert smallest.worst_case(regions) + ANSWER_RESERVE > timeout
        return
    # ... or its worst case ends ANSWER_RESERVE before the timeout
    assert budget.worst_case(regions) + ANSWER_RESERVE <= timeout


def test_the_region_breaker_outlasts_every_function_timeout() -> None:
    # Given a region that failed (timed out) during an invocation
    # When the same invocation calls the table again, however long its function may run
    # Then the region is still skipped: one invocation waits on a failed region once, so its
    # waits together fit the budget of one read over every region
    assert max(STACK_TIMEOUTS) <= BREAKER_SECONDS


@pytest.fixture
def fresh_container(aws_env: dict[str, str], cursor_secret: str) -> Iterator[None]:  # noqa: F811
    reset_container_caches()
    yield
    reset_container_caches()


def _client_settings(client: Any) -> tuple[float, float, int]:
    config = client.meta.config
    return config.connect_timeout, config.read_timeout, config.retries["total_max_attempts"]


@pytest.mark.usefixtures("fresh_container")
def test_the_table_and_secrets_clients_carry_the_budget(monkeypatch: pytest.MonkeyPatch) -> None:
    # Given a 30 s function reading a table in two regions
    monkeypatch.setenv("FUNCTION_TIMEOUT_SECONDS", "30")
    monkeypatch.setenv("TABLE_REGIONS", "eu-west-1,eu-central-1")
    get_settings.cache_clear()

    # When the container builds its DynamoDB and Secrets Manager clients
    table = get_table()
    secrets = keys.secrets_provider("eu-west-1").client

    # Then each has the timeouts and retry limit derived for 30 s (two regions for reads)
    assert table_budget() == client_budget(30.0, 2)
    assert table.breaker.seconds == BREAKER_SECONDS
    expected_table = client_budget(30.0, 2)
    for region in table.regions:
        assert _client_settings(table.client(region)) == (
            expected_table.connect_timeout,
            expected_table.read_timeout,
            expected_table.max_attempts,
        )
    expected_secrets = client_budget(30.0)
    assert _client_settings(secrets) == (
        expected_secrets.connect_timeout,
        expected_secrets.read_timeout,
        expected_secrets.max_attempts,
    )
    monkeypatch.undo()


# ------------------------------------------------------------------ a hanging endpoint
@pytest.fixture
def hanging_endpoint() -> Iterator[str]:
    """A local TCP server that accepts connections and never answers a byte."""
    with HangingEndpoint(stage="") as endpoint:
        yield endpoint.url


@pytest.fixture
def short_function(
    fresh_container: None, monkeypatch: pytest.MonkeyPatch
) -> Iterator[pytest.MonkeyPatch]:
    """A 5 s function (a small budget keeps the hanging tests short)."""
    monkeypatch.setenv("FUNCTION_TIMEOUT_SECONDS", "5")
    reset_container_caches()
    yield monkeypatch
    monkeypatch.undo()
    reset_container_caches()


def test_a_hanging_table_answers_503(
    short_function: pytest.MonkeyPatch,
    hanging_endpoint: str,
    invoke: Callable[..., HttpResult],
) -> None:
    # Given a function whose DynamoDB endpoint accepts connections and never answers
    short_function.setenv("DYNAMODB_ENDPOINT_URL", hanging_endpoint)
    reset_container_caches()

    # When a room is read
    result = invoke(rooms.handler, rest_event("room_get.json"))

    # Then the client gave up within its budget and the caller got a clean 503 error JSON
    assert result.status == 503
    assert result.body["error"]["code"] == "ServiceUnavailable"
    assert _client_settings(get_table().client()) == (
        client_budget(5.0).connect_timeout,
        client_budget(5.0).read_timeout,
        2,
    )


def test_a_hanging_secrets_manager_answers_503_on_a_cursor(
    short_function: pytest.MonkeyPatch,
    hanging_endpoint: str,
    invoke: Callable[..., HttpResult],
) -> None:
    # Given a function whose Secrets Manager endpoint never answers
    short_function.setenv("SECRETS_ENDPOINT_URL", hanging_endpoint)
    reset_container_caches()

    # When a list request brings a cursor, whose check needs the cursor key
    result = invoke(rooms.handler, rest_event("rooms_list.json", query={"cursor": "e30.AAAA"}))

    # Then it is a clean 503 error JSON, not a Lambda timeout
    assert result.status == 503
    assert result.body["error"]["code"] == "ServiceUnavailable"


def test_a_hanging_secrets_manager_is_an_authorizer_fault_not_a_deny(
    short_function: pytest.MonkeyPatch,
    hanging_endpoint: str,
    lambda_context: FakeLambdaContext,
) -> None:
    # Given an authorizer whose Secrets Manager endpoint never answers
    short_function.setenv("SECRETS_ENDPOINT_URL", hanging_endpoint)
    reset_container_caches()

    # When a token arrives
    # Then the authorizer fails fast with a fault (an error metric worth paging on)
    with pytest.raises(keys.SecretUnavailable):
        authorizer.handler(bearer(app_token()), lambda_context)
    client = keys.secrets_provider(keys.secret_region(str(get_settings().token_secret_arn))).client
    assert _client_settings(client)[2] == 2
