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


def main(host: str, port: int) -> None:
    from moto.moto_server.werkzeug_app import (
        DomainDispatcherApplication,
        MotoRequestHandler,
        create_backend_app,
    )
    from werkzeug.serving import run_simple

    from cdk_local_gateway.iam.enforcer import IamEnforcer

    # The IAM check outside the lock: a denied DynamoDB call does not wait for others.
    app = IamEnforcer(SerializeDynamoDB(DomainDispatcherApplication(create_backend_app)))
    run_simple(host, port, app, threaded=True, request_handler=MotoRequestHandler)


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]))
