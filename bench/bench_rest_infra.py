"""REST API stack: CloudFormation limit headroom and in-process synth cost against a baseline.

Figures
- resources per RestApi stack against CloudFormation's 500-resource limit (budget: <= 60 %);
- template size against the 1 MB limit of templates deployed from S3 (budget: <= 40 %);
- Lambda permissions on the busiest function (each API method adds statements to one resource
  policy capped at 20 KB; budget: <= 50 % of that size);
- in-process build + synth time of the Dev stage (data, REST and WebSocket stacks, cdk-nag on)
  against the same stage whose REST API stack holds only the shared token authorizer: what the
  REST API adds to every synth. Medians of alternating runs (budget: ratio <= 4).
"""

from __future__ import annotations

import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import aws_cdk as cdk  # noqa: E402
from budget import report  # noqa: E402

from serverless_api_constructs import TokenRequestAuthorizer  # noqa: E402
from serverless_api_constructs.rest import retention_days  # noqa: E402
from stacks import stage as stage_module  # noqa: E402
from stacks.app_builder import build_app  # noqa: E402
from stacks.lambda_code import lambda_code  # noqa: E402

#: Alternating pairs (``BENCH_QUICK=1``, for checking the harness: one pair).
RUNS = 1 if os.environ.get("BENCH_QUICK") == "1" else 5
RESOURCE_LIMIT, RESOURCE_BUDGET = 500, 0.60
TEMPLATE_LIMIT, TEMPLATE_BUDGET = 1_000_000, 0.40
POLICY_LIMIT, POLICY_BUDGET = 20_480, 0.50
RATIO_BUDGET = 4.0


def _context(stage: str | None = None) -> dict[str, Any]:
    context: dict[str, Any] = json.loads((ROOT / "cdk.json").read_text())["context"]
    if stage is not None:
        context["stages"] = {stage: context["stages"][stage]}
    context["aws:cdk:version-reporting"] = False
    return context


def synth_ours(outdir: str) -> cdk.cx_api.CloudAssembly:
    app = cdk.App(context=_context("dev"), outdir=outdir, builtin_cloud_formation_validation=False)
    return build_app(app).synth()


class _MinimalRestApiStack(cdk.Stack):
    """The REST API stack reduced to what the WebSocket stack needs from it."""

    def __init__(self, scope: Any, construct_id: str, **kwargs: Any) -> None:
        config = kwargs.pop("config")
        kwargs.pop("table")
        kwargs.pop("identity")
        super().__init__(scope, construct_id, **kwargs)
        authorizer = TokenRequestAuthorizer(
            self,
            "TokenAuthorizer",
            code=lambda_code(),
            handler="handlers.authorizer.handler",
            log_retention=retention_days(config.log_retention_days),
            service="rooms",
            metrics_namespace="RoomsService",
        )
        self.token_secret = authorizer.secret
        self.authorizer_function = authorizer.function


def synth_baseline(outdir: str) -> None:
    """The same Dev stage (cdk-nag on) with the REST API reduced to the shared authorizer."""
    # The stage module builds its REST stack by this name: swap the class for the one run.
    namespace = vars(stage_module)
    original = namespace["RestApiStack"]
    namespace["RestApiStack"] = _MinimalRestApiStack
    try:
        synth_ours(outdir)
    finally:
        namespace["RestApiStack"] = original


def _timed(fn: Any) -> float:
    with tempfile.TemporaryDirectory() as outdir:
        start = time.perf_counter()
        fn(outdir)
        return time.perf_counter() - start


def busiest_policy_bytes(resources: dict[str, Any]) -> int:
    """Bytes of Lambda permission properties on the function with the most of them."""
    permissions: dict[str, int] = {}
    for resource in resources.values():
        if resource["Type"] == "AWS::Lambda::Permission":
            target = json.dumps(resource["Properties"]["FunctionName"])
            permissions[target] = permissions.get(target, 0) + len(
                json.dumps(resource["Properties"])
            )
    return max(permissions.values())


def report_limits(stack: cdk.cx_api.CloudFormationStackArtifact) -> bool:
    """One REST API stack's headroom under CloudFormation's and Lambda's limits."""
    template = stack.template
    resources = template["Resources"]
    size = len(json.dumps(template, separators=(",", ":")))
    name = stack.hierarchical_id
    met = [
        report(f"{name} resources / 500", len(resources) / RESOURCE_LIMIT, RESOURCE_BUDGET, "x"),
        report(f"{name} template / 1 MB", size / TEMPLATE_LIMIT, TEMPLATE_BUDGET, "x"),
        report(
            f"{name} busiest function policy / 20 kB",
            busiest_policy_bytes(resources) / POLICY_LIMIT,
            POLICY_BUDGET,
            "x",
        ),
    ]
    return all(met)


def main() -> int:
    met = True
    with tempfile.TemporaryDirectory() as outdir:
        app = cdk.App(context=_context(), outdir=outdir, builtin_cloud_formation_validation=False)
        assembly = build_app(app).synth()
        for nested in assembly.nested_assemblies:
            for stack in nested.nested_assembly.stacks:
                if stack.hierarchical_id.endswith("/RestApi"):
                    met = report_limits(stack) and met

    ours, baseline = [], []
    for _ in range(RUNS):  # alternate so that machine noise hits both alike
        ours.append(_timed(synth_ours))
        baseline.append(_timed(synth_baseline))
    print(
        f"synth of the Dev stage (cdk-nag on): median {statistics.median(ours):.2f} s; "
        f"same stage without the REST API: {statistics.median(baseline):.2f} s"
    )
    ratio = statistics.median(ours) / statistics.median(baseline)
    met = report("Dev synth / Dev without the REST API", ratio, RATIO_BUDGET, "x") and met
    return 0 if met else 1


if __name__ == "__main__":
    raise SystemExit(main())
