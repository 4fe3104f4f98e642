"""dynamodel: typed DynamoDB models for Lambda (the Python counterpart of Dynamoose).

See README.md, "Data-modeling library: dynamodel", for the full guide.
"""

from __future__ import annotations

from dynamodel import fields
from dynamodel.aio import AsyncTable
from dynamodel.conditions import Condition, KeyCondition, SortKey, UpdateAction
from dynamodel.errors import (
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
from dynamodel.model import ENTITY_ATTR, Keys, Model
from dynamodel.table import Page, Table
from dynamodel.transactions import ConditionCheck, Create, Delete, Get, Put, Update
from dynamodel.ulid import new_ulid, ulid_floor

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
