"""The local runtime: read the assembly, provision the local AWS, start workers, serve the APIs."""

from __future__ import annotations

import json
import shutil
import socket
import tempfile
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from aiohttp import web

from cdk_local_gateway.assembly import read_assembly
from cdk_local_gateway.aws.process import ACCESS_KEY_ID, SECRET_ACCESS_KEY, LocalAws
from cdk_local_gateway.aws.provision import Provisioner
from cdk_local_gateway.aws.region_faults import RegionFaults
from cdk_local_gateway.aws.replication import GlobalTableReplicator
from cdk_local_gateway.event_sources import EventSources, SqsPoller, read_sqs_mappings
from cdk_local_gateway.intrinsics import Resolver
from cdk_local_gateway.lambdas.environment import check_environment
from cdk_local_gateway.lambdas.functions import function_spec
from cdk_local_gateway.lambdas.layers import build_layer_folder
from cdk_local_gateway.lambdas.workers import DEFAULT_MAX_CONCURRENCY, LambdaService
from cdk_local_gateway.rest.gateway import RestGateway
from cdk_local_gateway.rest.model import read_rest_apis
from cdk_local_gateway.rest.services import Services, UserPool
from cdk_local_gateway.tokens import new_signing_key, save_key
from cdk_local_gateway.websocket import (
    ServedWebSocketApi,
    local_tls,
    mount_websocket_apis,
    websocket_endpoints,
)

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping

    from cdk_local_gateway.assembly import Stack
    from cdk_local_gateway.lambdas.workers import FunctionSpec
    from cdk_local_gateway.rest.model import RestApi

ENDPOINTS_FILE = "endpoints.json"
TLS_FOLDER = "tls"
KEY_FILE = "signing-key.json"


@dataclass
class RuntimeConfig:
    cdk_out: Path
    stage: str
    # The first region served ("" with all_regions: the stage's first region).
    region: str
    aws_endpoint: str | None = None
    port: int = 0
    state_dir: Path = Path(".local")
    http_overrides: dict[str, str] = field(default_factory=dict)
    host: str = "127.0.0.1"
    # More regions served at once, against the same local AWS.
    extra_regions: tuple[str, ...] = ()
    # Serve every region of the stage.
    all_regions: bool = False
    # Route the functions' and integrations' AWS calls through a proxy that can take regions
    # down (LocalRuntime.region_faults), for failover tests; off, they call the local AWS.
    region_outages: bool = False
    # IAM enforced by execution (docs/iam.md); False runs every function and integration with
    # the runtime's own credentials.
    iam: bool = True
    # Worker processes per function at most (fewer when the template reserves fewer).
    max_concurrency: int = DEFAULT_MAX_CONCURRENCY
    # Set in every served function's environment over the template's values (like
    # `sam local invoke --env-vars`): a setting a local run needs differently, such as a
    # shorter retry window. Names Lambda reserves are refused: the runtime sets those.
    environment: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        check_environment(self.environment)


def with_environment(spec: FunctionSpec, environment: Mapping[str, str]) -> FunctionSpec:
    """``spec`` with ``environment`` set over its template's environment."""
    if not environment:
        return spec
    return replace(spec, environment={**spec.environment, **environment})


def served_regions(config: RuntimeConfig, stage_stacks: list[Stack]) -> list[str]:
    """The regions to serve, in order; SystemExit naming the stage's regions for one it
    does not have."""
    available = sorted({s.region for s in stage_stacks if s.region is not None})
    if config.all_regions:
        first = [config.region] if config.region else []
        return list(dict.fromkeys([*first, *config.extra_regions, *available]))
    wanted = list(dict.fromkeys([config.region, *config.extra_regions]))
    unknown = [r for r in wanted if available and r not in available]
    if unknown:
        raise SystemExit(
            f"stage {config.stage} has no stacks in {', '.join(unknown)} "
            f"(its regions: {', '.join(available)})"
        )
    return wanted


def _free_port(host: str) -> int:
    with socket.socket() as probe:
        probe.bind((host, 0))
        port: int = probe.getsockname()[1]
        return port


def _rewrite_callback_urls(
    functions: dict[str, FunctionSpec], websockets: list[ServedWebSocketApi]
) -> None:
    """Point environment values holding a deployed @connections URL (a template's callback
    URL) at the local API. Workers start lazily and the gateways share ``functions``, so
    replacing the specs in place before the first request reaches every later worker."""
    aliases = {k: v for api in websockets for k, v in api.callback_aliases().items()}
    if not aliases:
        return
    for arn, spec in functions.items():
        environment = dict(spec.environment)
        for name, value in environment.items():
            for deployed, local in aliases.items():
                if value == deployed or value.startswith(deployed + "/"):
                    environment[name] = local + value[len(deployed) :]
        if environment != spec.environment:
            functions[arn] = replace(spec, environment=environment)


def _add_websocket_regions(
    websocket: dict[str, str],
    apis: list[ServedWebSocketApi],
    resolver: Resolver,
    per_region: dict[str, dict[str, dict[str, str]]],
) -> None:
    """File each served WebSocket URL (by its name in ``websocket``) under its API's region."""
    for served_api in apis:
        region = resolver.region_of(served_api.api.stack)
        for name, url in websocket.items():
            if url in served_api.urls().values():
                per_region[region]["websocket"][name] = url


class LocalRuntime:
    def __init__(
        self,
        config: RuntimeConfig,
        log: Callable[[str], None] = print,
        *,
        local_aws: LocalAws | None = None,
    ) -> None:
        """``local_aws``: a local AWS already launched (``serve`` launches it before importing
        this module, so that its start overlaps with the imports); stopped with the runtime."""
        self.config = config
        self.log = log
        self.aws: LocalAws | None = local_aws
        self.lambdas: LambdaService | None = None
        self.runners: list[web.AppRunner] = []
        self.endpoints: dict[str, Any] = {}
        self.apis: list[RestApi] = []
        self.services: Services | None = None
        self.layer_folder: Path | None = None
        self.websockets: list[ServedWebSocketApi] = []
        self.event_sources: EventSources | None = None
        self.replicator: GlobalTableReplicator | None = None
        self.region_faults: RegionFaults | None = None

    async def start(self) -> dict[str, Any]:
        config = self.config
        assembly = read_assembly(config.cdk_out)
        stage_stacks = assembly.select(config.stage, None)
        if not stage_stacks:
            stages = sorted({s.stage for s in assembly.stacks})
            raise SystemExit(
                f"no stage {config.stage} in {config.cdk_out} (stages: {', '.join(stages)})"
            )
        regions = served_regions(config, stage_stacks)
        served = [s for s in stage_stacks if s.region is None or s.region in regions]
        if self.aws is None:
            self.aws = LocalAws(config.aws_endpoint) if config.aws_endpoint else LocalAws.launch()
        local_aws = self.aws.endpoint
        resolver = Resolver(assembly, default_region=regions[0])
        # What needs no local AWS, while its server starts.
        key = new_signing_key()
        self.aws.wait_ready()
        # The runtime's own set-up calls the local AWS directly (synchronously, on this loop:
        # never through the proxy this loop serves).
        provisioner = Provisioner(resolver, local_aws)
        # Every region of the stage: cross-region outputs (Fn::GetStackOutput) point there.
        provisioner.provision(stage_stacks)
        # What functions, integrations and event sources call: the local AWS, or the proxy
        # that can take a region down.
        endpoint = local_aws
        available = None
        if config.region_outages:
            self.region_faults = RegionFaults(local_aws, host=config.host)
            endpoint = await self.region_faults.start()
            available = self.region_faults.available
        # Before any function runs: a write in one replica reaches the others.
        self.replicator = GlobalTableReplicator(
            local_aws, provisioner.replicated, log=self.log, available=available
        )
        self.replicator.start()
        functions = self._functions(resolver, stage_stacks)
        # The WebSocket APIs speak wss:// and https:// with a per-run CA: handlers that build
        # https://{domainName}/{stage} for @connections trust it through AWS_CA_BUNDLE.
        tls = local_tls(config.state_dir / TLS_FOLDER)
        ca_bundle = str(tls.ca_file.resolve())
        for arn, spec in functions.items():
            functions[arn] = replace(
                spec, environment={**spec.environment, "AWS_CA_BUNDLE": ca_bundle}
            )
        layer_folder = Path(tempfile.mkdtemp(prefix="cdk-local-gateway-layer-"))
        self.layer_folder = layer_folder
        distributions = sorted({d for f in functions.values() for d in f.layer_distributions})
        build_layer_folder(layer_folder, distributions)
        self.lambdas = LambdaService(
            aws_endpoint=endpoint,
            credentials=(ACCESS_KEY_ID, SECRET_ACCESS_KEY),
            layer_folder=layer_folder,
            # Roles and sessions are the runtime's set-up: on the local AWS, not the proxy.
            iam_endpoint=local_aws,
            iam=config.iam,
            log=self.log,
            max_concurrency=config.max_concurrency,
        )
        await self.lambdas.start()
        config.state_dir.mkdir(parents=True, exist_ok=True)
        save_key(key, config.state_dir / KEY_FILE)
        services = Services(
            assembly=assembly,
            resolver=resolver,
            lambdas=self.lambdas,
            functions=functions,
            aws_endpoint=endpoint,
            credentials=(ACCESS_KEY_ID, SECRET_ACCESS_KEY),
            signing_key=key,
            user_pools=self._user_pools(resolver, stage_stacks),
            http_overrides=dict(config.http_overrides),
            log=self.log,
        )
        self.services = services
        rest: dict[str, str] = {}
        per_region: dict[str, dict[str, dict[str, str]]] = {
            r: {"rest": {}, "websocket": {}} for r in regions
        }
        api_keys: dict[str, str] = {}
        port = config.port
        for stack in served:
            for api in read_rest_apis(resolver, stack):
                port, name, url = await self._serve_rest_api(api, services, port, rest)
                rest[name] = url
                per_region[resolver.region_of(stack)]["rest"][name] = url
                for value, key_id in api.api_keys.items():
                    api_keys[f"{stack.display_name}/{key_id}"] = value
        self.websockets = await mount_websocket_apis(
            served,
            resolver=resolver,
            lambdas=self.lambdas,
            functions=functions,
            aws_endpoint=endpoint,
            credentials=(ACCESS_KEY_ID, SECRET_ACCESS_KEY),
            host=config.host,
            port=port,
            log=self.log,
            ssl_context=tls.server_context(),
            http_overrides=dict(config.http_overrides),
        )
        _rewrite_callback_urls(functions, self.websockets)
        websocket = websocket_endpoints(self.websockets)
        _add_websocket_regions(websocket, self.websockets, resolver, per_region)
        # After the gateways: a consumer's calls (e.g. @connections) reach them.
        mappings = read_sqs_mappings(resolver, served, functions, log=self.log)
        self.event_sources = EventSources(
            [
                SqsPoller(
                    m,
                    self.lambdas,
                    aws_endpoint=endpoint,
                    credentials=(ACCESS_KEY_ID, SECRET_ACCESS_KEY),
                    log=self.log,
                )
                for m in mappings
                if m.enabled
            ]
        )
        self.event_sources.start()
        self.endpoints = {
            "stage": config.stage,
            "region": regions[0],
            # Each served region's APIs (the same names as in "rest" and "websocket").
            "regions": per_region,
            "rest": rest,
            "websocket": websocket,
            "ca_bundle": ca_bundle,
            "aws_endpoint": endpoint,
            "credentials": {
                "aws_access_key_id": ACCESS_KEY_ID,
                "aws_secret_access_key": SECRET_ACCESS_KEY,
            },
            "api_keys": api_keys,
            "event_sources": [m.display for m in mappings if m.enabled],
            "user_pools": {
                f"{p.region}/{p.pool_id}": {
                    "region": p.region,
                    "pool_id": p.pool_id,
                    "arn": p.arn,
                    "client_ids": p.client_ids,
                }
                for p in services.user_pools.values()
            },
            "secrets": {
                f"{c.stack}/{c.logical_id}": c.physical_id
                for c in provisioner.created
                if c.kind == "AWS::SecretsManager::Secret"
            },
            "global_tables": {t.name: list(t.regions) for t in provisioner.replicated},
            "signing_key": str((config.state_dir / KEY_FILE).resolve()),
        }
        (config.state_dir / ENDPOINTS_FILE).write_text(json.dumps(self.endpoints, indent=2) + "\n")
        # Each function's role session, created in the background before its first call (a
        # first call that comes sooner creates its own). Started once the APIs are up: the
        # role and policy calls would otherwise compete with start-up for the local AWS.
        self.lambdas.iam.prepare(functions.values())
        return self.endpoints

    async def _serve_rest_api(
        self, api: RestApi, services: Services, port: int, taken: Mapping[str, str]
    ) -> tuple[int, str, str]:
        """Serve ``api`` on ``port`` (0: a free one); the next port to use (0: a free one),
        its name (not one of the ``taken`` names) and its stage URL."""
        config = self.config
        self.apis.append(api)
        runner = web.AppRunner(RestGateway(api, services).application(), access_log=None)
        await runner.setup()
        chosen = port or _free_port(config.host)
        await web.TCPSite(runner, config.host, chosen).start()
        self.runners.append(runner)
        name = api.display if api.display not in taken else f"{api.display}/{api.logical_id}"
        for problem in api.problems:
            self.log(f"not emulated: {problem}")
        return (chosen + 1 if port else 0), name, f"http://{config.host}:{chosen}/{api.stage_name}"

    def _functions(self, resolver: Resolver, stacks: list[Stack]) -> dict[str, FunctionSpec]:
        functions: dict[str, FunctionSpec] = {}
        for stack in stacks:
            for logical_id in stack.of_type("AWS::Lambda::Function"):
                spec = function_spec(resolver, stack, logical_id)
                functions[spec.arn] = with_environment(spec, self.config.environment)
        return functions

    def _user_pools(self, resolver: Resolver, stacks: list[Stack]) -> dict[str, UserPool]:
        pools: dict[str, UserPool] = {}
        by_logical: dict[tuple[str, str], UserPool] = {}
        for stack in stacks:
            for logical_id in stack.of_type("AWS::Cognito::UserPool"):
                arn = str(resolver.get_att(stack, logical_id, "Arn"))
                pool = UserPool(resolver.region_of(stack), resolver.ref(stack, logical_id), arn, [])
                pools[arn] = pool
                by_logical[(stack.stack_name, logical_id)] = pool
        by_id = {pool.pool_id: pool for pool in pools.values()}
        for stack in stacks:
            for logical_id, resource in stack.of_type("AWS::Cognito::UserPoolClient").items():
                ref = resource["Properties"].get("UserPoolId", {})
                target = ref.get("Ref") if isinstance(ref, dict) else None
                owner = by_logical.get((stack.stack_name, str(target)))
                if owner is None:
                    # A client of another stack's (or region's) pool, e.g. by Fn::GetStackOutput.
                    owner = by_id.get(
                        str(resolver.resource_property(stack, logical_id, "UserPoolId"))
                    )
                if owner is not None:
                    owner.client_ids.append(resolver.ref(stack, logical_id))
        return pools

    async def stop(self) -> None:
        # Before the workers: a batch in flight finishes and is deleted or left to redrive.
        if self.event_sources is not None:
            await self.event_sources.stop()
            self.event_sources = None
        for runner in self.runners:
            await runner.cleanup()
        self.runners.clear()
        # Closing the sockets runs $disconnect: the workers must still be up.
        for api in self.websockets:
            await api.stop()
        self.websockets.clear()
        if self.lambdas is not None:
            await self.lambdas.stop()
        if self.replicator is not None:
            self.replicator.stop()
            self.replicator = None
        if self.region_faults is not None:
            await self.region_faults.stop()
            self.region_faults = None
        if self.aws is not None:
            self.aws.stop()
        if self.layer_folder is not None:
            shutil.rmtree(self.layer_folder, ignore_errors=True)
        endpoints = self.config.state_dir / ENDPOINTS_FILE
        if endpoints.exists():
            endpoints.unlink()
