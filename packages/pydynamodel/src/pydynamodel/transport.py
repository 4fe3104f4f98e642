"""The wire to DynamoDB: one botocore client per region, the region breaker, reads that fail
over across the ordered regions, retries of unprocessed batch items, and botocore errors mapped
to the pydynamodel hierarchy. Nothing here knows models or expressions."""

from __future__ import annotations

import os
import random
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from typing import TYPE_CHECKING, Any

from pydynamodel.errors import (
    ConditionFailed,
    ConfigurationError,
    DynamodelError,
    FieldError,
    ServiceUnavailable,
    TableNotFound,
    Throttled,
    TransactionCancelled,
    ValidationError,
)

if TYPE_CHECKING:
    from botocore.config import Config
    from botocore.exceptions import ClientError
    from mypy_boto3_dynamodb import DynamoDBClient as BaseClient

_shared_loader: Any = None
_builtin_handlers: Any = None
_loader_lock = threading.Lock()


def _new_session() -> Any:
    """A fresh botocore session (one per client: sessions are not thread-safe) that reads the
    service models through the loader of the process's first session and starts from a copy
    of botocore's built-in event handlers.

    Each new session would parse DynamoDB's JSON model again, about 0.1 s of CPU per client
    (a Lambda's first request pays it per replica region and table), and register botocore's
    ~150 built-in handlers again, checking each one's signature (about 15 ms). The model
    files are read-only data and the built-in handlers are module-level functions, the same
    for every session; credentials, configuration and any handler registered later stay per
    session (the copy is of the handler table, as botocore copies it for each client)."""
    import copy

    import botocore.session

    global _shared_loader, _builtin_handlers
    with _loader_lock:
        if _builtin_handlers is None:
            _builtin_handlers = _builtin_handler_table()
        template = _builtin_handlers
    session = botocore.session.Session(
        event_hooks=copy.copy(template), include_builtin_handlers=False
    )
    with _loader_lock:
        if _shared_loader is None:
            _shared_loader = session.get_component("data_loader")
        else:
            session.register_component("data_loader", _shared_loader)
    return session


def _builtin_handler_table() -> Any:
    """botocore's built-in handlers in an emitter of their own, registered as a new session
    registers them (``botocore.handlers.BUILTIN_HANDLERS``, with their first/last order)."""
    from botocore import handlers
    from botocore.hooks import EventAliaser, HierarchicalEmitter

    emitter = HierarchicalEmitter()
    # Registered through the aliaser, as a session does, so old event names are translated.
    events = EventAliaser(emitter)
    for spec in handlers.BUILTIN_HANDLERS:
        if len(spec) == 2:
            events.register(spec[0], spec[1])
        elif spec[2] is handlers.REGISTER_FIRST:
            events.register_first(spec[0], spec[1])
        elif spec[2] is handlers.REGISTER_LAST:
            events.register_last(spec[0], spec[1])
    return emitter


THROTTLE_CODES = frozenset(
    {
        "ProvisionedThroughputExceededException",
        "ThrottlingException",
        "RequestLimitExceeded",
        "Throttling",
        "TooManyRequestsException",
    }
)


def map_client_error(exc: Exception, context: str = "") -> DynamodelError:
    """Map a botocore ``ClientError`` to the pydynamodel hierarchy (keeping it as ``original``)."""
    response: dict[str, Any] = getattr(exc, "response", {}) or {}
    error = response.get("Error", {})
    code = str(error.get("Code", ""))
    message = f"{context}{error.get('Message') or code or exc}"
    status = int(response.get("ResponseMetadata", {}).get("HTTPStatusCode") or 0)
    if code == "ConditionalCheckFailedException":
        return ConditionFailed(message, original=exc)
    if code in THROTTLE_CODES:
        return Throttled(message, original=exc)
    if code == "ValidationException":
        return ValidationError([FieldError("", message)], original=exc)
    if code == "ResourceNotFoundException":
        return TableNotFound(message, original=exc)
    if code == "TransactionCanceledException":
        return TransactionCancelled([], original=exc)
    if status >= 500 or code in ("InternalServerError", "ServiceUnavailable"):
        return ServiceUnavailable(message, original=exc)
    return DynamodelError(message, original=exc)


BREAKER_SECONDS = 30.0
"""How long a Table skips a region after a connection error, a timeout or a 5xx answer."""


class RegionBreaker:
    """Which regions a Table skips for now, because they just failed (one per Table, so one
    per Lambda container: a hung region costs one call's time budget per container and
    window, not one per request).

    A region that failed (connection refused or reset, connect or read timeout, 5xx) is
    skipped for ``seconds``. When the window ends, the next call tries it again while every
    other call keeps skipping it: success makes it a normal region again, failure starts a
    new window. Any answer from the region, even an error such as a failed condition or a
    throttle, counts as success: the region is up. ``seconds=0`` never skips.

    Thread-safe: the state is one dict behind a lock, held only to read or set a deadline.
    """

    def __init__(
        self, seconds: float = BREAKER_SECONDS, clock: Callable[[], float] = time.monotonic
    ) -> None:
        if seconds < 0:
            raise ConfigurationError(f"breaker_seconds must be 0 or more, got {seconds}")
        self.seconds = seconds
        self.clock = clock
        self._until: dict[str, float] = {}
        self._lock = threading.Lock()

    def allow(self, region: str) -> bool:
        """Whether a call may go to ``region`` now. After the window, the first caller gets
        ``True`` (it probes) and the window restarts for everyone else until it reports."""
        if region not in self._until:  # the common case: no lock taken
            return True
        with self._lock:
            until = self._until.get(region)
            if until is None:
                return True
            now = self.clock()
            if now < until:
                return False
            self._until[region] = now + self.seconds
            return True

    def failed(self, region: str) -> None:
        """``region`` failed to answer: skip it for the window from now."""
        if self.seconds > 0:
            with self._lock:
                self._until[region] = self.clock() + self.seconds

    def answered(self, region: str) -> None:
        """``region`` answered: stop skipping it."""
        if region in self._until:
            with self._lock:
                self._until.pop(region, None)

    def open_regions(self) -> list[str]:
        """The regions skipped right now, in the order they failed."""
        with self._lock:
            now = self.clock()
            return [r for r, until in self._until.items() if now < until]

    def reset(self) -> None:
        """Forget every failure."""
        with self._lock:
            self._until.clear()


def env_endpoint() -> str | dict[str, str] | None:
    """``DYNAMODB_ENDPOINT_URL``: one URL for every region, or ``region=url`` pairs separated
    by commas (``eu-west-1=http://127.0.0.1:4566,us-east-1=http://127.0.0.1:4567``)."""
    raw = os.environ.get("DYNAMODB_ENDPOINT_URL", "").strip()
    if not raw:
        return None
    if "=" not in raw:
        return raw
    mapping: dict[str, str] = {}
    for part in raw.split(","):
        region, sep, url = (p.strip() for p in part.partition("="))
        if not (sep and region and url):
            raise ConfigurationError(
                f"DYNAMODB_ENDPOINT_URL: {part.strip()!r} is not region=url "
                "(give one URL, or region=url pairs separated by commas)"
            )
        mapping[region] = url
    return mapping


def env_breaker_seconds() -> float:
    """``DYNAMODEL_BREAKER_SECONDS`` (a finite number of seconds, 0 or more), else the
    default :data:`BREAKER_SECONDS`."""
    raw = os.environ.get("DYNAMODEL_BREAKER_SECONDS", "").strip()
    if not raw:
        return BREAKER_SECONDS
    try:
        seconds = float(raw)
    except ValueError:
        seconds = -1.0
    if not (0 <= seconds < float("inf")):
        raise ConfigurationError(
            f"DYNAMODEL_BREAKER_SECONDS={raw!r} must be a finite number of seconds, 0 or more"
        )
    return seconds


def env_regions() -> list[str]:
    raw = os.environ.get("TABLE_REGIONS", "")
    regions = [r.strip() for r in raw.split(",") if r.strip()]
    if regions:
        return regions
    default = os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION")
    return [default] if default else []


class Transport:
    """The botocore clients of one table's ordered regions (the first is home: writes go
    there) and the calls made through them. One client per region is created lazily and
    cached; ``breaker`` decides which regions a call skips for now."""

    def __init__(
        self,
        regions: list[str],
        endpoint_url: str | Mapping[str, str] | None,
        config_args: Mapping[str, Any],
        config: Config | None,
        breaker: RegionBreaker,
    ) -> None:
        self.regions = regions
        self.endpoint_url = endpoint_url
        self._config_args = config_args
        self._config = config
        self.breaker = breaker
        self._clients: dict[str, BaseClient] = {}
        self._lock = threading.Lock()
        self._local = threading.local()

    @property
    def home_region(self) -> str:
        return self.regions[0]

    @property
    def last_region(self) -> str | None:
        """Region that served the last request made by the current thread."""
        return getattr(self._local, "region", None)

    def client(self, region: str | None = None) -> BaseClient:
        """The cached low-level DynamoDB client for ``region`` (home by default)."""
        region = region or self.home_region
        client = self._clients.get(region)
        if client is None:
            with self._lock:
                client = self._clients.get(region)
                if client is None:
                    client = self._make_client(region)
                    self._clients[region] = client
        return client

    def _make_client(self, region: str) -> BaseClient:
        from botocore.config import Config

        config = self._config or Config(**self._config_args)
        endpoint = self.endpoint_url
        if isinstance(endpoint, Mapping):
            endpoint = endpoint.get(region)
        client: BaseClient = _new_session().create_client(
            "dynamodb", region_name=region, endpoint_url=endpoint, config=config
        )
        return client

    def request(
        self, op: str, params: dict[str, Any], *, write: bool, region: str | None = None
    ) -> dict[str, Any]:
        """Call ``op``: in ``region`` when pinned, else writes at home and reads in region
        order, moving on after a throttle, a 5xx or a connection error."""
        from botocore.exceptions import ClientError, HTTPClientError, ParamValidationError
        from botocore.exceptions import ConnectionError as BotoConnectionError

        regions = self._regions_for(write, region)
        failure: DynamodelError | None = None
        for r in regions:
            if not self.breaker.allow(r):
                continue
            try:
                response: dict[str, Any] = getattr(self.client(r), op)(**params)
            except ClientError as exc:
                failure = self._failed_in(op, r, exc)
                continue
            except ParamValidationError as exc:
                # A request botocore refuses to send is invalid input, like DynamoDB's own
                # ValidationException: keep it inside the DynamodelError hierarchy.
                raise ValidationError([FieldError("", f"{op}: {exc}")], original=exc) from exc
            except (BotoConnectionError, HTTPClientError) as exc:
                # Refused, reset, or timed out (ReadTimeoutError is an HTTPClientError).
                self.breaker.failed(r)
                failure = ServiceUnavailable(f"{op} ({r}): {exc}", original=exc)
                continue
            self.breaker.answered(r)
            self._local.region = r
            return response
        if failure is not None:
            raise failure from failure.original
        raise ServiceUnavailable(
            f"{op}: {', '.join(regions)} skipped: failed in the last "
            f"{self.breaker.seconds:g} s (connection error, timeout or 5xx); no request made"
        )

    def _regions_for(self, write: bool, region: str | None) -> list[str]:
        """The regions a call tries in order: the pinned one, home for a write, else all."""
        if region is not None:
            return [region]
        if write:
            return [self.home_region]
        return self.regions

    def _failed_in(self, op: str, region: str, exc: ClientError) -> DynamodelError:
        """The error DynamoDB answered in ``region``, when the next region may answer (a
        throttle or a 5xx); any other error is raised."""
        err = map_client_error(exc, f"{op} ({region}): ")
        if isinstance(err, ServiceUnavailable):
            self.breaker.failed(region)
        else:
            self.breaker.answered(region)
        if isinstance(err, Throttled | ServiceUnavailable):
            return err  # the next region, if any, may answer (reads only)
        raise err from exc

    def with_unprocessed(
        self,
        op: str,
        request: dict[str, Any],
        field_name: str,
        write: bool,
        region: str | None,
        *,
        max_attempts: int,
        backoff: float,
        backoff_cap: float,
    ) -> Iterator[dict[str, Any]]:
        """Each response of a batch ``op``, sending its ``field_name`` (the unprocessed part)
        again with jittered exponential backoff until nothing is left; ``Throttled`` after
        ``max_attempts``."""
        pending: dict[str, Any] = request
        for attempt in range(max_attempts):
            response = self.request(op, {"RequestItems": pending}, write=write, region=region)
            yield response
            pending = response.get(field_name) or {}
            if not pending:
                return
            if attempt + 1 < max_attempts:
                ceiling = min(backoff_cap, backoff * (2**attempt))
                time.sleep(random.uniform(0, ceiling))  # full jitter
        raise Throttled(
            f"{op}: items still unprocessed after {max_attempts} attempts",
            unprocessed=pending,
        )
