"""What each function's execution role grants, read from synthesized templates.

Functions are found by their ``Handler`` property (never by hash-suffixed logical ids), their
role by the function's ``Role``, and the role's statements from every ``AWS::IAM::Policy``
attached to it and its inline ``Policies``. Each granted resource is named by its role in the
app (see :mod:`tests.iam.actions`), so that grants and recorded calls compare directly.
"""

from __future__ import annotations

import json
import re
from typing import TYPE_CHECKING, Any

from tests.iam.actions import INDEX_ACTIONS, Access

if TYPE_CHECKING:
    from collections.abc import Iterator, Mapping

#: The services whose grants must equal the recorded calls. Others (logs, X-Ray, KMS, SQS
#: event sources) are used by the Lambda service or by AWS on the function's behalf, never
#: through the handler's own SDK calls, so the tests cannot see them.
COMPARED_SERVICES = frozenset({"dynamodb", "secretsmanager", "execute-api"})
#: The app's own handlers; the CDK's provider functions (``__entrypoint__.handler``) are not.
APP_HANDLER_PREFIX = "handlers."

_CONNECTIONS = re.compile(r"/[^/]+/([A-Z*]+)/@connections(?:/|$)")


def render(value: Any) -> str:
    """A CloudFormation value as readable text: references become ``${...}``."""
    if isinstance(value, str):
        return value
    if isinstance(value, dict) and len(value) == 1:
        ((key, arg),) = value.items()
        if key == "Ref":
            return f"${{{arg}}}"
        if key == "Fn::GetAtt":
            return f"${{{'.'.join(arg)}}}"
        if key == "Fn::GetStackOutput":
            return f"${{output:{arg['OutputName']}}}"
        if key == "Fn::ImportValue":
            return f"${{import:{render(arg)}}}"
        if key == "Fn::Join":
            separator, parts = arg
            return str(separator).join(render(p) for p in parts)
        if key == "Fn::Sub":
            return render(arg if isinstance(arg, str) else arg[0])
    return json.dumps(value, sort_keys=True)


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def resource_name(action: str, resource: Any, env: Mapping[str, Any]) -> str:
    """The app-level name of a granted ``resource`` for ``action`` (see the module doc)."""
    text = render(resource)
    service = action.split(":", 1)[0]
    if text == "*":
        return "*"
    if service == "dynamodb":
        if "/index/" in text:
            return "index/" + text.split("/index/", 1)[1]
        return "table"
    if service == "secretsmanager":
        names = sorted(k for k, v in env.items() if render(v) == text)
        return f"secret:{names[0]}" if names else f"secret:{text}"
    if service == "execute-api":
        match = _CONNECTIONS.search(text)
        return f"@connections/{match.group(1)}" if match else text
    return text


def role_statements(template: Mapping[str, Any], role: str) -> Iterator[dict[str, Any]]:
    """Every statement attached to the role with logical id ``role``."""
    resources: Mapping[str, Any] = template.get("Resources", {})
    for policy in _as_list(resources.get(role, {}).get("Properties", {}).get("Policies", [])):
        yield from _as_list(policy["PolicyDocument"]["Statement"])
    for resource in resources.values():
        props = resource.get("Properties", {})
        if resource["Type"] == "AWS::IAM::Policy" and {"Ref": role} in props.get("Roles", []):
            yield from _as_list(props["PolicyDocument"]["Statement"])


def granted(statements: Iterator[dict[str, Any]], env: Mapping[str, Any]) -> set[Access]:
    """The accesses the ``Allow`` statements grant in the compared services.

    A statement that names a table and its index grants each action on both; IAM evaluates
    only ``Query``/``Scan`` against an index ARN, so the other actions on an index grant
    nothing and are dropped. ``NotAction``/``NotResource`` cannot be enumerated and are kept
    as written, so they always show as an over-grant."""
    accesses: set[Access] = set()
    for statement in statements:
        if statement.get("Effect") != "Allow":
            continue
        if "NotAction" in statement or "NotResource" in statement:
            accesses.add(Access(f"NotAction/NotResource: {render(statement)}", "*"))
            continue
        for action in _as_list(statement["Action"]):
            if action.split(":", 1)[0] not in COMPARED_SERVICES and action != "*":
                continue
            for resource in _as_list(statement["Resource"]):
                name = resource_name(action, resource, env)
                if name.startswith("index/") and action not in INDEX_ACTIONS and "*" not in action:
                    continue
                accesses.add(Access(action, name))
    return accesses


def grants_by_handler(
    templates: Mapping[str, Mapping[str, Any]], stage: str = "Dev"
) -> dict[str, set[Access]]:
    """``{handler: accesses its role grants}`` for every app function of ``stage`` (stack
    paths ``<stage>/...``). A handler deployed by several functions gets their union."""
    result: dict[str, set[Access]] = {}
    for path, template in templates.items():
        if not path.startswith(f"{stage}/"):
            continue
        for resource in template.get("Resources", {}).values():
            props = resource.get("Properties", {})
            handler = props.get("Handler", "")
            if resource["Type"] != "AWS::Lambda::Function":
                continue
            if not handler.startswith(APP_HANDLER_PREFIX):
                continue
            env = props.get("Environment", {}).get("Variables", {})
            role = props["Role"]["Fn::GetAtt"][0]
            result.setdefault(handler, set()).update(granted(role_statements(template, role), env))
    return result
