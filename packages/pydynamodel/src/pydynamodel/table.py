"""``Table``: the synchronous high-level API bound to one DynamoDB table in ordered regions."""

from __future__ import annotations

import os
import random
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from pydynamodel.conditions import (
    Between,
    Compare,
    Condition,
    ExpressionBuilder,
    Function,
    KeyCondition,
    UpdateAction,
    all_of,
    compile_update,
    path_str,
)
from pydynamodel.cursor import decode_cursor, encode_cursor
from pydynamodel.errors import (
    CancellationReason,
    ConditionFailed,
    ConfigurationError,
    DynamodelError,
    FieldError,
    ItemExists,
    NotFound,
    ServiceUnavailable,
    TableNotFound,
    Throttled,
    TransactionCancelled,
    ValidationError,
    VersionConflict,
)
from pydynamodel.fields import Attribute
from pydynamodel.model import ENTITY_ATTR, Item, Keys, Model
from pydynamodel.serialization import Wire, number_str

if TYPE_CHECKING:
    from botocore.config import Config
    from mypy_boto3_dynamodb import DynamoDBClient as BaseClient

    from pydynamodel.transactions import Get, TransactOp

M = TypeVar("M", bound=Model)

KeyRef = Model | tuple[type[Model], Mapping[str, Any]]
"""A reference to one item: a model instance, or ``(ModelClass, {"room_id": "r1"})``."""

CursorSecret = str | bytes | Callable[[], str | bytes]
"""The cursor HMAC key, or a zero-argument callable returning it (fetched on first use)."""

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


class Page(Generic[M]):
    """One page of results. ``cursor`` is ``None`` on the last page; pass it back unchanged
    as ``cursor=`` to fetch the next page. ``region`` is the region that served it."""

    __slots__ = ("cursor", "items", "region")

    def __init__(self, items: list[M], cursor: str | None = None, region: str | None = None):
        self.items = items
        self.cursor = cursor
        self.region = region

    def __repr__(self) -> str:
        return f"Page(items={self.items!r}, cursor={self.cursor!r})"

    def __iter__(self) -> Iterator[M]:
        return iter(self.items)

    def __len__(self) -> int:
        return len(self.items)


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


def _env_endpoint() -> str | dict[str, str] | None:
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


def _env_regions() -> list[str]:
    raw = os.environ.get("TABLE_REGIONS", "")
    regions = [r.strip() for r in raw.split(",") if r.strip()]
    if regions:
        return regions
    default = os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION")
    return [default] if default else []


class Table:
    """A DynamoDB table in an ordered list of regions (the first is home: writes go there).

    Reads fail over to the next region on throttling, 5xx and connection errors; ``region=``
    on any call pins it to one region. ``endpoint_url`` is one URL for every region or a
    mapping ``{region: url}``. One botocore client per region is created lazily and cached.

    A region that timed out, refused the connection or answered 5xx is skipped for
    ``breaker_seconds`` (:class:`RegionBreaker`, ``table.breaker``): reads go to the next
    region without a request to it, and a call left with no region to try (a write while the
    home region is skipped, a pinned call, a read with every region skipped) fails at once
    with ``ServiceUnavailable``. ``clock`` measures the window (``time.monotonic``).
    """

    def __init__(
        self,
        name: str,
        regions: Sequence[str] | None = None,
        endpoint_url: str | Mapping[str, str] | None = None,
        *,
        cursor_secret: CursorSecret | None = None,
        connect_timeout: float = 2.0,
        read_timeout: float = 5.0,
        max_attempts: int = 3,
        retry_mode: str = "standard",
        max_pool_connections: int = 32,
        batch_max_attempts: int = 8,
        batch_backoff: float = 0.05,
        batch_backoff_cap: float = 2.0,
        config: Config | None = None,
        breaker_seconds: float = BREAKER_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if not name:
            raise ConfigurationError("table name is required")
        regions = list(regions) if regions else _env_regions()
        if not regions:
            raise ConfigurationError("no region: pass regions= or set AWS_REGION")
        self.name = name
        self.regions = regions
        self.endpoint_url = endpoint_url
        source = cursor_secret or os.environ.get("DYNAMODEL_CURSOR_SECRET")
        # A callable is resolved on the first cursor encode/decode, so building a Table never
        # waits on (or fails with) a secret fetch that most requests do not need.
        self._cursor_secret_source = source if callable(source) else None
        self._cursor_secret = _secret_bytes(source) if not callable(source) else None
        self._secret_lock = threading.Lock()
        self._config_args = {
            "connect_timeout": connect_timeout,
            "read_timeout": read_timeout,
            "retries": {"mode": retry_mode, "total_max_attempts": max_attempts},
            "max_pool_connections": max_pool_connections,
        }
        self._config = config
        self.batch_max_attempts = batch_max_attempts
        self.batch_backoff = batch_backoff
        self.batch_backoff_cap = batch_backoff_cap
        self._clients: dict[str, BaseClient] = {}
        self._lock = threading.Lock()
        self._local = threading.local()
        self.breaker = RegionBreaker(breaker_seconds, clock)

    @classmethod
    def from_env(cls, **overrides: Any) -> Table:
        """``TABLE_NAME``, ``TABLE_REGIONS`` (comma list, home first; default ``AWS_REGION``),
        ``DYNAMODB_ENDPOINT_URL`` (one URL, or ``region=url,region=url``) and
        ``DYNAMODEL_CURSOR_SECRET``."""
        name = overrides.pop("name", None) or os.environ.get("TABLE_NAME")
        if not name:
            raise ConfigurationError("TABLE_NAME is not set")
        overrides.setdefault("regions", _env_regions())
        if "endpoint_url" not in overrides:
            overrides["endpoint_url"] = _env_endpoint()
        return cls(name, **overrides)

    def __repr__(self) -> str:
        return f"Table({self.name!r}, regions={self.regions!r})"

    # ------------------------------------------------------------------ clients
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
        import boto3.session
        from botocore.config import Config

        config = self._config or Config(**self._config_args)  # type: ignore[arg-type]
        endpoint = self.endpoint_url
        if isinstance(endpoint, Mapping):
            endpoint = endpoint.get(region)
        session = boto3.session.Session()
        return session.client("dynamodb", region_name=region, endpoint_url=endpoint, config=config)

    def _request(
        self, op: str, params: dict[str, Any], *, write: bool, region: str | None = None
    ) -> dict[str, Any]:
        from botocore.exceptions import ClientError, HTTPClientError, ParamValidationError
        from botocore.exceptions import ConnectionError as BotoConnectionError

        _check_expressions(params)
        for entry in params.get("TransactItems", ()):
            for part in entry.values():
                _check_expressions(part)

        if region is not None:
            regions = [region]
        elif write:
            regions = [self.home_region]
        else:
            regions = self.regions
        failure: DynamodelError | None = None
        for r in regions:
            if not self.breaker.allow(r):
                continue
            try:
                response: dict[str, Any] = getattr(self.client(r), op)(**params)
            except ClientError as exc:
                err = map_client_error(exc, f"{op} ({r}): ")
                if isinstance(err, ServiceUnavailable):
                    self.breaker.failed(r)
                else:
                    self.breaker.answered(r)
                if isinstance(err, Throttled | ServiceUnavailable):
                    failure = err  # the next region, if any, may answer (reads only)
                    continue
                raise err from exc
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

    # ------------------------------------------------------------------ request builders
    def _put_params(
        self, obj: Model, condition: Condition | None, *, create: bool
    ) -> tuple[dict[str, Any], Callable[[], None]]:
        cls = type(obj)
        keys = cls.primary_keys()
        conditions: list[Condition | None] = [condition]
        vf = cls.__version_field__
        new_version: int | None = None
        if create:
            conditions.append(Function("attribute_not_exists", (keys.pk_attr,)))
            if vf is not None:
                new_version = obj.__dict__.get(vf) or 1
        elif vf is not None:
            current = obj.__dict__.get(vf)
            if current is None:
                conditions.append(Function("attribute_not_exists", (keys.pk_attr,)))
                new_version = 1
            else:
                conditions.append(Compare((vf,), "=", {"N": str(current)}))
                new_version = current + 1
        # The version attribute is part of the item DynamoDB sizes: count it in the check.
        item = obj.prepare_save(version=new_version)
        params: dict[str, Any] = {"TableName": self.name, "Item": item}
        _add_condition(params, all_of(conditions))

        def commit() -> None:
            if vf is not None and new_version is not None:
                obj.__dict__[vf] = new_version

        return params, commit

    def _update_params(
        self,
        model: type[Model],
        key: Mapping[str, Any],
        actions: Sequence[UpdateAction],
        condition: Condition | None,
        expected_version: int | None,
        upsert: bool,
    ) -> dict[str, Any]:
        return self._update_request(model, key, actions, condition, expected_version, upsert)[0]

    def _update_request(
        self,
        model: type[Model],
        key: Mapping[str, Any],
        actions: Sequence[UpdateAction],
        condition: Condition | None,
        expected_version: int | None,
        upsert: bool,
        region: str | None = None,
    ) -> tuple[dict[str, Any], dict[str, Wire | None]]:
        """UpdateItem parameters, and the stored values read to rebuild index keys (``None``:
        absent) that the update is conditional on."""
        keys = model.primary_keys()
        key_item = model.key_for(key)
        fields = model.__fields__
        index_fields = model.__template_fields__ - model.__key_fields__
        errors: list[FieldError] = []
        compiled: list[UpdateAction] = []
        set_values: dict[str, Any] = {}
        removed: set[str] = set()
        for action in actions:
            top = action.path[0] if action.path else ""
            if top in model.__key_fields__:
                errors.append(FieldError(str(top), "is part of the table key and cannot change"))
                continue
            if isinstance(top, str) and top not in fields and model.__extra__ != "keep":
                errors.append(FieldError(str(top), f"unknown attribute of {model.__name__}"))
                continue
            compiled_action = _compile_action(action, errors)
            if compiled_action is None:
                continue
            if top in index_fields and (
                compiled_action.kind not in ("set", "remove") or len(action.path) > 1
            ):
                # Only the server knows the result of an increment or append, so the index
                # key built from it could not be written in the same request.
                errors.append(
                    FieldError(
                        str(top), "feeds an index key: change it with set() or remove() only"
                    )
                )
                continue
            compiled.append(compiled_action)
            if len(action.path) == 1 and isinstance(top, str):
                if compiled_action.kind == "remove":
                    removed.add(top)
                elif compiled_action.kind == "set":
                    set_values[top] = compiled_action.raw
        touched = {a.path[0] for a in compiled if len(a.path) >= 1}
        now = datetime.now(UTC)
        for name in model.__auto_now__:
            if name not in touched:
                attr = fields[name]
                compiled.append(UpdateAction("set", (name,), attr.dump(now), now, attr))
                set_values[name] = now
        conditions: list[Condition | None] = [condition]
        vf = model.__version_field__
        if vf is not None:
            if expected_version is not None:
                conditions.append(Compare((vf,), "=", {"N": str(expected_version)}))
                next_version = {"N": str(expected_version + 1)}
                compiled.append(UpdateAction("set", (vf,), next_version))
            else:
                compiled.append(UpdateAction("add", (vf,), {"N": "1"}))
        elif expected_version is not None:
            raise ValidationError(f"{model.__name__} has no Version attribute")
        known = {**dict(key), **set_values}
        stored: dict[str, Wire] | None = None
        guards: dict[str, Wire | None] = {}
        for index_keys in model.__indexes__.values():
            used = set(index_keys.fields)
            if not (used & (set(set_values) | removed)) and not upsert:
                continue
            if used & removed:
                for attr_name, _ in index_keys.templates():
                    compiled.append(UpdateAction("remove", (attr_name,)))
                continue
            missing = [n for n in used if known.get(n) is None]
            if missing and used & set(set_values) and not errors:
                # The other attributes of the template come from the stored item; the update
                # is conditional on them, so the index key cannot be built from stale values.
                if stored is None:
                    stored = self._stored(key_item, region)
                for n in missing:
                    wire = stored.get(n)
                    guards[n] = wire
                    if wire is not None:
                        known[n] = fields[n].load(wire)
                missing = [n for n in used if known.get(n) is None]
            if not missing:
                strings = model.key_strings({n: known[n] for n in used})
                for attr_name, template in index_keys.templates():
                    wire = {"S": template.render(strings)}
                    compiled.append(UpdateAction("set", (attr_name,), wire))
            # else: an attribute of the template is absent, so the item stays out of this
            # (sparse) index, as a save of the same item would leave it.
        for n, wire in guards.items():
            conditions.append(
                Function("attribute_not_exists", (n,)) if wire is None else Compare((n,), "=", wire)
            )
        if upsert:
            if model.__entity__ is not None:
                compiled.append(UpdateAction("set", (ENTITY_ATTR,), {"S": model.__entity__}))
            for name in keys.fields:
                compiled.append(UpdateAction("set", (name,), fields[name].dump(key[name])))
        else:
            conditions.append(Function("attribute_exists", (keys.pk_attr,)))
        if errors:
            raise ValidationError(errors, model=model.__name__)
        if not compiled:
            raise ValidationError("update needs at least one action")
        b = ExpressionBuilder()
        expression = compile_update(compiled, b)
        cond = all_of(conditions)
        params: dict[str, Any] = {
            "TableName": self.name,
            "Key": key_item,
            "UpdateExpression": expression,
        }
        if cond is not None:
            params["ConditionExpression"] = cond.compile(b)
        params.update(b.params())
        return params, guards

    def _stored(self, key_item: Item, region: str | None) -> dict[str, Wire]:
        """The stored item, strongly consistent from the region the write goes to (``{}``
        if absent)."""
        params = {"TableName": self.name, "Key": key_item, "ConsistentRead": True}
        response = self._request("get_item", params, write=True, region=region)
        item: dict[str, Wire] = response.get("Item") or {}
        return item

    def _delete_params(
        self,
        target: Model | type[Model],
        key: Mapping[str, Any],
        condition: Condition | None,
        expected_version: int | None,
    ) -> tuple[type[Model], dict[str, Any], dict[str, Any]]:
        if isinstance(target, Model):
            model: type[Model] = type(target)
            key = target.key()
            vf = model.__version_field__
            if expected_version is None and vf is not None:
                expected_version = target.__dict__.get(vf)
        else:
            model = target
        conditions: list[Condition | None] = [condition]
        if expected_version is not None:
            vf = model.__version_field__
            if vf is None:
                raise ValidationError(f"{model.__name__} has no Version attribute")
            conditions.append(Compare((vf,), "=", {"N": str(expected_version)}))
        params: dict[str, Any] = {"TableName": self.name, "Key": model.key_for(key)}
        _add_condition(params, all_of(conditions))
        return model, dict(key), params

    # ------------------------------------------------------------------ writes
    def create(self, obj: M, *, condition: Condition | None = None, region: str | None = None) -> M:
        """Put ``obj`` only if no item has its key; raises ``ItemExists`` otherwise."""
        params, commit = self._put_params(obj, condition, create=True)
        params["ReturnValuesOnConditionCheckFailure"] = "ALL_OLD"
        try:
            self._request("put_item", params, write=True, region=region)
        except ConditionFailed as exc:
            current = _old_item(type(obj), exc)
            # Without a condition of the caller's, only attribute_not_exists(pk) can fail: the
            # item exists even when the server did not return it (no ReturnValuesOn...).
            if condition is None:
                raise ItemExists(
                    f"{type(obj).__name__} {obj.key()} already exists",
                    item=current,
                    original=exc.original,
                ) from exc.original
            raise ConditionFailed(exc.message, item=current, original=exc.original) from (
                exc.original
            )
        commit()
        return obj

    def save(self, obj: M, *, condition: Condition | None = None, region: str | None = None) -> M:
        """Put ``obj`` (create or replace). Versioned models write only if the stored version
        equals ``obj``'s (raises ``VersionConflict``) and bump the version."""
        params, commit = self._put_params(obj, condition, create=False)
        if "ConditionExpression" in params:
            params["ReturnValuesOnConditionCheckFailure"] = "ALL_OLD"
        try:
            self._request("put_item", params, write=True, region=region)
        except ConditionFailed as exc:
            current = _old_item(type(obj), exc)
            raise _conflict_or_failed(type(obj), exc, current, obj.__dict__) from exc.original
        commit()
        return obj

    def update(
        self,
        model: type[M],
        key: Mapping[str, Any],
        *actions: UpdateAction,
        condition: Condition | None = None,
        expected_version: int | None = None,
        upsert: bool = False,
        region: str | None = None,
    ) -> M:
        """Apply update actions atomically and return the updated item.

        The item must exist (``NotFound`` otherwise) unless ``upsert=True``. Versioned models
        get their version bumped; ``expected_version`` makes the update conditional on it.
        Setting an attribute of an index key template rebuilds that index key; attributes of
        the template the update does not set are read from the stored item first, and the
        update is conditional on them (retried if another writer changed them meanwhile).
        """
        for attempt in range(UPDATE_ATTEMPTS):
            params, guards = self._update_request(
                model, key, actions, condition, expected_version, upsert, region
            )
            params["ReturnValues"] = "ALL_NEW"
            params["ReturnValuesOnConditionCheckFailure"] = "ALL_OLD"
            try:
                response = self._request("update_item", params, write=True, region=region)
                break
            except ConditionFailed as exc:
                if attempt + 1 < UPDATE_ATTEMPTS and _guards_moved(guards, exc):
                    continue  # an index attribute changed since it was read: read it again
                failure = self._update_failed(model, key, expected_version, upsert, exc)
                raise failure from exc.original
        result: M = model.from_item(response["Attributes"])
        return result

    def _update_failed(
        self,
        model: type[Model],
        key: Mapping[str, Any],
        expected_version: int | None,
        upsert: bool,
        exc: ConditionFailed,
    ) -> DynamodelError:
        current = _old_item(model, exc)
        if current is None and not upsert:
            return NotFound(model.__name__, dict(key))
        vf = model.__version_field__
        expected = {vf: expected_version} if vf and expected_version else {}
        return _conflict_or_failed(model, exc, current, expected)

    def delete(
        self,
        target: M | type[M],
        *,
        condition: Condition | None = None,
        expected_version: int | None = None,
        region: str | None = None,
        **key: Any,
    ) -> None:
        """Delete by instance (``delete(room)``, version-checked for versioned models) or by
        key (``delete(Room, room_id="r1")``). Deleting a missing item is not an error unless a
        condition is given."""
        model, _key_values, params = self._delete_params(target, key, condition, expected_version)
        if "ConditionExpression" in params:
            params["ReturnValuesOnConditionCheckFailure"] = "ALL_OLD"
        try:
            self._request("delete_item", params, write=True, region=region)
        except ConditionFailed as exc:
            current = _old_item(model, exc)
            if expected_version is None and isinstance(target, Model):
                expected: dict[str, Any] = target.__dict__
            else:
                vf = model.__version_field__
                expected = {vf: expected_version} if vf else {}
            raise _conflict_or_failed(model, exc, current, expected) from exc.original

    # ------------------------------------------------------------------ reads
    def get(
        self,
        model: type[M],
        *,
        consistent: bool = False,
        projection: Sequence[Attribute[Any] | str] | None = None,
        region: str | None = None,
        **key: Any,
    ) -> M:
        """Read one item by key attributes; raises ``NotFound``."""
        found = self.find(model, consistent=consistent, projection=projection, region=region, **key)
        if found is None:
            raise NotFound(model.__name__, key)
        return found

    def find(
        self,
        model: type[M],
        *,
        consistent: bool = False,
        projection: Sequence[Attribute[Any] | str] | None = None,
        region: str | None = None,
        **key: Any,
    ) -> M | None:
        """Like ``get`` but returns ``None`` when the item does not exist."""
        params: dict[str, Any] = {
            "TableName": self.name,
            "Key": model.key_for(key),
            "ConsistentRead": consistent,
        }
        if projection:
            b = ExpressionBuilder()
            params["ProjectionExpression"] = _projection(projection, b)
            params.update(b.params())
        response = self._request("get_item", params, write=False, region=region)
        raw = response.get("Item")
        if raw is None:
            return None
        result: M = model.from_item(raw)
        return result

    def query(
        self,
        model: type[M],
        *,
        sk: Condition | KeyCondition | None = None,
        filter: Condition | None = None,
        index: str | None = None,
        limit: int | None = None,
        cursor: str | None = None,
        reverse: bool = False,
        consistent: bool = False,
        projection: Sequence[Attribute[Any] | str] | None = None,
        region: str | None = None,
        **key: Any,
    ) -> Page[M]:
        """Query one partition of the table or of ``index`` for items of ``model``.

        Keyword arguments fill the partition-key template (and the sort-key template when
        complete; a partial sort-key template becomes ``begins_with(prefix)``). ``sk`` takes
        a condition on the attribute in the sort-key template (``Message.message_id >
        "01H..."``, ``.between``, ``.begins_with``) or a raw ``SortKey`` condition. Returns up
        to ``limit`` items (one DynamoDB page when ``limit`` is None) and a signed cursor.
        """
        _check_limit("limit", limit)
        base, context = self._query_base(
            model, index, sk, filter, projection, consistent, reverse, key
        )
        # A paginated query (limit= or cursor=) exists to hand out cursors: a missing secret
        # fails its first call, not the first call whose data happens to outgrow one page.
        if limit is not None or cursor is not None:
            self._secret()
        items: list[M] = []
        start = self._decode_cursor(cursor, context) if cursor else None
        remaining = limit
        while True:
            params = dict(base)
            if remaining is not None:
                params["Limit"] = remaining
            page_items, start = self._query_page(model, params, start, region)
            items += page_items
            if not start:
                break
            if limit is None:
                # One DynamoDB page, unless a filter (or other entities) emptied it: an empty
                # page with a cursor reads as "the end" to most callers, so read on.
                if items:
                    break
                continue
            remaining = limit - len(items)
            if remaining <= 0:
                break
        next_cursor = self._encode_cursor(start, context) if start else None
        return Page(items, next_cursor, self.last_region)

    def query_all(
        self,
        model: type[M],
        *,
        sk: Condition | KeyCondition | None = None,
        filter: Condition | None = None,
        index: str | None = None,
        reverse: bool = False,
        consistent: bool = False,
        projection: Sequence[Attribute[Any] | str] | None = None,
        page_size: int | None = None,
        region: str | None = None,
        **key: Any,
    ) -> Iterator[M]:
        """Every item of ``model`` in the queried range, lazily, page after page.

        Same key arguments as ``query``; ``LastEvaluatedKey`` is followed inside the library,
        so no cursor (and no cursor secret) is involved: for server-side iteration only.
        ``page_size`` sets DynamoDB's ``Limit`` per request (default: 1 MB pages). Arguments
        are checked when called; requests are made as the iterator is consumed."""
        _check_limit("page_size", page_size)
        params, _ = self._query_base(
            model, index, sk, filter, projection, consistent, reverse, key, page_size=page_size
        )
        return self._iter_pages(model, params, region)

    def _iter_pages(
        self, model: type[M], params: dict[str, Any], region: str | None
    ) -> Iterator[M]:
        start: dict[str, Wire] | None = None
        while True:
            items, start = self._query_page(model, params, start, region)
            yield from items
            if not start:
                return

    def _query_page(
        self,
        model: type[M],
        params: dict[str, Any],
        start: Mapping[str, Wire] | None,
        region: str | None,
    ) -> tuple[list[M], dict[str, Wire] | None]:
        """One Query request from ``start``: the items of ``model`` and the next start key."""
        if start:
            params = {**params, "ExclusiveStartKey": start}
        response = self._request("query", params, write=False, region=region)
        entity = model.__entity__
        items = [
            model.from_item(raw)
            for raw in response.get("Items", ())
            if entity is None or raw.get(ENTITY_ATTR, {}).get("S") == entity
        ]
        return items, response.get("LastEvaluatedKey")

    def query_collection(
        self,
        model: type[Model],
        *,
        models: Iterable[type[Model]],
        sk: Condition | KeyCondition | None = None,
        index: str | None = None,
        limit: int | None = None,
        consistent: bool = False,
        reverse: bool = False,
        region: str | None = None,
        **key: Any,
    ) -> list[Model]:
        """Read a whole item collection (every item sharing the partition key of ``model``'s
        key template) and return typed instances chosen by each item's ``entity``.
        Items of entities not in ``models`` are skipped."""
        _check_limit("limit", limit)
        registry = {m.__entity__: m for m in models if m.__entity__}
        params, _ = self._query_base(
            model, index, sk, None, None, consistent, reverse, key, whole_partition=sk is None
        )
        out: list[Model] = []
        start = None
        while True:
            if start:
                params["ExclusiveStartKey"] = start
            if limit is not None:
                params["Limit"] = limit - len(out)
            response = self._request("query", params, write=False, region=region)
            for raw in response.get("Items", ()):
                cls = registry.get(raw.get(ENTITY_ATTR, {}).get("S"))
                if cls is not None:
                    out.append(cls.from_item(raw))
            start = response.get("LastEvaluatedKey")
            if not start or (limit is not None and len(out) >= limit):
                break
        return out

    def scan(
        self,
        model: type[M],
        *,
        filter: Condition | None = None,
        segments: int = 1,
        limit: int | None = None,
        index: str | None = None,
        consistent: bool = False,
        projection: Sequence[Attribute[Any] | str] | None = None,
        region: str | None = None,
    ) -> list[M]:
        """Scan the table (or ``index``) for items of ``model``; ``segments > 1`` runs a
        parallel scan with one thread per segment."""
        _check_limit("limit", limit)
        params = self._scan_params(model, filter, index, consistent, projection)

        def run(segment: int | None) -> list[M]:
            p = dict(params)
            if segment is not None:
                p["Segment"], p["TotalSegments"] = segment, segments
            out: list[M] = []
            while True:
                response = self._request("scan", p, write=False, region=region)
                out.extend(model.from_item(raw) for raw in response.get("Items", ()))
                start = response.get("LastEvaluatedKey")
                if not start or (limit is not None and len(out) >= limit):
                    return out
                p["ExclusiveStartKey"] = start

        if segments <= 1:
            results = run(None)
        else:
            with ThreadPoolExecutor(max_workers=segments) as pool:
                results = [x for part in pool.map(run, range(segments)) for x in part]
        return results[:limit] if limit is not None else results

    def count(
        self,
        model: type[Model],
        *,
        filter: Condition | None = None,
        sk: Condition | KeyCondition | None = None,
        index: str | None = None,
        consistent: bool = False,
        segments: int = 1,
        region: str | None = None,
        **key: Any,
    ) -> int:
        """Count items of ``model`` (``Select=COUNT``, every page summed).

        A query when key attributes are given or when the partition-key template of the
        table/``index`` needs none (``Keys(pk="ROOMS", ...)``: one known partition); a scan,
        filtered by entity, otherwise."""
        entity_cond = _entity_condition(model) if model.__entity__ is not None else None
        op = "query" if key or not model.index_keys(index).pk.fields else "scan"
        if op == "query":
            cond = all_of([filter, entity_cond])
            params, _ = self._query_base(model, index, sk, cond, None, consistent, False, key)
        else:
            params = self._scan_params(model, filter, index, consistent, None)
        params["Select"] = "COUNT"
        params.pop("ProjectionExpression", None)

        def run(segment: int | None) -> int:
            p = dict(params)
            if segment is not None:
                p["Segment"], p["TotalSegments"] = segment, segments
            total = 0
            while True:
                response = self._request(op, p, write=False, region=region)
                total += int(response.get("Count", 0))
                start = response.get("LastEvaluatedKey")
                if not start:
                    return total
                p["ExclusiveStartKey"] = start

        if op == "scan" and segments > 1:
            with ThreadPoolExecutor(max_workers=segments) as pool:
                return sum(pool.map(run, range(segments)))
        return run(None)

    # ------------------------------------------------------------------ batches
    def batch_get(
        self, refs: Iterable[KeyRef], *, consistent: bool = False, region: str | None = None
    ) -> list[Model]:
        """Read many items (chunks of 100, unprocessed keys retried with jittered
        exponential backoff). Returns the found items in request order."""
        wanted: list[tuple[type[Model], tuple[str, ...]]] = []
        keys_by_id: dict[tuple[str, ...], Item] = {}
        for ref in refs:
            model, key_item = _ref_key(ref)
            ident = _key_ident(key_item)
            wanted.append((model, ident))
            keys_by_id.setdefault(ident, key_item)
        found: dict[tuple[str, ...], Mapping[str, Wire]] = {}
        all_keys = list(keys_by_id.values())
        for chunk in _chunks(all_keys, 100):
            request = {self.name: {"Keys": chunk, "ConsistentRead": consistent}}
            for response in self._with_unprocessed(
                "batch_get_item", request, "UnprocessedKeys", False, region
            ):
                for raw in response.get("Responses", {}).get(self.name, ()):
                    found[_key_ident(_key_of(raw, all_keys[0]))] = raw
        out: list[Model] = []
        for model, ident in wanted:
            raw = found.get(ident)
            if raw is not None:
                out.append(model.from_item(raw))
        return out

    def batch_save(self, objs: Iterable[Model], *, region: str | None = None) -> None:
        """Put many items (chunks of 25, unprocessed items retried). Every item is validated
        before the first request. Batch writes cannot be conditional: versioned items get
        their version incremented without a check."""
        items: list[Item] = []
        errors: list[FieldError] = []
        objects = list(objs)
        for i, obj in enumerate(objects):
            vf = type(obj).__version_field__
            version = (obj.__dict__.get(vf) or 0) + 1 if vf is not None else None
            try:
                item = obj.prepare_save(version=version)
            except ValidationError as exc:
                errors.extend(FieldError(f"[{i}].{e.path}", e.message) for e in exc.errors)
                continue
            items.append(item)
        if errors:
            raise ValidationError(errors)
        requests = [{"PutRequest": {"Item": item}} for item in items]
        key_items = [
            {a: item[a] for a, _ in type(obj).primary_keys().templates()}
            for obj, item in zip(objects, items, strict=True)
        ]
        self._batch_write(requests, key_items, region)
        for obj in objects:
            vf = type(obj).__version_field__
            if vf is not None:
                obj.__dict__[vf] = (obj.__dict__.get(vf) or 0) + 1

    def batch_delete(self, refs: Iterable[KeyRef], *, region: str | None = None) -> None:
        """Delete many items by instance or ``(Model, key)`` (chunks of 25, retried)."""
        keys = [_ref_key(ref)[1] for ref in refs]
        self._batch_write([{"DeleteRequest": {"Key": k}} for k in keys], keys, region)

    def _batch_write(
        self, requests: list[dict[str, Any]], keys: list[Item], region: str | None
    ) -> None:
        idents = [_key_ident(k) for k in keys]
        if len(set(idents)) != len(idents):
            raise ValidationError("a batch write contains the same key twice")
        for chunk_start in range(0, len(requests), 25):
            chunk = requests[chunk_start : chunk_start + 25]
            for _ in self._with_unprocessed(
                "batch_write_item", {self.name: chunk}, "UnprocessedItems", True, region
            ):
                pass

    def _with_unprocessed(
        self, op: str, request: dict[str, Any], field_name: str, write: bool, region: str | None
    ) -> Iterator[dict[str, Any]]:
        pending: dict[str, Any] = request
        for attempt in range(self.batch_max_attempts):
            response = self._request(op, {"RequestItems": pending}, write=write, region=region)
            yield response
            pending = response.get(field_name) or {}
            if not pending:
                return
            if attempt + 1 < self.batch_max_attempts:
                ceiling = min(self.batch_backoff_cap, self.batch_backoff * (2**attempt))
                time.sleep(random.uniform(0, ceiling))  # full jitter
        raise Throttled(
            f"{op}: items still unprocessed after {self.batch_max_attempts} attempts",
            unprocessed=pending,
        )

    # ------------------------------------------------------------------ transactions
    def transact_write(
        self,
        ops: Sequence[TransactOp],
        *,
        token: str | None = None,
        region: str | None = None,
    ) -> None:
        """Write up to 100 operations (``Put``, ``Create``, ``Update``, ``Delete``,
        ``ConditionCheck``) atomically. ``TransactionCancelled.reasons`` says which item
        failed and why."""
        if not ops or len(ops) > 100:
            raise ValidationError("a transaction takes 1 to 100 operations")
        built = [op.build(self) for op in ops]
        _check_transaction(ops, built)
        params: dict[str, Any] = {"TransactItems": built}
        if token:
            params["ClientRequestToken"] = token
        try:
            self._request("transact_write_items", params, write=True, region=region)
        except TransactionCancelled as exc:
            raise _cancelled(ops, exc) from exc.original
        for op in ops:
            op.commit()

    def transact_get(self, gets: Sequence[Get], *, region: str | None = None) -> list[Model | None]:
        """Read up to 100 items atomically; ``None`` for missing items, in request order."""
        if not gets or len(gets) > 100:
            raise ValidationError("a transaction takes 1 to 100 operations")
        params = {"TransactItems": [g.build(self) for g in gets]}
        try:
            response = self._request("transact_get_items", params, write=False, region=region)
        except TransactionCancelled as exc:
            raise _cancelled(gets, exc) from exc.original
        out: list[Model | None] = []
        for g, result in zip(gets, response.get("Responses", ()), strict=False):
            raw = result.get("Item")
            out.append(g.model.from_item(raw) if raw else None)
        return out

    # ------------------------------------------------------------------ helpers
    def _key_condition(
        self,
        model: type[Model],
        keys: Keys,
        strings: dict[str, str],
        sk: Condition | KeyCondition | None,
        b: ExpressionBuilder,
        *,
        whole_partition: bool = False,
    ) -> str:
        errors = [
            FieldError(n, "is required to query (partition key)")
            for n in keys.pk.fields
            if n not in strings
        ]
        used = set(keys.pk.fields) | set(keys.sk.fields if keys.sk else ())
        errors += [
            FieldError(n, "is not part of the key; use filter=") for n in strings if n not in used
        ]
        if errors:
            raise ValidationError(errors, model=model.__name__)
        pk_value = keys.pk.render(strings)
        expression = f"{b.name(keys.pk_attr)} = {b.value({'S': pk_value})}"
        key_condition = None if whole_partition else _sort_condition(model, keys, strings, sk)
        if key_condition is not None:
            assert keys.sk_attr is not None
            expression += f" AND {key_condition.compile(b, keys.sk_attr)}"
        return expression

    def _query_base(
        self,
        model: type[Model],
        index: str | None,
        sk: Condition | KeyCondition | None,
        filter: Condition | None,
        projection: Sequence[Attribute[Any] | str] | None,
        consistent: bool,
        reverse: bool,
        key: Mapping[str, Any],
        *,
        page_size: int | None = None,
        whole_partition: bool = False,
    ) -> tuple[dict[str, Any], str]:
        keys = model.index_keys(index)
        strings = model.key_strings(key)
        b = ExpressionBuilder()
        params: dict[str, Any] = {"TableName": self.name}
        if index:
            params["IndexName"] = index
        if consistent:
            params["ConsistentRead"] = True
        params["KeyConditionExpression"] = self._key_condition(
            model, keys, strings, sk, b, whole_partition=whole_partition
        )
        if filter is not None:
            params["FilterExpression"] = filter.compile(b)
        if projection:
            params["ProjectionExpression"] = _projection([*projection, ENTITY_ATTR], b)
        if reverse:
            params["ScanIndexForward"] = False
        if page_size is not None:
            params["Limit"] = page_size
        params.update(b.params())
        context = "|".join(
            [self.name, index or "", model.__entity__ or model.__name__, keys.pk.render(strings)]
        )
        return params, context

    def _scan_params(
        self,
        model: type[Model],
        filter: Condition | None,
        index: str | None,
        consistent: bool,
        projection: Sequence[Attribute[Any] | str] | None,
    ) -> dict[str, Any]:
        b = ExpressionBuilder()
        params: dict[str, Any] = {"TableName": self.name}
        if index:
            params["IndexName"] = index
        if consistent:
            params["ConsistentRead"] = True
        cond = all_of([_entity_condition(model) if model.__entity__ else None, filter])
        if cond is not None:
            params["FilterExpression"] = cond.compile(b)
        if projection:
            params["ProjectionExpression"] = _projection(projection, b)
        params.update(b.params())
        return params

    def _secret(self) -> bytes:
        secret = self._cursor_secret
        if secret is None and self._cursor_secret_source is not None:
            with self._secret_lock:  # one fetch per Table, however many threads page at once
                secret = self._cursor_secret
                if secret is None:
                    # An exception from the callable propagates and nothing is cached: the
                    # next cursor operation calls it again.
                    secret = _secret_bytes(self._cursor_secret_source())
                    if not secret:
                        raise ConfigurationError("cursor_secret callable returned an empty key")
                    self._cursor_secret = secret
        if not secret:
            raise ConfigurationError(
                "pagination cursors need a secret: set DYNAMODEL_CURSOR_SECRET or pass "
                "cursor_secret= to Table (query_all() reads every page without a cursor)"
            )
        return secret

    def _encode_cursor(self, key: Mapping[str, Wire], context: str) -> str:
        return encode_cursor(key, self._secret(), context)

    def _decode_cursor(self, cursor: str, context: str) -> dict[str, Wire]:
        return decode_cursor(cursor, self._secret(), context)


# ---------------------------------------------------------------------- module helpers


MAX_TRANSACTION_BYTES = 4 * 1024 * 1024


def _check_transaction(ops: Sequence[TransactOp], built: Sequence[Mapping[str, Any]]) -> None:
    """What DynamoDB refuses in TransactWriteItems: two operations on one item, and more
    than 4 MB of items in all."""
    from pydynamodel.serialization import item_size

    seen: dict[tuple[str, tuple[str, ...]], int] = {}
    total = 0
    for i, (op, entry) in enumerate(zip(ops, built, strict=True)):
        ((kind, params),) = entry.items()
        if kind == "Put":
            item = params["Item"]
            key = {a: item[a] for a, _ in op.model.primary_keys().templates()}
            total += item_size(item)
        else:
            key = params["Key"]
            total += item_size(key)
        ident = (params["TableName"], _key_ident(key))
        if ident in seen:
            raise ValidationError(
                [FieldError(f"[{i}]", f"touches the same item as operation [{seen[ident]}]")]
            )
        seen[ident] = i
    if total > MAX_TRANSACTION_BYTES:
        raise ValidationError(
            [FieldError("", f"the transaction carries {total} bytes of items; 4 MB at most")]
        )


UPDATE_ATTEMPTS = 3
"""Attempts of an update whose index key is rebuilt from stored attributes that another
writer changed in between (its condition on them failed)."""


def _guards_moved(guards: Mapping[str, Wire | None], exc: ConditionFailed) -> bool:
    """Whether the failed update's stored index attributes differ from those it was built on
    (known only when the server returned the item: ReturnValuesOnConditionCheckFailure)."""
    if not guards:
        return False
    response = getattr(exc.original, "response", None) or {}
    current = response.get("Item")
    if not current:
        return False
    return any(current.get(n) != wire for n, wire in guards.items())


def _check_limit(name: str, limit: int | None) -> None:
    """DynamoDB's Limit is at least 1; botocore would refuse 0 with its own exception type."""
    if limit is not None and limit < 1:
        raise ValidationError([FieldError(name, f"must be at least 1, got {limit}")])


MAX_EXPRESSION_BYTES = 4096
_EXPRESSIONS = (
    "KeyConditionExpression",
    "FilterExpression",
    "ConditionExpression",
    "UpdateExpression",
    "ProjectionExpression",
)


def _check_expressions(params: Mapping[str, Any]) -> None:
    """DynamoDB refuses any expression string over 4 KB (placeholders count as written)."""
    for name in _EXPRESSIONS:
        text = params.get(name)
        if text is not None and len(text.encode("utf-8")) > MAX_EXPRESSION_BYTES:
            raise ValidationError(
                [FieldError(name, f"is {len(text.encode())} bytes; DynamoDB allows 4 KB (4096)")]
            )


def _secret_bytes(secret: str | bytes | None) -> bytes | None:
    if secret is None or isinstance(secret, bytes):
        return secret
    if isinstance(secret, str):
        return secret.encode()
    raise ConfigurationError(f"a cursor secret is str or bytes, not {type(secret).__name__}")


def _add_condition(params: dict[str, Any], condition: Condition | None) -> None:
    if condition is None:
        return
    b = ExpressionBuilder()
    params["ConditionExpression"] = condition.compile(b)
    params.update(b.params())


def _entity_condition(model: type[Model]) -> Condition:
    return Compare((ENTITY_ATTR,), "=", {"S": model.__entity__})


def _projection(projection: Sequence[Attribute[Any] | str], b: ExpressionBuilder) -> str:
    parts: list[str] = []
    for p in projection:
        if isinstance(p, Attribute):
            parts.append(b.path(p.path))
        else:
            parts.append(b.name(p))
    return ", ".join(dict.fromkeys(parts))


def _compile_action(action: UpdateAction, errors: list[FieldError]) -> UpdateAction | None:
    """Validate, transform and serialize the value of one update action, as a save would
    validate the attribute (``None``: refused, the reason is in ``errors``; or a no-op)."""
    from pydynamodel.fields import Any_

    kind = action.kind
    # Actions the library builds itself (version, timestamps, index keys) are already wire.
    if kind == "remove" or (action.value is not None and kind != "increment"):
        return action
    attr: Attribute[Any] = action.attr if action.attr is not None else Any_()
    value = action.raw
    path = path_str(action.path)
    if kind in ("set", "set_if_not_exists"):
        if value is None:
            if kind == "set" and not attr.required:
                return action.replace(kind="remove")
            errors.append(FieldError(path, "is required"))
            return None
        if attr.set_transform is not None:
            value = attr.set_transform(value)
        if isinstance(value, set | frozenset) and not value:
            # DynamoDB has no empty set: an empty set is an absent attribute, as in a save.
            return action.replace(kind="remove") if kind == "set" else None
        before = len(errors)
        attr.validate(value, path, errors)
        if len(errors) > before:
            return None
        return action.replace(value=attr.dump(value), raw=value)
    if kind in ("append", "prepend"):
        from pydynamodel.fields import List, _validate_element

        if not isinstance(attr, List | Any_):
            errors.append(FieldError(path, f"cannot {kind} to a {attr.type_name} attribute"))
            return None
        element = attr.element()
        before = len(errors)
        for i, item in enumerate(value):
            _validate_element(element, item, f"{path}[{i}]", errors)
        if len(errors) > before:
            return None
        return action.replace(value={"L": [element.dump(v) for v in value]})
    if kind in ("add", "delete") and isinstance(value, set | frozenset):
        return _compile_set_change(action, attr, value, path, errors)
    if kind in ("add", "increment"):
        problem = _number_change_problem(attr, value)
        if problem is not None:
            errors.append(FieldError(path, problem))
            return None
        return action.replace(value={"N": number_str(value)})
    errors.append(FieldError(path, f"cannot {kind} a {type(value).__name__}"))
    return None


def _compile_set_change(
    action: UpdateAction,
    attr: Attribute[Any],
    value: set[Any] | frozenset[Any],
    path: str,
    errors: list[FieldError],
) -> UpdateAction | None:
    """``ADD``/``DELETE`` of set members: the members are validated as the set attribute's."""
    from pydynamodel.fields import Any_, _SetAttribute
    from pydynamodel.serialization import check_set, dump_any

    if not value:
        return None  # adding or deleting no members changes nothing
    before = len(errors)
    if isinstance(attr, _SetAttribute):
        attr.validate(value, path, errors)
        wire = attr.dump(value) if len(errors) == before else None
    elif isinstance(attr, Any_):
        check_set(value, path, errors)
        wire = dump_any(value) if len(errors) == before else None
    else:
        errors.append(FieldError(path, f"cannot {action.kind} a set to a {attr.type_name}"))
        wire = None
    return None if wire is None else action.replace(value=wire)


def _number_change_problem(attr: Attribute[Any], by: Any) -> str | None:
    """Why ``by`` cannot be added to ``attr`` (``None`` if it can): the attribute holds a
    number, ``by`` is a number of the attribute's type, and DynamoDB can store it."""
    from decimal import Decimal

    from pydynamodel.fields import Any_, DateTime, Float, Int
    from pydynamodel.fields import Decimal as DecimalField
    from pydynamodel.serialization import number_problem

    if isinstance(by, bool) or not isinstance(by, int | float | Decimal):
        return f"expected a number to add, got {type(by).__name__}"
    if isinstance(attr, Int | DateTime) and attr.dynamo_type == "N":
        if not isinstance(by, int):  # Int, Version, TTL and epoch timestamps hold integers
            return f"expected int, got {type(by).__name__}: the stored value must stay an int"
    elif isinstance(attr, Float):
        if isinstance(by, Decimal):
            return "expected float or int, got Decimal"
    elif not isinstance(attr, DecimalField | Any_):
        return f"cannot add a number to a {attr.type_name} attribute"
    return number_problem(by)


def _sort_condition(
    model: type[Model],
    keys: Keys,
    strings: Mapping[str, str],
    sk: Condition | KeyCondition | None,
) -> KeyCondition | None:
    if isinstance(sk, KeyCondition):
        return sk
    template = keys.sk
    if template is None:
        if sk is not None:
            raise ValidationError(f"{model.__name__}: this key has no sort key")
        return None
    if sk is None:
        prefix, missing = template.render_prefix(strings)
        if missing is None:
            return KeyCondition("=", prefix)
        return KeyCondition("begins_with", prefix) if prefix else None
    path: tuple[Any, ...] = getattr(sk, "path", ())
    name = path[0] if len(path) == 1 else None
    last_field = template.parts[-1][1] if template.parts else None
    if name is None or name != last_field:
        raise ValidationError(
            f"{model.__name__}: sk= must be a condition on {last_field!r}, the last attribute "
            f"of the sort-key template {template.text!r}, or a SortKey condition"
        )
    prefix, missing = template.render_prefix(strings)
    if missing != name:
        raise ValidationError(f"{model.__name__}: give {missing!r} to query by {name!r}")
    attr = model.__fields__[name]
    if isinstance(sk, Compare) and sk.op in ("=", "<", "<=", ">", ">="):
        return KeyCondition(sk.op, prefix + attr.key_str(sk.raw))
    if isinstance(sk, Between):
        low, high = sk.raw
        return KeyCondition("between", prefix + attr.key_str(low), prefix + attr.key_str(high))
    if isinstance(sk, Function) and sk.func == "begins_with":
        return KeyCondition("begins_with", prefix + str(sk.raw))
    raise ValidationError("sort-key conditions: ==, <, <=, >, >=, between, begins_with")


def _ref_key(ref: KeyRef) -> tuple[type[Model], Item]:
    if isinstance(ref, Model):
        return type(ref), ref.key_item()
    model, key = ref
    return model, model.key_for(key)


def _key_ident(key: Mapping[str, Wire]) -> tuple[str, ...]:
    return tuple(f"{k}={next(iter(v.values()))}" for k, v in sorted(key.items()))


def _key_of(item: Mapping[str, Wire], template: Mapping[str, Wire]) -> dict[str, Wire]:
    return {k: item[k] for k in template if k in item}


def _chunks(values: list[Any], size: int) -> Iterator[list[Any]]:
    for i in range(0, len(values), size):
        yield values[i : i + size]


def _old_item(model: type[Model], exc: ConditionFailed) -> Model | None:
    response = getattr(exc.original, "response", None) or {}
    raw = response.get("Item")
    if not raw:
        return None
    try:
        loaded: Model = model.from_item(raw)
    except ValidationError:
        return None
    return loaded


def _conflict_or_failed(
    model: type[Model], exc: ConditionFailed, current: Model | None, expected: Mapping[str, Any]
) -> ConditionFailed:
    vf = model.__version_field__
    if vf is not None and current is not None:
        want = expected.get(vf)
        have = current.__dict__.get(vf)
        if want is not None and want != have:
            return VersionConflict(
                f"{model.__name__} version conflict: expected {want}, stored {have}",
                item=current,
                original=exc.original,
            )
    if vf is not None and current is None and expected.get(vf) is not None:
        return VersionConflict(
            f"{model.__name__} version conflict: item no longer exists",
            item=None,
            original=exc.original,
        )
    return ConditionFailed(exc.message, item=current, original=exc.original)


def _cancelled(ops: Sequence[Any], exc: TransactionCancelled) -> TransactionCancelled:
    response = getattr(exc.original, "response", None) or {}
    raw_reasons = response.get("CancellationReasons") or []
    reasons: list[CancellationReason] = []
    for i, op in enumerate(ops):
        raw = raw_reasons[i] if i < len(raw_reasons) else {}
        code = raw.get("Code")
        reasons.append(
            CancellationReason(
                index=i,
                operation=type(op).__name__,
                model=op.model.__name__,
                key=op.key_values(),
                code=None if code in (None, "None") else str(code),
                message=raw.get("Message"),
            )
        )
    return TransactionCancelled(reasons, original=exc.original)
