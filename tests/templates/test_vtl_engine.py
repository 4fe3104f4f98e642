"""The template tests render through the local runtime's API Gateway layer, with its semantics."""

from __future__ import annotations

import json

from cdk_local_gateway.apigw import TemplateInput
from cdk_local_gateway.apigw import render as runtime_render

from tests.templates.vtl import Input, render_text

ESCAPE_IDIOM = '{"v": "$util.escapeJavaScript($input.path(\'$.s\')).replaceAll("\\\\\'","\'")"}'


def test_the_shim_and_the_runtime_render_identically() -> None:
    # Given one template and one request, when the tests' shim and the runtime render it,
    body = json.dumps({"s": "it's"})
    shim = render_text(ESCAPE_IDIOM, request=Input(body=body))
    runtime = runtime_render(ESCAPE_IDIOM, TemplateInput(body=body)).text
    # then both give the same text: one engine, one API Gateway layer.
    assert shim == runtime


def test_the_documented_escape_idiom_yields_json() -> None:
    # AWS mapping template reference, $util.escapeJavaScript: the escaped \' is not valid JSON,
    # and .replaceAll("\\'","'") turns it back (Velocity keeps backslashes in literals).
    body = json.dumps({"s": 'it\'s "x"\n'})
    assert json.loads(render_text(ESCAPE_IDIOM, request=Input(body=body))) == {"v": 'it\'s "x"\n'}


def test_matches_is_whole_string_as_in_java() -> None:
    # String.matches is Pattern.matches: the whole string, not a prefix (the old engine's bug).
    template = "#if($input.params('d').matches('[0-9]'))digit#{else}other#end"
    assert render_text(template, request=Input(query={"d": "12"})) == "other"
    assert render_text(template, request=Input(query={"d": "7"})) == "digit"
