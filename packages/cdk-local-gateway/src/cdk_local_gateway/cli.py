"""Command line: ``cdk-local-gateway serve|token|routes|doctor|render``."""

from __future__ import annotations

import argparse
import asyncio
import json
import signal
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from cdk_local_gateway.runtime import RuntimeConfig


# The runtime's default, without importing the runtime for --help.
DEFAULT_MAX_CONCURRENCY = 10


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1: {value}")
    return value


def _assignment(text: str) -> str:
    from cdk_local_gateway.lambdas.environment import check_environment

    name, equals, value = text.partition("=")
    if not equals:
        raise argparse.ArgumentTypeError(f"not NAME=VALUE: {text!r}")
    try:
        check_environment({name: value})
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error)) from None
    return text


def serve_config(args: argparse.Namespace) -> RuntimeConfig:
    """The runtime configuration of ``serve``'s arguments (``--region`` repeated: every one
    of them at once, against one local AWS)."""
    from cdk_local_gateway.runtime import RuntimeConfig

    regions = list(dict.fromkeys(args.region or []))
    if not regions and not args.all_regions:
        raise SystemExit("serve needs --region REGION (repeatable) or --all-regions")
    return RuntimeConfig(
        cdk_out=Path(args.cdk_out),
        stage=args.stage,
        region=regions[0] if regions else "",
        extra_regions=tuple(regions[1:]),
        all_regions=args.all_regions,
        aws_endpoint=args.aws_endpoint,
        port=args.port,
        state_dir=Path(args.state_dir),
        http_overrides=dict(o.split("=", 1) for o in args.http_override),
        region_outages=args.region_outages,
        iam=args.iam == "on",
        max_concurrency=args.max_concurrency,
        environment=dict(e.split("=", 1) for e in args.env),
    )


def _serve(args: argparse.Namespace) -> int:
    from cdk_local_gateway.aws.process import LocalAws

    # The local AWS first: its interpreter start and imports overlap with the runtime's.
    local_aws = None if args.aws_endpoint else LocalAws.launch()
    try:
        from cdk_local_gateway.runtime import LocalRuntime

        config = serve_config(args)
    except BaseException:
        if local_aws is not None:
            local_aws.stop()
        raise

    async def main() -> None:
        runtime = LocalRuntime(config, _log, local_aws=local_aws)
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        started = time.monotonic()
        try:
            _log_endpoints(await runtime.start(), config)
            _log(f"ready in {time.monotonic() - started:.1f} s; Ctrl-C stops everything")
            await stop.wait()
        finally:
            await runtime.stop()

    asyncio.run(main())
    return 0


def _log(line: str) -> None:
    print(line, flush=True)


def _log_endpoints(endpoints: dict[str, Any], config: RuntimeConfig) -> None:
    """What ``serve`` started: the APIs' URLs, the global tables, how to take a region down,
    the CA of the wss:// endpoints, the local AWS and the API keys."""
    for name, url in endpoints["rest"].items():
        _log(f"REST  {name}: {url}")
    for name, url in endpoints["websocket"].items():
        _log(f"WS    {name}: {url}")
    for table, regions in endpoints["global_tables"].items():
        _log(f"TABLE {table}: replicated between {', '.join(regions)} (emulated)")
    if config.region_outages:
        _log(
            f"FAULT curl -X POST {endpoints['aws_endpoint']}/_local/regions/<region>/down"
            "[?mode=hang] (and .../up)"
        )
    if endpoints["websocket"]:
        _log(f"CA    {endpoints['ca_bundle']} (wss:// clients: SSL_CERT_FILE=<this file>)")
    _log(
        f"AWS   {endpoints['aws_endpoint']} "
        f"(local credentials in {config.state_dir}/endpoints.json)"
    )
    for name, value in endpoints["api_keys"].items():
        _log(f"KEY   {name}: {value}")


def _state(args: argparse.Namespace) -> dict[str, Any]:
    path = Path(args.state_dir) / "endpoints.json"
    if not path.is_file():
        raise SystemExit(f"{path} not found: is `cdk-local-gateway serve` running?")
    state: dict[str, Any] = json.loads(path.read_text())
    return state


def _token(args: argparse.Namespace) -> int:
    from cdk_local_gateway.tokens import cognito_id_token, hs256_token, load_key

    state = _state(args)
    if args.kind == "cognito":
        # The served region's pools first: a stage provisions the pools of all its regions.
        pools = sorted(state["user_pools"].values(), key=lambda p: p["region"] != state["region"])
        if args.pool:
            pools = [p for p in pools if p["pool_id"] == args.pool or p.get("arn") == args.pool]
        if args.pool_region:
            pools = [p for p in pools if p["region"] == args.pool_region]
        if not pools or not pools[0]["client_ids"]:
            raise SystemExit("no user pool with a client is served")
        pool = pools[0]
        key = load_key(Path(state["signing_key"]))
        print(
            cognito_id_token(
                key,
                region=pool["region"],
                pool_id=pool["pool_id"],
                client_id=pool["client_ids"][0],
                username=args.user,
                lifetime_s=args.lifetime,
            )
        )
        return 0
    import boto3

    if not args.secret:
        raise SystemExit(
            "--kind hs256 needs --secret <stack path or name>/<logical id> (see endpoints.json)"
        )
    matches = [arn for name, arn in state["secrets"].items() if args.secret in name]
    served = [arn for arn in matches if arn.split(":")[3] == state["region"]]
    matches = served if len(matches) > 1 and served else matches
    if len(matches) != 1:
        raise SystemExit(
            f"--secret {args.secret} matches {len(matches)} secrets: {sorted(state['secrets'])}"
        )
    creds = state["credentials"]
    client = boto3.client(
        "secretsmanager",
        endpoint_url=state["aws_endpoint"],
        region_name=matches[0].split(":")[3],
        **creds,
    )
    value = client.get_secret_value(SecretId=matches[0])["SecretString"]
    secret = json.loads(value)[args.json_key] if args.json_key else value
    now = int(time.time())
    claims: dict[str, Any] = {"sub": args.user, "iat": now, "exp": now + args.lifetime}
    for claim in args.claim:
        name, _, text = claim.partition("=")
        claims[name] = text
    print(hs256_token(secret, claims))
    return 0


def _routes(args: argparse.Namespace) -> int:
    from cdk_local_gateway.doctor import list_routes

    for line in list_routes(Path(args.cdk_out), args.stage, args.region):
        print(line)
    return 0


def _doctor(args: argparse.Namespace) -> int:
    from cdk_local_gateway.doctor import diagnose, notes

    for note in notes(Path(args.cdk_out), args.stage, args.region):
        print(f"note: {note}")
    findings = diagnose(Path(args.cdk_out), args.stage, args.region)
    for finding in findings:
        print(finding)
    if not findings:
        print("everything in this cloud assembly is emulated")
    return 1 if findings else 0


def _render(args: argparse.Namespace) -> int:
    from cdk_local_gateway.apigw import TemplateInput, render

    template = Path(args.template).read_text()
    data = TemplateInput(
        body=Path(args.body).read_text() if args.body else "",
        params=json.loads(args.params),
        context=json.loads(args.context),
        stage_variables=json.loads(args.stage_variables),
    )
    print(render(template, data).text)
    return 0


def parser() -> argparse.ArgumentParser:
    root = argparse.ArgumentParser(prog="cdk-local-gateway", description=__doc__)
    commands = root.add_subparsers(dest="command", required=True)

    def assembly_options(p: argparse.ArgumentParser) -> None:
        p.add_argument("--cdk-out", default="cdk.out")
        p.add_argument(
            "--stage", required=True, help="the CDK stage (first construct path segment)"
        )
        p.add_argument("--region", required=True)

    serve = commands.add_parser("serve", help="serve the stage's APIs in the foreground")
    serve.add_argument("--cdk-out", default="cdk.out")
    serve.add_argument(
        "--stage", required=True, help="the CDK stage (first construct path segment)"
    )
    serve.add_argument(
        "--region",
        action="append",
        help="a region to serve; repeat it to serve several regions at once (one local AWS)",
    )
    serve.add_argument(
        "--all-regions", action="store_true", help="serve every region of the stage at once"
    )
    serve.add_argument(
        "--region-outages",
        action="store_true",
        help="route AWS calls through a proxy that can take a region down: "
        "POST <aws endpoint>/_local/regions/<region>/down?mode=unavailable|hang, .../up",
    )
    serve.add_argument("--aws-endpoint", help="use this running local AWS instead of starting moto")
    serve.add_argument("--port", type=int, default=0, help="first API's port (default: free ports)")
    serve.add_argument("--state-dir", default=".local")
    serve.add_argument(
        "--iam",
        choices=("on", "off"),
        default="on",
        help="allow or deny each AWS call of a function by its role's policies (default: on)",
    )
    serve.add_argument(
        "--max-concurrency",
        type=_positive,
        default=DEFAULT_MAX_CONCURRENCY,
        metavar="N",
        help=(
            "worker processes per function at most (lower when the template reserves less); "
            f"more invocations wait for one, up to the function's timeout (default: "
            f"{DEFAULT_MAX_CONCURRENCY})"
        ),
    )
    serve.add_argument(
        "--http-override",
        action="append",
        default=[],
        metavar="PREFIX=URL",
        help="send HTTP integrations whose URI starts with PREFIX to URL instead",
    )
    serve.add_argument(
        "--env",
        action="append",
        default=[],
        type=_assignment,
        metavar="NAME=VALUE",
        help="set NAME in every function's environment over the template's value",
    )
    serve.set_defaults(run=_serve)

    token = commands.add_parser("token", help="print a token the running runtime accepts")
    token.add_argument("--user", required=True)
    token.add_argument("--kind", choices=("cognito", "hs256"), default="cognito")
    token.add_argument("--pool", help="user pool id or ARN (default: the first one served)")
    token.add_argument(
        "--pool-region",
        help="the pool of this region (a stage may keep one pool in its primary region)",
    )
    token.add_argument("--secret", help="hs256: <stack>/<logical id> of the secret holding the key")
    token.add_argument("--json-key", help="hs256: the JSON key of the secret holding the key")
    token.add_argument("--claim", action="append", default=[], metavar="NAME=VALUE")
    token.add_argument("--lifetime", type=int, default=3600)
    token.add_argument("--state-dir", default=".local")
    token.set_defaults(run=_token)

    routes = commands.add_parser("routes", help="list the REST routes with auth and integration")
    assembly_options(routes)
    routes.set_defaults(run=_routes)

    doctor = commands.add_parser("doctor", help="list what is not emulated; non-zero exit if any")
    assembly_options(doctor)
    doctor.set_defaults(run=_doctor)

    render = commands.add_parser("render", help="render one mapping template")
    render.add_argument("--template", required=True, help="file with the template")
    render.add_argument("--body", help="file with the request/integration body")
    render.add_argument(
        "--params", default="{}", help='JSON {"path": {}, "querystring": {}, "header": {}}'
    )
    render.add_argument("--context", default="{}", help="JSON $context")
    render.add_argument("--stage-variables", default="{}", help="JSON $stageVariables")
    render.set_defaults(run=_render)
    return root


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    result: int = args.run(args)
    return result


if __name__ == "__main__":
    sys.exit(main())
