"""A REST API read from the template: resources, methods, stage, authorizers, keys, plans."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from cdk_local_gateway.intrinsics import Physical, Unresolvable

if TYPE_CHECKING:
    from cdk_local_gateway.assembly import Stack
    from cdk_local_gateway.intrinsics import Resolver


def _target(value: Any) -> str | None:
    """The logical id a ``Ref`` points at (``None`` for anything else)."""
    if isinstance(value, dict) and set(value) == {"Ref"} and isinstance(value["Ref"], str):
        return value["Ref"]
    return None


def _is_root(value: Any) -> bool:
    return (
        isinstance(value, dict)
        and "Fn::GetAtt" in value
        and (value["Fn::GetAtt"][1] if isinstance(value["Fn::GetAtt"], list) else "")
        == "RootResourceId"
    )


@dataclass
class Method:
    logical_id: str
    http_method: str
    resource_path: str
    props: dict[str, Any]  # resolved Properties (intrinsics in mapping templates resolved)
    problem: str | None = None  # why it cannot be emulated (answered 501)

    @property
    def integration(self) -> dict[str, Any]:
        integration: dict[str, Any] = self.props.get("Integration", {})
        return integration

    @property
    def authorization_type(self) -> str:
        return str(self.props.get("AuthorizationType", "NONE"))


@dataclass
class Authorizer:
    logical_id: str
    props: dict[str, Any]


@dataclass
class UsagePlan:
    logical_id: str
    throttle: dict[str, Any]
    quota: dict[str, Any]
    key_ids: list[str] = field(default_factory=list)


@dataclass
class RestApi:
    stack: Stack
    logical_id: str
    api_id: str
    name: str
    stage_name: str
    stage_variables: dict[str, str]
    access_log_format: str | None
    binary_media_types: list[str]
    methods: dict[str, dict[str, Method]]  # resource path -> HTTP method -> Method
    authorizers: dict[str, Authorizer]
    models: dict[str, dict[str, Any]]  # model name -> schema
    model_names: dict[str, str]  # model logical id -> name
    validators: dict[str, dict[str, Any]]
    gateway_responses: dict[str, dict[str, Any]]  # ResponseType -> properties
    api_keys: dict[str, str]  # key value -> key logical id
    usage_plans: list[UsagePlan]
    api_key_source: str = "HEADER"
    problems: list[str] = field(default_factory=list)

    @property
    def display(self) -> str:
        return self.stack.display_name


def _api_id(stack: Stack, logical_id: str) -> str:
    return hashlib.sha256(f"{stack.stack_name}/{logical_id}".encode()).hexdigest()[:10]


def _resource_paths(stack: Stack, api: str) -> dict[str, str]:
    """Resource logical id -> full path ('/' for the root, keyed by '')."""
    resources = {
        k: r["Properties"]
        for k, r in stack.of_type("AWS::ApiGateway::Resource").items()
        if _target(r["Properties"].get("RestApiId")) == api
    }
    paths: dict[str, str] = {"": "/"}

    def path_of(logical_id: str) -> str:
        if logical_id in paths:
            return paths[logical_id]
        props = resources[logical_id]
        parent = props.get("ParentId")
        parent_path = "/" if _is_root(parent) else path_of(_target(parent) or "")
        path = parent_path.rstrip("/") + "/" + str(props["PathPart"])
        paths[logical_id] = path
        return path

    for logical_id in resources:
        path_of(logical_id)
    return paths


def read_rest_apis(resolver: Resolver, stack: Stack) -> list[RestApi]:
    apis = []
    for logical_id, resource in stack.of_type("AWS::ApiGateway::RestApi").items():
        apis.append(_read_api(resolver, stack, logical_id, resource.get("Properties", {})))
    return apis


def _belongs(resource: dict[str, Any], api: str) -> bool:
    """Whether a resource's ``RestApiId`` refers to the API of logical id ``api``."""
    return _target(resource.get("Properties", {}).get("RestApiId")) == api


def _read_api(resolver: Resolver, stack: Stack, logical_id: str, props: dict[str, Any]) -> RestApi:
    api_id = _api_id(stack, logical_id)
    root_id = _api_id(stack, logical_id + "/root")
    resolver.record(stack, logical_id, Physical(api_id, {"RootResourceId": root_id}))
    problems = []
    if "Body" in props or "BodyS3Location" in props:
        problems.append(f"{logical_id}: an OpenAPI body is not read (only template resources)")
    paths = _resource_paths(stack, logical_id)
    stage_name, variables, log_format = _read_stage(resolver, stack, logical_id, problems)
    methods = _read_methods(resolver, stack, logical_id, paths)
    authorizers = _read_authorizers(resolver, stack, logical_id, problems)
    models, model_names = _read_models(resolver, stack, logical_id)
    validators = {
        v_id: v["Properties"]
        for v_id, v in stack.of_type("AWS::ApiGateway::RequestValidator").items()
        if _belongs(v, logical_id)
    }
    responses = _read_gateway_responses(resolver, stack, logical_id)
    key_values = _read_api_keys(resolver, stack)
    plans = _read_usage_plans(resolver, stack, logical_id)
    return RestApi(
        stack=stack,
        logical_id=logical_id,
        api_id=api_id,
        name=str(props.get("Name", logical_id)),
        stage_name=stage_name,
        stage_variables=variables,
        access_log_format=log_format,
        binary_media_types=[str(t) for t in props.get("BinaryMediaTypes", [])],
        methods=methods,
        authorizers=authorizers,
        models=models,
        model_names=model_names,
        validators=validators,
        gateway_responses=responses,
        api_keys={v: k for k, v in key_values.items()},
        usage_plans=plans,
        api_key_source=str(props.get("ApiKeySourceType", "HEADER")),
        problems=problems,
    )


def _read_stage(
    resolver: Resolver, stack: Stack, api: str, problems: list[str]
) -> tuple[str, dict[str, str], str | None]:
    """Name, variables and access log format of the first Stage of the API (CDK makes one
    per deployment stage); ``prod`` without one."""
    for stage_id, stage in stack.of_type("AWS::ApiGateway::Stage").items():
        if not _belongs(stage, api):
            continue
        sprops = stage["Properties"]
        stage_name = str(sprops.get("StageName", stage_id))
        resolver.record(stack, stage_id, Physical(stage_name))
        variables: dict[str, str] = {}
        try:
            variables = {
                k: str(v)
                for k, v in resolver.resolve(stack, sprops.get("Variables", {}), stage_id).items()
            }
        except Unresolvable as exc:
            problems.append(str(exc))
        return stage_name, variables, sprops.get("AccessLogSetting", {}).get("Format")
    return "prod", {}, None


def _read_methods(
    resolver: Resolver, stack: Stack, api: str, paths: dict[str, str]
) -> dict[str, dict[str, Method]]:
    """The API's methods by resource path and HTTP method; one whose properties cannot be
    resolved keeps them unresolved, with the reason as its problem."""
    methods: dict[str, dict[str, Method]] = {}
    for method_id, method in stack.of_type("AWS::ApiGateway::Method").items():
        if not _belongs(method, api):
            continue
        raw = method["Properties"]
        resource_ref = raw.get("ResourceId")
        path = "/" if _is_root(resource_ref) else paths.get(_target(resource_ref) or "", "?")
        problem = None
        try:
            resolved = resolver.resolve(stack, raw, method_id)
        except Unresolvable as exc:
            resolved, problem = raw, str(exc)
        resolved["RequestModelNames"] = {
            ct: _target(ref) for ct, ref in raw.get("RequestModels", {}).items()
        }
        resolved["AuthorizerLogicalId"] = _target(raw.get("AuthorizerId"))
        resolved["RequestValidatorLogicalId"] = _target(raw.get("RequestValidatorId"))
        methods.setdefault(path, {})[str(raw["HttpMethod"]).upper()] = Method(
            method_id, str(raw["HttpMethod"]).upper(), path, resolved, problem
        )
    return methods


def _read_authorizers(
    resolver: Resolver, stack: Stack, api: str, problems: list[str]
) -> dict[str, Authorizer]:
    authorizers = {}
    for auth_id, auth in stack.of_type("AWS::ApiGateway::Authorizer").items():
        if not _belongs(auth, api):
            continue
        resolver.record(stack, auth_id, Physical(_api_id(stack, auth_id)[:6]))
        try:
            authorizers[auth_id] = Authorizer(
                auth_id, resolver.resolve(stack, auth["Properties"], auth_id)
            )
        except Unresolvable as exc:
            problems.append(str(exc))
    return authorizers


def _read_models(
    resolver: Resolver, stack: Stack, api: str
) -> tuple[dict[str, dict[str, Any]], dict[str, str]]:
    """Schemas by model name, and model names by logical id."""
    models, model_names = {}, {}
    for model_id, model in stack.of_type("AWS::ApiGateway::Model").items():
        if _belongs(model, api):
            name = str(model["Properties"].get("Name") or model_id)
            model_names[model_id] = name
            models[name] = resolver.resolve(stack, model["Properties"].get("Schema", {}), model_id)
    return models, model_names


def _read_gateway_responses(
    resolver: Resolver, stack: Stack, api: str
) -> dict[str, dict[str, Any]]:
    responses = {}
    for gr_id, response in stack.of_type("AWS::ApiGateway::GatewayResponse").items():
        if _belongs(response, api):
            rprops = resolver.resolve(stack, response["Properties"], gr_id)
            responses[str(rprops["ResponseType"])] = rprops
    return responses


def _read_api_keys(resolver: Resolver, stack: Stack) -> dict[str, str]:
    """Enabled API keys' values by logical id: a key without a Value gets a generated one
    (as at deploy time)."""
    key_values: dict[str, str] = {}
    for key_id, key in stack.of_type("AWS::ApiGateway::ApiKey").items():
        kprops = key.get("Properties", {})
        if kprops.get("Enabled") is False:
            continue
        value = str(
            resolver.resolve(stack, kprops.get("Value"), key_id) or secrets.token_urlsafe(30)
        )
        resolver.record(stack, key_id, Physical(_api_id(stack, key_id)))
        key_values[key_id] = value
    return key_values


def _read_usage_plans(resolver: Resolver, stack: Stack, api: str) -> list[UsagePlan]:
    """The usage plans with a stage of the API, each with the keys linked to it."""
    plans = []
    for plan_id, plan in stack.of_type("AWS::ApiGateway::UsagePlan").items():
        pprops = plan.get("Properties", {})
        if not any(_target(s.get("ApiId")) == api for s in pprops.get("ApiStages", [])):
            continue
        resolved_plan = resolver.resolve(stack, pprops, plan_id)
        usage = UsagePlan(
            plan_id, resolved_plan.get("Throttle", {}), resolved_plan.get("Quota", {})
        )
        usage.key_ids.extend(_plan_key_ids(stack, plan_id))
        plans.append(usage)
    return plans


def _plan_key_ids(stack: Stack, plan_id: str) -> list[str]:
    """The API keys linked to the usage plan ``plan_id`` (its UsagePlanKey resources)."""
    key_ids = []
    for link in stack.of_type("AWS::ApiGateway::UsagePlanKey").values():
        lprops = link["Properties"]
        if _target(lprops.get("UsagePlanId")) == plan_id:
            linked_key = _target(lprops.get("KeyId"))
            if linked_key:
                key_ids.append(linked_key)
    return key_ids
