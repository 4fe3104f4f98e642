"""The local AWS's IAM check (WSGI middleware of ``cdk_local_gateway.aws.server``).

A request signed with credentials of an ``sts:AssumeRole`` session (what each function and
each direct integration gets) is checked against that role's identity policies before moto
serves it; a denied call is answered as AWS answers it (AccessDeniedException) and recorded.
Any other credentials (the runtime's own, a test's, unsigned requests) are not checked: they
stand for the account's administrator.

Standing on moto: the roles, their inline and attached (customer or AWS managed) policies,
the STS sessions and the session-token check are moto's (``AssumedRoleAccessKey``); the
decision is :func:`cdk_local_gateway.iam.policy.evaluate` over the resource each call targets
(:mod:`cdk_local_gateway.iam.requests`), which moto does not derive for most services.

``GET /_local/iam/denials?after=N&wait=S`` lists the denials after the N-th, waiting up to S
seconds for one (so the runtime can log each as it happens).
"""

from __future__ import annotations

import io
import json
import re
import threading
import time
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs
from xml.sax.saxutils import escape

from cdk_local_gateway.iam.policy import Decision, evaluate
from cdk_local_gateway.iam.requests import Call, requested

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable

CONTROL = "/_local/iam/"
KEY_ID = re.compile(r"Credential=(?P<key>[^/]+)/")
MAX_WAIT_S = 10.0


@dataclass(frozen=True)
class Denial:
    """One denied call: who (the session name: the function's name, for an integration the
    name the runtime gave its session), under which role, what action on which resource."""

    function: str
    role: str
    action: str
    resource: str
    decision: str
    at: float
    key_id: str = ""


@dataclass(frozen=True)
class Session:
    key_id: str
    account: str
    role_arn: str
    session_name: str
    documents: list[dict[str, Any]]

    @property
    def principal(self) -> str:
        role = self.role_arn.rsplit("/", 1)[-1]
        return f"arn:aws:sts::{self.account}:assumed-role/{role}/{self.session_name}"


class InvalidToken(Exception):
    pass


def moto_session(key_id: str, token: str) -> Session | None:
    """The STS session ``key_id`` belongs to (None: not a session key), from moto's backends."""
    from moto.iam.access_control import AssumedRoleAccessKey, CreateAccessKeyFailure
    from moto.iam.exceptions import NotFoundException
    from moto.iam.models import Policy
    from moto.sts.models import sts_backends

    # Looked up among the STS sessions themselves, not with moto's get_account_id_from: that
    # builds the IAM backend of every partition of the account (each loading ~1,500 AWS
    # managed policies, over a second in all) on the first call signed with a key it does not
    # know, i.e. the runtime's own first call, while it provisions.
    found = next(
        (
            (account, role)
            for account, backends in list(sts_backends.items())
            for role in list(backends["aws"].assumed_roles)
            if role.access_key_id == key_id
        ),
        None,
    )
    if found is None:
        return None
    account, assumed = found
    try:
        key = AssumedRoleAccessKey(account, "aws", key_id, {"X-Amz-Security-Token": token})
    except CreateAccessKeyFailure as failure:
        raise InvalidToken(failure.reason) from failure
    documents: list[dict[str, Any]] = []
    # Inline policies come as JSON text, attached ones as moto Policy objects (typed list[str]).
    try:
        collected: list[Any] = list(key.collect_policies())
    except NotFoundException:  # moto lets a role that does not exist be assumed: no grants
        collected = []
    for policy in collected:
        if isinstance(policy, Policy):
            version = next(v for v in policy.versions if v.is_default)
            text: Any = version.document
        else:
            text = policy
        documents.append(json.loads(text) if isinstance(text, str) else dict(text))
    return Session(key_id, account, assumed.role_arn, assumed.session_name, documents)


def moto_secret_arn(call: Call, secret_id: str) -> str:
    from moto.secretsmanager.models import secretsmanager_backends

    secret = secretsmanager_backends[call.account][call.region].secrets.get(secret_id)
    if secret is not None:
        return str(secret.arn)
    return (
        secret_id
        if secret_id.startswith("arn:")
        else call.arn("secretsmanager", f"secret:{secret_id}")
    )


def _denied_response(
    call: Call, session: Session, action: str, resource: str, decision: Decision
) -> tuple[str, list[tuple[str, str]], bytes]:
    reason = (
        "with an explicit deny in an identity-based policy"
        if decision is Decision.EXPLICIT_DENY
        else f"because no identity-based policy allows the {action} action"
    )
    message = (
        f"User: {session.principal} is not authorized to perform: {action} "
        f"on resource: {resource} {reason}"
    )
    if call.headers.get("x-amz-target"):
        headers = [("Content-Type", "application/x-amz-json-1.0")]
        if call.service == "sqs":  # botocore reads SQS's query-compatible code from here
            headers.append(("x-amzn-query-error", "AccessDenied;Sender"))
        body = {"__type": "com.amazon.coral.service#AccessDeniedException", "Message": message}
        return "400 Bad Request", headers, json.dumps(body).encode()
    if "Action" in call.form():
        xml = (
            "<ErrorResponse><Error><Type>Sender</Type><Code>AccessDenied</Code>"
            f"<Message>{escape(message)}</Message></Error>"
            "<RequestId>00000000-0000-0000-0000-000000000000</RequestId></ErrorResponse>"
        )
        return "403 Forbidden", [("Content-Type", "text/xml")], xml.encode()
    headers = [
        ("Content-Type", "application/json"),
        ("x-amzn-ErrorType", "AccessDeniedException"),
    ]
    return "403 Forbidden", headers, json.dumps({"message": message}).encode()


class IamEnforcer:
    def __init__(
        self,
        app: Callable[..., Iterable[bytes]],
        *,
        session_of: Callable[[str, str], Session | None] = moto_session,
        secret_arn: Callable[[Call, str], str] = moto_secret_arn,
    ) -> None:
        self.app = app
        self.session_of = session_of
        self.secret_arn = secret_arn
        self.denials: list[Denial] = []
        self._changed = threading.Condition()

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        path = str(environ.get("PATH_INFO", ""))
        if path.startswith(CONTROL):
            return self._control(environ, start_response)
        found = KEY_ID.search(str(environ.get("HTTP_AUTHORIZATION", "")))
        if found is None:
            return self.app(environ, start_response)
        token = str(environ.get("HTTP_X_AMZ_SECURITY_TOKEN", ""))
        try:
            session = self.session_of(found["key"], token)
        except InvalidToken:
            start_response("403 Forbidden", [("Content-Type", "application/json")])
            return [
                json.dumps(
                    {"message": "The security token included in the request is invalid."}
                ).encode()
            ]
        if session is None:  # not a role session: the administrator, not checked
            return self.app(environ, start_response)
        body = b""
        if environ.get("CONTENT_LENGTH"):
            # Read to decide, then handed on unchanged (a body without a length, e.g. a
            # chunked upload, is left alone and the call checked on its headers).
            body = environ["wsgi.input"].read(int(environ["CONTENT_LENGTH"]))
            environ["wsgi.input"] = io.BytesIO(body)
        headers = {
            k[5:].replace("_", "-").lower(): str(v)
            for k, v in environ.items()
            if k.startswith("HTTP_")
        }
        if "CONTENT_TYPE" in environ:
            headers["content-type"] = str(environ["CONTENT_TYPE"])
        call = Call.parse(
            method=str(environ.get("REQUEST_METHOD", "GET")),
            path=path,
            query=str(environ.get("QUERY_STRING", "")),
            headers=headers,
            body=body,
            account=session.account,
        )
        if call is None:
            return self.app(environ, start_response)
        for need in requested(call, self.secret_arn):
            decision = evaluate(session.documents, need.action, need.resource)
            if decision is Decision.ALLOWED:
                continue
            resource = need.resource or "*"
            self._record(session, need.action, resource, decision)
            status, response_headers, payload = _denied_response(
                call, session, need.action, resource, decision
            )
            start_response(status, [*response_headers, ("Content-Length", str(len(payload)))])
            return [payload]
        return self.app(environ, start_response)

    def _record(self, session: Session, action: str, resource: str, decision: Decision) -> None:
        denial = Denial(
            function=session.session_name,
            role=session.role_arn,
            action=action,
            resource=resource,
            decision=decision.value,
            at=time.time(),
            key_id=session.key_id,
        )
        with self._changed:
            self.denials.append(denial)
            self._changed.notify_all()

    def _control(self, environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        if environ.get("PATH_INFO") != f"{CONTROL}denials":
            start_response("404 Not Found", [("Content-Type", "application/json")])
            return [b'{"message": "unknown IAM control path"}']
        query = parse_qs(str(environ.get("QUERY_STRING", "")))
        try:
            after = max(0, int(query.get("after", ["0"])[0]))
            wait = min(MAX_WAIT_S, max(0.0, float(query.get("wait", ["0"])[0])))
        except ValueError:
            start_response("400 Bad Request", [("Content-Type", "application/json")])
            return [b'{"message": "after must be an integer and wait a number"}']
        with self._changed:
            self._changed.wait_for(lambda: len(self.denials) > after, timeout=wait)
            found = self.denials[after:]
            total = len(self.denials)
        payload = json.dumps({"denials": [asdict(d) for d in found], "next": total}).encode()
        start_response("200 OK", [("Content-Type", "application/json")])
        return [payload]
