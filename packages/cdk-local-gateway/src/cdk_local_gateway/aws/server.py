"""moto's standalone server, with DynamoDB requests applied one at a time.

moto's threaded server runs requests concurrently against in-memory backends without locks: a
DynamoDB condition check and the write it guards would not be atomic, which DynamoDB guarantees
(optimistic locking relies on it). Other services are still served concurrently.

Every request passes the IAM check first (:mod:`cdk_local_gateway.iam.enforcer`): a call
signed with a role session's credentials is allowed or denied by that role's policies.

DynamoDB's attribute values are rendered without moto's generic serializer
(:func:`fast_attribute_values`; ``CDK_LOCAL_AWS_FAST_VALUES=off`` turns that off).

Run as ``python -m cdk_local_gateway.aws.server HOST PORT``.
"""

from __future__ import annotations

import os
import sys
import threading
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable


class SerializeDynamoDB:
    """WSGI middleware: one DynamoDB request (``X-Amz-Target: DynamoDB_*``) at a time."""

    def __init__(self, app: Callable[..., Iterable[bytes]]) -> None:
        self.app = app
        self.lock = threading.Lock()

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        # "DynamoDB" covers DynamoDBStreams_* too: a stream read beside a transaction that
        # later rolls back would otherwise see (and replicate) records of a write never made.
        if not environ.get("HTTP_X_AMZ_TARGET", "").startswith("DynamoDB"):
            return self.app(environ, start_response)
        with self.lock:
            # Drain the body inside the lock: moto performs the write while producing it.
            return list(self.app(environ, start_response))


def lazy_iam_partitions() -> None:
    """Make moto's access-key lookup touch only the IAM partitions that exist already.

    moto resolves the caller's account on every request (``get_account_id_from``) by looking
    the access key up in the IAM backend of every partition (aws, aws-cn, aws-us-gov, the
    ISO ones), creating each on the way: with AWS managed policies loaded, that is five
    times ~1,500 policies (over a second) on the first request signed with a key IAM does not
    know, such as the runtime's own. A partition never touched has no access keys, so
    skipping it answers the same; it is still created on its first real use.
    """
    from moto.core.models import DEFAULT_ACCOUNT_ID
    from moto.iam import models
    from moto.utilities.utils import PARTITION_NAMES

    def get_account_id_from(access_key: str) -> str:
        for account_id, account in list(models.iam_backends.items()):
            for partition in PARTITION_NAMES:
                created = partition in dict.keys(account)
                if created and access_key in account[partition].access_keys:
                    return str(account_id)
        return str(DEFAULT_ACCOUNT_ID)

    # moto.core.responses imports it from this module on each call.
    models.get_account_id_from = get_account_id_from


def memoize_moto_lookups() -> None:
    """Answer two of moto's per-request lookups from memory.

    For every request moto's dispatcher asks twice whether the host is a service name by
    listing its own package folder (a directory read and ~200 ``stat`` calls), and the
    response class of the service collects its method names with ``inspect.getmembers``.
    Neither answer changes while the server runs (moto's folder is installed code; its
    response classes are not changed after import), and the two cost about a third of a
    DynamoDB request's time on loopback, which every test and ``make local`` call pays.
    """
    import functools

    from moto import backends
    from moto.core import responses

    modules = tuple(backends.list_of_moto_modules())
    # Both are looked up as module attributes at call time, so replacing them takes effect.
    backends.list_of_moto_modules = lambda: modules
    lookup = functools.cache(responses.method_names_from_class)  # type: ignore[attr-defined]
    responses.method_names_from_class = lookup  # type: ignore[attr-defined]


#: ``off`` renders every DynamoDB value through moto's own serializer (for comparison, or to
#: rule the fast path out when an answer looks wrong).
FAST_VALUES_VARIABLE = "CDK_LOCAL_AWS_FAST_VALUES"


class _Unusual(Exception):
    """A value the fast path does not render exactly as moto would: moto renders it."""


def fast_attribute_values() -> None:
    """Render DynamoDB's ``AttributeValue`` (``{"S": "x"}``, ``{"M": {...}}``, ...) directly.

    moto's response serializer renders every structure member by member: for each of the
    shape's ten members it builds a context and asks six alias providers which keys of the
    value to try. Items are trees of ``AttributeValue``, so that is most of a DynamoDB
    response's CPU on the local AWS (about 60% of a ``Query``'s handling, in a profile of the
    suites). The values moto hands the serializer are already in wire form (plain dicts of one
    type key), which renders as itself with strings kept, binaries base64-encoded and members
    moto would skip (``None``) skipped. Anything else (another object, several or unknown keys,
    a value of an unexpected type) goes through moto's own path, as does a serializer with
    response transformers. ``tests/test_local_aws_server.py`` compares both paths' output on
    generated items.
    """
    from moto.core.serialize import BaseJSONSerializer

    original = BaseJSONSerializer._serialize_type_structure
    if getattr(original, "_fast_attribute_values", False):
        return

    def serialize_structure(
        self: Any, serialized: dict[str, Any], value: Any, shape: Any, key: str
    ) -> None:
        if (
            key
            and type(value) is dict
            and shape.name == "AttributeValue"
            and _is_attribute_value(shape)
            and not getattr(self._value_picker, "response_transformers", None)
        ):
            try:
                rendered = _attribute_value(value, self._base64)
            except _Unusual:
                pass
            else:
                serialized[shape.serialization.get("name", key)] = rendered
                return
        original(self, serialized, value, shape, key)

    serialize_structure._fast_attribute_values = True  # type: ignore[attr-defined]
    BaseJSONSerializer._serialize_type_structure = serialize_structure  # type: ignore[method-assign,assignment]


#: DynamoDB's ``AttributeValue`` members and their shape types, which the fast path renders.
_ATTRIBUTE_VALUE_TYPES = {
    "S": "string",
    "N": "string",
    "B": "blob",
    "SS": "list",
    "NS": "list",
    "BS": "list",
    "M": "map",
    "L": "list",
    "NULL": "boolean",
    "BOOL": "boolean",
}
_checked_shapes: dict[int, tuple[Any, bool]] = {}


def _is_attribute_value(shape: Any) -> bool:
    """Whether ``shape`` is the ``AttributeValue`` the fast path knows (its members and types),
    so a model that changes it falls back to moto's path instead of rendering it wrongly."""
    known = _checked_shapes.get(id(shape))
    if known is not None and known[0] is shape:
        return known[1]
    members = shape.members
    ok = {name: m.type_name for name, m in members.items()} == _ATTRIBUTE_VALUE_TYPES and all(
        getattr(members[name], "member", None) is not None
        and members[name].member.type_name == kind
        for name, kind in (("SS", "string"), ("NS", "string"), ("BS", "blob"))
    )
    ok = ok and members["L"].member.name == "AttributeValue"
    ok = ok and members["M"].value.name == "AttributeValue"
    _checked_shapes[id(shape)] = (shape, ok)
    return ok


def _attribute_value(value: dict[str, Any], base64: Callable[[Any], str]) -> dict[str, Any]:
    if len(value) != 1:
        raise _Unusual
    ((kind, v),) = value.items()
    render = _RENDERERS.get(kind)
    if render is None:
        raise _Unusual
    # moto skips a member whose value is None: the structure renders empty.
    return {} if v is None else {kind: render(v, base64)}


def _string(v: Any, base64: Callable[[Any], str]) -> Any:
    if type(v) is not str:
        raise _Unusual
    return v


def _boolean(v: Any, base64: Callable[[Any], str]) -> Any:
    if type(v) is not bool:
        raise _Unusual
    return v


def _blob(v: Any, base64: Callable[[Any], str]) -> Any:
    if type(v) is not str and type(v) is not bytes:
        raise _Unusual
    return base64(v)


def _string_set(v: Any, base64: Callable[[Any], str]) -> Any:
    if type(v) is not list or any(type(e) is not str for e in v):
        raise _Unusual
    return list(v)


def _blob_set(v: Any, base64: Callable[[Any], str]) -> Any:
    if type(v) is not list:
        raise _Unusual
    return [_blob(e, base64) for e in v]


def _map(v: Any, base64: Callable[[Any], str]) -> Any:
    # moto renders a value under an empty key into the map itself: left to it, so the
    # answers stay moto's (moto refuses to store such a key today).
    if type(v) is not dict or "" in v:
        raise _Unusual
    return {k: _attribute_value(_plain(e), base64) for k, e in v.items() if e is not None}


def _list(v: Any, base64: Callable[[Any], str]) -> Any:
    if type(v) is not list:
        raise _Unusual
    return [None if e is None else _attribute_value(_plain(e), base64) for e in v]


_RENDERERS: dict[str, Callable[[Any, Callable[[Any], str]], Any]] = {
    "S": _string,
    "N": _string,
    "B": _blob,
    "SS": _string_set,
    "NS": _string_set,
    "BS": _blob_set,
    "M": _map,
    "L": _list,
    "NULL": _boolean,
    "BOOL": _boolean,
}


def _plain(value: Any) -> dict[str, Any]:
    if type(value) is not dict:
        raise _Unusual
    return value


def main(host: str, port: int) -> None:
    from moto.moto_server.werkzeug_app import (
        DomainDispatcherApplication,
        MotoRequestHandler,
        create_backend_app,
    )
    from werkzeug.serving import run_simple

    from cdk_local_gateway.iam.enforcer import IamEnforcer

    lazy_iam_partitions()
    memoize_moto_lookups()
    if os.environ.get(FAST_VALUES_VARIABLE, "").lower() != "off":
        fast_attribute_values()
    # The IAM check outside the lock: a denied DynamoDB call does not wait for others.
    app = IamEnforcer(SerializeDynamoDB(DomainDispatcherApplication(create_backend_app)))
    run_simple(host, port, app, threaded=True, request_handler=MotoRequestHandler)


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]))
