"""API Gateway mapping templates (VTL) rendered on airspeed-ext with API Gateway's variables.

airspeed-ext is the Velocity engine (LocalStack's fork, tuned against recorded API Gateway
output: whole-string ``matches``, Java-literal backslashes, silent undefined references). This
module supplies what API Gateway adds on top: ``$input``, ``$util``, ``$context`` with its
request/response overrides, ``$stageVariables``, and Java semantics for the values (see
:mod:`cdk_local_gateway.apigw.java`).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import lru_cache
from typing import TYPE_CHECKING, Any

import airspeed
from airspeed import operators

from cdk_local_gateway.apigw.java import JavaMap, JavaString, java, to_plain, to_string
from cdk_local_gateway.apigw.jsonpath import MISSING, JsonPathError, evaluate, parse_body
from cdk_local_gateway.apigw.util import Util

if TYPE_CHECKING:
    from collections.abc import Mapping

_PARAM_SOURCES = ("path", "querystring", "header")


@dataclass(frozen=True)
class TemplateInput:
    """What a mapping template sees.

    ``body`` is the raw request body (request templates) or the integration response body
    (response templates). ``params`` is ``{"path": {...}, "querystring": {...}, "header": {...}}``
    as ``$input.params()`` returns it. ``context`` is ``$context`` (whatever keys are given:
    requestId, stage, identity{...}, authorizer{...}, connectionId ...).
    """

    body: str = ""
    params: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    context: Mapping[str, Any] = field(default_factory=dict)
    stage_variables: Mapping[str, str] = field(default_factory=dict)


@dataclass
class Rendered:
    """A rendered template plus the overrides it set through ``$context.*Override``."""

    text: str
    request_override: dict[str, dict[str, str]] = field(
        default_factory=lambda: {"header": {}, "querystring": {}, "path": {}}
    )
    response_override: dict[str, Any] = field(
        default_factory=lambda: {"status": None, "header": {}}
    )


class TemplateError(Exception):
    """A template API Gateway would fail on; the message says why."""


class Input:
    """``$input``: the body and parameters of the request (or integration response)."""

    def __init__(self, body: str, params: Mapping[str, Mapping[str, str]]) -> None:
        # API Gateway hands a template "{}" for an empty body, whatever the content type
        # (recorded on AWS: localstack/localstack#12413), so urlEncode($input.body) sends "{}".
        self.body = JavaString(body if body != "" else "{}")
        self._raw_params = params
        # Converted on first use: most templates never call $input.params().
        self._converted: JavaMap | None = None
        self._document: Any = None
        self._parsed = False

    @property
    def _params(self) -> JavaMap:
        if self._converted is None:
            self._converted = JavaMap(
                {source: java(dict(self._raw_params.get(source, {}))) for source in _PARAM_SOURCES}
            )
        return self._converted

    def _json_document(self) -> Any:
        if not self._parsed:
            self._document, self._parsed = parse_body(self.body), True
        return self._document

    def path(self, path: str) -> Any:
        """The JSONPath result as an object templates can walk (``$input.path('$.a').b``)."""
        result = evaluate(self._json_document(), str(path))
        return None if result is MISSING else java(result, from_json=True)

    def json(self, path: str) -> JavaString:
        """The JSONPath result serialized as JSON (``""`` when a definite path names nothing)."""
        result = evaluate(self._json_document(), str(path))
        if result is MISSING:
            return JavaString("")
        return JavaString(json.dumps(to_plain(result), separators=(",", ":"), ensure_ascii=False))

    def params(self, name: Any = None) -> Any:
        """All parameters, or the named one from path, then query string, then header."""
        if name is None:
            return self._params
        key = str(name)
        for source in _PARAM_SOURCES:
            if key in self._params[source]:
                return self._params[source][key]
        lowered = key.lower()  # header names are case-insensitive
        for header, value in self._params["header"].items():
            if header.lower() == lowered:
                return value
        return JavaString("")


def _install_java_behaviour() -> None:
    """Teach airspeed Java's behaviour for values a template builds from literals.

    airspeed prints every value through ``operators.value_to_string`` and looks methods up in
    ``operators.__additional_methods__`` when Python's type lacks them; both are module-level
    on purpose so embedders can extend them. Only Java's semantics are added here.
    """
    original = operators.value_to_string

    def value_to_string(value: Any) -> str:
        if isinstance(value, (dict, list)):
            return to_string(value)
        return str(original(value))

    operators.value_to_string = value_to_string
    extra: dict[type, dict[str, Any]] = operators.__additional_methods__
    for name in (
        "matches",
        "replaceAll",
        "replaceFirst",
        "length",
        "isEmpty",
        "charAt",
        "substring",
        "indexOf",
        "lastIndexOf",
        "contains",
        "startsWith",
        "endsWith",
        "equals",
        "equalsIgnoreCase",
        "toLowerCase",
        "toUpperCase",
        "trim",
        "concat",
        "toString",
    ):
        method = getattr(JavaString, name)
        extra.setdefault(str, {})[name] = lambda self, *args, _m=method: _m(JavaString(self), *args)
    extra.setdefault(list, {}).update(
        {"isEmpty": lambda self: len(self) == 0, "toString": lambda self: to_string(self)}
    )
    extra.setdefault(dict, {}).update(
        {
            "size": lambda self: len(self),
            "isEmpty": lambda self: len(self) == 0,
            "containsKey": lambda self, key: key in self,
            "keySet": lambda self: list(self.keys()),
            "toString": lambda self: to_string(self),
        }
    )


_install_java_behaviour()


@lru_cache(maxsize=512)
def _compiled(template: str) -> airspeed.Template:
    compiled = airspeed.Template(template)
    try:
        compiled.ensure_compiled()
    except airspeed.TemplateSyntaxError as error:
        raise TemplateError(f"Invalid mapping expression: {error}") from error
    return compiled


def _mentions(template: str, name: str) -> bool:
    """Whether ``template`` can reference the variable ``name`` at all: a reference spells the
    name out (``$name``, ``${name}``, ``$!name``), except one ``#evaluate`` builds at render
    time, so a template using it may reference anything."""
    return name in template or "#evaluate" in template or "#{evaluate" in template


def render(template: str, data: TemplateInput) -> Rendered:
    """Render ``template`` as API Gateway would, with ``$input``, ``$util``, ``$context``."""
    # Converting the whole $context to Java values is most of a simple template's rendering:
    # skipped when the template cannot see it (the overrides below exist either way).
    context = java(dict(data.context)) if _mentions(template, "context") else JavaMap()
    # A response template reads what the request template put in requestOverride.
    given = java(dict(data.context.get("requestOverride") or {}))
    request_override = JavaMap(
        {source: JavaMap(given.get(source) or {}) for source in ("header", "querystring", "path")}
    )
    response_override = JavaMap(status=None, header=JavaMap())
    context["requestOverride"] = request_override
    context["responseOverride"] = response_override
    namespace = {
        "input": Input(data.body, data.params),
        "util": Util(),
        "context": context,
        "stageVariables": (
            java(dict(data.stage_variables)) if _mentions(template, "stageVariables") else JavaMap()
        ),
    }
    try:
        text = _compiled(template).merge(namespace)
    except TemplateError:
        raise
    except (airspeed.TemplateError, JsonPathError, ValueError, IndexError, TypeError) as error:
        raise TemplateError(f"Unable to transform: {_cause(error)}") from error
    return Rendered(
        text=str(text),
        request_override={
            source: {str(k): to_string(v) for k, v in dict(request_override[source]).items()}
            for source in ("header", "querystring", "path")
        },
        response_override={
            "status": _status(response_override.get("status")),
            "header": {str(k): to_string(v) for k, v in dict(response_override["header"]).items()},
        },
    )


def _cause(error: BaseException) -> str:
    inner = error.__cause__ if isinstance(error, airspeed.TemplateError) else None
    return str(inner or error)


def _status(value: Any) -> int | None:
    if value is None or value == "":
        return None
    try:
        return int(str(value))
    except ValueError as error:
        raise TemplateError(f"responseOverride.status is not a status code: {value!r}") from error
