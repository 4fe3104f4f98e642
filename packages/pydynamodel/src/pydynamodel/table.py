"""``Table``: the synchronous high-level API bound to one DynamoDB table in ordered regions.

It composes :mod:`pydynamodel.builders` (request parameters) and :mod:`pydynamodel.transport`
(clients, region failover, the breaker) and turns responses and failures into models and the
library's exceptions."""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from pydynamodel.builders import (
    MAX_EXPRESSION_BYTES,
    MAX_TRANSACTION_BYTES,
    KeyRef,
    check_expressions,
    check_limit,
    delete_params,
    projection_expression,
    put_params,
    query_base,
)
from pydynamodel.builders import compile_action as _compile_action
from pydynamodel.builders import sort_condition as _sort_condition
from pydynamodel.conditions import Condition, ExpressionBuilder, KeyCondition, UpdateAction
from pydynamodel.errors import (
    ConditionFailed,
    ConfigurationError,
    ItemExists,
    NotFound,
    ValidationError,
    VersionConflict,
)
from pydynamodel.model import ENTITY_ATTR, Item, Model
from pydynamodel.transport import (
    BREAKER_SECONDS,
    THROTTLE_CODES,
    RegionBreaker,
    Transport,
    env_breaker_seconds,
    env_endpoint,
    env_regions,
    map_client_error,
)

if TYPE_CHECKING:
    from botocore.config import Config
    from mypy_boto3_dynamodb import DynamoDBClient as BaseClient

    from pydynamodel.fields import Attribute
    from pydynamodel.serialization import Wire
    from pydynamodel.transactions import Get, TransactOp

__all__ = [
    "BREAKER_SECONDS",
    "MAX_EXPRESSION_BYTES",
    "MAX_TRANSACTION_BYTES",
    "THROTTLE_CODES",
    "UPDATE_ATTEMPTS",
    "CursorSecret",
    "KeyRef",
    "Page",
    "RegionBreaker",
    "Table",
    "_compile_action",
    "_sort_condition",
    "map_client_error",
]

M = TypeVar("M", bound=Model)

CursorSecret = str | bytes | Callable[[], str | bytes]
"""The cursor HMAC key, or a zero-argument callable returning it (fetched on first use)."""


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
        regions = list(regions) if regions else env_regions()
        if not regions:
            raise ConfigurationError("no region: pass regions= or set AWS_REGION")
        self.name = name
        source = cursor_secret or os.environ.get("DYNAMODEL_CURSOR_SECRET")
        # A callable is resolved on the first cursor encode/decode, so building a Table never
        # waits on (or fails with) a secret fetch that most requests do not need.
        self._cursor_secret_source = source if callable(source) else None
        self._cursor_secret = _secret_bytes(source) if not callable(source) else None
        self._secret_lock = threading.Lock()
        self.batch_max_attempts = batch_max_attempts
        self.batch_backoff = batch_backoff
        self.batch_backoff_cap = batch_backoff_cap
        config_args = {
            "connect_timeout": connect_timeout,
            "read_timeout": read_timeout,
            "retries": {"mode": retry_mode, "total_max_attempts": max_attempts},
            "max_pool_connections": max_pool_connections,
        }
        self._transport = Transport(
            regions, endpoint_url, config_args, config, RegionBreaker(breaker_seconds, clock)
        )

    @classmethod
    def from_env(cls, **overrides: Any) -> Table:
        """``TABLE_NAME``, ``TABLE_REGIONS`` (comma list, home first; default ``AWS_REGION``),
        ``DYNAMODB_ENDPOINT_URL`` (one URL, or ``region=url,region=url``),
        ``DYNAMODEL_BREAKER_SECONDS`` (default 30) and ``DYNAMODEL_CURSOR_SECRET``."""
        name = overrides.pop("name", None) or os.environ.get("TABLE_NAME")
        if not name:
            raise ConfigurationError("TABLE_NAME is not set")
        overrides.setdefault("regions", env_regions())
        if "breaker_seconds" not in overrides:
            overrides["breaker_seconds"] = env_breaker_seconds()
        if "endpoint_url" not in overrides:
            overrides["endpoint_url"] = env_endpoint()
        return cls(name, **overrides)

    def __repr__(self) -> str:
        return f"Table({self.name!r}, regions={self.regions!r})"

    # ------------------------------------------------------------------ transport
    # The regions, endpoints, breaker and clients live in the Transport; these delegate so
    # that reading or replacing them on the Table acts on the calls it makes.
    @property
    def regions(self) -> list[str]:
        return self._transport.regions

    @regions.setter
    def regions(self, regions: list[str]) -> None:
        self._transport.regions = regions

    @property
    def endpoint_url(self) -> str | Mapping[str, str] | None:
        return self._transport.endpoint_url

    @endpoint_url.setter
    def endpoint_url(self, endpoint_url: str | Mapping[str, str] | None) -> None:
        self._transport.endpoint_url = endpoint_url

    @property
    def breaker(self) -> RegionBreaker:
        return self._transport.breaker

    @breaker.setter
    def breaker(self, breaker: RegionBreaker) -> None:
        self._transport.breaker = breaker

    @property
    def home_region(self) -> str:
        return self._transport.home_region

    @property
    def last_region(self) -> str | None:
        """Region that served the last request made by the current thread."""
        return self._transport.last_region

    def client(self, region: str | None = None) -> BaseClient:
        """The cached low-level DynamoDB client for ``region`` (home by default)."""
        return self._transport.client(region)

    def _request(
        self, op: str, params: dict[str, Any], *, write: bool, region: str | None = None
    ) -> dict[str, Any]:
        # Expressions DynamoDB would refuse fail here, before any region is tried.
        check_expressions(params)
        for entry in params.get("TransactItems", ()):
            for part in entry.values():
                check_expressions(part)
        return self._transport.request(op, params, write=write, region=region)

    def _stored(self, key_item: Item, region: str | None) -> dict[str, Wire]:
        """The stored item, strongly consistent from the region the write goes to (``{}``
        if absent)."""
        params = {"TableName": self.name, "Key": key_item, "ConsistentRead": True}
        response = self._request("get_item", params, write=True, region=region)
        item: dict[str, Wire] = response.get("Item") or {}
        return item

    # ------------------------------------------------------------------ writes
    def create(self, obj: M, *, condition: Condition | None = None, region: str | None = None) -> M:
        """Put ``obj`` only if no item has its key; raises ``ItemExists`` otherwise."""
        params, commit = put_params(self.name, obj, condition, create=True)
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
        params, commit = put_params(self.name, obj, condition, create=False)
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
        from pydynamodel._updates import run_update

        return run_update(self, model, key, actions, condition, expected_version, upsert, region)

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
        model, _key_values, params = delete_params(
            self.name, target, key, condition, expected_version
        )
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
            params["ProjectionExpression"] = projection_expression(projection, b)
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
        check_limit("limit", limit)
        base, context = query_base(
            self.name, model, index, sk, filter, projection, consistent, reverse, key
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
        params, _ = query_base(
            self.name,
            model,
            index,
            sk,
            filter,
            projection,
            consistent,
            reverse,
            key,
            page_size=page_size,
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
        check_limit("limit", limit)
        from pydynamodel import _bulk

        return _bulk.query_collection(
            self, model, models, sk, index, limit, consistent, reverse, region, key
        )

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
        check_limit("limit", limit)
        from pydynamodel import _bulk

        return _bulk.scan(
            self, model, filter, segments, limit, index, consistent, projection, region
        )

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
        from pydynamodel import _bulk

        return _bulk.count(self, model, filter, sk, index, consistent, segments, region, key)

    # ------------------------------------------------------------------ batches
    def batch_get(
        self, refs: Iterable[KeyRef], *, consistent: bool = False, region: str | None = None
    ) -> list[Model]:
        """Read many items (chunks of 100, unprocessed keys retried with jittered
        exponential backoff). Returns the found items in request order."""
        from pydynamodel import _bulk

        return _bulk.batch_get(self, refs, consistent, region)

    def batch_save(self, objs: Iterable[Model], *, region: str | None = None) -> None:
        """Put many items (chunks of 25, unprocessed items retried). Every item is validated
        before the first request. Batch writes cannot be conditional: versioned items get
        their version incremented without a check."""
        from pydynamodel import _bulk

        _bulk.batch_save(self, objs, region)

    def batch_delete(self, refs: Iterable[KeyRef], *, region: str | None = None) -> None:
        """Delete many items by instance or ``(Model, key)`` (chunks of 25, retried)."""
        from pydynamodel import _bulk

        _bulk.batch_delete(self, refs, region)

    def _with_unprocessed(
        self, op: str, request: dict[str, Any], field_name: str, write: bool, region: str | None
    ) -> Iterator[dict[str, Any]]:
        return self._transport.with_unprocessed(
            op,
            request,
            field_name,
            write,
            region,
            max_attempts=self.batch_max_attempts,
            backoff=self.batch_backoff,
            backoff_cap=self.batch_backoff_cap,
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
        from pydynamodel.transactions import transact_write

        transact_write(self, ops, token, region)

    def transact_get(self, gets: Sequence[Get], *, region: str | None = None) -> list[Model | None]:
        """Read up to 100 items atomically; ``None`` for missing items, in request order."""
        from pydynamodel.transactions import transact_get

        return transact_get(self, gets, region)

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

    # The cursor module (HMAC, hashlib, base64) loads with the first paginated query.
    def _encode_cursor(self, key: Mapping[str, Wire], context: str) -> str:
        from pydynamodel.cursor import encode_cursor

        return encode_cursor(key, self._secret(), context)

    def _decode_cursor(self, cursor: str, context: str) -> dict[str, Wire]:
        from pydynamodel.cursor import decode_cursor

        return decode_cursor(cursor, self._secret(), context)


# ---------------------------------------------------------------------- module helpers


UPDATE_ATTEMPTS = 3
"""Attempts of an update whose index key is rebuilt from stored attributes that another
writer changed in between (its condition on them failed)."""


def _secret_bytes(secret: str | bytes | None) -> bytes | None:
    if secret is None or isinstance(secret, bytes):
        return secret
    if isinstance(secret, str):
        return secret.encode()
    raise ConfigurationError(f"a cursor secret is str or bytes, not {type(secret).__name__}")


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
