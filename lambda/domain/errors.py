"""Application errors: each carries the public error ``code`` of the error JSON contract and
its HTTP status, both from the contract's catalogue (``contract.errors``), so handlers map them
to responses without a lookup table and no class can carry an undeclared code."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

from contract.errors import status_of


@dataclass(frozen=True)
class FieldProblem:
    """One invalid input field: ``path`` like ``body.name`` or ``headers.If-Match``."""

    path: str
    message: str

    def to_json(self) -> dict[str, str]:
        return {"path": self.path, "message": self.message}


class AppError(Exception):
    """Base of every error a client may see; ``code`` is the contract's error code and
    ``status`` its HTTP status there (a subclass names only its code)."""

    code: ClassVar[str] = "InternalError"
    status: ClassVar[int] = status_of("InternalError")

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        cls.status = status_of(cls.code)  # KeyError: a code the contract does not declare

    def __init__(self, message: str, fields: list[FieldProblem] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.fields = fields or []


class BadRequest(AppError):
    code = "BadRequest"


class ValidationFailed(AppError):
    code = "ValidationFailed"


class Unauthorized(AppError):
    code = "Unauthorized"


class Forbidden(AppError):
    """The caller is known but may not do this (403)."""

    code = "Forbidden"


class NotFound(AppError):
    code = "NotFound"


class Conflict(AppError):
    code = "Conflict"


class PreconditionFailed(AppError):
    code = "PreconditionFailed"


class PayloadTooLarge(AppError):
    code = "PayloadTooLarge"


class PreconditionRequired(AppError):
    code = "PreconditionRequired"


class Throttled(AppError):
    code = "Throttled"


class ServiceUnavailable(AppError):
    """A dependency (DynamoDB, Secrets Manager) failed or did not answer within the time
    budget; the client may retry."""

    code = "ServiceUnavailable"
