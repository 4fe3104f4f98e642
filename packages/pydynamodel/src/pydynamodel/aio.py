"""``AsyncTable``: the ``Table`` API as coroutines.

boto3 is synchronous, so every call runs in a bounded thread pool owned by the AsyncTable
(``loop.run_in_executor``): the event loop never blocks, up to ``max_concurrency`` requests
are in flight at once, and no extra package (aioboto3/aiobotocore) is needed in Lambda.
"""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING, Any, TypeVar

from pydynamodel.builders import query_base
from pydynamodel.model import Model
from pydynamodel.table import Table

if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Callable, Iterable, Mapping, Sequence
    from concurrent.futures import ThreadPoolExecutor

    from pydynamodel.conditions import Condition, KeyCondition, UpdateAction
    from pydynamodel.fields import Attribute
    from pydynamodel.serialization import Wire
    from pydynamodel.table import KeyRef, Page
    from pydynamodel.transactions import Get, TransactOp

M = TypeVar("M", bound=Model)
R = TypeVar("R")


class AsyncTable:
    """Awaitable twin of :class:`Table` (same methods and arguments).

    ``AsyncTable(table)`` wraps an existing Table; ``AsyncTable.from_env(...)`` and
    ``AsyncTable.connect(name, regions, endpoint_url, ...)`` take ``Table`` arguments.
    """

    def __init__(self, table: Table, *, max_concurrency: int = 16) -> None:
        self.table = table
        self.max_concurrency = max_concurrency
        self._executor: ThreadPoolExecutor | None = None

    @classmethod
    def from_env(cls, *, max_concurrency: int = 16, **overrides: Any) -> AsyncTable:
        overrides.setdefault("max_pool_connections", max(max_concurrency, 10))
        return cls(Table.from_env(**overrides), max_concurrency=max_concurrency)

    @classmethod
    def connect(cls, name: str, *args: Any, max_concurrency: int = 16, **kwargs: Any) -> AsyncTable:
        """``AsyncTable.connect(name, regions, endpoint_url, ...)`` builds the Table too."""
        kwargs.setdefault("max_pool_connections", max(max_concurrency, 10))
        return cls(Table(name, *args, **kwargs), max_concurrency=max_concurrency)

    @property
    def name(self) -> str:
        return self.table.name

    def _pool(self) -> ThreadPoolExecutor:
        if self._executor is None:
            from concurrent.futures import ThreadPoolExecutor

            self._executor = ThreadPoolExecutor(
                max_workers=self.max_concurrency, thread_name_prefix="pydynamodel"
            )
        return self._executor

    async def _run(self, fn: Callable[..., R], *args: Any, **kwargs: Any) -> R:
        import asyncio  # imported lazily: keeps `import pydynamodel` cheap for sync handlers

        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._pool(), functools.partial(fn, *args, **kwargs))

    def close(self) -> None:
        """Shut the thread pool down (it is recreated on the next call)."""
        if self._executor is not None:
            self._executor.shutdown(wait=False)
            self._executor = None

    async def __aenter__(self) -> AsyncTable:
        return self

    async def __aexit__(self, *exc: object) -> None:
        self.close()

    # ------------------------------------------------------------------ writes
    async def create(
        self, obj: M, *, condition: Condition | None = None, region: str | None = None
    ) -> M:
        return await self._run(self.table.create, obj, condition=condition, region=region)

    async def save(
        self, obj: M, *, condition: Condition | None = None, region: str | None = None
    ) -> M:
        return await self._run(self.table.save, obj, condition=condition, region=region)

    async def update(
        self,
        model: type[M],
        key: Mapping[str, Any],
        *actions: UpdateAction,
        condition: Condition | None = None,
        expected_version: int | None = None,
        upsert: bool = False,
        region: str | None = None,
    ) -> M:
        return await self._run(
            self.table.update,
            model,
            key,
            *actions,
            condition=condition,
            expected_version=expected_version,
            upsert=upsert,
            region=region,
        )

    async def delete(
        self,
        target: M | type[M],
        *,
        condition: Condition | None = None,
        expected_version: int | None = None,
        region: str | None = None,
        **key: Any,
    ) -> None:
        await self._run(
            self.table.delete,
            target,
            condition=condition,
            expected_version=expected_version,
            region=region,
            **key,
        )

    # ------------------------------------------------------------------ reads
    async def get(
        self,
        model: type[M],
        *,
        consistent: bool = False,
        projection: Sequence[Attribute[Any] | str] | None = None,
        region: str | None = None,
        **key: Any,
    ) -> M:
        return await self._run(
            self.table.get,
            model,
            consistent=consistent,
            projection=projection,
            region=region,
            **key,
        )

    async def find(
        self,
        model: type[M],
        *,
        consistent: bool = False,
        projection: Sequence[Attribute[Any] | str] | None = None,
        region: str | None = None,
        **key: Any,
    ) -> M | None:
        return await self._run(
            self.table.find,
            model,
            consistent=consistent,
            projection=projection,
            region=region,
            **key,
        )

    async def query(
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
        return await self._run(
            self.table.query,
            model,
            sk=sk,
            filter=filter,
            index=index,
            limit=limit,
            cursor=cursor,
            reverse=reverse,
            consistent=consistent,
            projection=projection,
            region=region,
            **key,
        )

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
    ) -> AsyncIterator[M]:
        """``async for item in atable.query_all(Model, **key)``: every item, one page request
        at a time in the pool (see ``Table.query_all``; arguments are checked when called)."""
        params, _ = query_base(
            self.table.name,
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

    async def _iter_pages(
        self, model: type[M], params: dict[str, Any], region: str | None
    ) -> AsyncIterator[M]:
        start: dict[str, Wire] | None = None
        while True:
            items, start = await self._run(self.table._query_page, model, params, start, region)
            for item in items:
                yield item
            if not start:
                return

    async def query_collection(
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
        return await self._run(
            self.table.query_collection,
            model,
            models=list(models),
            sk=sk,
            index=index,
            limit=limit,
            consistent=consistent,
            reverse=reverse,
            region=region,
            **key,
        )

    async def scan(
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
        return await self._run(
            self.table.scan,
            model,
            filter=filter,
            segments=segments,
            limit=limit,
            index=index,
            consistent=consistent,
            projection=projection,
            region=region,
        )

    async def count(
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
        return await self._run(
            self.table.count,
            model,
            filter=filter,
            sk=sk,
            index=index,
            consistent=consistent,
            segments=segments,
            region=region,
            **key,
        )

    # ------------------------------------------------------------------ batches, transactions
    async def batch_get(
        self, refs: Iterable[KeyRef], *, consistent: bool = False, region: str | None = None
    ) -> list[Model]:
        return await self._run(
            self.table.batch_get, list(refs), consistent=consistent, region=region
        )

    async def batch_save(self, objs: Iterable[Model], *, region: str | None = None) -> None:
        await self._run(self.table.batch_save, list(objs), region=region)

    async def batch_delete(self, refs: Iterable[KeyRef], *, region: str | None = None) -> None:
        await self._run(self.table.batch_delete, list(refs), region=region)

    async def transact_write(
        self, ops: Sequence[TransactOp], *, token: str | None = None, region: str | None = None
    ) -> None:
        await self._run(self.table.transact_write, ops, token=token, region=region)

    async def transact_get(
        self, gets: Sequence[Get], *, region: str | None = None
    ) -> list[Model | None]:
        return await self._run(self.table.transact_get, gets, region=region)
