"""pydynamodel: typed DynamoDB models for Lambda (the Python counterpart of Dynamoose).

See the package README (packages/pydynamodel/README.md) and its docs/ pages for the guide.
"""

from __future__ import annotations

from pydynamodel import fields
from pydynamodel.aio import AsyncTable
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
