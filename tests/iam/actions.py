"""IAM authorization of one SDK call: which actions on which resources a call needs.

A resource is named by its role in the app, not by its deployed ARN, so that what the tests
record (local table and secret names) and what a role grants (CloudFormation references) meet
on common ground: ``table``, ``index/GSI1``, ``secret:TOKEN_SECRET_ARN`` (the environment
variable that carries the secret's ARN), ``@connections/POST``.

The rules follow the IAM service authorization reference:
- DynamoDB authorizes each item of ``TransactWriteItems`` by its own action (``Put`` as
  ``PutItem``, ``ConditionCheck`` as ``ConditionCheckItem`` ...) and ``TransactGetItems`` as
  ``GetItem``; ``BatchWriteItem``/``BatchGetItem`` are actions of their own; ``Query`` and
  ``Scan`` on an index need the index ARN, and only those two actions apply to an index.
- The management API's ``PostToConnection``/``DeleteConnection``/``GetConnection`` are
  ``execute-api:ManageConnections`` on ``.../{stage}/{POST|DELETE|GET}/@connections/{id}``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Mapping

#: The only DynamoDB actions IAM evaluates against an index ARN.
INDEX_ACTIONS = frozenset({"dynamodb:Query", "dynamodb:Scan"})

_TRANSACT_ITEM_ACTIONS = {
    "Put": "dynamodb:PutItem",
    "Update": "dynamodb:UpdateItem",
    "Delete": "dynamodb:DeleteItem",
    "ConditionCheck": "dynamodb:ConditionCheckItem",
    "Get": "dynamodb:GetItem",
}
_CONNECTION_METHODS = {
    "PostToConnection": "POST",
    "DeleteConnection": "DELETE",
    "GetConnection": "GET",
}
#: botocore service names whose IAM prefix differs.
_IAM_PREFIX = {"apigatewaymanagementapi": "execute-api"}


@dataclass(frozen=True, order=True)
class Access:
    """One IAM action on one resource (named by its role in the app, see the module doc)."""

    action: str
    resource: str

    def __str__(self) -> str:
        return f"{self.action} on {self.resource}"


def table_resource(table: str, env: Mapping[str, str]) -> str:
    """``table``: the app has one table, and the tests give it several local names (a fresh
    table per WebSocket test, a separate one for the fuzz tests) while ``TABLE_NAME`` may still
    name another, so every table the handlers call is the function's table."""
    return "table"


def secret_resource(secret_id: str, env: Mapping[str, str]) -> str:
    """``secret:<VAR>`` for the environment variable whose value is ``secret_id``."""
    names = sorted(k for k, v in env.items() if k.endswith("_SECRET_ARN") and v == secret_id)
    return f"secret:{names[0]}" if names else f"secret:{secret_id}"


def _dynamodb(operation: str, params: Mapping[str, Any], env: Mapping[str, str]) -> list[Access]:
    if operation in ("TransactWriteItems", "TransactGetItems"):
        accesses = []
        for item in params.get("TransactItems", []):
            for kind, request in item.items():
                action = _TRANSACT_ITEM_ACTIONS.get(kind, f"dynamodb:{kind}")
                accesses.append(Access(action, table_resource(request["TableName"], env)))
        return accesses
    if operation in ("BatchWriteItem", "BatchGetItem"):
        return [
            Access(f"dynamodb:{operation}", table_resource(table, env))
            for table in params.get("RequestItems", {})
        ]
    resource = table_resource(str(params.get("TableName", "?")), env)
    index = params.get("IndexName")
    if index:
        resource = f"index/{index}"
    return [Access(f"dynamodb:{operation}", resource)]


def accesses_of(
    service: str, operation: str, params: Mapping[str, Any], env: Mapping[str, str]
) -> list[Access]:
    """The accesses IAM checks for one call of ``operation`` (botocore's name) on ``service``
    (botocore's service name) with API parameters ``params``, made by a function with
    environment ``env``."""
    if service == "dynamodb":
        return _dynamodb(operation, params, env)
    if service == "secretsmanager" and "SecretId" in params:
        resource = secret_resource(str(params["SecretId"]), env)
        return [Access(f"secretsmanager:{operation}", resource)]
    if service == "apigatewaymanagementapi" and operation in _CONNECTION_METHODS:
        method = _CONNECTION_METHODS[operation]
        return [Access("execute-api:ManageConnections", f"@connections/{method}")]
    return [Access(f"{_IAM_PREFIX.get(service, service)}:{operation}", "*")]
