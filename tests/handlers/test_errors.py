"""How failures the client did not cause are answered: throttling, unexpected exceptions,
and CORS on error responses."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest

import pydynamodel
from domain.auth.keys import SecretUnavailable
from domain.errors import PreconditionRequired
from domain.runtime import install_table
from handlers.rest import api, rooms
from tests.handlers.conftest import call, rest_event

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

    from aws_lambda_powertools.event_handler import Response

    from tests.conftest import FakeLambdaContext
    from tests.handlers.conftest import HttpResult


class FailingTable:
    """Stands in for the container's table and fails every read with ``error``."""

    name = "failing"

    def __init__(self, error: Exception) -> None:
        self.error = error

    def find(self, model: type[Any], **key: Any) -> Any:
        raise self.error


@pytest.fixture
def failing_table(aws_env: dict[str, str]) -> Iterator[Callable[[Exception], None]]:
    def install(error: Exception) -> None:
        install_table(FailingTable(error))  # type: ignore[arg-type]

    yield install
    install_table(None)  # the next request rebuilds the real table from the environment


def test_library_throttling_is_429(
    failing_table: Callable[[Exception], None], invoke: Callable[..., HttpResult]
) -> None:
    # Given a table that is throttling
    failing_table(pydynamodel.Throttled("slow down"))

    # When a room is read
    result = invoke(rooms.handler, rest_event("room_get.json"))

    # Then the client is told to retry later
    assert result.status == 429
    assert result.body["error"]["code"] == "Throttled"


@pytest.mark.parametrize(
    "error",
    [
        pytest.param(pydynamodel.ServiceUnavailable("read timed out"), id="table unavailable"),
        pytest.param(SecretUnavailable("cannot read the cursor_key secret"), id="secret"),
    ],
)
def test_an_unavailable_dependency_is_503(
    error: Exception,
    failing_table: Callable[[Exception], None],
    invoke: Callable[..., HttpResult],
) -> None:
    # Given a dependency that failed or timed out within the client's time budget
    failing_table(error)

    # When a room is read
    result = invoke(rooms.handler, rest_event("room_get.json"))

    # Then the client is told to retry (503), without the dependency's details
    assert result.status == 503
    assert result.body["error"]["code"] == "ServiceUnavailable"
    assert "timed out" not in str(result.body)
    assert "cursor_key" not in str(result.body)


def test_unexpected_exception_is_500_without_stack_trace(
    failing_table: Callable[[Exception], None], invoke: Callable[..., HttpResult]
) -> None:
    # Given a bug deep inside the data layer
    failing_table(RuntimeError("secret internals at 0xdeadbeef"))

    # When a room is read
    result = invoke(rooms.handler, rest_event("room_get.json"))

    # Then the answer is the generic error JSON, revealing nothing
    assert result.status == 500
    assert result.body["error"]["code"] == "InternalError"
    assert result.body["error"]["message"] == "internal error"
    assert "0xdeadbeef" not in str(result.body)


def test_errors_carry_cors_headers_for_a_configured_origin(
    monkeypatch: pytest.MonkeyPatch, lambda_context: FakeLambdaContext
) -> None:
    # Given a resolver built with two allowed origins
    monkeypatch.setenv("CORS_ALLOW_ORIGINS", "https://app.example.com,https://admin.example.com")
    app = api.build_resolver()

    def boom() -> Response[Any]:
        raise PreconditionRequired("needed")

    app.get("/boom")(boom)
    event = rest_event(
        "room_get.json", path="/boom", headers={"Origin": "https://admin.example.com"}
    )

    # When a request from the second origin fails
    result = call(app.resolve, event, lambda_context)

    # Then the error response allows that origin
    assert result.status == 428
    assert result.headers["Access-Control-Allow-Origin"] == "https://admin.example.com"
