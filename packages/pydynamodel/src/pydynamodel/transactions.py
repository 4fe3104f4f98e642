"""Transaction operations for ``Table.transact_write`` / ``Table.transact_get``, and those
two methods' bodies (a handler that makes no transaction does not compile them).

The request builders are imported where an operation is built (by the table, which has loaded
them): code that only constructs operations, like a Lambda handler's domain module at import,
does not compile them."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pydynamodel.conditions import Condition, ExpressionBuilder, UpdateAction
from pydynamodel.errors import CancellationReason, TransactionCancelled, ValidationError
from pydynamodel.model import Model

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

    from pydynamodel.fields import Attribute
    from pydynamodel.table import Table  # annotations only: table imports this module


class TransactOp:
    """Base of transaction write operations."""

    model: type[Model]

    def build(self, table: Table) -> dict[str, Any]:
        raise NotImplementedError

    def key_values(self) -> dict[str, Any]:
        raise NotImplementedError

    def commit(self) -> None:
        """Called after the transaction succeeded."""


class Put(TransactOp):
    """Put an item (version-checked for versioned models), optionally conditional."""

    create = False

    def __init__(self, obj: Model, *, condition: Condition | None = None) -> None:
        self.obj = obj
        self.model = type(obj)
        self.condition = condition
        self._commit: Any = None

    def build(self, table: Table) -> dict[str, Any]:
        from pydynamodel.builders import put_params

        params, self._commit = put_params(table.name, self.obj, self.condition, create=self.create)
        params["ReturnValuesOnConditionCheckFailure"] = "ALL_OLD"
        return {"Put": params}

    def key_values(self) -> dict[str, Any]:
        return self.obj.key()

    def commit(self) -> None:
        if self._commit is not None:
            self._commit()


class Create(Put):
    """Put an item only if its key does not exist yet."""

    create = True


class Update(TransactOp):
    """Update an existing item with actions (same rules as ``Table.update``)."""

    def __init__(
        self,
        model: type[Model],
        key: Mapping[str, Any],
        *actions: UpdateAction,
        condition: Condition | None = None,
        expected_version: int | None = None,
        upsert: bool = False,
    ) -> None:
        self.model = model
        self.key = dict(key)
        self.actions = actions
        self.condition = condition
        self.expected_version = expected_version
        self.upsert = upsert

    def build(self, table: Table) -> dict[str, Any]:
        from pydynamodel.builders import update_request

        params, _ = update_request(
            table.name,
            self.model,
            self.key,
            self.actions,
            self.condition,
            self.expected_version,
            self.upsert,
            lambda key_item: table._stored(key_item, None),
        )
        params["ReturnValuesOnConditionCheckFailure"] = "ALL_OLD"
        return {"Update": params}

    def key_values(self) -> dict[str, Any]:
        return self.key


class Delete(TransactOp):
    """Delete by instance (version-checked) or by ``(Model, key)``."""

    def __init__(
        self,
        target: Model | type[Model],
        key: Mapping[str, Any] | None = None,
        *,
        condition: Condition | None = None,
        expected_version: int | None = None,
    ) -> None:
        self.target = target
        self.model = type(target) if isinstance(target, Model) else target
        self.key = dict(key or {})
        self.condition = condition
        self.expected_version = expected_version

    def build(self, table: Table) -> dict[str, Any]:
        from pydynamodel.builders import delete_params

        _, key, params = delete_params(
            table.name, self.target, self.key, self.condition, self.expected_version
        )
        self.key = key
        if "ConditionExpression" in params:
            params["ReturnValuesOnConditionCheckFailure"] = "ALL_OLD"
        return {"Delete": params}

    def key_values(self) -> dict[str, Any]:
        if isinstance(self.target, Model):
            return self.target.key()
        return self.key


class ConditionCheck(TransactOp):
    """Require ``condition`` to hold on an item without writing it."""

    def __init__(self, model: type[Model], key: Mapping[str, Any], condition: Condition) -> None:
        self.model = model
        self.key = dict(key)
        self.condition = condition

    def build(self, table: Table) -> dict[str, Any]:
        b = ExpressionBuilder()
        params: dict[str, Any] = {
            "TableName": table.name,
            "Key": self.model.key_for(self.key),
            "ConditionExpression": self.condition.compile(b),
            "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
        }
        params.update(b.params())
        return {"ConditionCheck": params}

    def key_values(self) -> dict[str, Any]:
        return self.key


class Get:
    """One read of ``Table.transact_get``."""

    def __init__(
        self,
        model: type[Model],
        key: Mapping[str, Any],
        *,
        projection: Sequence[Attribute[Any] | str] | None = None,
    ) -> None:
        self.model = model
        self.key = dict(key)
        self.projection = projection

    def build(self, table: Table) -> dict[str, Any]:
        params: dict[str, Any] = {"TableName": table.name, "Key": self.model.key_for(self.key)}
        if self.projection:
            from pydynamodel.builders import projection_expression

            b = ExpressionBuilder()
            params["ProjectionExpression"] = projection_expression(self.projection, b)
            params.update(b.params())
        return {"Get": params}

    def key_values(self) -> dict[str, Any]:
        return self.key


def transact_write(
    table: Table, ops: Sequence[TransactOp], token: str | None, region: str | None
) -> None:
    """``Table.transact_write``."""
    from pydynamodel.builders import check_transaction

    if not ops or len(ops) > 100:
        raise ValidationError("a transaction takes 1 to 100 operations")
    built = [op.build(table) for op in ops]
    check_transaction([op.model for op in ops], built)
    params: dict[str, Any] = {"TransactItems": built}
    if token:
        params["ClientRequestToken"] = token
    try:
        table._request("transact_write_items", params, write=True, region=region)
    except TransactionCancelled as exc:
        raise _cancelled(ops, exc) from exc.original
    for op in ops:
        op.commit()


def transact_get(table: Table, gets: Sequence[Get], region: str | None) -> list[Model | None]:
    """``Table.transact_get``."""
    if not gets or len(gets) > 100:
        raise ValidationError("a transaction takes 1 to 100 operations")
    params = {"TransactItems": [g.build(table) for g in gets]}
    try:
        response = table._request("transact_get_items", params, write=False, region=region)
    except TransactionCancelled as exc:
        raise _cancelled(gets, exc) from exc.original
    out: list[Model | None] = []
    for g, result in zip(gets, response.get("Responses", ()), strict=False):
        raw = result.get("Item")
        out.append(g.model.from_item(raw) if raw else None)
    return out


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
