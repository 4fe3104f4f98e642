"""SigV4 verification of requests to the local APIs (REST AWS_IAM methods, `@connections`): the
signature is rebuilt with botocore and compared in constant time.

Besides the keys a caller passes, the role sessions the runtime gave its functions are known
(:mod:`cdk_local_gateway.iam.sessions`); for those, a request that names the resource it acts
on is also authorized against the role's policies."""

from __future__ import annotations

import hmac
import re
from typing import TYPE_CHECKING, Any

from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from cdk_local_gateway.iam import sessions

if TYPE_CHECKING:
    from collections.abc import Mapping

_AUTHORIZATION = re.compile(
    r"AWS4-HMAC-SHA256 Credential=(?P<key>[^/]+)/(?P<date>\d{8})/(?P<region>[^/]+)/"
    r"(?P<service>[^/]+)/aws4_request,\s*"
    r"SignedHeaders=(?P<signed>[^,]+),\s*Signature=(?P<signature>[0-9a-f]+)"
)
BAD_SIGNATURE = (
    "The request signature we calculated does not match the signature you provided. Check your "
    "AWS Secret Access Key and signing method. Consult the service documentation for details."
)


class SignatureRejected(Exception):
    def __init__(self, error_type: str, message: str) -> None:
        super().__init__(message)
        self.error_type = error_type
        self.message = message


class _SignedHeadersOnly(SigV4Auth):
    """botocore's SigV4 over exactly the headers the client listed in SignedHeaders."""

    def __init__(
        self, credentials: Credentials, service: str, region: str, signed: list[str]
    ) -> None:
        super().__init__(credentials, service, region)
        self.signed = signed

    def headers_to_sign(self, request: AWSRequest) -> Any:
        headers = super().headers_to_sign(request)
        for name in list(headers.keys()):
            if name.lower() not in self.signed:
                del headers[name]
        return headers


def verify(
    *,
    method: str,
    url: str,
    headers: dict[str, str],
    body: bytes,
    secrets: Mapping[str, str],
    action: str | None = None,
    resource: str | None = None,
) -> None:
    """Raise :class:`SignatureRejected` unless ``headers`` carry a valid SigV4 signature made
    with a known access key (``secrets``: access key id -> secret, or a role session of this
    runtime) over this request (``url`` with the path exactly as received); with ``action`` and
    ``resource``, also unless a role session's policies allow it (AccessDeniedException)."""
    lowered = {k.lower(): v for k, v in headers.items()}
    authorization = lowered.get("authorization")
    if not authorization:
        raise SignatureRejected("ForbiddenException", "Missing Authentication Token")
    match = _AUTHORIZATION.match(authorization.strip())
    if match is None:
        raise SignatureRejected(
            "IncompleteSignatureException",
            "Authorization header requires 'Credential', 'Signature', 'SignedHeaders' parameters.",
        )
    key_id = match["key"]
    secret = secrets.get(key_id)
    role_session = sessions.session(key_id) if secret is None else None
    if role_session is not None:
        if lowered.get("x-amz-security-token") != role_session.token:
            raise SignatureRejected(
                "UnrecognizedClientException",
                "The security token included in the request is invalid.",
            )
        secret = role_session.secret
    if secret is None:
        raise SignatureRejected(
            "UnrecognizedClientException", "The security token included in the request is invalid."
        )
    amz_date = lowered.get("x-amz-date")
    if not amz_date or not amz_date.startswith(match["date"]):
        raise SignatureRejected("InvalidSignatureException", "X-Amz-Date missing or mismatched.")
    signed = match["signed"].split(";")
    request = AWSRequest(
        method=method, url=url, data=body, headers={n: lowered.get(n, "") for n in signed}
    )
    request.context["timestamp"] = amz_date
    signer = _SignedHeadersOnly(
        Credentials(key_id, secret), match["service"], match["region"], signed
    )
    canonical = signer.canonical_request(request)
    expected = signer.signature(signer.string_to_sign(request, canonical), request)
    if not hmac.compare_digest(expected, match["signature"]):
        raise SignatureRejected("InvalidSignatureException", BAD_SIGNATURE)
    if action is not None and resource is not None:
        try:
            sessions.authorize(key_id, action, resource)
        except sessions.AccessDenied as denied:
            raise SignatureRejected("AccessDeniedException", denied.message) from denied
