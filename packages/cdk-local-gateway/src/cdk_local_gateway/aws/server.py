"""moto's standalone server, with DynamoDB requests applied one at a time.

moto's threaded server runs requests concurrently against in-memory backends without locks: a
DynamoDB condition check and the write it guards would not be atomic, which DynamoDB guarantees
(optimistic locking relies on it). Other services are still served concurrently.

Every request passes the IAM check first (:mod:`cdk_local_gateway.iam.enforcer`): a call
signed with a role session's credentials is allowed or denied by that role's policies.

Run as ``python -m cdk_local_gateway.aws.server HOST PORT``.
"""

from __future__ import annotations

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
    # The IAM check outside the lock: a denied DynamoDB call does not wait for others.
    app = IamEnforcer(SerializeDynamoDB(DomainDispatcherApplication(create_backend_app)))
    run_simple(host, port, app, threaded=True, request_handler=MotoRequestHandler)


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]))
