"""Handlers of the REST API (see docs/rest-api-reference.md for the route table).

Importing any of them runs this first: the Powertools packages whose ``__init__`` imports
every resolver or every event class are deferred (:mod:`shared.lazy_package`), so a REST
handler's cold start loads only the resolver and event classes it uses (docs/performance.md,
cold start). The WebSocket handlers and the authorizer use neither package."""

from __future__ import annotations

from handlers.rest.powertools_inits import READINGS
from shared.lazy_package import defer_init

REEXPORTING_PACKAGES = (
    "aws_lambda_powertools.event_handler",
    "aws_lambda_powertools.event_handler.openapi",
    "aws_lambda_powertools.utilities.data_classes",
)
"""Powertools packages whose ``__init__`` only re-exports names of their submodules (a parent
before its subpackage). ``event_handler.openapi``'s imports the OpenAPI document merger, which
only a script generating the document uses; the resolver imports the modules it needs
(``openapi.config``, ``openapi.types`` ...) by their own names."""

for _package in REEXPORTING_PACKAGES:
    defer_init(_package, READINGS.get(_package))
