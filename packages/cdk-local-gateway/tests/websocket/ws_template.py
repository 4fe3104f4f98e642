"""A small synthetic stack with two WebSocket APIs, written for the tests (not the app's).

"Chat": a REQUEST authorizer on ``$connect`` (query string ``token``), Lambda-proxy
``$connect``/``$disconnect`` that record their events in a queue, an ``echo`` route and a
``$default`` route whose function answers through ``@connections``, ``publish`` sending the
frame to SQS and answering the message id, ``lookup`` forwarded over HTTP_PROXY (when an
upstream URL is given).
"Bare": no ``$connect`` and no ``$default``; a MOCK ``ping`` route answering ``pong`` through
its route response, and a ``limited`` MOCK route throttled to one message.
"""

from __future__ import annotations

from typing import Any

HANDLERS = """
import json, os
import boto3


def _record(event):
    queue = os.environ["QUEUE_URL"]
    boto3.client("sqs").send_message(QueueUrl=queue, MessageBody=json.dumps(event))


def record(event, context):
    _record(event)
    if (event.get("queryStringParameters") or {}).get("refuse"):
        return {"statusCode": 400}
    return {"statusCode": 200}


def authorize(event, context):
    _record(event)
    token = event["queryStringParameters"]["token"]
    if token == "boom":
        raise Exception("Unauthorized")
    return {
        "principalId": "user-" + token,
        "policyDocument": {
            "Version": "2012-10-17",
            "Statement": [{
                "Action": "execute-api:Invoke",
                "Effect": "Allow" if token.startswith("good") else "Deny",
                "Resource": event["methodArn"],
            }],
        },
        "context": {"user": token, "tier": 3},
    }


def fail(event, context):
    raise ValueError("broken handler")


def echo(event, context):
    ctx = event["requestContext"]
    client = boto3.client(
        "apigatewaymanagementapi",
        endpoint_url="{}://{}/{}".format(
            os.environ.get("SCHEME", "http"), ctx["domainName"], ctx["stage"]
        ),
    )
    answer = {
        "routeKey": ctx["routeKey"],
        "eventType": ctx["eventType"],
        "body": event["body"],
        "isBase64Encoded": event["isBase64Encoded"],
        "authorizer": ctx.get("authorizer"),
        "messageId": ctx.get("messageId"),
        "connectionId": ctx["connectionId"],
        "apiId": ctx["apiId"],
        "hasHeaders": "headers" in event,
    }
    client.post_to_connection(ConnectionId=ctx["connectionId"], Data=json.dumps(answer).encode())
    return {"statusCode": 200}
"""

STAGE = "dev"


def _lambda_uri(function: str) -> dict[str, Any]:
    return {
        "Fn::Join": [
            "",
            [
                "arn:aws:apigateway:",
                {"Ref": "AWS::Region"},
                ":lambda:path/2015-03-31/functions/",
                {"Fn::GetAtt": [function, "Arn"]},
                "/invocations",
            ],
        ]
    }


def _function(handler: str, ca_bundle: str | None = None) -> dict[str, Any]:
    variables: dict[str, Any] = {"QUEUE_URL": {"Ref": "Queue"}}
    if ca_bundle is not None:
        # The code builds https://{domainName}/{stage}; the local CA makes it trusted.
        variables.update(AWS_CA_BUNDLE=ca_bundle, SCHEME="https")
    return {
        "Type": "AWS::Lambda::Function",
        "Properties": {
            "Code": {"S3Bucket": "assets", "S3Key": "a" * 64 + ".zip"},
            "Handler": handler,
            "Runtime": "python3.12",
            "Timeout": 10,
            "Environment": {"Variables": variables},
        },
    }


def _target(integration: str) -> dict[str, Any]:
    return {"Fn::Join": ["", ["integrations/", {"Ref": integration}]]}


def _route(
    api: str, key: str, integration: str, *, two_way: bool = False, **extra: Any
) -> dict[str, Any]:
    props: dict[str, Any] = {
        "ApiId": {"Ref": api},
        "RouteKey": key,
        "AuthorizationType": "NONE",
        "Target": _target(integration),
        **extra,
    }
    if two_way:
        props["RouteResponseSelectionExpression"] = "$default"
    return {"Type": "AWS::ApiGatewayV2::Route", "Properties": props}


def _proxy(api: str, function: str) -> dict[str, Any]:
    return {
        "Type": "AWS::ApiGatewayV2::Integration",
        "Properties": {
            "ApiId": {"Ref": api},
            "IntegrationType": "AWS_PROXY",
            "IntegrationUri": _lambda_uri(function),
        },
    }


def _route_response(api: str, route: str) -> dict[str, Any]:
    return {
        "Type": "AWS::ApiGatewayV2::RouteResponse",
        "Properties": {
            "ApiId": {"Ref": api},
            "RouteId": {"Ref": route},
            "RouteResponseKey": "$default",
        },
    }


def _mock(api: str, answer: str) -> tuple[dict[str, Any], dict[str, Any]]:
    integration = {
        "Type": "AWS::ApiGatewayV2::Integration",
        "Properties": {
            "ApiId": {"Ref": api},
            "IntegrationType": "MOCK",
            "RequestTemplates": {"$default": '{"statusCode": 200}'},
            "TemplateSelectionExpression": "\\$default",
        },
    }
    return integration, {
        "ApiId": {"Ref": api},
        "IntegrationResponseKey": "$default",
        "ResponseTemplates": {"$default": answer},
    }


def websocket_template(upstream: str | None = None, ca_bundle: str | None = None) -> dict[str, Any]:
    resources: dict[str, Any] = {
        "Queue": {"Type": "AWS::SQS::Queue", "Properties": {}},
        "RecordFn": _function("app.record"),
        "AuthFn": _function("app.authorize"),
        "EchoFn": _function("app.echo", ca_bundle),
        "FailFn": _function("app.fail"),
        "Chat": {
            "Type": "AWS::ApiGatewayV2::Api",
            "Properties": {
                "Name": "chat",
                "ProtocolType": "WEBSOCKET",
                "RouteSelectionExpression": "$request.body.action",
            },
        },
        "TokenAuthorizer": {
            "Type": "AWS::ApiGatewayV2::Authorizer",
            "Properties": {
                "ApiId": {"Ref": "Chat"},
                "AuthorizerType": "REQUEST",
                "Name": "token",
                "IdentitySource": ["route.request.querystring.token"],
                "AuthorizerUri": _lambda_uri("AuthFn"),
            },
        },
        "RecordIntegration": _proxy("Chat", "RecordFn"),
        "EchoIntegration": _proxy("Chat", "EchoFn"),
        "FailIntegration": _proxy("Chat", "FailFn"),
        "ConnectRoute": _route(
            "Chat",
            "$connect",
            "RecordIntegration",
            AuthorizationType="CUSTOM",
            AuthorizerId={"Ref": "TokenAuthorizer"},
        ),
        "DisconnectRoute": _route("Chat", "$disconnect", "RecordIntegration"),
        "EchoRoute": _route("Chat", "echo", "EchoIntegration"),
        "FailRoute": _route("Chat", "fail", "FailIntegration"),
        "DefaultRoute": _route("Chat", "$default", "EchoIntegration"),
        "PublishIntegration": {
            "Type": "AWS::ApiGatewayV2::Integration",
            "Properties": {
                "ApiId": {"Ref": "Chat"},
                "IntegrationType": "AWS",
                "IntegrationMethod": "POST",
                "IntegrationUri": {
                    "Fn::Join": [
                        "",
                        [
                            "arn:aws:apigateway:",
                            {"Ref": "AWS::Region"},
                            ":sqs:path/",
                            {"Ref": "AWS::AccountId"},
                            "/",
                            {"Fn::GetAtt": ["Queue", "QueueName"]},
                        ],
                    ]
                },
                "RequestParameters": {
                    "integration.request.header.Content-Type": "'application/x-www-form-urlencoded'"
                },
                "RequestTemplates": {
                    "$default": "Action=SendMessage&MessageBody=$util.urlEncode($input.body)"
                },
                "TemplateSelectionExpression": "\\$default",
            },
        },
        "PublishResponse": {
            "Type": "AWS::ApiGatewayV2::IntegrationResponse",
            "Properties": {
                "ApiId": {"Ref": "Chat"},
                "IntegrationId": {"Ref": "PublishIntegration"},
                "IntegrationResponseKey": "$default",
                "TemplateSelectionExpression": "\\$default",
                "ResponseTemplates": {
                    "$default": (
                        '{"queued": '
                        "\"$input.path('$.SendMessageResponse.SendMessageResult.MessageId')\"}"
                    )
                },
            },
        },
        "PublishRoute": _route("Chat", "publish", "PublishIntegration", two_way=True),
        "PublishRouteResponse": _route_response("Chat", "PublishRoute"),
        "ChatStage": {
            "Type": "AWS::ApiGatewayV2::Stage",
            "Properties": {
                "ApiId": {"Ref": "Chat"},
                "StageName": STAGE,
                "DefaultRouteSettings": {"ThrottlingBurstLimit": 500, "ThrottlingRateLimit": 1000},
            },
        },
        "Bare": {
            "Type": "AWS::ApiGatewayV2::Api",
            "Properties": {
                "Name": "bare",
                "ProtocolType": "WEBSOCKET",
                "RouteSelectionExpression": "$request.body.action",
            },
        },
        "BareStage": {
            "Type": "AWS::ApiGatewayV2::Stage",
            "Properties": {
                "ApiId": {"Ref": "Bare"},
                "StageName": STAGE,
                "RouteSettings": {
                    "limited": {"ThrottlingBurstLimit": 1, "ThrottlingRateLimit": 0.0001}
                },
            },
        },
    }
    for name, answer in (
        (
            "Ping",
            '{"action": "pong", "connectionId": "$context.connectionId", '
            '"routeKey": "$context.routeKey"}',
        ),
        ("Limited", '{"action": "limited"}'),
    ):
        integration, response = _mock("Bare", answer)
        resources[f"{name}Integration"] = integration
        response["IntegrationId"] = {"Ref": f"{name}Integration"}
        resources[f"{name}Response"] = {
            "Type": "AWS::ApiGatewayV2::IntegrationResponse",
            "Properties": response,
        }
        resources[f"{name}Route"] = _route("Bare", name.lower(), f"{name}Integration", two_way=True)
        resources[f"{name}RouteResponse"] = _route_response("Bare", f"{name}Route")
    if upstream is not None:
        resources["LookupIntegration"] = {
            "Type": "AWS::ApiGatewayV2::Integration",
            "Properties": {
                "ApiId": {"Ref": "Chat"},
                "IntegrationType": "HTTP_PROXY",
                "IntegrationMethod": "POST",
                "IntegrationUri": upstream,
            },
        }
        resources["LookupRoute"] = _route("Chat", "lookup", "LookupIntegration", two_way=True)
        resources["LookupRouteResponse"] = _route_response("Chat", "LookupRoute")
    return {"Resources": resources}
