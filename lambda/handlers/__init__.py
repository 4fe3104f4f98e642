"""Lambda entry points: thin adapters from API Gateway / SQS / ALB events to domain logic.

Importing any handler runs this first: the Powertools packages whose ``__init__`` imports
every resolver or event class are deferred (:mod:`shared.lazy_package`), so a handler's cold
start loads only the submodules it uses (docs/performance.md, cold start)."""

from __future__ import annotations

from shared.lazy_package import defer_init

REEXPORTING_PACKAGES = (
    "aws_lambda_powertools.event_handler",
    "aws_lambda_powertools.utilities.data_classes",
)
"""Powertools packages whose ``__init__`` only re-exports names of their submodules."""

for _package in REEXPORTING_PACKAGES:
    defer_init(_package)
