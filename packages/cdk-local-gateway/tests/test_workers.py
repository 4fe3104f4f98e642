"""Lambda workers: Runtime API, cold then warm, context, errors, timeouts, isolation."""

from __future__ import annotations

import asyncio
import json
from typing import TYPE_CHECKING, Any

import pytest
from cdk_local_gateway.lambdas.layers import build_layer_folder
from cdk_local_gateway.lambdas.workers import FunctionSpec, InvokeResult, LambdaService

if TYPE_CHECKING:
    from pathlib import Path

HANDLERS = """
import os, sys, time
from decimal import Decimal

CALLS = 0

def echo(event, context):
    global CALLS
    CALLS += 1
    return {
        "event": event,
        "calls": CALLS,
        "pid": os.getpid(),
        "memory": context.memory_limit_in_mb,
        "name": context.function_name,
        "arn": context.invoked_function_arn,
        "request_id": context.aws_request_id,
        "remaining": context.get_remaining_time_in_millis(),
        "env": {k: os.environ.get(k) for k in ("GREETING", "AWS_REGION", "AWS_ENDPOINT_URL",
                "_HANDLER", "AWS_LAMBDA_FUNCTION_MEMORY_SIZE")},
        "decimal": Decimal("1.5"),
        "whole": Decimal("2"),
    }

def fail(event, context):
    raise ValueError("bad input")

def slow(event, context):
    time.sleep(30)

def imports(event, context):
    found = {}
    for name in event["modules"]:
        try:
            __import__(name)
            found[name] = True
        except ImportError:
            found[name] = False
    return found
"""


def spec(
    code: Path, handler: str, *, timeout_s: int = 5, layers: tuple[str, ...] = ()
) -> FunctionSpec:
    return FunctionSpec(
        stack="S",
        logical_id="Fn",
        name=f"S-Fn-{handler}",
        arn=f"arn:aws:lambda:eu-west-1:123456789012:function:S-Fn-{handler}",
        region="eu-west-1",
        handler=handler,
        code_dir=code,
        environment={"GREETING": "hi"},
        memory_mb=256,
        timeout_s=timeout_s,
        runtime="python3.12",
        layer_distributions=layers,
    )


@pytest.fixture
def code(tmp_path: Path) -> Path:
    folder = tmp_path / "asset"
    (folder / "pkg").mkdir(parents=True)
    (folder / "pkg" / "__init__.py").write_text("")
    (folder / "pkg" / "app.py").write_text(HANDLERS)
    return folder


def run(tmp_path: Path, calls: Any, layers: list[str] | None = None) -> Any:
    async def main() -> Any:
        folder = tmp_path / "layer"
        build_layer_folder(folder, layers or [])
        service = LambdaService(
            aws_endpoint="http://127.0.0.1:1", credentials=("AK", "SK"), layer_folder=folder
        )
        await service.start()
        try:
            return await calls(service)
        finally:
            await service.stop()

    return asyncio.run(main())


def payload(result: InvokeResult) -> Any:
    assert result.error is None, result.error
    return json.loads(result.payload)


def test_cold_then_warm_with_context_and_environment(tmp_path: Path, code: Path) -> None:
    # Given a function whose module counts its calls
    fn = spec(code, "pkg.app.echo")

    async def calls(service: LambdaService) -> tuple[Any, Any, int]:
        first = payload(await service.invoke(fn, {"n": 1}))
        second = payload(await service.invoke(fn, {"n": 2}))
        return first, second, service.cold_starts

    # When it is invoked twice in a row
    first, second, cold = run(tmp_path, calls)
    # Then the second call reuses the warm environment
    assert (first["calls"], second["calls"], cold) == (1, 2, 1)
    assert first["pid"] == second["pid"]
    # And the handler saw the event, Lambda's context and its own environment
    assert first["event"] == {"n": 1}
    assert first["memory"] == "256"
    assert first["name"] == fn.name
    assert first["arn"] == fn.arn
    assert 0 < first["remaining"] <= 5000
    assert first["env"] == {
        "GREETING": "hi",
        "AWS_REGION": "eu-west-1",
        "AWS_ENDPOINT_URL": "http://127.0.0.1:1",
        "_HANDLER": "pkg.app.echo",
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "256",
    }
    assert first["request_id"] != second["request_id"]
    # And Decimal is marshalled as a JSON number
    assert (first["decimal"], first["whole"]) == (1.5, 2)


def test_handler_error_body(tmp_path: Path, code: Path) -> None:
    result = run(tmp_path, lambda s: s.invoke(spec(code, "pkg.app.fail"), {}))
    assert result.error["errorMessage"] == "bad input"
    assert result.error["errorType"] == "ValueError"
    assert result.error["requestId"]
    assert any("pkg/app.py" in line for line in result.error["stackTrace"])


def test_missing_module_is_an_import_module_error(tmp_path: Path, code: Path) -> None:
    result = run(tmp_path, lambda s: s.invoke(spec(code, "pkg.nothere.handler"), {}))
    assert result.error["errorType"] == "Runtime.ImportModuleError"
    assert result.error["errorMessage"].startswith("Unable to import module 'pkg.nothere'")


def test_timeout_kills_the_worker(tmp_path: Path, code: Path) -> None:
    fn = spec(code, "pkg.app.slow", timeout_s=1)

    async def calls(service: LambdaService) -> tuple[InvokeResult, int]:
        result = await service.invoke(fn, {})
        return result, len(service._pools[fn.arn])

    result, pool = run(tmp_path, calls)
    assert result.error is not None
    assert result.error["errorType"] == "Sandbox.Timedout"
    assert "Task timed out after 1.00 seconds" in result.error["errorMessage"]
    assert pool == 0


def test_caller_limit_shorter_than_the_function_timeout(tmp_path: Path, code: Path) -> None:
    fn = spec(code, "pkg.app.slow", timeout_s=60)
    result = run(tmp_path, lambda s: s.invoke(fn, {}, caller_limit_s=0.5))
    assert result.caller_timed_out


def test_worker_sees_only_its_layers_and_the_sdk(tmp_path: Path, code: Path) -> None:
    # Given a function with the Powertools layer stand-in
    fn = spec(code, "pkg.app.imports", layers=("aws-lambda-powertools",))
    modules = ["boto3", "aws_lambda_powertools", "aiohttp", "moto", "cdk_local_gateway"]
    found = payload(
        run(tmp_path, lambda s: s.invoke(fn, {"modules": modules}), ["aws-lambda-powertools"])
    )
    # Then the SDK and the layer import, the runtime's own packages do not
    assert found == {
        "boto3": True,
        "aws_lambda_powertools": True,
        "aiohttp": False,
        "moto": False,
        "cdk_local_gateway": False,
    }
