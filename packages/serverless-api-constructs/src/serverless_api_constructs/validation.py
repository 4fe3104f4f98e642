"""Eager checks of construct props: a wrong value fails when the construct is created, with a
message naming the construct, the prop and the value, instead of at deploy time (or never).

Each limit is the service's own (API Gateway, WAF, CloudWatch Logs), so a value that passes
here is one the service accepts.
"""

from __future__ import annotations

import ipaddress
import re
from typing import TYPE_CHECKING

from aws_cdk import Token
from aws_cdk import aws_logs as logs

if TYPE_CHECKING:
    from collections.abc import Iterable, Sequence

#: API Gateway (REST and WebSocket): alphanumerics, hyphens and underscores, 1..128.
_STAGE_NAME = re.compile(r"[A-Za-z0-9_-]{1,128}")
#: WAF rate-based rules: requests per evaluation window (the WAFv2 API's RateLimit bounds).
WAF_RATE_LIMIT_RANGE = (10, 2_000_000_000)
#: API Gateway's maximum payload (10 MB).
MAX_PAYLOAD_BYTES = 10 * 1024 * 1024
#: An HTTP header name: an RFC 7230 token (section 3.2.6), less the single quote, which would
#: end the quoted static value API Gateway sends the CORS headers as.
_HEADER_NAME = re.compile(r"[A-Za-z0-9!#$%&*+.^_`|~-]+")


#: A number token is a double of magnitude 2**960 or more (the CDK's marker bits, 0xFBFF...):
#: a smaller number is a value; a string without a token marker is one too.
_SMALLEST_NUMBER_TOKEN = 2.0**960
_TOKEN_MARKERS = ("${Token[", "#{Token[")


def unresolved(value: object) -> bool:
    """``Token.is_unresolved(value)``, asking the jsii kernel only about a value that may hold
    a token: a plain string or number would cost a round trip to learn it does not."""
    if isinstance(value, str):
        return any(marker in value for marker in _TOKEN_MARKERS) and Token.is_unresolved(value)
    if isinstance(value, int | float) and not isinstance(value, bool):
        return abs(value) >= _SMALLEST_NUMBER_TOKEN and Token.is_unresolved(value)
    return Token.is_unresolved(value)


def stage_name(owner: str, prop: str, value: str) -> None:
    if unresolved(value):
        return
    if not _STAGE_NAME.fullmatch(value):
        raise ValueError(
            f"{owner}: {prop}={value!r} must be 1..128 letters, digits, '-' or '_' "
            "(API Gateway's stage names)"
        )


def number_in(
    owner: str, prop: str, value: float, low: float, high: float | None = None, unit: str = ""
) -> None:
    if unresolved(value):
        return
    if value < low or (high is not None and value > high):
        bounds = f"at least {_number(low)}" if high is None else f"{_number(low)}..{_number(high)}"
        suffix = f" {unit}" if unit else ""
        raise ValueError(f"{owner}: {prop}={value!r} must be {bounds}{suffix}")


def waf_rate_limit(owner: str, prop: str, value: int) -> None:
    low, high = WAF_RATE_LIMIT_RANGE
    number_in(owner, prop, value, low, high, "requests per IP per 5 minutes (WAF's limits)")


def cidrs(owner: str, prop: str, values: Iterable[str]) -> None:
    """IPv4/IPv6 addresses or CIDR blocks, as IAM's ``aws:SourceIp`` takes them."""
    for value in values:
        if unresolved(value):
            continue
        try:
            ipaddress.ip_network(value, strict=False)
        except ValueError:
            raise ValueError(
                f"{owner}: {prop} has {value!r}, which is not an IP address or CIDR block"
            ) from None


def header_names(
    owner: str, prop: str, values: Sequence[str], *, allow_empty: bool = False
) -> None:
    """Distinct HTTP header names (compared case-insensitively), at least one unless
    ``allow_empty``."""
    if isinstance(values, str):
        raise ValueError(f"{owner}: {prop}={values!r} must be a list of header names, not a str")
    if not values and not allow_empty:
        raise ValueError(
            f"{owner}: {prop}=[] names no header; pass None for the defaults or the headers"
        )
    seen: set[str] = set()
    for value in values:
        if unresolved(value):
            continue
        if not _HEADER_NAME.fullmatch(value):
            raise ValueError(
                f"{owner}: {prop} has {value!r}, which is not an HTTP header name (RFC 7230 "
                "token: letters, digits and !#$%&*+-.^_`|~, no spaces, quotes or ':')"
            )
        if value.lower() in seen:
            raise ValueError(f"{owner}: {prop} has {value!r} twice (header names ignore case)")
        seen.add(value.lower())


def retention(owner: str, prop: str, value: object) -> None:
    if not isinstance(value, logs.RetentionDays):
        raise ValueError(
            f"{owner}: {prop}={value!r} must be a logs.RetentionDays "
            "(retention_days(n) converts a number of days)"
        )


def _number(value: float) -> str:
    """``2000000000`` -> ``2,000,000,000``; fractions as written."""
    return f"{int(value):,}" if float(value).is_integer() else f"{value:g}"
