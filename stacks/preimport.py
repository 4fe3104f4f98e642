"""Import the CDK's Python modules the app uses in a background thread.

A synth is one Python process ping-ponging with the jsii kernel's Node process: while Node
loads cdk-nag's rules or a service's JavaScript modules (a few tenths of a second each), the
Python side only waits; while Python imports the CDK's generated modules (``aws_ec2`` alone is
a 7 MB module of some 2,000 classes, about 0.6 s of CPU for all the modules this app uses),
Node waits. Imported by a thread started before the app is built, the modules are ready when
the app's code reaches them, and their import runs while the main thread is blocked on the
kernel: the GIL is free then.

``aws_cdk`` itself is imported by the caller first: that starts the kernel and loads the
jsii assemblies. Importing the modules below sends nothing to the kernel (their classes
register with jsii's Python runtime only; ``tests/infra/test_synth_cost_preimport.py`` counts
the round trips), so the thread never talks to the kernel alongside the main thread; jsii's
runtime is not made for two threads. Anything the thread fails to import is left to the main
thread, which then meets the same error where it always did. ``APP_PREIMPORT=off`` turns it
off.
"""

from __future__ import annotations

import importlib
import threading
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Mapping

#: ``off`` leaves every import to the main thread.
PREIMPORT_VARIABLE = "APP_PREIMPORT"
#: The CDK modules the stacks and the construct package import, in about the order the app
#: reaches them (each imports its own dependencies: ``aws_lambda`` brings ``aws_ec2``).
MODULES = (
    "aws_cdk.aws_iam",
    "aws_cdk.aws_lambda",
    "aws_cdk.aws_ec2",
    "aws_cdk.aws_logs",
    "aws_cdk.aws_sqs",
    "aws_cdk.aws_apigateway",
    "aws_cdk.aws_wafv2",
    "aws_cdk.aws_cloudwatch",
    "aws_cdk.aws_cloudwatch_actions",
    "aws_cdk.aws_kms",
    "aws_cdk.aws_sns",
    "aws_cdk.aws_sns_subscriptions",
    "aws_cdk.aws_elasticloadbalancingv2",
    "aws_cdk.aws_elasticloadbalancingv2_targets",
    "aws_cdk.aws_secretsmanager",
    "aws_cdk.aws_cognito",
    "aws_cdk.aws_dynamodb",
    "aws_cdk.aws_apigatewayv2",
    "aws_cdk.aws_apigatewayv2_integrations",
    "aws_cdk.aws_apigatewayv2_authorizers",
    "aws_cdk.aws_s3",
    "aws_cdk.aws_events",
)
#: Also loaded by :func:`complete`: jsii assemblies the app uses beyond the CDK's (importing
#: ``cdk_nag`` loads its assembly into the kernel; its classes are made by the stacks).
ASSEMBLIES = ("cdk_nag",)


def start(environ: Mapping[str, str]) -> threading.Thread | None:
    """Import ``aws_cdk`` (the kernel's start) here, then :data:`MODULES` in a daemon thread,
    unless ``APP_PREIMPORT=off``."""
    if environ.get(PREIMPORT_VARIABLE) == "off":
        return None
    importlib.import_module("aws_cdk")
    thread = threading.Thread(target=_import_all, name="cdk-preimport", daemon=True)
    thread.start()
    return thread


def _import_all() -> None:
    for name in MODULES:
        try:
            importlib.import_module(name)
        except Exception:  # the main thread's own import of it reports the error
            return


def complete(thread: threading.Thread | None) -> None:
    """Import :data:`ASSEMBLIES` here and wait for ``thread`` (from :func:`start`) to end:
    then every module the stacks import from the CDK is imported, and the kernel has loaded
    every assembly the app uses (a forked synth part starts from there, see
    ``stacks.kernel_fork``)."""
    for name in ASSEMBLIES:
        importlib.import_module(name)
    if thread is not None:
        thread.join()
