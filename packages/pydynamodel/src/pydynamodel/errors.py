"""Exception hierarchy: every error the library raises derives from :class:`DynamodelError`.

Errors mapped from a botocore ``ClientError`` keep it as ``__cause__`` and as ``.original``.
"""

from __future__ import annotations

from typing import Any


class DynamodelError(Exception):
    """Base class of every pydynamodel error."""

    def __init__(self, message: str, *, original: BaseException | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.original = original
        if original is not None:
            self.__cause__ = original


class ConfigurationError(DynamodelError):
    """Table name, regions, cursor secret or model definition is missing or wrong."""


class ModelDefinitionError(ConfigurationError, TypeError):
    """A model class is defined incorrectly (raised while the class statement runs)."""


class FieldError:
    """One failing field: ``path`` like ``address.zip`` or ``tags[2]``."""

    __slots__ = ("message", "path")

    def __init__(self, path: str, message: str) -> None:
        self.path = path
        self.message = message

    def __repr__(self) -> str:
        return f"FieldError({self.path!r}, {self.message!r})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, FieldError) and (self.path, self.message) == (
            other.path,
            other.message,
        )

    def __hash__(self) -> int:
        return hash((self.path, self.message))

    def __str__(self) -> str:
        return f"{self.path}: {self.message}"


class ValidationError(DynamodelError, ValueError):
    """Invalid data (raised before any request) or a DynamoDB ``ValidationException``.

    ``errors`` lists every failing field at once.
    """

    def __init__(
        self,
        errors: list[FieldError] | str,
        *,
        model: str | None = None,
        original: BaseException | None = None,
    ) -> None:
        if isinstance(errors, str):
            errors = [FieldError("", errors)]
        self.errors = errors
        self.model = model
        prefix = f"{model}: " if model else ""
        detail = "; ".join(str(e) if e.path else e.message for e in errors)
        super().__init__(f"{prefix}{detail}", original=original)

    @property
    def paths(self) -> list[str]:
        return [e.path for e in self.errors]


class ItemTooLarge(ValidationError):
    """The serialized item exceeds DynamoDB's 400 KB item size limit."""

    def __init__(self, size: int, limit: int, *, model: str | None = None) -> None:
        self.size = size
        self.limit = limit
        super().__init__(
            [FieldError("", f"item is {size} bytes, over the {limit} byte limit")], model=model
        )


class InvalidCursor(ValidationError):
    """A pagination cursor was malformed, tampered with, or belongs to another query."""

    def __init__(self, reason: str = "invalid pagination cursor") -> None:
        super().__init__([FieldError("cursor", reason)])


class NotFound(DynamodelError, LookupError):
    """The item does not exist."""

    def __init__(self, model: str, key: dict[str, Any]) -> None:
        self.model = model
        self.key = key
        super().__init__(f"{model} not found: {key}")


class ConditionFailed(DynamodelError):
    """A conditional write's condition evaluated to false.

    ``item`` holds the current item (as a model instance) when DynamoDB returned it.
    """

    def __init__(
        self, message: str, *, item: Any = None, original: BaseException | None = None
    ) -> None:
        super().__init__(message, original=original)
        self.item = item


class ItemExists(ConditionFailed):
    """``create`` found an item with the same key."""


class VersionConflict(ConditionFailed):
    """Optimistic locking: the stored version differs from the expected one."""


class CancellationReason:
    """Why one item of a transaction was cancelled (``code`` is ``None`` if it was not)."""

    __slots__ = ("code", "index", "key", "message", "model", "operation")

    def __init__(
        self,
        index: int,
        operation: str,
        model: str,
        key: dict[str, Any],
        code: str | None,
        message: str | None,
    ) -> None:
        self.index = index
        self.operation = operation
        self.model = model
        self.key = key
        self.code = code
        self.message = message

    def __repr__(self) -> str:
        return f"CancellationReason({self})"

    def __str__(self) -> str:
        return f"#{self.index} {self.operation} {self.model} {self.key}: {self.code} {self.message}"


class TransactionCancelled(DynamodelError):
    """A transaction was cancelled; ``reasons`` has one entry per item, in request order."""

    def __init__(
        self, reasons: list[CancellationReason], *, original: BaseException | None = None
    ) -> None:
        self.reasons = reasons
        failed = [r for r in reasons if r.code not in (None, "None")]
        detail = "; ".join(str(r) for r in failed) or "no reason given"
        super().__init__(f"transaction cancelled: {detail}", original=original)

    @property
    def failed(self) -> list[CancellationReason]:
        return [r for r in self.reasons if r.code not in (None, "None")]


class Throttled(DynamodelError):
    """DynamoDB throttled the request (after botocore's own retries) or left items unprocessed.

    ``unprocessed`` holds what a batch call could not finish.
    """

    def __init__(
        self, message: str, *, unprocessed: Any = None, original: BaseException | None = None
    ) -> None:
        super().__init__(message, original=original)
        self.unprocessed = unprocessed


class ServiceUnavailable(DynamodelError):
    """5xx answers or connection errors in every region tried."""


class TableNotFound(DynamodelError):
    """The table does not exist in the region."""
