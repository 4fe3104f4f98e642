"""Lambda functions of the template as runnable specs (code folder, resolved environment)."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cdk_local_gateway.iam.roles import role_of_function
from cdk_local_gateway.intrinsics import Unresolvable
from cdk_local_gateway.lambdas.layers import distribution_for_layer
from cdk_local_gateway.lambdas.workers import FunctionSpec

if TYPE_CHECKING:
    from cdk_local_gateway.assembly import Stack
    from cdk_local_gateway.intrinsics import Resolver


def _code_dir(
    stack: Stack, logical_id: str, code: dict[str, Any]
) -> tuple[Path | None, str | None]:
    if "ZipFile" in code:
        folder = Path(tempfile.mkdtemp(prefix=f"inline-{logical_id}-"))
        (folder / "index.py").write_text(str(code["ZipFile"]), encoding="utf-8")
        return folder, None
    key = code.get("S3Key")
    if isinstance(key, str) and key in stack.assets:
        path = stack.assets[key]
        if path.is_dir():
            return path, None
        return (
            None,
            f"asset {path.name} is an archive, not a folder (synthesize without bundling it)",
        )
    return None, "code is not an asset of this cloud assembly (S3Key not in its asset manifests)"


def function_spec(resolver: Resolver, stack: Stack, logical_id: str) -> FunctionSpec:
    """The spec of one ``AWS::Lambda::Function``; ``unavailable`` says why it cannot run."""
    props: dict[str, Any] = stack.resources[logical_id].get("Properties", {})
    region = resolver.region_of(stack)
    name = resolver.ref(stack, logical_id)
    arn = str(resolver.get_att(stack, logical_id, "Arn"))
    runtime = str(props.get("Runtime", ""))
    reasons: list[str] = []
    if not runtime.startswith("python"):
        reasons.append(f"runtime {runtime or '(container image)'} is not emulated (Python only)")
    code_dir, code_problem = _code_dir(stack, logical_id, props.get("Code", {}))
    if code_problem:
        reasons.append(code_problem)
    distributions: list[str] = []
    for layer in props.get("Layers", []):
        try:
            arn_text = str(resolver.resolve(stack, layer, f"{logical_id}.Layers"))
        except Unresolvable as exc:
            reasons.append(str(exc))
            continue
        distribution = distribution_for_layer(arn_text)
        if distribution is None:
            reasons.append(f"layer {arn_text} has no local stand-in")
        else:
            distributions.append(distribution)
    environment: dict[str, str] = {}
    try:
        raw = props.get("Environment", {}).get("Variables", {})
        resolved = resolver.resolve(stack, raw, f"{logical_id}.Environment.Variables")
        environment = {k: str(v) for k, v in resolved.items()}
    except Unresolvable as exc:
        reasons.append(str(exc))
    return FunctionSpec(
        stack=stack.stack_name,
        logical_id=logical_id,
        name=name,
        arn=arn,
        region=region,
        handler=str(props.get("Handler", "")),
        code_dir=code_dir,
        environment=environment,
        memory_mb=int(props.get("MemorySize", 128)),
        timeout_s=int(props.get("Timeout", 3)),
        runtime=runtime,
        layer_distributions=tuple(distributions),
        unavailable="; ".join(reasons) or None,
        role=role_of_function(resolver, stack, logical_id),
        reserved_concurrency=_reserved_concurrency(props),
    )


def _reserved_concurrency(props: dict[str, Any]) -> int | None:
    value = props.get("ReservedConcurrentExecutions")
    if isinstance(value, bool) or not isinstance(value, (int, str)):
        return None
    try:
        return max(int(value), 0)
    except ValueError:
        return None
