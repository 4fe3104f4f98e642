"""pydynamodel: typed DynamoDB models for Lambda (the Python counterpart of Dynamoose).

See the package README (packages/pydynamodel/README.md) and its docs/ pages for the guide.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pydynamodel import fields
from pydynamodel.conditions import Condition, KeyCondition, SortKey, UpdateAction
from pydynamodel.errors import (
    CancellationReason,
    ConditionFailed,
    ConfigurationError,
    DynamodelError,
    FieldError,
    InvalidCursor,
    ItemExists,
    ItemTooLarge,
    ModelDefinitionError,
    NotFound,
    ServiceUnavailable,
    TableNotFound,
    Throttled,
    TransactionCancelled,
    ValidationError,
    VersionConflict,
)
from pydynamodel.model import ENTITY_ATTR, Keys, Model
from pydynamodel.table import Page, Table
from pydynamodel.transactions import ConditionCheck, Create, Delete, Get, Put, Update
from pydynamodel.ulid import new_ulid, ulid_floor

if TYPE_CHECKING:
    from pydynamodel.aio import AsyncTable

__all__ = [
    "ENTITY_ATTR",
    "AsyncTable",
    "CancellationReason",
    "Condition",
    "ConditionCheck",
    "ConditionFailed",
    "ConfigurationError",
    "Create",
    "Delete",
    "DynamodelError",
    "FieldError",
    "Get",
    "InvalidCursor",
    "ItemExists",
    "ItemTooLarge",
    "KeyCondition",
    "Keys",
    "Model",
    "ModelDefinitionError",
    "NotFound",
    "Page",
    "Put",
    "ServiceUnavailable",
    "SortKey",
    "Table",
    "TableNotFound",
    "Throttled",
    "TransactionCancelled",
    "Update",
    "UpdateAction",
    "ValidationError",
    "VersionConflict",
    "fields",
    "new_ulid",
    "ulid_floor",
]


if not TYPE_CHECKING:
    # Hidden from type checkers, which see AsyncTable through the import above and keep
    # reporting misspelt names of the package.
    def __getattr__(name: str) -> Any:
        # AsyncTable loads on first use: a Lambda handler that only uses Table would otherwise
        # compile aio.py on every cold start for nothing.
        if name == "AsyncTable":
            from pydynamodel.aio import AsyncTable

            return AsyncTable
        raise AttributeError(f"module 'pydynamodel' has no attribute {name!r}")
