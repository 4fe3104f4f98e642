"""API Gateway events addressed to a route of the contract, from a recorded proxy event."""

from __future__ import annotations

import copy
import json
import re
from functools import cache
from typing import Any

from tests.conftest import ROOT

EVENTS = ROOT / "tests" / "events"
#: A value for every path parameter of the contract's routes.
PATH_VALUES = {"room_id": "r1", "proxy": "a/b"}


@cache
def _recorded_proxy_event() -> dict[str, Any]:
    event: dict[str, Any] = json.loads((EVENTS / "rest" / "room_get.json").read_text())
    return event


def proxy_event(method: str, resource: str) -> dict[str, Any]:
    """A REST proxy event of ``method`` on the resource path ``resource`` (``/rooms/{room_id}``),
    its path parameters filled from :data:`PATH_VALUES`."""
    names = re.findall(r"{(\w+)\+?}", resource)
    path = resource
    for name in names:
        path = re.sub(rf"{{{name}\+?}}", PATH_VALUES[name], path)
    event = copy.deepcopy(_recorded_proxy_event())
    event.update(
        resource=resource,
        path=path,
        httpMethod=method,
        pathParameters={name: PATH_VALUES[name] for name in names} or None,
        body=None,
    )
    context = event["requestContext"]
    context.update(resourcePath=resource, httpMethod=method, path=f"/v1{path}")
    return event
