"""Lambda workers: Runtime API, cold then warm, context, errors, timeouts, init, isolation."""

from __future__ import annotations

import asyncio
import json
from dataclasses import replace
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

def nap(event, context):
    time.sleep(event["seconds"])
    return {"pid": os.getpid(), "n": event.get("n")}

def hold(event, context):
    # Runs until the test opens its gate (a file), so the test, not a clock, decides how
    # long each invocation keeps the worker busy.
    gate = event["gate"]
    open(gate + ".started", "w").close()
    deadline = time.monotonic() + 120
    while not os.path.exists(gate) and time.monotonic() < deadline:
        time.sleep(0.01)
    return {"pid": os.getpid(), "n": event.get("n")}

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

# A module whose import (Lambda's Function init) takes INIT_SECONDS and logs each run of it.
SLOW_INIT = """
import os, time

with open(os.environ["INIT_LOG"], "a") as log:
    log.write(f"{os.getpid()}\\n")
time.sleep(float(os.environ["INIT_SECONDS"]))

def answer(event, context):
    return {"pid": os.getpid(), "remaining": context.get_remaining_time_in_millis()}

def slow(event, context):
    time.sleep(30)
"""


def spec(
    code: Path,
    handler: str,
    *,
    timeout_s: int = 5,
    layers: tuple[str, ...] = (),
    reserved: int | None = None,
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
        reserved_concurrency=reserved,
    )


@pytest.fixture
def code(tmp_path: Path) -> Path:
    folder = tmp_path / "asset"
    (folder / "pkg").mkdir(parents=True)
    (folder / "pkg" / "__init__.py").write_text("")
    (folder / "pkg" / "app.py").write_text(HANDLERS)
    (folder / "pkg" / "slow_init.py").write_text(SLOW_INIT)
    return folder


def run(tmp_path: Path, calls: Any, layers: list[str] | None = None, **options: Any) -> Any:
    async def main() -> Any:
        folder = tmp_path / "layer"
        build_layer_folder(folder, layers or [])
        service = LambdaService(
            aws_endpoint="http://127.0.0.1:1",
            credentials=("AK", "SK"),
            layer_folder=folder,
            **options,
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


def invoke_once(tmp_path: Path, fn: FunctionSpec, **options: Any) -> tuple[InvokeResult, int, int]:
    """One invocation of ``fn`` on a new service (``options`` go to ``LambdaService``): its
    result, then the function's workers and the service's cold starts after it."""

    async def calls(service: LambdaService) -> tuple[InvokeResult, int, int]:
        result = await service.invoke(fn, {})
        return result, len(service._pools[fn.arn]), service.cold_starts

    outcome: tuple[InvokeResult, int, int] = run(tmp_path, calls, **options)
    return outcome


def assert_timed_out(result: InvokeResult, timeout_s: int) -> None:
    """``result`` is Lambda's answer to an invocation past the function's timeout."""
    assert result.error is not None
    assert result.error["errorType"] == "Sandbox.Timedout"
    assert f"Task timed out after {timeout_s:.2f} seconds" in result.error["errorMessage"]


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
    result, pool, _ = invoke_once(tmp_path, fn)
    assert_timed_out(result, 1)
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


def test_concurrent_invocations_beyond_the_cap_wait_for_a_worker(
    tmp_path: Path, code: Path
) -> None:
    # Given a function allowed two execution environments
    fn = spec(code, "pkg.app.nap", timeout_s=20)

    async def calls(service: LambdaService) -> tuple[list[InvokeResult], int, int]:
        most = 0

        async def watch() -> None:
            nonlocal most
            while True:
                most = max(most, len(service._pools.get(fn.arn, [])))
                await asyncio.sleep(0.01)

        watcher = asyncio.create_task(watch())
        # When five invocations arrive at once
        results = await asyncio.gather(
            *(service.invoke(fn, {"seconds": 0.3, "n": n}) for n in range(5))
        )
        watcher.cancel()
        return list(results), service.cold_starts, most

    results, cold, most = run(tmp_path, calls, max_concurrency=2)
    # Then every one is answered, by one of two workers only
    answers = [payload(r) for r in results]
    assert [a["n"] for a in answers] == [0, 1, 2, 3, 4]
    assert len({a["pid"] for a in answers}) == 2
    assert (cold, most) == (2, 2)


async def _started(gate: Path) -> None:
    """Until the ``hold`` invocation behind ``gate`` runs (bounded, so a broken worker fails
    the test instead of hanging it)."""
    marker = gate.with_name(gate.name + ".started")
    for _ in range(6000):
        if marker.exists():
            return
        await asyncio.sleep(0.01)
    raise AssertionError(f"the invocation behind {gate.name} never started")


def test_an_invocation_waiting_longer_than_the_timeout_is_throttled(
    tmp_path: Path, code: Path
) -> None:
    # Given a function with one execution environment and a 10 s timeout (far longer than
    # a worker's cold start, however loaded the machine), whose calls run until released
    fn = spec(code, "pkg.app.hold", timeout_s=10)
    gates = [tmp_path / f"gate-{n}" for n in range(3)]

    async def calls(service: LambdaService) -> list[InvokeResult]:
        # When three invocations arrive at once (the first takes the one worker, the other
        # two wait in order) and the first is released as soon as it runs
        pending = [
            asyncio.create_task(service.invoke(fn, {"gate": str(g), "n": n}))
            for n, g in enumerate(gates)
        ]
        await _started(gates[0])
        gates[0].touch()
        first = await pending[0]
        # while the second keeps the worker until the third has waited out the timeout
        third = await pending[2]
        gates[1].touch()
        second = await pending[1]
        return [first, second, third]

    first, second, third = run(tmp_path, calls, max_concurrency=1)
    # Then the first and second are answered by the one worker, and the third, still
    # waiting when the timeout elapsed, is refused as Lambda refuses an invocation beyond
    # the function's concurrency (it never ran)
    assert payload(first)["n"] == 0
    assert payload(second)["n"] == 1
    assert not second.throttled
    assert third.throttled
    assert third.error is not None
    assert third.error["errorType"] == "TooManyRequestsException"
    assert third.error["Reason"] == "ConcurrentInvocationLimitExceeded"
    assert not gates[2].with_name("gate-2.started").exists()


def test_reserved_concurrency_lowers_the_cap_and_zero_refuses_every_invocation(
    tmp_path: Path, code: Path
) -> None:
    # Given functions that reserve 1 and 0 concurrent executions
    one = spec(code, "pkg.app.nap", reserved=1)
    none = spec(code, "pkg.app.echo", reserved=0)

    async def calls(service: LambdaService) -> tuple[int, int, InvokeResult, int]:
        refused = await service.invoke(none, {})
        return (
            service.concurrency_of(one),
            service.concurrency_of(none),
            refused,
            (service.cold_starts),
        )

    cap_one, cap_none, refused, cold = run(tmp_path, calls, max_concurrency=4)
    assert (cap_one, cap_none) == (1, 0)
    # Then the function reserving none is throttled at once, and no worker starts
    assert refused.throttled
    assert refused.error is not None
    assert refused.error["Reason"] == "ReservedFunctionConcurrentInvocationLimitExceeded"
    assert cold == 0


def test_a_handler_outlasting_the_runtime_api_keepalive_still_answers(
    tmp_path: Path, code: Path
) -> None:
    # Given a Runtime API that closes a worker's idle connection after 0.2 s
    fn = spec(code, "pkg.app.nap")

    async def calls(service: LambdaService) -> tuple[Any, Any, int]:
        # When the handler runs longer than that, twice
        first = payload(await service.invoke(fn, {"seconds": 0.6, "n": 1}))
        second = payload(await service.invoke(fn, {"seconds": 0.6, "n": 2}))
        return first, second, service.cold_starts

    first, second, cold = run(tmp_path, calls, runtime_api_keepalive_s=0.2)
    # Then the worker reconnects to answer, and stays the one warm worker
    assert (first["n"], second["n"]) == (1, 2)
    assert first["pid"] == second["pid"]
    assert cold == 1


def test_the_cli_default_concurrency_is_the_runtime_default() -> None:
    from cdk_local_gateway import cli
    from cdk_local_gateway.lambdas import workers

    assert cli.DEFAULT_MAX_CONCURRENCY == workers.DEFAULT_MAX_CONCURRENCY


def slow_init(
    code: Path, log: Path, handler: str, *, init_s: float, timeout_s: int
) -> FunctionSpec:
    """A function of ``pkg.slow_init`` whose import sleeps ``init_s`` seconds."""
    fn = spec(code, f"pkg.slow_init.{handler}", timeout_s=timeout_s)
    return replace(
        fn, environment={**fn.environment, "INIT_SECONDS": str(init_s), "INIT_LOG": str(log)}
    )


def inits(log: Path) -> int:
    """How many times the module's init ran."""
    return len(log.read_text().split())


def test_a_cold_start_importing_longer_than_the_timeout_answers_within_it(
    tmp_path: Path, code: Path
) -> None:
    # Given a function with a 1 s timeout whose module takes 1.5 s to import (well within
    # Lambda's 10 s init phase, which the function's timeout does not cover)
    log = tmp_path / "inits"
    fn = slow_init(code, log, "answer", init_s=1.5, timeout_s=1)

    async def calls(service: LambdaService) -> tuple[InvokeResult, InvokeResult, int]:
        # When it is invoked cold, then warm
        return await service.invoke(fn, {}), await service.invoke(fn, {}), service.cold_starts

    first, second, cold = run(tmp_path, calls)
    # Then the cold invocation answers: its timeout starts once init is done, so the handler
    # is given (almost) all of its second, and its duration leaves out the 1.5 s import
    answer = payload(first)
    assert 0 < answer["remaining"] <= 1000
    assert first.duration_ms < 1500
    # And the warm one reuses the environment, initialised once
    assert payload(second)["pid"] == answer["pid"]
    assert (cold, inits(log)) == (1, 1)


def test_an_invocation_outlasting_the_timeout_after_a_slow_init_times_out(
    tmp_path: Path, code: Path
) -> None:
    # Given a function with a 1 s timeout, a 1.5 s import and a handler that runs 30 s
    fn = slow_init(code, tmp_path / "inits", "slow", init_s=1.5, timeout_s=1)
    result, pool, _ = invoke_once(tmp_path, fn)
    # Then the invocation times out after the function's timeout, as Lambda reports it, and
    # its environment is discarded
    assert_timed_out(result, 1)
    assert pool == 0


def test_an_init_beyond_the_init_limit_is_retried_within_the_function_timeout(
    tmp_path: Path, code: Path
) -> None:
    # Given an init phase limited to 1 s (Lambda's is 10 s) and a function whose module takes
    # 1.5 s to import, with a 10 s timeout
    log = tmp_path / "inits"
    fn = slow_init(code, log, "answer", init_s=1.5, timeout_s=10)
    result, _, cold = invoke_once(tmp_path, fn, init_limit_s=1.0)
    # Then, as Lambda does, the environment is reset and its init runs again at the
    # invocation, under the function's timeout: it completes and the handler answers
    assert payload(result)["remaining"] > 0
    assert (cold, inits(log)) == (2, 2)
    # And the retried init counts in the invocation's duration
    assert result.duration_ms >= 1500


def test_an_init_beyond_the_init_limit_and_the_timeout_times_out(
    tmp_path: Path, code: Path
) -> None:
    # Given an init phase limited to 1 s and a function whose module takes 1.5 s to import,
    # with a 1 s timeout
    log = tmp_path / "inits"
    fn = slow_init(code, log, "answer", init_s=1.5, timeout_s=1)
    result, pool, cold = invoke_once(tmp_path, fn, init_limit_s=1.0)
    # Then the retried init outlasts the function's timeout: the invocation times out as
    # Lambda reports it (Sandbox.Timedout) and the environment is discarded
    assert_timed_out(result, 1)
    assert (pool, cold) == (0, 2)


def test_an_init_retried_past_its_limit_keeps_its_concurrency_slot(
    tmp_path: Path, code: Path
) -> None:
    # Given one execution environment, an init phase limited to 1 s and a function whose
    # module takes 1.5 s to import
    log = tmp_path / "inits"
    fn = slow_init(code, log, "answer", init_s=1.5, timeout_s=10)

    async def calls(service: LambdaService) -> tuple[list[InvokeResult], int, int]:
        most = 0

        async def watch() -> None:
            nonlocal most
            while True:
                pool = service._pools.get(fn.arn, [])
                most = max(most, len(pool) + service._starting.get(fn.arn, 0))
                await asyncio.sleep(0.01)

        watcher = asyncio.create_task(watch())
        # When two invocations arrive at once (the first's init is retried)
        results = await asyncio.gather(service.invoke(fn, {}), service.invoke(fn, {}))
        watcher.cancel()
        return list(results), service.cold_starts, most

    (first, second), cold, most = run(tmp_path, calls, max_concurrency=1, init_limit_s=1.0)
    # Then the retry takes the first's slot: the second waits for that environment, and no
    # other starts
    assert payload(first)["pid"] == payload(second)["pid"]
    assert (cold, inits(log), most) == (2, 2, 1)


def test_a_function_whose_caller_gave_up_runs_on_and_frees_its_worker(
    tmp_path: Path, code: Path
) -> None:
    # Given a function with one execution environment whose calls run until released
    fn = spec(code, "pkg.app.hold", timeout_s=10)
    gates = [tmp_path / "gate-0", tmp_path / "gate-1"]
    gates[1].touch()

    async def calls(service: LambdaService) -> tuple[InvokeResult, InvokeResult, int]:
        # When its caller gives up on the first call before it is released
        gone = await service.invoke(fn, {"gate": str(gates[0]), "n": 0}, caller_limit_s=0.2)
        await _started(gates[0])
        gates[0].touch()
        # Then the call still runs to its answer, and its worker serves the next call
        second = await service.invoke(fn, {"gate": str(gates[1]), "n": 1})
        return gone, second, service.cold_starts

    gone, second, cold = run(tmp_path, calls, max_concurrency=1)
    assert gone.caller_timed_out
    assert payload(second)["n"] == 1
    assert cold == 1


def test_a_function_whose_caller_gave_up_is_discarded_at_its_timeout(
    tmp_path: Path, code: Path
) -> None:
    # Given a function with a 1 s timeout whose handler runs 30 s
    fn = spec(code, "pkg.app.slow", timeout_s=1)

    async def calls(service: LambdaService) -> tuple[InvokeResult, int]:
        # When its caller gives up first
        gone = await service.invoke(fn, {}, caller_limit_s=0.2)
        # Then its environment is discarded at the function's timeout (bounded wait)
        for _ in range(3000):
            if not service._pools[fn.arn]:
                break
            await asyncio.sleep(0.01)
        return gone, len(service._pools[fn.arn])

    gone, pool = run(tmp_path, calls)
    assert gone.caller_timed_out
    assert pool == 0
