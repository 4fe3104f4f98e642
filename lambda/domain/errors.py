"""Application errors: each carries the public error ``code`` and HTTP status of the error
JSON contract, so handlers map them to responses without a lookup table."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class FieldProblem:
    """One invalid input field: ``path`` like ``body.name`` or ``headers.If-Match``."""

    path: str
    message: str

    def to_json(self) -> dict[str, str]:
        return {"path": self.path, "message": self.message}


class AppError(Exception):
    """Base of every error a client may see; ``code`` is the contract's error code."""

    code = "InternalError"
    status = 500

    def __init__(self, message: str, fields: list[FieldProblem] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.fields = fields or []


class BadRequest(AppError):
    code = "BadRequest"
    status = 400


class ValidationFailed(AppError):
    code = "ValidationFailed"
    status = 400


class Unauthorized(AppError):
    code = "Unauthorized"
    status = 401


class Forbidden(AppError):
    """The caller is known but may not do this (403)."""

    code = "Forbidden"
    status = 403


class NotFound(AppError):
    code = "NotFound"
    status = 404


class Conflict(AppError):
    code = "Conflict"
    status = 409


class PreconditionFailed(AppError):
    code = "PreconditionFailed"
    status = 412


class PayloadTooLarge(AppError):
    code = "PayloadTooLarge"
    status = 413


class PreconditionRequired(AppError):
    code = "PreconditionRequired"
    status = 428


class Throttled(AppError):
    code = "Throttled"
    status = 429


class ServiceUnavailable(AppError):
    """A dependency (DynamoDB, Secrets Manager) failed or did not answer within the time
    budget; the client may retry."""

    code = "ServiceUnavailable"
    status = 503
