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
retry mode: what it retries (connection errors, 5xx, transient and throttling codes, 429), its
back-off (jittered exponential, 50 ms base, 1 s for throttling) and its retry quota (a token
bucket per client, so a failing endpoint is not hit twice as hard). Errors are raised as the
client raises them: ``botocore.exceptions.ClientError`` with ``Error.Code``,
``Error.Message`` and ``ResponseMetadata.HTTPStatusCode``. Unlike the client, proxies from the
environment are not used.
"""

from __future__ import annotations

import json
import random
import time
from typing import TYPE_CHECKING, Any
from urllib.parse import quote, urlsplit

from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.exceptions import ClientError, HTTPClientError
from botocore.exceptions import ConnectionError as BotocoreConnectionError
from botocore.retries.quota import RetryQuota

from domain.realtime.keepalive_http import KeepAliveHttp

if TYPE_CHECKING:
    from collections.abc import Callable

    from botocore.credentials import Credentials

    from domain.realtime.keepalive_http import Response

OPERATION = "PostToConnection"
#: IAM's and SigV4's name of the management API.
SIGNING_NAME = "execute-api"

# The standard retry mode's rules (botocore.retries.standard), for the one operation.
_TRANSIENT_STATUS = frozenset({500, 502, 503, 504})
_TRANSIENT_CODES = frozenset(
    {"RequestTimeout", "RequestTimeoutException", "PriorRequestNotComplete"}
)
_THROTTLING_STATUS = frozenset({429})
_THROTTLING_CODES = frozenset(
    {
        "Throttling",
        "ThrottlingException",
        "ThrottledException",
        "RequestThrottledException",
        "TooManyRequestsException",
        "ProvisionedThroughputExceededException",
        "TransactionInProgressException",
        "RequestLimitExceeded",
        "BandwidthLimitExceeded",
        "LimitExceededException",
        "RequestThrottled",
        "SlowDown",
        "EC2ThrottledException",
    }
)
_BACKOFF_BASE_S = 0.05
_THROTTLED_BACKOFF_BASE_S = 1.0
_MAX_BACKOFF_S = 20.0
#: Retry quota costs: a retry takes capacity (less for throttling), a first-attempt success
#: gives one back, a success after a retry gives back what its retry took.
_RETRY_COST = 14
_THROTTLED_RETRY_COST = 5
_NO_RETRY_INCREMENT = 1


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
        self.connect_timeout = connect_timeout
        self.read_timeout = read_timeout
        self.max_attempts = max_attempts
        self._credentials = credentials
        self._sleep = sleep
        self._jitter = jitter
        self._quota = RetryQuota()
        self._http = KeepAliveHttp(
            self.endpoint,
            connect_timeout=connect_timeout,
            read_timeout=read_timeout,
            verify=verify,
        )
        self._path = urlsplit(self.endpoint).path

    def post_to_connection(self, *, ConnectionId: str, Data: bytes | str) -> dict[str, Any]:
        """Send ``Data`` to the connection; raises ``ClientError`` (``GoneException`` with
        status 410 for a closed connection) or botocore's connection errors."""
        body = Data.encode() if isinstance(Data, str) else Data
        path = f"{self._path}/@connections/{quote(ConnectionId, safe='')}"
        attempt = 1
        retry_cost = 0
        while True:
            try:
                response = self._send(path, body)
            except (BotocoreConnectionError, HTTPClientError) as exc:
                outcome: Exception = exc
                throttled = False
            else:
                if 200 <= response.status_code < 300:
                    self._quota.release(retry_cost or _NO_RETRY_INCREMENT)
                    return {"ResponseMetadata": _metadata(response, attempt - 1)}
                error = _error_response(response, attempt - 1)
                outcome = ClientError(error, OPERATION)  # type: ignore[arg-type]
                throttled = _is_throttling(response.status_code, error["Error"]["Code"])
                if not throttled and not _is_transient(response.status_code, error):
                    raise outcome
            if attempt >= self.max_attempts:
                raise outcome
            retry_cost = _THROTTLED_RETRY_COST if throttled else _RETRY_COST
            if not self._quota.acquire(retry_cost):
                raise outcome
            base = _THROTTLED_BACKOFF_BASE_S if throttled else _BACKOFF_BASE_S
            self._sleep(self._jitter() * min(base * 2 ** (attempt - 1), _MAX_BACKOFF_S))
            attempt += 1

    def _send(self, path: str, body: bytes) -> Response:
        url = self.endpoint[: len(self.endpoint) - len(self._path)] + path
        request = AWSRequest("POST", url, data=body)
        # Refreshable credentials rotate; the frozen set is consistent for one signature.
        frozen = self._credentials.get_frozen_credentials()
        SigV4Auth(frozen, SIGNING_NAME, self.region).add_auth(request)
        return self._http.request("POST", url, path, dict(request.headers.items()), body)


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


def _is_throttling(status: int, code: str) -> bool:
    return code in _THROTTLING_CODES or status in _THROTTLING_STATUS


def _is_transient(status: int, error: dict[str, Any]) -> bool:
    return status in _TRANSIENT_STATUS or error["Error"]["Code"] in _TRANSIENT_CODES
