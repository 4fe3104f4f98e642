"""The runtime's side of IAM enforcement: role sessions for functions and integrations, and
the denials (logged as they happen, and listed for tests).

Each function runs with an ``sts:AssumeRole`` session of its execution role (session name =
the function's name, as Lambda does), created on the local AWS on first use; a direct
integration runs with a session of its ``Credentials`` role. With enforcement off, or when the
local AWS is not this package's server (``--aws-endpoint`` of another moto), everyone gets the
runtime's administrator credentials, as before.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import threading
import urllib.request
from dataclasses import asdict
from typing import TYPE_CHECKING, Any

import aiohttp
import boto3
import botocore.config
from botocore.credentials import Credentials

from cdk_local_gateway.iam import sessions
from cdk_local_gateway.iam.enforcer import CONTROL
from cdk_local_gateway.iam.roles import create_role, find_role

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable

    from cdk_local_gateway.iam.enforcer import Denial
    from cdk_local_gateway.iam.roles import RoleDefinition
    from cdk_local_gateway.intrinsics import Resolver
    from cdk_local_gateway.lambdas.workers import FunctionSpec

#: How long one poll of the local AWS for new denials waits (the watcher's long poll).
WATCH_WAIT_S = 5
SESSION_SECONDS = 43200


def describe(denial: dict[str, Any]) -> str:
    return (
        f"IAM denied: {denial['function']} ({denial['role'].rsplit('/', 1)[-1]}) "
        f"{denial['action']} on {denial['resource']}"
    )


class IamEnforcement:
    def __init__(
        self,
        aws_endpoint: str,
        admin: tuple[str, str],
        *,
        enabled: bool = True,
        log: Callable[[str], None] = print,
    ) -> None:
        self.aws_endpoint = aws_endpoint
        self.admin = admin
        self.enabled = enabled
        self.log = log
        self._lock = threading.Lock()
        self._provisioning = threading.Lock()
        self._checked = False
        self._roles: dict[str, list[str]] = {}  # role ARN -> problems when created
        self._sessions: dict[tuple[str, str], sessions.RoleSession] = {}
        self._local: list[dict[str, Any]] = []  # denials decided in this process
        self._watcher: asyncio.Task[None] | None = None
        self._seen = 0
        self._warned: set[str] = set()
        self._definitions: dict[str, RoleDefinition | None] = {}
        self._preparing: asyncio.Task[None] | None = None
        self._clients: dict[str, Any] = {}

    # -- credentials --------------------------------------------------------------------------
    async def function_credentials(self, spec: FunctionSpec) -> Credentials | None:
        """The credentials ``spec``'s worker runs with (None: the runtime's own)."""
        if not self.enabled:
            return None
        if spec.role is None:
            self._warn_once(spec.arn, f"IAM not enforced for {spec.name}: no execution role")
            return None
        if not spec.role.trusts("lambda.amazonaws.com"):
            self._warn_once(
                spec.arn,
                f"IAM: role {spec.role.name} of {spec.name} does not trust lambda.amazonaws.com "
                "(AWS would refuse to create the function)",
            )
        found = self._cached(spec.role, spec.name) or await asyncio.to_thread(
            self._session, spec.role, spec.name
        )
        self._watch()
        return found

    def prepare(self, specs: Iterable[FunctionSpec]) -> None:
        """Create the sessions of ``specs`` in the background, so that first invocations do
        not wait for the local AWS (about 0.1 s per role)."""
        if not self.enabled:
            return
        pending = [spec for spec in specs if spec.role is not None and not spec.unavailable]

        async def create() -> None:
            for spec in pending:
                with contextlib.suppress(Exception):  # a first invocation tries again
                    await self.function_credentials(spec)

        self._preparing = asyncio.get_running_loop().create_task(create())

    async def role_credentials(
        self, resolver: Resolver, role_arn: str | None, session_name: str
    ) -> Credentials | None:
        """Credentials of ``role_arn`` (an integration's ``Credentials``) for a session named
        ``session_name`` (None: enforcement off, no role, or not a role of the assembly)."""
        if not self.enabled or not role_arn:
            return None
        if role_arn not in self._definitions:
            # Read once: an integration asks on every request.
            self._definitions[role_arn] = await asyncio.to_thread(find_role, resolver, role_arn)
        role = self._definitions[role_arn]
        if role is None:
            self._warn_once(
                role_arn,
                f"IAM not enforced for {session_name}: {role_arn} is not a role of the assembly",
            )
            return None
        if not role.trusts("apigateway.amazonaws.com"):
            self._warn_once(
                role_arn,
                f"IAM: role {role.name} of {session_name} does not trust apigateway.amazonaws.com "
                "(API Gateway could not assume it)",
            )
        found = self._cached(role, session_name) or await asyncio.to_thread(
            self._session, role, session_name
        )
        self._watch()
        return found

    def _client(self, service: str) -> Any:
        # Only called under _provisioning: one client per service, reused for every role
        # (creating a client costs more than the call it makes).
        found = self._clients.get(service)
        if found is None:
            found = boto3.client(  # type: ignore[call-overload]
                service,
                endpoint_url=self.aws_endpoint,
                region_name="us-east-1",
                aws_access_key_id=self.admin[0],
                aws_secret_access_key=self.admin[1],
                config=botocore.config.Config(retries={"max_attempts": 2}),
            )
            self._clients[service] = found
        return found

    def _supported(self) -> bool:
        """Whether the local AWS checks IAM (this package's server does)."""
        if not self._checked:
            self._checked = True
            try:
                with urllib.request.urlopen(
                    f"{self.aws_endpoint}{CONTROL}denials?after=0&wait=0", timeout=5
                ) as answer:
                    supported = answer.status == 200
            except OSError:
                supported = False
            if not supported:
                self.enabled = False
                self.log(
                    f"IAM not enforced: the local AWS at {self.aws_endpoint} is not "
                    "cdk_local_gateway.aws.server"
                )
        return self.enabled

    def _cached(self, role: RoleDefinition, session_name: str) -> Credentials | None:
        with self._lock:
            known = self._sessions.get((role.arn, session_name[:64]))
        return None if known is None else Credentials(known.key_id, known.secret, known.token)

    def _session(self, role: RoleDefinition, session_name: str) -> Credentials | None:
        # One creation at a time (a role is created once); the event loop's lookups
        # (_cached, denials) only wait for the short _lock, never for the local AWS.
        with self._provisioning:
            if not self._supported():
                return None
            key = (role.arn, session_name[:64])
            with self._lock:
                known = self._sessions.get(key)
            if known is None:
                known = self._assume(role, session_name[:64])
                with self._lock:
                    self._sessions[key] = known
            return Credentials(known.key_id, known.secret, known.token)

    def _assume(self, role: RoleDefinition, session_name: str) -> sessions.RoleSession:
        iam = self._client("iam")
        if role.arn not in self._roles:
            problems = [*role.problems, *create_role(iam, role)]
            self._roles[role.arn] = problems
            for problem in problems:
                self.log(f"IAM: {role.name}: {problem}")
        documents = [*role.documents()]
        for arn in role.managed_arns:
            with contextlib.suppress(Exception):  # reported by create_role
                version = iam.get_policy(PolicyArn=arn)["Policy"]["DefaultVersionId"]
                document = iam.get_policy_version(PolicyArn=arn, VersionId=version)
                raw = document["PolicyVersion"]["Document"]
                documents.append(json.loads(raw) if isinstance(raw, str) else raw)
        assumed = self._client("sts").assume_role(
            RoleArn=role.arn, RoleSessionName=session_name, DurationSeconds=SESSION_SECONDS
        )
        credentials = assumed["Credentials"]
        session = sessions.RoleSession(
            key_id=credentials["AccessKeyId"],
            secret=credentials["SecretAccessKey"],
            token=credentials["SessionToken"],
            role_arn=role.arn,
            session_name=session_name,
            account=role.arn.split(":")[4],
            documents=tuple(documents),
            on_denied=self._denied_here,
        )
        sessions.register(session)
        return session

    def _warn_once(self, key: str, message: str) -> None:
        with self._lock:
            if key in self._warned:
                return
            self._warned.add(key)
        self.log(message)

    # -- denials ------------------------------------------------------------------------------
    def _denied_here(self, denial: Denial) -> None:
        record = asdict(denial)
        with self._lock:
            self._local.append(record)
        self.log(describe(record))

    def _keys(self) -> set[str]:
        """This runtime's session keys (a local AWS may serve other runtimes too)."""
        with self._lock:
            return {s.key_id for s in self._sessions.values()}

    def denials(self) -> list[dict[str, Any]]:
        """Every denial so far: by the local AWS (DynamoDB, SQS, Secrets Manager...) and by the
        runtime's own endpoints (``execute-api:ManageConnections``), oldest first."""
        remote: list[dict[str, Any]] = []
        if self.enabled and self._sessions:
            with urllib.request.urlopen(
                f"{self.aws_endpoint}{CONTROL}denials?after=0&wait=0", timeout=10
            ) as answer:
                found = json.loads(answer.read())["denials"]
            remote = [d for d in found if d["key_id"] in self._keys()]
        with self._lock:
            local = list(self._local)
        return sorted([*remote, *local], key=lambda d: float(d["at"]))

    def _watch(self) -> None:
        if self._watcher is None:
            self._watcher = asyncio.get_running_loop().create_task(self._follow())

    async def _follow(self) -> None:
        """Log each denial of the local AWS as it happens (a long poll of its control path)."""
        async with aiohttp.ClientSession() as http:
            while True:
                try:
                    url = f"{self.aws_endpoint}{CONTROL}denials"
                    params = {"after": str(self._seen), "wait": str(WATCH_WAIT_S)}
                    async with http.get(url, params=params) as answer:
                        found = await answer.json()
                except asyncio.CancelledError:
                    raise
                except Exception:  # the local AWS stopping: nothing more to report
                    await asyncio.sleep(1)
                    continue
                mine = self._keys()
                for denial in found["denials"]:
                    if denial["key_id"] in mine:
                        self.log(describe(denial))
                self._seen = int(found["next"])

    async def stop(self) -> None:
        if self._preparing is not None:
            self._preparing.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._preparing
            self._preparing = None
        if self._watcher is not None:
            self._watcher.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._watcher
            self._watcher = None
        with self._lock:
            for found in self._sessions.values():
                sessions.forget(found.key_id)
            self._sessions.clear()
