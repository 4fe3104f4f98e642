"""A lean client of API Gateway's ``@connections`` management API, for the broadcast's one
operation: ``PostToConnection``.

Why not boto3's ``apigatewaymanagementapi`` client: a broadcast is one post per member, and
the GIL serializes each post's CPU. The generic client spends most of that CPU in its own
machinery (an event system of dozens of hooks per call, parameter validation, endpoint rules,
the response parser) and in urllib3's pool (see :mod:`domain.realtime.keepalive_http`);
``bench/bench_broadcast.py`` measures both clients' CPU per post in one run. Lambda gives the
broadcasting functions ~0.6 vCPU, so that CPU bounds how fast a room is reached.

What is still botocore's, so behaviour matches the client's: credentials (the default chain,
refreshed when they rotate), SigV4 signing (``execute-api``), the CA bundle (``AWS_CA_BUNDLE``,
the config file's ``ca_bundle``, else botocore's), the connection exceptions, and the standard
retry mode, run by botocore's own retry objects (``botocore.retries.standard``): what it
retries (connection errors, 5xx, transient, throttling and modelled codes), its jittered
exponential back-off and its retry quota (a token bucket per client, so a failing endpoint is
not hit twice as hard), each with the parameters of the botocore installed, which change
between versions. Errors are raised as the client raises them:
``botocore.exceptions.ClientError`` with ``Error.Code``, ``Error.Message`` and
``ResponseMetadata.HTTPStatusCode``. Unlike the client, proxies from the environment are not
used.
"""

from __future__ import annotations

import inspect
import json
import random
import threading
import time
from typing import TYPE_CHECKING, Any
from urllib.parse import quote, urlsplit

from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.exceptions import ClientError, HTTPClientError
from botocore.exceptions import ConnectionError as BotocoreConnectionError
from botocore.retries import standard
from botocore.retries.quota import RetryQuota

from domain.realtime.keepalive_http import KeepAliveHttp

if TYPE_CHECKING:
    from collections.abc import Callable

    from botocore.credentials import Credentials

    from domain.realtime.keepalive_http import Response

OPERATION = "PostToConnection"
#: IAM's and SigV4's name of the management API.
SIGNING_NAME = "execute-api"

#: botocore's name of the service: its model's and its per-service retry settings' key.
SERVICE_NAME = "apigatewaymanagementapi"


class ManagementApi:
    """``PostToConnection`` on one ``https://{domain}/{stage}`` endpoint; thread-safe, one
    keep-alive connection per thread.

    ``credentials`` (default: botocore's chain) and ``verify`` (default: ``AWS_CA_BUNDLE`` or
    the config file's ``ca_bundle``, else botocore's CA bundle) are for tests and callers with
    their own; ``sleep`` and ``jitter`` (a uniform draw in [0, 1)) for tests of the back-off.
    """

    def __init__(
        self,
        endpoint: str,
        region: str,
        *,
        connect_timeout: float,
        read_timeout: float,
        max_attempts: int,
        credentials: Credentials | None = None,
        verify: str | bool | None = None,
        sleep: Callable[[float], None] = time.sleep,
        jitter: Callable[[], float] = random.random,
    ) -> None:
        if max_attempts < 1:
            raise ValueError(f"max_attempts={max_attempts} must be at least 1")
        if credentials is None or verify is None:
            import botocore.session

            session = botocore.session.Session()
            credentials = credentials or session.get_credentials()
            if verify is None:
                verify = session.get_config_variable("ca_bundle") or True
        if credentials is None:
            raise ValueError(f"no AWS credentials found to sign posts to {endpoint}")
        self.endpoint = endpoint.rstrip("/")
        self.region = region
        self.max_attempts = max_attempts
        self._credentials = credentials
        self._sleep = sleep
        # The retry decisions are botocore's own objects, as its standard mode wires them for
        # a client, so the rules (and their changes between botocore versions) are not copied.
        throttling = standard.ThrottlingErrorDetector(standard.RetryEventAdapter())
        self._conditions = standard.StandardRetryConditions(max_attempts=max_attempts)
        self._backoff = _optional_kwargs(
            standard.ExponentialBackoff,
            random=jitter,
            service_name=SERVICE_NAME,
            throttling_detector=throttling,
        )
        self._quota = _optional_kwargs(
            standard.RetryQuotaChecker, RetryQuota(), throttling_detector=throttling
        )
        self._http = KeepAliveHttp(
            self.endpoint,
            connect_timeout=connect_timeout,
            read_timeout=read_timeout,
            verify=verify,
        )
        self._path = urlsplit(self.endpoint).path

    @property
    def connect_timeout(self) -> float:
        return self._http.connect_timeout

    @property
    def read_timeout(self) -> float:
        return self._http.read_timeout

    def post_to_connection(self, *, ConnectionId: str, Data: bytes | str) -> dict[str, Any]:
        """Send ``Data`` to the connection; raises ``ClientError`` (``GoneException`` with
        status 410 for a closed connection) or botocore's connection errors."""
        body = Data.encode() if isinstance(Data, str) else Data
        path = f"{self._path}/@connections/{quote(ConnectionId, safe='')}"
        request_context: dict[str, Any] = {}
        attempt = 1
        while True:
            response: Response | None = None
            caught: Exception | None = None
            parsed: dict[str, Any] = {}
            try:
                response = self._send(path, body)
            except (BotocoreConnectionError, HTTPClientError) as exc:
                caught = exc
            else:
                if 200 <= response.status_code < 300:
                    self._quota.release_retry_quota(request_context, response)
                    return {"ResponseMetadata": _metadata(response, attempt - 1)}
                parsed = _error_response(response, attempt - 1)
            context = standard.RetryContext(
                attempt_number=attempt,
                operation_model=_operation_model(),
                parsed_response=parsed or None,
                http_response=response,
                caught_exception=caught,
                request_context=request_context,
            )
            retry = self._conditions.is_retryable(context) and self._quota.acquire_retry_quota(
                context
            )
            if not retry:
                if caught is not None:
                    raise caught
                # MaxAttemptsReached / RetryQuotaReached, as the client reports them; the
                # error is made after, as its message names the retries reached.
                parsed["ResponseMetadata"].update(context.get_retry_metadata())
                raise ClientError(parsed, OPERATION)  # type: ignore[arg-type]
            self._sleep(self._backoff.delay_amount(context))
            attempt += 1

    def _send(self, path: str, body: bytes) -> Response:
        url = self.endpoint[: len(self.endpoint) - len(self._path)] + path
        request = AWSRequest("POST", url, data=body)
        # Refreshable credentials rotate; the frozen set is consistent for one signature.
        frozen = self._credentials.get_frozen_credentials()
        SigV4Auth(frozen, SIGNING_NAME, self.region).add_auth(request)
        return self._http.request("POST", url, path, dict(request.headers.items()), body)


_model_lock = threading.Lock()
_model: list[Any] = []


def _operation_model() -> Any:
    """The operation's model, which botocore's retry checks read (modelled retryable errors,
    per-service cases): loaded once per process, on the first failed post, so posts that
    succeed never pay for it and a broadcast's threads meeting their first 410s load it once."""
    if not _model:
        with _model_lock:
            if not _model:
                import botocore.session

                model = botocore.session.get_session().get_service_model(SERVICE_NAME)
                _model.append(model.operation_model(OPERATION))
    return _model[0]


def _metadata(response: Response, retries: int) -> dict[str, Any]:
    return {
        "HTTPStatusCode": response.status_code,
        "HTTPHeaders": {k.lower(): v for k, v in response.headers.items()},
        "RetryAttempts": retries,
    }


def _error_response(response: Response, retries: int) -> dict[str, Any]:
    """The error as botocore's rest-json parser reports it: the code from
    ``x-amzn-ErrorType`` (or the body's ``__type``/``code``), the body's message."""
    try:
        body = json.loads(response.content or b"{}")
    except ValueError:
        body = {}
    if not isinstance(body, dict):
        body = {}
    code = response.headers.get("x-amzn-ErrorType") or body.get("__type") or body.get("code")
    code = str(code).split(":")[0].rsplit("#", 1)[-1] if code else str(response.status_code)
    message = body.get("message") or body.get("Message") or ""
    return {
        "Error": {"Code": code, "Message": str(message)},
        "ResponseMetadata": _metadata(response, retries),
    }


def _optional_kwargs(cls: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """``cls(*args, **kwargs)`` without the keywords an older botocore (as a Lambda runtime
    may ship) does not take yet."""
    accepted = inspect.signature(cls).parameters
    return cls(*args, **{k: v for k, v in kwargs.items() if k in accepted})
