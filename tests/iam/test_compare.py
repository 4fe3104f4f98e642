"""The comparator, the grant reader and the call-to-action mapping on synthetic inputs: proof
that the least-privilege check fails when a role grants one action more or one less."""

from __future__ import annotations

from typing import Any

from tests.iam.actions import Access, accesses_of
from tests.iam.compare import MISSING, OVER, STALE, UNDEPLOYED, Finding, compare
from tests.iam.grants import grants_by_handler

ROOMS = "handlers.rest.rooms.handler"
GET = Access("dynamodb:GetItem", "table")
PUT = Access("dynamodb:PutItem", "table")
QUERY_INDEX = Access("dynamodb:Query", "index/GSI1")
ENV = {"TABLE_NAME": "rooms", "TOKEN_SECRET_ARN": "arn:secret:token"}


def test_a_role_that_grants_exactly_what_is_called_passes() -> None:
    assert compare({ROOMS: {GET, QUERY_INDEX}}, {ROOMS: {GET: "t1", QUERY_INDEX: "t2"}}, {}) == []


def test_one_action_more_is_an_over_grant_and_one_less_a_missing_grant() -> None:
    # Given a role that grants PutItem, which no test calls, and lacks Query on the index
    granted = {ROOMS: {GET, PUT}}
    used = {ROOMS: {GET: "t1", QUERY_INDEX: "tests/x.py::t2"}}

    # When compared
    findings = compare(granted, used, {})

    # Then both differences are reported, with the test that made the unauthorized call
    assert findings == [
        Finding(ROOMS, OVER, str(PUT)),
        Finding(ROOMS, MISSING, str(QUERY_INDEX), "called in tests/x.py::t2"),
    ]


def test_a_declared_unexercised_grant_passes_and_a_stale_declaration_fails() -> None:
    granted = {ROOMS: {GET, PUT}}
    used = {ROOMS: {GET: "t1"}}
    assert compare(granted, used, {(ROOMS, PUT): "only on failover"}) == []

    stale = compare(granted, {ROOMS: {GET: "t1", PUT: "t3"}}, {(ROOMS, PUT): "only on failover"})
    assert [f.kind for f in stale] == [STALE]
    ungranted = compare({ROOMS: {GET}}, used, {(ROOMS, PUT): "only on failover"})
    assert [f.kind for f in ungranted] == [STALE]


def test_a_wildcard_grant_covers_calls_but_is_itself_an_over_grant() -> None:
    findings = compare({ROOMS: {Access("dynamodb:*", "*")}}, {ROOMS: {GET: "t1"}}, {})
    assert [(f.kind, f.access) for f in findings] == [(OVER, "dynamodb:* on *")]


def test_calls_of_a_handler_no_function_runs_are_reported() -> None:
    assert [f.kind for f in compare({}, {ROOMS: {GET: "t1"}}, {})] == [UNDEPLOYED]


def test_each_transaction_item_is_authorized_by_its_own_action() -> None:
    params = {
        "TransactItems": [
            {"Put": {"TableName": "rooms"}},
            {"Update": {"TableName": "rooms"}},
            {"ConditionCheck": {"TableName": "rooms"}},
            {"Delete": {"TableName": "other"}},
        ]
    }
    assert accesses_of("dynamodb", "TransactWriteItems", params, ENV) == [
        PUT,
        Access("dynamodb:UpdateItem", "table"),
        Access("dynamodb:ConditionCheckItem", "table"),
        Access("dynamodb:DeleteItem", "table"),
    ]


def test_calls_name_indexes_secrets_and_connection_methods() -> None:
    query = {"TableName": "rooms", "IndexName": "GSI1"}
    assert accesses_of("dynamodb", "Query", query, ENV) == [QUERY_INDEX]
    batch: dict[str, Any] = {"RequestItems": {"rooms": []}}
    assert accesses_of("dynamodb", "BatchWriteItem", batch, ENV) == [
        Access("dynamodb:BatchWriteItem", "table")
    ]
    secret = {"SecretId": "arn:secret:token"}
    assert accesses_of("secretsmanager", "GetSecretValue", secret, ENV) == [
        Access("secretsmanager:GetSecretValue", "secret:TOKEN_SECRET_ARN")
    ]
    post = {"ConnectionId": "c1", "Data": b"x"}
    assert accesses_of("apigatewaymanagementapi", "PostToConnection", post, ENV) == [
        Access("execute-api:ManageConnections", "@connections/POST")
    ]


def _template(statements: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "Resources": {
            "Fn": {
                "Type": "AWS::Lambda::Function",
                "Properties": {
                    "Handler": ROOMS,
                    "Role": {"Fn::GetAtt": ["Role", "Arn"]},
                    "Environment": {"Variables": {"TOKEN_SECRET_ARN": {"Ref": "Token"}}},
                },
            },
            "Provider": {
                "Type": "AWS::Lambda::Function",
                "Properties": {
                    "Handler": "__entrypoint__.handler",
                    "Role": {"Fn::GetAtt": ["Role", "Arn"]},
                },
            },
            "Role": {"Type": "AWS::IAM::Role", "Properties": {}},
            "Policy": {
                "Type": "AWS::IAM::Policy",
                "Properties": {
                    "Roles": [{"Ref": "Role"}],
                    "PolicyDocument": {"Statement": statements},
                },
            },
        }
    }


def test_grants_are_read_per_handler_with_resources_named_by_their_role() -> None:
    table = {"Fn::GetStackOutput": {"OutputName": "TableArn"}}
    statements: list[dict[str, Any]] = [
        {
            "Effect": "Allow",
            "Action": ["dynamodb:GetItem", "dynamodb:Query"],
            "Resource": [table, {"Fn::Join": ["", [table, "/index/GSI1"]]}],
        },
        {
            "Effect": "Allow",
            "Action": "secretsmanager:GetSecretValue",
            "Resource": {"Ref": "Token"},
        },
        {
            "Effect": "Allow",
            "Action": "execute-api:ManageConnections",
            "Resource": {
                "Fn::Join": [
                    "",
                    [
                        "arn:aws:execute-api:eu-west-1:1:",
                        {"Ref": "Api"},
                        "/dev/POST/@connections/*",
                    ],
                ]
            },
        },
        {
            "Effect": "Allow",
            "Action": ["logs:PutLogEvents", "xray:PutTraceSegments"],
            "Resource": "*",
        },
    ]
    grants = grants_by_handler({"Dev/Api": _template(statements), "Prod/Api": _template([])})

    # GetItem on the index ARN authorizes nothing (only Query/Scan apply to an index)
    assert grants == {
        ROOMS: {
            GET,
            Access("dynamodb:Query", "table"),
            QUERY_INDEX,
            Access("secretsmanager:GetSecretValue", "secret:TOKEN_SECRET_ARN"),
            Access("execute-api:ManageConnections", "@connections/POST"),
        }
    }
