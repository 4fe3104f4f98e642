"""Role sessions this process handed out, for the local APIs that verify SigV4 themselves.

The ``@connections`` endpoint is served by the runtime, not by the local AWS: it learns here
the secret of a function's session key (to verify its signature) and decides
``execute-api:ManageConnections`` with the same evaluator the local AWS uses.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from cdk_local_gateway.iam.enforcer import Denial
from cdk_local_gateway.iam.policy import Decision, evaluate

if TYPE_CHECKING:
    from collections.abc import Callable


@dataclass(frozen=True)
class RoleSession:
    key_id: str
    secret: str
    token: str
    role_arn: str
    session_name: str
    account: str
    # Every identity policy of the role (inline and managed), as the local AWS holds them.
    documents: tuple[dict[str, Any], ...] = ()
    on_denied: Callable[[Denial], None] | None = field(default=None, compare=False)

    @property
    def principal(self) -> str:
        role = self.role_arn.rsplit("/", 1)[-1]
        return f"arn:aws:sts::{self.account}:assumed-role/{role}/{self.session_name}"


_LOCK = threading.Lock()
_SESSIONS: dict[str, RoleSession] = {}


def register(session: RoleSession) -> None:
    with _LOCK:
        _SESSIONS[session.key_id] = session


def forget(key_id: str) -> None:
    with _LOCK:
        _SESSIONS.pop(key_id, None)


def session(key_id: str) -> RoleSession | None:
    with _LOCK:
        return _SESSIONS.get(key_id)


class AccessDenied(Exception):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def authorize(key_id: str, action: str, resource: str) -> None:
    """Raise :class:`AccessDenied` (and report it) unless the session of ``key_id`` may
    perform ``action`` on ``resource``; keys that are not role sessions are not checked."""
    found = session(key_id)
    if found is None:
        return
    decision = evaluate(list(found.documents), action, resource)
    if decision is Decision.ALLOWED:
        return
    if found.on_denied is not None:
        found.on_denied(
            Denial(
                function=found.session_name,
                role=found.role_arn,
                action=action,
                resource=resource,
                decision=decision.value,
                at=time.time(),
                key_id=found.key_id,
            )
        )
    reason = (
        "with an explicit deny in an identity-based policy"
        if decision is Decision.EXPLICIT_DENY
        else f"because no identity-based policy allows the {action} action"
    )
    raise AccessDenied(
        f"User: {found.principal} is not authorized to perform: {action} on resource: "
        f"{resource} {reason}"
    )
