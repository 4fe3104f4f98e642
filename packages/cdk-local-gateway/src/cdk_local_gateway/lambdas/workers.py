"""The Lambda Runtime API server and the pool of worker processes behind each function.

Each execution environment is one ``python -I -S bootstrap.py`` subprocess with the function's
own environment, talking to its own Runtime API listener (so the listener knows who asks).
A worker is started cold on the first invocation that finds no idle one and reused warm after.
A function timeout kills the worker, as Lambda discards a timed-out environment.

Lambda's Init phase (runtime start and handler import) has its own limit, 10 s for an
on-demand environment; the function's timeout covers the invocation only, from the runtime's
first ``next``. An init still running at its limit is retried with the invocation, in a new
environment, under the function's timeout ("suppressed init"): the retried init counts in the
invocation's duration, and a retry that outlasts the timeout is the invocation's timeout.

Lambda runs one execution environment per concurrent request, up to the function's reserved
concurrency (else the account's limit, 1,000 by default). Locally each environment is a
process, so a function has at most ``max_concurrency`` workers (``ReservedConcurrentExecutions``
when the template sets a lower one): an invocation that finds them all busy waits for one
(first come, first served); one still waiting when the function's timeout has elapsed is
refused as a throttled invocation (``TooManyRequestsException``), which is what Lambda answers
a synchronous invocation beyond the function's concurrency.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import socket
import sys
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from aiohttp import web

from cdk_local_gateway.iam.enforcement import IamEnforcement

if TYPE_CHECKING:
    from collections.abc import Callable

    from botocore.credentials import Credentials

    from cdk_local_gateway.iam.roles import RoleDefinition

_BOOTSTRAP = Path(__file__).with_name("bootstrap.py")
_PREFIX = "/2018-06-01/runtime"
#: Workers per function unless the template reserves fewer: enough for the concurrency of a
#: test suite or a demo, few enough that a burst (a thousand sockets closing, each running
#: $disconnect) does not start hundreds of interpreters on one machine.
DEFAULT_MAX_CONCURRENCY = 10
#: Lambda's limit on the Init phase of an on-demand execution environment.
INIT_LIMIT_S = 10.0


@dataclass(frozen=True)
class FunctionSpec:
    """A Lambda function as the template defines it, with its environment resolved."""

    stack: str
    logical_id: str
    name: str
    arn: str
    region: str
    handler: str
    code_dir: Path | None
    environment: dict[str, str]
    memory_mb: int = 128
    timeout_s: int = 3
    runtime: str = ""
    layer_distributions: tuple[str, ...] = ()
    # Why the function cannot run locally (non-Python runtime, unknown layer, unresolvable
    # environment...); invocations are refused with it.
    unavailable: str | None = None
    # Its execution role with the policies the template gives it (None: no role in the
    # assembly; the function then runs with the runtime's own credentials).
    role: RoleDefinition | None = None
    # ReservedConcurrentExecutions (None: not set, the account's unreserved pool).
    reserved_concurrency: int | None = None


@dataclass
class InvokeResult:
    payload: bytes = b""
    error: dict[str, Any] | None = None
    # The caller's own limit (API Gateway's 29 s) elapsed first: the function may still run.
    caller_timed_out: bool = False
    duration_ms: float = 0.0
    # Refused for concurrency (Lambda's TooManyRequestsException): the function never ran.
    throttled: bool = False


@dataclass
class _Invocation:
    request_id: str
    event: bytes
    timeout_s: int
    future: asyncio.Future[InvokeResult]
    # Resolved when the runtime takes the invocation (a new environment's init is then over).
    taken: asyncio.Future[None]
    # When the function's timeout started (time.monotonic()); None until a new environment's
    # runtime takes the invocation.
    clock: float | None = None

    def deadline_ms(self) -> int:
        """Lambda-Runtime-Deadline-Ms: the timeout's end in epoch milliseconds."""
        assert self.clock is not None
        left = self.clock + self.timeout_s - time.monotonic()
        return int((time.time() + left) * 1000)


@dataclass
class _Worker:
    spec: FunctionSpec
    port: int
    site: web.SockSite
    # None wakes a pending `next` of a worker being discarded.
    queue: asyncio.Queue[_Invocation | None] = field(default_factory=asyncio.Queue)
    process: asyncio.subprocess.Process | None = None
    current: _Invocation | None = None
    busy: bool = False
    # The runtime asked for its first invocation: its Init phase is over.
    initialised: bool = False


class LambdaService:
    """Invokes functions through worker processes speaking the Lambda Runtime API.

    Each worker calls the local AWS with a session of its function's execution role (``iam``
    True, the default) or with ``credentials``, the runtime's own (``iam`` False).
    """

    def __init__(
        self,
        *,
        aws_endpoint: str,
        credentials: tuple[str, str],
        layer_folder: Path | None,
        iam: bool = True,
        log: Callable[[str], None] = print,
        iam_endpoint: str | None = None,
        max_concurrency: int = DEFAULT_MAX_CONCURRENCY,
        runtime_api_keepalive_s: float = 75.0,
        init_limit_s: float = INIT_LIMIT_S,
    ) -> None:
        """``max_concurrency``: workers per function at most (see the module's docstring).
        ``runtime_api_keepalive_s``: how long the Runtime API keeps a worker's idle
        connection open (the worker reconnects after a longer handler run).
        ``init_limit_s``: the Init phase's limit (Lambda's 10 s unless a test shortens it)."""
        if max_concurrency < 1:
            raise ValueError("max_concurrency must be at least 1")
        if init_limit_s <= 0:
            raise ValueError("init_limit_s must be positive")
        self.aws_endpoint = aws_endpoint
        self.max_concurrency = max_concurrency
        self.init_limit_s = init_limit_s
        self.credentials = credentials
        self.layer_folder = layer_folder
        # Roles and sessions are set up on the local AWS itself (iam_endpoint), even when the
        # functions reach it through a proxy (aws_endpoint).
        self.iam = IamEnforcement(iam_endpoint or aws_endpoint, credentials, enabled=iam, log=log)
        self._app = web.Application()
        self._app.router.add_get(f"{_PREFIX}/invocation/next", self._next)
        self._app.router.add_post(f"{_PREFIX}/invocation/{{request_id}}/response", self._response)
        self._app.router.add_post(f"{_PREFIX}/invocation/{{request_id}}/error", self._error)
        self._app.router.add_post(f"{_PREFIX}/init/error", self._init_error)
        # Workers long-poll `next`; nothing is left to answer them at shutdown.
        self._runner = web.AppRunner(
            self._app,
            access_log=None,
            shutdown_timeout=0.2,
            keepalive_timeout=runtime_api_keepalive_s,
        )
        self._workers: dict[int, _Worker] = {}
        self._pools: dict[str, list[_Worker]] = {}
        # Workers being started, per function (they count towards its concurrency).
        self._starting: dict[str, int] = {}
        # Invocations waiting for a worker, per function, oldest first: a released worker is
        # handed to the first (None: a worker is gone, start one).
        self._waiting: dict[str, list[asyncio.Future[_Worker | None]]] = {}
        self._stopping = False
        # Invocations under way, referenced while no caller may await them any more.
        self._tasks: set[asyncio.Task[InvokeResult]] = set()
        self._started = False
        self.cold_starts = 0

    async def start(self) -> None:
        await self._runner.setup()
        self._started = True

    async def stop(self) -> None:
        # No worker starts any more; invocations still waiting for one are refused.
        self._stopping = True
        for arn in list(self._waiting):
            while self._hand_over(arn, None):
                pass
        for worker in list(self._workers.values()):
            await self._kill(worker)
        await self.iam.stop()
        if self._started:
            await self._runner.cleanup()

    # -- invocation ---------------------------------------------------------------------------
    async def invoke(
        self, spec: FunctionSpec, event: Any, *, caller_limit_s: float | None = None
    ) -> InvokeResult:
        if spec.unavailable:
            raise RuntimeError(spec.unavailable)
        started = time.monotonic()
        body = json.dumps(event).encode()
        # Waiting for a worker counts against the caller's limit, not the function's timeout.
        wait_limit = float(spec.timeout_s)
        if caller_limit_s is not None:
            wait_limit = min(wait_limit, caller_limit_s)
        worker = await self._acquire(spec, wait_limit)
        if worker is None:
            waited = (time.monotonic() - started) * 1000
            caller_first = caller_limit_s is not None and caller_limit_s < spec.timeout_s
            if caller_first and self.concurrency_of(spec) > 0 and not self._stopping:
                return InvokeResult(caller_timed_out=True, duration_ms=waited)
            return _throttled(spec, waited)
        invocation = self._queue(worker, str(uuid.uuid4()), body)
        # The invocation runs to its end (answer, timeout) whether or not its caller waits.
        run = asyncio.get_running_loop().create_task(self._run(worker, invocation))
        self._tasks.add(run)
        run.add_done_callback(self._tasks.discard)
        if caller_limit_s is None:
            return await asyncio.shield(run)
        left = max(caller_limit_s - (time.monotonic() - started), 0.0)
        try:
            return await asyncio.wait_for(asyncio.shield(run), left)
        except TimeoutError:
            # The function goes on; its worker becomes idle when it answers (or is discarded
            # at its timeout), as Lambda's does when API Gateway gives up.
            return InvokeResult(
                caller_timed_out=True, duration_ms=(time.monotonic() - started) * 1000
            )

    async def _run(self, worker: _Worker, invocation: _Invocation) -> InvokeResult:
        """``invocation`` on ``worker``: its Init phase first if the worker is new, then the
        function's timeout; releases the worker after, or discards it on a timeout."""
        if invocation.clock is None and not await self._init_phase(invocation):
            # Init outlasted its limit: Lambda resets the environment and retries init with
            # this invocation, under the function's timeout.
            retry = time.monotonic()
            fresh = await self._reinitialise(worker)
            if fresh is None:
                return _timed_out(invocation.request_id, worker.spec.timeout_s, retry)
            worker = fresh
            invocation = self._queue(worker, invocation.request_id, invocation.event, retry)
        clock = invocation.clock if invocation.clock is not None else time.monotonic()
        left = max(clock + worker.spec.timeout_s - time.monotonic(), 0.0)
        try:
            result = await asyncio.wait_for(asyncio.shield(invocation.future), left)
        except TimeoutError:
            await self._kill(worker)
            return _timed_out(invocation.request_id, worker.spec.timeout_s, clock)
        self._release(worker)
        result.duration_ms = (time.monotonic() - clock) * 1000
        return result

    def _queue(
        self, worker: _Worker, request_id: str, event: bytes, clock: float | None = None
    ) -> _Invocation:
        """Hand an invocation to ``worker``'s runtime (it takes it with its next ``next``).
        ``clock``: when the function's timeout started; by default now for a warm
        environment, and at the end of its init for a new one."""
        if clock is None and worker.initialised:
            clock = time.monotonic()
        loop = asyncio.get_running_loop()
        invocation = _Invocation(
            request_id,
            event,
            worker.spec.timeout_s,
            loop.create_future(),
            loop.create_future(),
            clock,
        )
        worker.current = invocation
        worker.queue.put_nowait(invocation)
        return invocation

    async def _init_phase(self, invocation: _Invocation) -> bool:
        """Whether a new environment's init ends within the limit (its runtime takes
        ``invocation``, or exits, which answers it)."""
        await asyncio.wait(
            (invocation.taken, invocation.future),
            timeout=self.init_limit_s,
            return_when=asyncio.FIRST_COMPLETED,
        )
        return invocation.taken.done() or invocation.future.done()

    async def _reinitialise(self, worker: _Worker) -> _Worker | None:
        """A new environment in ``worker``'s place, its slot kept meanwhile (None: the
        service is stopping)."""
        arn = worker.spec.arn
        pool = self._pools.setdefault(arn, [])
        self._starting[arn] = self._starting.get(arn, 0) + 1
        try:
            # Out of the pool first, so that its end hands its slot to no waiting invocation;
            # its runtime must not take the invocation while it is being killed.
            if worker in pool:
                pool.remove(worker)
            while not worker.queue.empty():
                worker.queue.get_nowait()
            worker.current = None
            await self._kill(worker)
            if self._stopping:
                return None
            fresh = await self._spawn(worker.spec)
        finally:
            self._starting[arn] -= 1
        pool.append(fresh)
        fresh.busy = True
        return fresh

    def concurrency_of(self, spec: FunctionSpec) -> int:
        """How many workers ``spec`` may have at once."""
        if spec.reserved_concurrency is not None:
            return min(spec.reserved_concurrency, self.max_concurrency)
        return self.max_concurrency

    def _release(self, worker: _Worker) -> None:
        worker.current = None
        alive = worker.process is not None and worker.process.returncode is None
        # Straight to the oldest waiting invocation: it stays busy.
        if alive and self._hand_over(worker.spec.arn, worker):
            return
        worker.busy = False

    def _hand_over(self, arn: str, worker: _Worker | None) -> bool:
        """Wake the oldest invocation waiting for ``arn`` with ``worker`` (None: a slot is
        free, start a worker). False when none waits."""
        waiting = self._waiting.get(arn, [])
        while waiting:
            future = waiting.pop(0)
            if not future.done():
                future.set_result(worker)
                return True
        return False

    async def _acquire(self, spec: FunctionSpec, wait_limit_s: float) -> _Worker | None:
        """An idle worker of ``spec``, a new one while under its concurrency, else the first
        one released within ``wait_limit_s`` (None: none was)."""
        pool = self._pools.setdefault(spec.arn, [])
        idle = _idle_worker(pool)
        if idle is not None:
            idle.busy = True
            return idle
        limit = self.concurrency_of(spec)
        if self._stopping or limit == 0:
            return None
        if len(pool) + self._starting.get(spec.arn, 0) >= limit:
            handed = await self._wait_for_release(spec.arn, wait_limit_s)
            if handed is _EXPIRED or self._stopping:
                if isinstance(handed, _Worker):
                    self._release(handed)
                return None
            if handed is not None:
                return handed
            # A worker went away: its slot is this invocation's.
        self._starting[spec.arn] = self._starting.get(spec.arn, 0) + 1
        try:
            worker = await self._spawn(spec)
        finally:
            self._starting[spec.arn] -= 1
        pool.append(worker)
        worker.busy = True
        return worker

    async def _wait_for_release(self, arn: str, wait_limit_s: float) -> _Worker | None:
        """What a release hands this waiter within ``wait_limit_s``: a worker, ``None`` (a
        worker went away, its slot is free) or ``_EXPIRED``."""
        loop = asyncio.get_running_loop()
        future: asyncio.Future[_Worker | None] = loop.create_future()
        waiting = self._waiting.setdefault(arn, [])
        waiting.append(future)
        # Expiry resolves the future itself (not wait_for's cancellation), so a worker
        # handed over at the same moment is never lost.
        timer = loop.call_later(wait_limit_s, _expire, future)
        try:
            return await future
        except asyncio.CancelledError:
            if future.done() and not future.cancelled():
                found = future.result()
                if isinstance(found, _Worker):
                    self._release(found)
            raise
        finally:
            timer.cancel()
            if future in waiting:
                waiting.remove(future)

    async def _spawn(self, spec: FunctionSpec) -> _Worker:
        sock = socket.socket()
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
        site = web.SockSite(self._runner, sock)
        await site.start()
        worker = _Worker(spec=spec, port=port, site=site)
        self._workers[port] = worker
        env = self._environment(spec, port, await self.iam.function_credentials(spec))
        worker.process = await asyncio.create_subprocess_exec(
            sys.executable, "-I", "-S", str(_BOOTSTRAP), env=env, cwd=str(spec.code_dir or "/")
        )
        self.cold_starts += 1
        asyncio.get_running_loop().create_task(self._watch(worker))
        return worker

    async def environment_of(self, spec: FunctionSpec) -> dict[str, str]:
        """The environment a new worker of ``spec`` gets (with its role session's keys)."""
        return self._environment(spec, 0, await self.iam.function_credentials(spec))

    def _environment(
        self, spec: FunctionSpec, port: int, role: Credentials | None = None
    ) -> dict[str, str]:
        key_id, secret = self.credentials
        token = ""
        if role is not None:
            key_id, secret, token = role.access_key, role.secret_key, role.token or ""
        env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "LANG": "en_US.UTF-8",
            "TZ": ":UTC",
            **spec.environment,
            "AWS_ENDPOINT_URL": self.aws_endpoint,
            "AWS_ACCESS_KEY_ID": key_id,
            "AWS_SECRET_ACCESS_KEY": secret,
            "AWS_SESSION_TOKEN": token,
            "AWS_REGION": spec.region,
            "AWS_DEFAULT_REGION": spec.region,
            "AWS_LAMBDA_FUNCTION_NAME": spec.name,
            "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(spec.memory_mb),
            "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
            "AWS_LAMBDA_LOG_GROUP_NAME": f"/aws/lambda/{spec.name}",
            "AWS_LAMBDA_LOG_STREAM_NAME": f"local/{uuid.uuid4().hex}",
            "AWS_LAMBDA_INITIALIZATION_TYPE": "on-demand",
            "AWS_EXECUTION_ENV": f"AWS_Lambda_{spec.runtime}",
            "AWS_LAMBDA_RUNTIME_API": f"127.0.0.1:{port}",
            "LAMBDA_TASK_ROOT": str(spec.code_dir or ""),
            "LAMBDA_RUNTIME_DIR": str(_BOOTSTRAP.parent),
            "_HANDLER": spec.handler,
            "LOCAL_GATEWAY_LAYERS": str(self.layer_folder or ""),
        }
        if not token:
            del env["AWS_SESSION_TOKEN"]
        return env

    async def _watch(self, worker: _Worker) -> None:
        assert worker.process is not None
        code = await worker.process.wait()
        invocation = worker.current
        if invocation is not None and not invocation.future.done():
            invocation.future.set_result(
                InvokeResult(
                    error={
                        "errorMessage": (
                            f"RequestId: {invocation.request_id} Error: Runtime exited with error: "
                            f"exit status {code}"
                        ),
                        "errorType": "Runtime.ExitError",
                        "requestId": invocation.request_id,
                        "stackTrace": [],
                    }
                )
            )
        await self._forget(worker)

    async def _forget(self, worker: _Worker) -> None:
        worker.queue.put_nowait(None)
        self._workers.pop(worker.port, None)
        pool = self._pools.get(worker.spec.arn, [])
        if worker in pool:
            pool.remove(worker)
            # Its slot is free: the oldest waiting invocation starts a worker in it.
            self._hand_over(worker.spec.arn, None)
        with contextlib.suppress(Exception):
            await worker.site.stop()

    async def _kill(self, worker: _Worker) -> None:
        if worker.process is not None and worker.process.returncode is None:
            worker.process.kill()
            await worker.process.wait()
        await self._forget(worker)

    # -- Runtime API --------------------------------------------------------------------------
    def _worker_of(self, request: web.Request) -> _Worker:
        sockname = request.transport.get_extra_info("sockname") if request.transport else None
        worker = self._workers.get(sockname[1]) if sockname else None
        if worker is None:
            raise web.HTTPNotFound(text="unknown execution environment")
        return worker

    async def _next(self, request: web.Request) -> web.Response:
        worker = self._worker_of(request)
        worker.initialised = True
        invocation = await worker.queue.get()
        if invocation is None:
            discarded = {"errorMessage": "execution environment discarded"}
            return web.json_response(discarded, status=410)
        if invocation.clock is None:
            # The end of a new environment's init: the function's timeout starts.
            invocation.clock = time.monotonic()
        if not invocation.taken.done():
            invocation.taken.set_result(None)
        return web.Response(
            body=invocation.event,
            content_type="application/json",
            headers={
                "Lambda-Runtime-Aws-Request-Id": invocation.request_id,
                "Lambda-Runtime-Deadline-Ms": str(invocation.deadline_ms()),
                "Lambda-Runtime-Invoked-Function-Arn": worker.spec.arn,
                "Lambda-Runtime-Trace-Id": (
                    f"Root=1-{int(time.time()):08x}-{uuid.uuid4().hex[:24]};Sampled=0"
                ),
            },
        )

    def _settle(self, request: web.Request, result: InvokeResult) -> web.Response:
        worker = self._worker_of(request)
        invocation = worker.current
        if invocation is None or invocation.request_id != request.match_info.get(
            "request_id", invocation.request_id
        ):
            return web.json_response({"errorMessage": "Invalid request ID"}, status=400)
        if not invocation.future.done():
            invocation.future.set_result(result)
        return web.json_response({"status": "OK"}, status=202)

    async def _response(self, request: web.Request) -> web.Response:
        return self._settle(request, InvokeResult(payload=await request.read()))

    async def _error(self, request: web.Request) -> web.Response:
        body = await request.read()
        try:
            error = json.loads(body)
        except ValueError:
            error = {"errorMessage": body.decode(errors="replace"), "errorType": "Unhandled"}
        return self._settle(request, InvokeResult(error=error))

    async def _init_error(self, request: web.Request) -> web.Response:
        return await self._error(request)


class _Expired:
    """The result of a wait for a worker that ran out of time."""


_EXPIRED: Any = _Expired()


def _idle_worker(pool: list[_Worker]) -> _Worker | None:
    """The first worker of ``pool`` neither busy nor exited."""
    for worker in pool:
        if not worker.busy and worker.process is not None and worker.process.returncode is None:
            return worker
    return None


def _expire(future: asyncio.Future[Any]) -> None:
    if not future.done():
        future.set_result(_EXPIRED)


def _timed_out(request_id: str, timeout_s: int, clock: float) -> InvokeResult:
    """What Lambda answers an invocation that outlasted the function's timeout (``clock``:
    when that timeout started)."""
    return InvokeResult(
        error={
            "errorMessage": (
                f"RequestId: {request_id} Error: "
                f"Task timed out after {float(timeout_s):.2f} seconds"
            ),
            "errorType": "Sandbox.Timedout",
            "requestId": request_id,
            "stackTrace": [],
        },
        duration_ms=(time.monotonic() - clock) * 1000,
    )


def _throttled(spec: FunctionSpec, waited_ms: float) -> InvokeResult:
    """What Lambda answers a synchronous invocation beyond the function's concurrency."""
    return InvokeResult(
        error={
            "errorMessage": "Rate Exceeded.",
            "errorType": "TooManyRequestsException",
            "Reason": (
                "ReservedFunctionConcurrentInvocationLimitExceeded"
                if spec.reserved_concurrency is not None
                else "ConcurrentInvocationLimitExceeded"
            ),
        },
        throttled=True,
        duration_ms=waited_ms,
    )
