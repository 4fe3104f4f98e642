"""Every function of the app knows its own timeout: the clients' time budgets
(``lambda/shared/budget.py``) are derived from ``FUNCTION_TIMEOUT_SECONDS``, and a function
without it is budgeted as a 10 s one whatever its real timeout."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from tests.infra.templates import StackTemplates

#: Handlers of this app's code (the CDK's own custom-resource providers run other code).
APP_HANDLER_PREFIX = "handlers."


def test_every_function_is_told_its_timeout_in_whole_seconds(stacks: StackTemplates) -> None:
    # Given every Lambda function of the app that runs the app's handlers
    functions = [
        (f"{path}/{logical_id}", function["Properties"])
        for path in stacks
        for logical_id, function in stacks.resources(path, "AWS::Lambda::Function").items()
        if function["Properties"]["Handler"].startswith(APP_HANDLER_PREFIX)
    ]
    assert functions
    # Then its environment states the timeout its budgets must fit in
    for name, properties in functions:
        variables = properties.get("Environment", {}).get("Variables", {})
        assert variables.get("FUNCTION_TIMEOUT_SECONDS") == str(properties["Timeout"]), name


def test_the_longer_timeouts_are_among_them(stacks: StackTemplates) -> None:
    # Given the functions whose timeout is not the 10 s default
    send = stacks.function("Prod/EuWest1/WebSocketApi", "handlers.ws.send.handler")[1]
    consumer = stacks.function("Dev/EuWest1/RestApi", "handlers.rest.ingest_consumer.handler")[1]
    # Then each is budgeted on its own timeout, not the default
    assert send["Properties"]["Environment"]["Variables"]["FUNCTION_TIMEOUT_SECONDS"] == "28"
    assert consumer["Properties"]["Environment"]["Variables"]["FUNCTION_TIMEOUT_SECONDS"] == "30"
