"""The worker's runtime client: a pure-Python stand-in for awslambdaric (standard library only).

Started as ``python -I -S bootstrap.py``: no site-packages of the runtime are visible. The
handler is imported from ``LAMBDA_TASK_ROOT`` (the asset folder, Lambda's ``/var/task``) and
from the folders in ``LOCAL_GATEWAY_LAYERS`` (Lambda's ``/opt/python``), then invocations are
fetched from and answered to the Runtime API at ``AWS_LAMBDA_RUNTIME_API``.
"""

from __future__ import annotations

import decimal
import importlib
import json
import os
import sys
import time
import traceback
from http.client import HTTPConnection, HTTPException
from typing import Any

_API = os.environ["AWS_LAMBDA_RUNTIME_API"]
_BASE = "/2018-06-01/runtime"


class LambdaContext:
    """The context object handlers receive (``memory_limit_in_mb`` is a string, as in Lambda)."""

    def __init__(self, request_id: str, deadline_ms: int, invoked_arn: str) -> None:
        self.aws_request_id = request_id
        self.invoked_function_arn = invoked_arn
        self.function_name = os.environ["AWS_LAMBDA_FUNCTION_NAME"]
        self.function_version = os.environ["AWS_LAMBDA_FUNCTION_VERSION"]
        self.memory_limit_in_mb = os.environ["AWS_LAMBDA_FUNCTION_MEMORY_SIZE"]
        self.log_group_name = os.environ["AWS_LAMBDA_LOG_GROUP_NAME"]
        self.log_stream_name = os.environ["AWS_LAMBDA_LOG_STREAM_NAME"]
        self.identity = None
        self.client_context = None
        self._deadline_ms = deadline_ms

    def get_remaining_time_in_millis(self) -> int:
        return max(self._deadline_ms - int(time.time() * 1000), 0)


class _Encoder(json.JSONEncoder):
    # Lambda's Python runtime marshals Decimal (what boto3's DynamoDB layer returns) as a number.
    def default(self, o: Any) -> Any:
        if isinstance(o, decimal.Decimal):
            return int(o) if o == o.to_integral_value() else float(o)
        return super().default(o)


class _RuntimeApi:
    """One keep-alive connection to the Runtime API, as Lambda's runtime interface client
    keeps: a new connection (and urllib's opener) per call cost more than the hop itself."""

    def __init__(self, address: str) -> None:
        host, _, port = address.rpartition(":")
        self._connection = HTTPConnection(host, int(port))

    def call(
        self,
        method: str,
        path: str,
        body: bytes | None = None,
        headers: dict[str, str] | None = None,
    ) -> tuple[int, dict[str, str], bytes]:
        for attempt in (1, 2):
            try:
                self._connection.request(method, f"{_BASE}{path}", body=body, headers=headers or {})
                answer = self._connection.getresponse()
                return answer.status, dict(answer.getheaders()), answer.read()
            except (HTTPException, ConnectionError):
                # The server closed an idle keep-alive connection: reconnect once.
                self._connection.close()
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")


_api: _RuntimeApi | None = None


def _runtime_api() -> _RuntimeApi:
    global _api
    if _api is None:
        _api = _RuntimeApi(_API)
    return _api


def _post(path: str, body: bytes, headers: dict[str, str] | None = None) -> None:
    status, _, answer = _runtime_api().call("POST", path, body, headers)
    if status >= 400:
        raise RuntimeError(f"Runtime API POST {path}: {status} {answer[:200]!r}")


def _error(exc: BaseException, error_type: str | None = None, skip: int = 0) -> dict[str, Any]:
    # ``skip`` drops this bootstrap's own frames: Lambda's trace starts in the handler.
    frames = traceback.extract_tb(exc.__traceback__)[skip:]
    return {
        "errorMessage": str(exc),
        "errorType": error_type or type(exc).__name__,
        "stackTrace": traceback.format_list(frames),
    }


def _load_handler() -> tuple[Any, dict[str, Any] | None]:
    handler = os.environ["_HANDLER"]
    module_name, _, function_name = handler.rpartition(".")
    if not module_name:
        return None, {
            "errorMessage": f"Bad handler '{handler}': not enough values to unpack",
            "errorType": "Runtime.MalformedHandlerName",
            "stackTrace": [],
        }
    try:
        module = importlib.import_module(module_name.replace("/", "."))
    except ImportError as exc:
        return None, {
            "errorMessage": f"Unable to import module '{module_name}': {exc}",
            "errorType": "Runtime.ImportModuleError",
            "stackTrace": [],
        }
    except Exception as exc:
        return None, _error(
            exc, "Runtime.UserCodeSyntaxError" if isinstance(exc, SyntaxError) else None
        )
    function = getattr(module, function_name, None)
    if function is None:
        return None, {
            "errorMessage": f"Handler '{function_name}' missing on module '{module_name}'",
            "errorType": "Runtime.HandlerNotFound",
            "stackTrace": [],
        }
    return function, None


def main() -> None:
    task_root = os.environ["LAMBDA_TASK_ROOT"]
    layers = [p for p in os.environ.get("LOCAL_GATEWAY_LAYERS", "").split(os.pathsep) if p]
    sys.path[:0] = [task_root, *layers]
    os.chdir(task_root)
    handler, init_error = _load_handler()
    while True:
        status, headers, event_body = _runtime_api().call("GET", "/invocation/next")
        if status >= 400:
            # The execution environment is discarded (410) or unknown: nothing more to run.
            raise SystemExit(f"Runtime API next: {status}")
        headers = {k.lower(): v for k, v in headers.items()}
        request_id = headers["lambda-runtime-aws-request-id"]
        deadline = int(headers["lambda-runtime-deadline-ms"])
        arn = headers["lambda-runtime-invoked-function-arn"]
        os.environ["_X_AMZN_TRACE_ID"] = headers.get("lambda-runtime-trace-id", "")
        if init_error is not None:
            body = dict(init_error, requestId=request_id)
            _post(
                f"/invocation/{request_id}/error",
                json.dumps(body).encode(),
                {"Lambda-Runtime-Function-Error-Type": body["errorType"]},
            )
            continue
        try:
            result = handler(json.loads(event_body), LambdaContext(request_id, deadline, arn))
            payload = json.dumps(result, cls=_Encoder).encode()
        except Exception as exc:
            body = dict(_error(exc, skip=1), requestId=request_id)
            _post(
                f"/invocation/{request_id}/error",
                json.dumps(body).encode(),
                {"Lambda-Runtime-Function-Error-Type": "Unhandled"},
            )
            continue
        _post(f"/invocation/{request_id}/response", payload)


if __name__ == "__main__":
    main()
