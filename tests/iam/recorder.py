"""Records the AWS calls each Lambda handler makes while the handler tests run it.

Four patches, installed once per process by the handler test packages' conftests:

- every ``handler`` function of the ``handlers`` package is wrapped so that a context variable
  names the running handler (``handlers.rest.rooms.handler``, as the function's ``Handler``
  property does), however a test calls it;
- ``ThreadPoolExecutor.submit`` runs each task in a copy of the submitter's context while a
  handler runs, so calls from a handler's thread pool (broadcast, parallel scans) are its own,
  even when they finish after the handler returned;
- ``botocore.client.BaseClient._make_api_call``, which every operation of every client of every
  session passes through with its API parameters (the code makes its own sessions, so an event
  handler on the default session would miss them), records the call's accesses
  (:func:`tests.iam.actions.accesses_of`) against the running handler;
- ``domain.realtime.management_api.ManagementApi.post_to_connection``, the broadcast's own
  client of the management API (it signs and sends without botocore's client), records
  ``PostToConnection`` the same way.

A call is recorded only when the first frame of this repository's code on its stack is the
Lambda code: a test's fake or hook that calls AWS from inside a handler is the test's call.
"""

from __future__ import annotations

import contextvars
import functools
import importlib
import os
import pkgutil
import sys
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tests.iam.actions import Access, accesses_of

if TYPE_CHECKING:
    from collections.abc import Callable
    from concurrent.futures import Future
    from types import FrameType

ROOT = Path(__file__).resolve().parents[2]
LAMBDA_CODE = str(ROOT / "lambda") + os.sep
TEST_CODE = str(ROOT / "tests") + os.sep
THIS_PACKAGE = str(Path(__file__).parent) + os.sep

_handler: contextvars.ContextVar[str | None] = contextvars.ContextVar("iam_handler", default=None)
_lock = threading.Lock()
_installed = False

#: ``{(handler, access): the first test that recorded it}`` for this process.
RECORDS: dict[tuple[str, Access], str] = {}
#: The test running now (set by :mod:`tests.iam.plugin`), to say where a call was seen.
current_test = "?"


def running_handler() -> str | None:
    return _handler.get()


def record(handler: str, accesses: list[Access]) -> None:
    with _lock:
        for access in accesses:
            RECORDS.setdefault((handler, access), current_test)


def made_by_lambda_code(frame: FrameType | None) -> bool:
    """Whether the innermost frame of this repository's code on the stack is Lambda code (a
    stack of library frames only, such as a pool thread's, counts as the handler's)."""
    while frame is not None:
        filename = frame.f_code.co_filename
        if filename.startswith(LAMBDA_CODE):
            return True
        if filename.startswith(TEST_CODE) and not filename.startswith(THIS_PACKAGE):
            return False
        frame = frame.f_back
    return True


def recording(handler_name: str, function: Callable[..., Any]) -> Callable[..., Any]:
    """``function`` run with ``handler_name`` as the running handler."""

    @functools.wraps(function)
    def run(*args: Any, **kwargs: Any) -> Any:
        token = _handler.set(handler_name)
        try:
            return function(*args, **kwargs)
        finally:
            _handler.reset(token)

    run.__dict__["__iam_recorded__"] = True
    return run


def _wrap_handlers() -> None:
    import handlers

    for module_info in pkgutil.walk_packages(handlers.__path__, "handlers."):
        module = importlib.import_module(module_info.name)
        function = getattr(module, "handler", None)
        defined_here = getattr(function, "__module__", None) == module.__name__
        if callable(function) and defined_here and not hasattr(function, "__iam_recorded__"):
            module.handler = recording(f"{module.__name__}.handler", function)  # type: ignore[attr-defined]


def _patch_botocore() -> None:
    from botocore.client import BaseClient

    client_class: Any = BaseClient  # the stubs do not declare the private method
    original = client_class._make_api_call

    def _make_api_call(self: BaseClient, operation_name: str, api_params: dict[str, Any]) -> Any:
        handler = _handler.get()
        if handler is not None and made_by_lambda_code(sys._getframe(1)):
            service = self.meta.service_model.service_name
            record(handler, accesses_of(service, operation_name, api_params, os.environ))
        return original(self, operation_name, api_params)

    client_class._make_api_call = _make_api_call


def _patch_management_api() -> None:
    from domain.realtime.management_api import OPERATION, ManagementApi

    original = ManagementApi.post_to_connection

    def post_to_connection(self: ManagementApi, **params: Any) -> Any:
        handler = _handler.get()
        if handler is not None and made_by_lambda_code(sys._getframe(1)):
            accesses = accesses_of("apigatewaymanagementapi", OPERATION, params, os.environ)
            record(handler, accesses)
        return original(self, **params)

    ManagementApi.post_to_connection = post_to_connection  # type: ignore[method-assign]


def _patch_thread_pools() -> None:
    original = ThreadPoolExecutor.submit

    def submit(
        self: ThreadPoolExecutor, fn: Callable[..., Any], /, *args: Any, **kwargs: Any
    ) -> Future[Any]:
        if _handler.get() is None:
            return original(self, fn, *args, **kwargs)
        return original(self, contextvars.copy_context().run, fn, *args, **kwargs)

    ThreadPoolExecutor.submit = submit  # type: ignore[method-assign,assignment]


def install() -> None:
    """Install the four patches in this process (once; later calls do nothing)."""
    global _installed
    with _lock:
        if _installed:
            return
        _installed = True
    _patch_botocore()
    _patch_management_api()
    _patch_thread_pools()
    _wrap_handlers()
