"""$context and $stageVariables are converted to Java values only for a template that can
reference them; every template renders as it did when they always were."""

from __future__ import annotations

import pytest
from cdk_local_gateway.apigw import TemplateInput, render, render_gateway_response, vtl
from cdk_local_gateway.apigw.gateway_responses import references_parameters

# "$context.stage" built at render time: the template never spells the variable's name.
EVALUATED = '#set($d = "$")#set($n = "con")#evaluate("${d}${n}text.stage")'

CONTEXT = {
    "stage": "dev",
    "requestId": "r-1",
    "identity": {"sourceIp": "10.0.0.1", "apiKey": None},
    "authorizer": {"claims": {"sub": "u-1"}},
    "requestOverride": {"header": {"X-Up": "1"}},
}


def data() -> TemplateInput:
    return TemplateInput(body='{"a": 1}', context=CONTEXT, stage_variables={"color": "blue"})


@pytest.mark.parametrize(
    "template",
    [
        '{"statusCode": 200}',
        '{"stage": "$context.stage", "sub": "$context.authorizer.claims.sub"}',
        "$context.identity",
        "${context.requestId}-$!{stageVariables.color}",
        "#foreach($k in $context.identity.keySet())$k,#end",
        "#set($context.responseOverride.status = 201)$input.json('$.a')",
        EVALUATED,
    ],
)
def test_renders_as_with_the_whole_context_converted(
    template: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given a template, rendered the lazy way
    lazy = render(template, data())
    # When it is rendered again with $context and $stageVariables always converted
    monkeypatch.setattr(vtl, "_mentions", lambda template, name: True)
    eager = render(template, data())
    # Then text and overrides are the same
    assert (lazy.text, lazy.request_override, lazy.response_override) == (
        eager.text,
        eager.request_override,
        eager.response_override,
    )


def test_evaluate_can_reach_the_context_without_naming_it() -> None:
    # A reference #evaluate builds at render time: the template never spells "context"
    text = render(EVALUATED, data())
    assert text.text == "dev"


def test_a_template_not_naming_the_context_keeps_the_given_request_override() -> None:
    rendered = render('{"ok": true}', data())
    assert rendered.text == '{"ok": true}'
    assert rendered.request_override["header"] == {"X-Up": "1"}
    assert rendered.response_override == {"status": None, "header": {}}


def test_an_access_log_format_is_parsed_once_and_substituted_per_request() -> None:
    log_format = (
        '{"rid":"$context.requestId","ip":"$context.identity.sourceIp",'
        '"h":"method.request.header.X"}'
    )
    assert references_parameters(log_format)
    assert not references_parameters('{"rid":"$context.requestId"}')
    first = render_gateway_response(
        log_format, context=CONTEXT, stage_variables={}, params={"header": {"x": "1"}}
    )
    second = render_gateway_response(
        log_format,
        context={**CONTEXT, "requestId": "r-2"},
        stage_variables={},
        params={"header": {}},
    )
    assert first == '{"rid":"r-1","ip":"10.0.0.1","h":"1"}'
    assert second == '{"rid":"r-2","ip":"10.0.0.1","h":""}'
