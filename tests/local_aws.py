"""moto's standalone server, with DynamoDB requests applied one at a time.

moto's threaded server runs requests on many threads against one in-memory backend that has
no locks: a condition check and the write it guards are not atomic, and table dictionaries are
mutated while other requests iterate them. DynamoDB guarantees both, and the optimistic-locking
and transaction tests rely on it, so DynamoDB requests are applied one at a time here. Other
services (SQS long polls, Secrets Manager, the management API) are still served concurrently.

Run as ``python -m tests.local_aws HOST PORT``.
"""

from __future__ import annotations

import sys
import threading
from typing import TYPE_CHECKING, Any

from moto.moto_server.werkzeug_app import (
    DomainDispatcherApplication,
    MotoRequestHandler,
    create_backend_app,
)
from werkzeug.serving import run_simple

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable


class SerializeDynamoDB:
    """WSGI middleware: one DynamoDB request at a time (X-Amz-Target ``DynamoDB_*``)."""

    def __init__(self, app: Callable[..., Iterable[bytes]]) -> None:
        self.app = app
        self.lock = threading.Lock()

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        if not environ.get("HTTP_X_AMZ_TARGET", "").startswith("DynamoDB_"):
            return self.app(environ, start_response)
        with self.lock:
            # Drain the body inside the lock: the write happens while it is produced.
            return list(self.app(environ, start_response))


def main(host: str, port: int) -> None:
    app = SerializeDynamoDB(DomainDispatcherApplication(create_backend_app))
    run_simple(host, port, app, threaded=True, request_handler=MotoRequestHandler)


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]))
