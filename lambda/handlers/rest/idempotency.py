"""Idempotency of the REST handlers.

- ``Idempotency-Key`` requests (POST /rooms, PATCH and DELETE /rooms/{id}, POST messages):
  :func:`request_once` turns the header into a ``domain.rooms.Once``; the domain writes its
  record in the same DynamoDB transaction as the change (docs/rest-api.md, "Retries and
  Idempotency-Key"). Powertools Idempotency is not used there: it writes its record and the
  change in separate calls, so a change applied but answered by a lost response is repeated
  or refused (409, 412) on the retry.
- SQS records of the ingest consumer: :func:`persistence_store`, Powertools Idempotency keyed
  on the SQS message id (records in their own partition, ``pk = idempotency#<function>``).
"""

from __future__ import annotations

import hashlib
import json
from typing import TYPE_CHECKING, Any

from domain.errors import BadRequest, FieldProblem
from domain.rooms import Once
from domain.runtime import get_table

if TYPE_CHECKING:
    from aws_lambda_powertools.event_handler import APIGatewayRestResolver
    from aws_lambda_powertools.utilities.idempotency import DynamoDBPersistenceLayer

RECORD_TTL_SECONDS = 24 * 3600
HEADER = "Idempotency-Key"
MAX_KEY_LENGTH = 128


def request_key(app: APIGatewayRestResolver) -> str | None:
    """The ``Idempotency-Key`` header: 1..128 visible ASCII characters, or absent."""
    key = app.current_event.headers.get(HEADER)
    if key is None:
        return None
    if not 1 <= len(key) <= MAX_KEY_LENGTH or not all("!" <= ch <= "~" for ch in key):
        raise BadRequest(
            "Idempotency-Key header is invalid",
            [FieldProblem(f"headers.{HEADER}", "must be 1..128 visible ASCII characters")],
        )
    return key


def request_once(app: APIGatewayRestResolver, user_id: str, payload: Any) -> Once | None:
    """The request's ``Once`` when it has an ``Idempotency-Key``. ``payload`` is everything
    the outcome depends on besides the route (body, If-Match): its hash tells a retry from a
    reuse of the key. The key is scoped to the user and to method and path."""
    key = request_key(app)
    if key is None:
        return None
    canonical = json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=True)
    event = app.current_event
    return Once(
        user_id=user_id,
        operation=f"{event.http_method} {event.path}",
        key=key,
        fingerprint=hashlib.sha256(canonical.encode()).hexdigest(),
    )


def persistence_store() -> DynamoDBPersistenceLayer:
    """A new Powertools persistence layer on the dynamodel table's botocore client.

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
