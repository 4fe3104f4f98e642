"""What a request to the local AWS asks for, in IAM's terms: the actions and the resources.

One API call can need several authorizations (a BatchWriteItem touches each table, a
TransactWriteItems needs PutItem/UpdateItem/DeleteItem/ConditionCheckItem per item, as AWS
checks them). The resource is derived for the services this runtime provisions (DynamoDB,
SQS, Secrets Manager) and for KMS and STS; for any other service the resource is None, and
the call is checked on its action only (see docs/iam.md).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from functools import lru_cache
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs

if TYPE_CHECKING:
    from collections.abc import Callable

    from botocore.model import ServiceModel

_SCOPE = re.compile(r"Credential=(?P<key>[^/]+)/\d{8}/(?P<region>[^/]+)/(?P<service>[^/]+)/")

#: Batch API calls that AWS authorizes as their single-message action.
_SQS_ACTIONS = {
    "SendMessageBatch": "SendMessage",
    "DeleteMessageBatch": "DeleteMessage",
    "ChangeMessageVisibilityBatch": "ChangeMessageVisibility",
}
_TRANSACT_WRITE = {
    "Put": "PutItem",
    "Update": "UpdateItem",
    "Delete": "DeleteItem",
    "ConditionCheck": "ConditionCheckItem",
}


@dataclass(frozen=True)
class Requested:
    action: str
    resource: str | None


@dataclass
class Call:
    """One signed request to the local AWS, as the WSGI layer sees it."""

    method: str
    path: str
    query: str
    headers: dict[str, str]  # lower-case names
    body: bytes
    account: str
    key_id: str = ""
    region: str = ""
    service: str = ""
    _json: Any = field(default=None, repr=False)

    @classmethod
    def parse(
        cls,
        *,
        method: str,
        path: str,
        query: str,
        headers: dict[str, str],
        body: bytes,
        account: str,
    ) -> Call | None:
        """None: not SigV4-signed (the local AWS treats it as unauthenticated)."""
        lowered = {k.lower(): v for k, v in headers.items()}
        found = _SCOPE.search(lowered.get("authorization", ""))
        if found is None:
            return None
        return cls(
            method=method,
            path=path,
            query=query,
            headers=lowered,
            body=body,
            account=account,
            key_id=found["key"],
            region=found["region"],
            service=found["service"],
        )

    def json(self) -> dict[str, Any]:
        if self._json is None:
            try:
                loaded = json.loads(self.body or b"{}")
            except ValueError:
                loaded = {}
            self._json = loaded if isinstance(loaded, dict) else {}
        return dict(self._json)

    def form(self) -> dict[str, str]:
        values = parse_qs(self.query) | parse_qs(self.body.decode("utf-8", "replace"))
        return {k: v[0] for k, v in values.items() if v}

    def arn(self, service: str, resource: str, *, regional: bool = True) -> str:
        region = self.region if regional else ""
        return f"arn:aws:{service}:{region}:{self.account}:{resource}"


@lru_cache(maxsize=32)
def _service_model(service: str) -> ServiceModel | None:
    import botocore.session
    from botocore.exceptions import UnknownServiceError

    try:
        return botocore.session.get_session().get_service_model(service)
    except UnknownServiceError:
        return None


def _operation(call: Call) -> str | None:
    """The API operation: from X-Amz-Target (JSON protocols), Action= (query protocols), or
    the method and path matched against botocore's model (REST protocols)."""
    target = call.headers.get("x-amz-target")
    if target:
        return target.rsplit(".", 1)[-1]
    form = call.form()
    if "Action" in form:
        return form["Action"]
    model = _service_model(call.service)
    if model is None:
        return None
    for name in model.operation_names:
        http = model.operation_model(name).http
        if http.get("method") != call.method:
            continue
        template = str(http.get("requestUri", "")).split("?", 1)[0]
        pattern = re.sub(r"\\\{[^}]+\\\+\\\}", ".+", re.escape(template))
        pattern = re.sub(r"\\\{[^}]+\\\}", "[^/]+", pattern)
        if re.fullmatch(pattern, call.path):
            return name
    return None


def _table_arn(call: Call, name: Any, index: Any = None) -> str:
    arn = call.arn("dynamodb", f"table/{name}")
    return f"{arn}/index/{index}" if index else arn


def _dynamodb(call: Call, operation: str) -> list[Requested]:
    body = call.json()
    if operation in ("BatchGetItem", "BatchWriteItem"):
        return [
            Requested(f"dynamodb:{operation}", _table_arn(call, name))
            for name in sorted(body.get("RequestItems", {}) or {})
        ]
    if operation == "TransactWriteItems":
        return _transact_writes(call, body)
    if operation == "TransactGetItems":
        return [
            Requested("dynamodb:GetItem", _table_arn(call, item["Get"]["TableName"]))
            for item in body.get("TransactItems", []) or []
            if isinstance(item, dict) and "Get" in item
        ]
    if "StreamArn" in body:
        return [Requested(f"dynamodb:{operation}", str(body["StreamArn"]))]
    if "TableName" in body:
        table = _table_arn(call, body["TableName"], body.get("IndexName"))
        return [Requested(f"dynamodb:{operation}", table)]
    if "ResourceArn" in body:
        return [Requested(f"dynamodb:{operation}", str(body["ResourceArn"]))]
    return [Requested(f"dynamodb:{operation}", "*" if operation.startswith("List") else None)]


def _transact_writes(call: Call, body: dict[str, Any]) -> list[Requested]:
    """Each operation of a TransactWriteItems as the action it needs on its table."""
    found: list[Requested] = []
    for item in body.get("TransactItems", []) or []:
        for kind, action in _TRANSACT_WRITE.items():
            if isinstance(item, dict) and kind in item:
                found.append(
                    Requested(f"dynamodb:{action}", _table_arn(call, item[kind]["TableName"]))
                )
    return found


def _sqs(call: Call, operation: str) -> list[Requested]:
    action = f"sqs:{_SQS_ACTIONS.get(operation, operation)}"
    params: dict[str, Any] = call.json() if call.headers.get("x-amz-target") else call.form()
    url = params.get("QueueUrl")
    name = str(url).rstrip("/").rsplit("/", 1)[-1] if url else params.get("QueueName")
    if not name and call.path.strip("/").count("/") == 1:
        name = call.path.strip("/").rsplit("/", 1)[-1]  # query protocol: /<account>/<name>
    return [Requested(action, call.arn("sqs", str(name)) if name else None)]


def _kms(call: Call, operation: str) -> list[Requested]:
    key = call.json().get("KeyId")
    if not key:
        return [Requested(f"kms:{operation}", None)]
    key = str(key)
    if key.startswith("arn:"):
        resource = key
    elif key.startswith("alias/"):
        resource = call.arn("kms", key)
    else:
        resource = call.arn("kms", f"key/{key}")
    return [Requested(f"kms:{operation}", resource)]


def requested(call: Call, secret_arn: Callable[[Call, str], str]) -> list[Requested]:
    """The authorizations ``call`` needs; empty when nothing is required (GetCallerIdentity,
    which AWS never denies) or when its operation cannot be told (not enforced)."""
    operation = _operation(call)
    if operation is None:
        return []
    service = call.service
    if service == "dynamodb":
        return _dynamodb(call, operation)
    if service == "sqs":
        return _sqs(call, operation)
    if service == "kms":
        return _kms(call, operation)
    if service == "secretsmanager":
        secret = call.json().get("SecretId")
        resource = secret_arn(call, str(secret)) if secret else None
        return [Requested(f"secretsmanager:{operation}", resource)]
    if service == "sts":
        if operation == "GetCallerIdentity":
            return []
        role = call.form().get("RoleArn")
        return [Requested(f"sts:{operation}", role)]
    return [Requested(f"{service}:{operation}", None)]
