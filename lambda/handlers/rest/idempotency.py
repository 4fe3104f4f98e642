"""Powertools Idempotency on the single table, built once per container on first use.

Records use their own partition (``pk = idempotency#<function name>``, ``sk`` = hashed key)
and the table's TTL attribute ``expires_at``, so they never mix with entity items.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from domain.runtime import get_table

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.idempotency import DynamoDBPersistenceLayer

RECORD_TTL_SECONDS = 24 * 3600


def persistence_store() -> DynamoDBPersistenceLayer:
    """A new persistence layer on the dynamodel table's botocore client.

    One per idempotent function: Powertools configures a store with its function's key
    expression, so two functions must never share one.
    """
    from aws_lambda_powertools.utilities.idempotency import DynamoDBPersistenceLayer

    table = get_table()
    return DynamoDBPersistenceLayer(
        table_name=table.name,
        key_attr="pk",
        sort_key_attr="sk",
        expiry_attr="expires_at",
        boto3_client=table.client(),
    )
