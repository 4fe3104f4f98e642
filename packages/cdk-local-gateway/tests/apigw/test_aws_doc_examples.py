"""Cases from AWS documentation that publish a template, its input and its output."""

from __future__ import annotations

import json

from cdk_local_gateway.apigw import TemplateInput, render, validate_body
from cdk_local_gateway.apigw.validation import body_validation_errors

MODELS_AND_TEMPLATES = (
    "https://docs.aws.amazon.com/apigateway/latest/developerguide/"
    "rest-api-develop-models-mapping-examples.html"
)
VARIABLE_EXAMPLES = (
    "https://docs.aws.amazon.com/apigateway/latest/developerguide/"
    "api-gateway-mapping-variable-examples.html"
)
TEMPLATE_REFERENCE = (
    "https://docs.aws.amazon.com/apigateway/latest/developerguide/"
    "api-gateway-mapping-template-reference.html"
)

PHOTOS = {
    "photos": {
        "page": 1,
        "pages": "1234",
        "perpage": 100,
        "total": "123398",
        "photo": [
            {
                "id": "12345678901",
                "owner": "23456789@A12",
                "photographer_first_name": "Saanvi",
                "photographer_last_name": "Sarkar",
                "secret": "abc123d456",
                "server": "1234",
                "farm": 1,
                "title": "Sample photo 1",
                "ispublic": True,
                "isfriend": False,
                "isfamily": False,
            },
            {
                "id": "23456789012",
                "owner": "34567890@B23",
                "photographer_first_name": "Richard",
                "photographer_last_name": "Roe",
                "secret": "bcd234e567",
                "server": "2345",
                "farm": 2,
                "title": "Sample photo 2",
                "ispublic": True,
                "isfriend": False,
                "isfamily": False,
            },
        ],
    }
}

PHOTOS_TEMPLATE = """#set($inputRoot = $input.path('$'))
{
  "photos": [
#foreach($elem in $inputRoot.photos.photo)
    {
      "id": "$elem.id",
      "photographedBy": "$elem.photographer_first_name $elem.photographer_last_name",
      "title": "$elem.title",
      "ispublic": $elem.ispublic,
      "isfriend": $elem.isfriend,
      "isfamily": $elem.isfamily
    }#if($foreach.hasNext),#end

#end
  ]
}"""


def test_photo_album_data_transformation() -> None:
    # Source: MODELS_AND_TEMPLATES, "Photo album example" > "Example data transformation".
    # Given the documented input and template, when rendered,
    out = render(PHOTOS_TEMPLATE, TemplateInput(body=json.dumps(PHOTOS))).text
    # then the output is the documented transformed data.
    assert json.loads(out) == {
        "photos": [
            {
                "id": "12345678901",
                "photographedBy": "Saanvi Sarkar",
                "title": "Sample photo 1",
                "ispublic": True,
                "isfriend": False,
                "isfamily": False,
            },
            {
                "id": "23456789012",
                "photographedBy": "Richard Roe",
                "title": "Sample photo 2",
                "ispublic": True,
                "isfriend": False,
                "isfamily": False,
            },
        ]
    }


CONTEXT_TEMPLATE = """{
    "stage" : "$context.stage",
    "request_id" : "$context.requestId",
    "api_id" : "$context.apiId",
    "resource_path" : "$context.resourcePath",
    "resource_id" : "$context.resourceId",
    "http_method" : "$context.httpMethod",
    "source_ip" : "$context.identity.sourceIp",
    "user-agent" : "$context.identity.userAgent",
    "account_id" : "$context.identity.accountId",
    "api_key" : "$context.identity.apiKey",
    "caller" : "$context.identity.caller",
    "user" : "$context.identity.user",
    "user_arn" : "$context.identity.userArn"
}"""


def test_example_1_passes_context_variables() -> None:
    # Source: VARIABLE_EXAMPLES, "Example 1: Pass multiple $context variables".
    context = {
        "stage": "prod",
        "requestId": "abcdefg-000-000-0000-abcdefg",
        "apiId": "abcd1234",
        "resourcePath": "/",
        "resourceId": "efg567",
        "httpMethod": "GET",
        "identity": {
            "sourceIp": "192.0.2.1",
            "userAgent": "curl/7.84.0",
            "accountId": "111122223333",
            "apiKey": "MyTestKey",
            "caller": "ABCD-0000-12345",
            "user": "ABCD-0000-12345",
            "userArn": "arn:aws:sts::111122223333:assumed-role/Admin/carlos-salazar",
        },
    }
    out = json.loads(render(CONTEXT_TEMPLATE, TemplateInput(context=context)).text)
    assert out == {
        "stage": "prod",
        "request_id": "abcdefg-000-000-0000-abcdefg",
        "api_id": "abcd1234",
        "resource_path": "/",
        "resource_id": "efg567",
        "http_method": "GET",
        "source_ip": "192.0.2.1",
        "user-agent": "curl/7.84.0",
        "account_id": "111122223333",
        "api_key": "MyTestKey",
        "caller": "ABCD-0000-12345",
        "user": "ABCD-0000-12345",
        "user_arn": "arn:aws:sts::111122223333:assumed-role/Admin/carlos-salazar",
    }


def test_escape_javascript_then_unescape_single_quotes_gives_json() -> None:
    # Source: TEMPLATE_REFERENCE, $util.escapeJavaScript: single quotes come back as \' which
    # is not valid JSON; the documented .replaceAll("\\'","'") turns them back.
    template = '{"v": "$util.escapeJavaScript($input.path(\'$.s\')).replaceAll("\\\\\'","\'")"}'
    body = json.dumps({"s": 'it\'s "quoted"\n/path'})
    out = render(template, TemplateInput(body=body)).text
    assert json.loads(out) == {"v": 'it\'s "quoted"\n/path'}
    raw = render('$util.escapeJavaScript("it\'s")', TemplateInput()).text
    assert raw == "it\\'s"


def test_input_params_searches_path_then_querystring_then_header() -> None:
    # Source: TEMPLATE_REFERENCE, $input.params(x): "path, query string, or header value".
    params = {
        "path": {"x": "p"},
        "querystring": {"x": "q", "y": "q"},
        "header": {"x": "h", "z": "h"},
    }
    out = render(
        "$input.params('x') $input.params('y') $input.params('z')", TemplateInput(params=params)
    )
    assert out.text == "p q h"


def test_input_json_and_path_follow_jsonpath() -> None:
    # Source: TEMPLATE_REFERENCE, $input.json(x) returns a JSON string, $input.path(x) an object.
    body = json.dumps(PHOTOS)
    data = TemplateInput(body=body)
    assert render("$input.json('$.photos.page')", data).text == "1"
    assert render("$input.path('$.photos.photo').size()", data).text == "2"
    assert render("$input.path('$.photos.photo[1].title')", data).text == "Sample photo 2"
    ids = json.loads(render("$input.json('$.photos.photo[*].id')", data).text)
    assert ids == ["12345678901", "23456789012"]


PHOTOS_INPUT_MODEL = {
    "$schema": "http://json-schema.org/draft-04/schema#",
    "title": "PhotosInputModel",
    "type": "object",
    "properties": {
        "photos": {
            "type": "object",
            "required": ["photo"],
            "properties": {
                "page": {"type": "integer"},
                "pages": {"type": "string"},
                "perpage": {"type": "integer", "minimum": 10},
                "total": {"type": "string"},
                "photo": {
                    "type": "array",
                    "items": {
                        "type": "object",
                        "properties": {
                            "id": {"type": "string"},
                            "owner": {"type": "string"},
                            "photographer_first_name": {"type": "string"},
                            "photographer_last_name": {"type": "string"},
                            "secret": {"type": "string"},
                            "server": {"type": "string"},
                            "farm": {"type": "integer"},
                            "title": {"type": "string"},
                            "ispublic": {"type": "boolean"},
                            "isfriend": {"type": "boolean"},
                            "isfamily": {"type": "boolean"},
                        },
                    },
                },
            },
        }
    },
}


def test_photos_input_model_accepts_the_documented_request_body() -> None:
    # Source: https://docs.aws.amazon.com/apigateway/latest/developerguide/example-photos.html
    # "the following is a method request body that adheres to the previous data model".
    assert validate_body(PHOTOS_INPUT_MODEL, json.dumps(PHOTOS)) is None


def test_photos_input_model_rejects_fewer_than_ten_per_page() -> None:
    # Same source: "requires a minimum of 10 photos for each page" (perpage minimum 10); the
    # request fails with API Gateway's "Invalid request body".
    fewer = json.loads(json.dumps(PHOTOS))
    fewer["photos"]["perpage"] = 5
    assert validate_body(PHOTOS_INPUT_MODEL, json.dumps(fewer)) == "Invalid request body"
    assert body_validation_errors(PHOTOS_INPUT_MODEL, json.dumps(fewer)) == (
        "[numeric instance is lower than the required minimum (minimum: 10, found: 5)]"
    )
