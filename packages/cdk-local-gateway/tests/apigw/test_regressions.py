"""Fidelity bugs other emulators had, pinned: Java semantics where Python's differ."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest
from cdk_local_gateway.apigw import (
    DEFAULT_RESPONSES,
    TemplateError,
    TemplateInput,
    render,
    render_gateway_response,
    response_parameter_value,
    select_integration_response,
    select_template,
    validate_parameters,
)
from cdk_local_gateway.apigw.selection import mock_status_code
from cdk_local_gateway.apigw.validation import body_validation_errors

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence


def r(
    template: str, *, body: str = "", params: Mapping[str, Mapping[str, str]] | None = None
) -> str:
    return render(template, TemplateInput(body=body, params=params or {})).text


def test_matches_is_whole_string_not_prefix() -> None:
    assert r("#set($s = 'abc1')$s.matches('abc')") == "false"
    assert r("#set($s = 'abc1')$s.matches('abc[0-9]')") == "true"


def test_replace_first_uses_java_group_syntax() -> None:
    assert r("#set($s = 'a-b-c')$s.replaceFirst('(\\w)-', '$1+')") == "a+b-c"
    assert r("#set($s = 'a-b-c')$s.replaceAll('-', '\\$')") == "a$b$c"


def test_split_takes_a_regex_and_drops_trailing_empties() -> None:
    assert (
        r(
            "#set($p = $input.params('q').split('\\.'))$p.size()",
            params={"querystring": {"q": "a.b.."}},
        )
        == "2"
    )


def test_undefined_reference_prints_nothing() -> None:
    assert r("[$nothing][$!nothing][$context.missing.deeper]") == "[][][]"


def test_url_encode_is_java_urlencoder() -> None:
    assert r("$util.urlEncode('a b&c~d*')") == "a+b%26c%7Ed*"
    assert r("$util.urlDecode('a+b%26c')") == "a b&c"


def test_escape_javascript_escapes_slash_and_non_ascii_like_commons_lang() -> None:
    assert r("$util.escapeJavaScript('a/é')") == "a\\/\\u00E9"


def test_overrides_reach_the_caller() -> None:
    out = render(
        "#set($context.responseOverride.status = 418)"
        "#set($context.responseOverride.header.X-A = 'b')"
        "#set($context.requestOverride.querystring.q = 'v')",
        TemplateInput(),
    )
    assert out.response_override == {"status": 418, "header": {"X-A": "b"}}
    assert out.request_override["querystring"] == {"q": "v"}


def test_a_runtime_failure_is_a_template_error() -> None:
    with pytest.raises(TemplateError):
        r("$util.parseJson('{not json')")


LAMBDA_RESPONSES = [
    {"StatusCode": "200"},
    {"StatusCode": "400", "SelectionPattern": r"\[BadRequest\].*"},
    {"StatusCode": "500", "SelectionPattern": r"(\n|.)*Traceback(\n|.)*"},
]


def selected_status(
    responses: Sequence[Mapping[str, Any]], *, status_code: str | None = None
) -> str:
    chosen = select_integration_response(responses, status_code=status_code)
    assert chosen is not None, "no integration response was selected"
    return str(chosen["StatusCode"])


def test_success_selects_the_default_response() -> None:
    assert selected_status(LAMBDA_RESPONSES) == "200"


def test_selection_pattern_matches_the_whole_error_message() -> None:
    chosen = select_integration_response(LAMBDA_RESPONSES, error_message="[BadRequest] days")
    assert chosen is not None
    assert chosen["StatusCode"] == "400"
    prefix_only = select_integration_response(LAMBDA_RESPONSES, error_message="x [BadRequest]")
    assert prefix_only is not None
    assert prefix_only["StatusCode"] == "200"


def test_dot_does_not_cross_lines_as_in_java() -> None:
    multi = "[BadRequest] first line\nsecond line"
    chosen = select_integration_response(LAMBDA_RESPONSES, error_message=multi)
    assert chosen is not None
    assert chosen["StatusCode"] == "200"
    trace = "boom\nTraceback (most recent call last):\n  File x"
    chosen = select_integration_response(LAMBDA_RESPONSES, error_message=trace)
    assert chosen is not None
    assert chosen["StatusCode"] == "500"


def test_http_integrations_select_on_the_status_code() -> None:
    responses = [{"StatusCode": "200"}, {"StatusCode": "404", "SelectionPattern": "4\\d{2}"}]
    assert selected_status(responses, status_code="404") == "404"
    assert selected_status(responses, status_code="500") == "200"


def test_passthrough_behaviours() -> None:
    templates = {"application/json": "T"}
    assert select_template(templates, "application/json; charset=utf-8", None) == ("T", None)
    assert select_template(templates, None, "NEVER") == ("T", None)
    assert select_template(templates, "text/plain", "WHEN_NO_MATCH") == (None, None)
    assert select_template(templates, "text/plain", "WHEN_NO_TEMPLATES") == (None, 415)
    assert select_template({}, "text/plain", "WHEN_NO_TEMPLATES") == (None, None)
    assert select_template({}, "text/plain", "NEVER") == (None, 415)


def test_required_parameters_message() -> None:
    required = {"method.request.querystring.limit": True, "method.request.header.X-Key": True}
    assert validate_parameters(required, {"header": {"x-key": "1"}}) == (
        "Missing required request parameters: [limit]"
    )
    assert (
        validate_parameters(required, {"querystring": {"limit": "1"}, "header": {"X-Key": "k"}})
        is None
    )


def test_body_validation_details_in_json_schema_validator_words() -> None:
    schema = {"type": "object", "required": ["name"], "properties": {"n": {"type": "integer"}}}
    assert body_validation_errors(schema, '{"n": "x"}') == (
        '[object has missing required properties (["name"]), '
        'instance type (string) does not match any allowed primitive type (allowed: ["integer"])]'
    )
    assert body_validation_errors(schema, '{"name": 1}') is None


def test_gateway_response_defaults_and_substitution() -> None:
    status, template = DEFAULT_RESPONSES["MISSING_AUTHENTICATION_TOKEN"]
    body = render_gateway_response(
        template,
        context={"error": {"message": "Missing Authentication Token"}},
        stage_variables={},
        params={},
    )
    assert (status, body) == (403, '{"message":"Missing Authentication Token"}')
    assert DEFAULT_RESPONSES["UNAUTHORIZED"][0] == 401
    assert DEFAULT_RESPONSES["THROTTLED"][0] == 429


def test_response_parameter_expressions() -> None:
    params = {"header": {"Origin": "https://a"}}
    assert response_parameter_value("'*'") == "*"
    assert response_parameter_value("method.request.header.origin", params=params) == "https://a"
    assert (
        response_parameter_value("context.authorizer.x", context={"authorizer": {"x": "1"}}) == "1"
    )
    assert (
        response_parameter_value(
            "integration.response.body.a.b", integration_body='{"a":{"b":"v"}}'
        )
        == "v"
    )


def test_an_empty_body_reads_as_an_empty_object() -> None:
    # Recorded on AWS by LocalStack (localstack/localstack#12413): $input.body of an empty
    # request is "{}", so an SQS query-protocol template never sends an empty MessageBody.
    assert r("MessageBody=$util.urlEncode($input.body)") == "MessageBody=%7B%7D"
    assert r("$input.json('$')") == "{}"


def test_an_empty_body_validates_as_an_empty_object() -> None:
    # Recorded on AWS by LocalStack (localstack/localstack#7916).
    assert body_validation_errors({"type": "object"}, "") is None
    assert body_validation_errors({"type": "object", "required": ["a"]}, "") == (
        '[object has missing required properties (["a"])]'
    )


def test_input_path_prints_maps_java_style_and_lists_as_json() -> None:
    # Recorded on AWS by LocalStack (localstack/localstack#12379): maps print {k=v}, a list
    # prints as JSON, also inside a map.
    body = '{"a": {"b": "c"}, "l": [{"foo": "bar"}], "m": {"list": [{"foo": "bar"}]}}'
    assert r("$input.path('$.a')", body=body) == "{b=c}"
    assert r("$input.path('$.l')", body=body) == '[{"foo":"bar"}]'
    assert r("$input.path('$.m')", body=body) == '{list=[{"foo":"bar"}]}'


def test_util_on_an_undefined_reference_prints_nothing() -> None:
    # commons-lang: escapeJavaScript(null) is null, and API Gateway prints a null as nothing.
    assert r("[$util.escapeJavaScript($nothing)][$util.urlEncode($nothing)]") == "[][]"


def test_a_mock_status_code_reads_from_json_or_javascript_notation() -> None:
    assert mock_status_code('{"statusCode": 200}') == "200"
    assert mock_status_code("{ statusCode: 204 }") == "204"
    assert mock_status_code("{\n  'statusCode': '404'\n}") == "404"
