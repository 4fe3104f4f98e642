"""pydynamodel: typed DynamoDB models for Lambda (the Python counterpart of Dynamoose).

See the package README (packages/pydynamodel/README.md) and its docs/ pages for the guide.
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Any

# The exceptions are small and every caller catches some: they load with the package.
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

if TYPE_CHECKING:
    from pydynamodel import fields
    from pydynamodel.aio import AsyncTable
    from pydynamodel.conditions import Condition, KeyCondition, SortKey, UpdateAction
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
    "preload",
    "ulid_floor",
]

#: Where each lazily loaded public name is defined. A Lambda handler compiles the library's
#: source on every cold start, so ``from pydynamodel import Model`` loads the model modules
#: only, not the table, transactions, cursors or the async API.
_LAZY = {
    "fields": "pydynamodel.fields",
    "AsyncTable": "pydynamodel.aio",
    "Condition": "pydynamodel.conditions",
    "KeyCondition": "pydynamodel.conditions",
    "SortKey": "pydynamodel.conditions",
    "UpdateAction": "pydynamodel.conditions",
    "ENTITY_ATTR": "pydynamodel.model",
    "Keys": "pydynamodel.model",
    "Model": "pydynamodel.model",
    "Page": "pydynamodel.table",
    "Table": "pydynamodel.table",
    "ConditionCheck": "pydynamodel.transactions",
    "Create": "pydynamodel.transactions",
    "Delete": "pydynamodel.transactions",
    "Get": "pydynamodel.transactions",
    "Put": "pydynamodel.transactions",
    "Update": "pydynamodel.transactions",
    "new_ulid": "pydynamodel.ulid",
    "ulid_floor": "pydynamodel.ulid",
}


#: The parts :func:`preload` knows, each the modules it loads.
_PARTS = {
    "async": ("pydynamodel.aio",),
    "bulk": ("pydynamodel._bulk",),
    "cursor": ("pydynamodel.cursor",),
    "fields": ("pydynamodel._extra_fields",),
    "table": ("pydynamodel.table", "pydynamodel.builders"),
    "transactions": ("pydynamodel.transactions", "pydynamodel.builders"),
    "updates": ("pydynamodel._updates",),
}


def preload(*parts: str) -> None:
    """Load ``parts`` of the library now instead of on first use.

    The package loads each part with the first call that needs it, so a Lambda handler
    compiles only what it uses. A handler whose every invocation uses a part calls this at
    module level, so Lambda's init phase pays for it instead of the first request:
    ``"table"`` (the table, request builders and transport), ``"updates"`` (update
    expressions), ``"transactions"``, ``"bulk"`` (scan, count, batches), ``"cursor"``
    (paginated queries), ``"fields"`` (the container and rarer attribute types),
    ``"async"`` (``AsyncTable``).
    """
    for part in parts:
        modules = _PARTS.get(part)
        if modules is None:
            known = ", ".join(sorted(_PARTS))
            raise ValueError(f"preload: unknown part {part!r} (parts: {known})")
        for module_name in modules:
            __import__(module_name)


if not TYPE_CHECKING:
    # Hidden from type checkers, which see every name through the imports above and keep
    # reporting misspelt names of the package.
    def __getattr__(name: str) -> Any:
        module_name = _LAZY.get(name)
        if module_name is None:
            raise AttributeError(f"module 'pydynamodel' has no attribute {name!r}")
        # __import__ (not importlib.import_module) so that ``-X importtime`` reports the
        # module under its own name rather than in the caller's self time.
        __import__(module_name)
        module = sys.modules[module_name]
        value = module if name == "fields" else getattr(module, name)
        globals()[name] = value  # later reads are plain attribute lookups
        return value

    def __dir__() -> list[str]:
        return sorted(set(globals()) | set(__all__))
