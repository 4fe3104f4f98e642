"""Idempotency of the REST handlers.

- ``Idempotency-Key`` requests (POST /rooms, PATCH and DELETE /rooms/{id}, POST messages):
  :func:`request_once` turns the header into a ``domain.rooms.Once``; the domain writes its
  record in the same DynamoDB transaction as the change (docs/rest-api.md, "Retries and
  Idempotency-Key"). Powertools Idempotency is not used there: it writes its record and the
  change in separate calls, so a change applied but answered by a lost response is repeated
  or refused (409, 412) on the retry.
- SQS records of the ingest consumer: ``domain.messages.post_once`` keyed on the SQS message
  id, the receipt written in the message's own transaction (handlers.rest.ingest_consumer).
"""

from __future__ import annotations

import hashlib
import json
from typing import TYPE_CHECKING, Any

from contract.limits import IDEMPOTENCY_KEY_MAX_LENGTH as MAX_KEY_LENGTH
from domain.errors import BadRequest, FieldProblem
from domain.rooms import Once

if TYPE_CHECKING:
    from aws_lambda_powertools.event_handler import APIGatewayRestResolver

HEADER = "Idempotency-Key"


def request_key(app: APIGatewayRestResolver) -> str | None:
    """The ``Idempotency-Key`` header: 1..MAX_KEY_LENGTH visible ASCII characters, or absent."""
    key = app.current_event.headers.get(HEADER)
    if key is None:
        return None
    if not 1 <= len(key) <= MAX_KEY_LENGTH or not all("!" <= ch <= "~" for ch in key):
        raise BadRequest(
            "Idempotency-Key header is invalid",
            [
                FieldProblem(
                    f"headers.{HEADER}", f"must be 1..{MAX_KEY_LENGTH} visible ASCII characters"
                )
            ],
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
