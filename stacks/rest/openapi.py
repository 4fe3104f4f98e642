"""The OpenAPI 3 document of the REST API, generated from the contract (``contract.rest``,
``contract.schemas``) the stack builds the API from (``make synth`` writes one per stage and
region)."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from contract.rest import ROUTES, Auth, Route, Where
from contract.schemas import REQUEST_SCHEMAS, RESPONSE_SCHEMAS
from serverless_api_constructs.rest.api import DEFAULT_STAGE_NAME

if TYPE_CHECKING:
    from collections.abc import Iterable
    from pathlib import Path

OPENAPI_VERSION = "3.0.3"
#: OpenAPI has no ANY method; API Gateway's extension stands for every method.
ANY_METHOD = "x-amazon-apigateway-any-method"

SECURITY_SCHEMES: dict[str, dict[str, Any]] = {
    "CognitoUserPool": {
        "type": "apiKey",
        "in": "header",
        "name": "Authorization",
        "description": "ID token of the stage's Cognito user pool",
        "x-amazon-apigateway-authtype": "cognito_user_pools",
    },
    "SigV4": {
        "type": "apiKey",
        "in": "header",
        "name": "Authorization",
        "description": "AWS Signature Version 4 of an IAM principal of this account",
        "x-amazon-apigateway-authtype": "awsSigv4",
    },
    "PartnerApiKey": {
        "type": "apiKey",
        "in": "header",
        "name": "x-api-key",
        "description": "API key of the partner usage plan",
    },
    "BearerToken": {
        "type": "http",
        "scheme": "bearer",
        "bearerFormat": "JWT",
        "description": "HS256 token verified by the Lambda REQUEST authorizer",
    },
}
_SECURITY: dict[Auth, list[dict[str, list[str]]]] = {
    Auth.NONE: [],
    Auth.COGNITO: [{"CognitoUserPool": []}],
    Auth.IAM: [{"SigV4": []}],
    Auth.API_KEY: [{"PartnerApiKey": []}],
    Auth.TOKEN: [{"BearerToken": []}],
}


def _schema(schema: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in schema.items() if key != "$schema"}


def _operation(route: Route) -> dict[str, Any]:
    operation: dict[str, Any] = {
        "operationId": route.operation_id,
        "summary": route.summary,
        "security": _SECURITY[route.auth],
        "x-integration": route.integration.value,
        "responses": {
            status: {
                "description": description,
                **(
                    {"content": {"application/json": {"schema": _ref(schema)}}}
                    if schema is not None
                    else {}
                ),
            }
            for status, description, schema in route.responses
        },
    }
    # The Bearer header of the report route is the security scheme, not a parameter.
    parameters = [
        {
            "name": param.name,
            "in": param.where.value,
            "required": param.required or param.where is Where.PATH,
            "description": param.description,
            "schema": param.schema,
        }
        for param in route.params
        if not (route.auth is Auth.TOKEN and param.name == "Authorization")
    ]
    if parameters:
        operation["parameters"] = parameters
    if route.body_model is not None:
        operation["requestBody"] = {
            "required": True,
            "content": {"application/json": {"schema": _ref(route.body_model)}},
        }
    return operation


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def openapi_document(
    *, stage: str, region: str, routes: Iterable[Route] = ROUTES
) -> dict[str, Any]:
    """The OpenAPI 3 document of one stage's REST API in ``region``."""
    paths: dict[str, dict[str, Any]] = {}
    for route in routes:
        method = ANY_METHOD if route.method == "ANY" else route.method.lower()
        paths.setdefault(route.path, {})[method] = _operation(route)
    schemas = {name: _schema(s) for name, s in {**REQUEST_SCHEMAS, **RESPONSE_SCHEMAS}.items()}
    return {
        "openapi": OPENAPI_VERSION,
        "info": {
            "title": f"Rooms and messages API ({stage})",
            "version": "1.0.0",
            "description": "Errors always use the Error schema. Generated from lambda/contract.",
        },
        "servers": [
            {
                "url": f"https://{{restApiId}}.execute-api.{region}.amazonaws.com/"
                f"{DEFAULT_STAGE_NAME}",
                "variables": {"restApiId": {"default": "restApiId"}},
            }
        ],
        "paths": dict(sorted(paths.items())),
        "components": {"schemas": schemas, "securitySchemes": SECURITY_SCHEMES},
    }


def write_openapi_documents(
    stages: Iterable[tuple[str, Iterable[str]]], outdir: Path
) -> list[Path]:
    """Write ``<outdir>/<Stage>-<region>.json`` for every (stage id, regions) pair."""
    outdir.mkdir(parents=True, exist_ok=True)
    written = []
    for stage, regions in stages:
        for region in regions:
            path = outdir / f"{stage}-{region}.json"
            document = openapi_document(stage=stage, region=region)
            path.write_text(json.dumps(document, indent=2) + "\n")
            written.append(path)
    return written
