"""Typed, frozen, validated stage configuration parsed from the ``stages`` context in cdk.json.

Configuration flows one way: cdk.json context -> :func:`load_stages` -> :class:`StageConfig`
-> constructor keyword arguments -> Lambda environment variables. No construct reads context
itself. Every error names the stage, the key path and the offending value so that a typo stops
``cdk synth`` with one clear line instead of a deploy-time failure.
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from urllib.parse import urlparse

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping

# Commercial AWS regions. A hand-kept list (rather than a pattern) is what catches a typo such
# as "eu-wset-1", which a regex would accept; add a region here when AWS opens one.
AWS_REGIONS: frozenset[str] = frozenset(
    {
        "af-south-1", "ap-east-1", "ap-east-2", "ap-northeast-1", "ap-northeast-2",
        "ap-northeast-3", "ap-south-1", "ap-south-2", "ap-southeast-1", "ap-southeast-2",
        "ap-southeast-3", "ap-southeast-4", "ap-southeast-5", "ap-southeast-6", "ap-southeast-7",
        "ca-central-1", "ca-west-1", "eu-central-1", "eu-central-2", "eu-north-1", "eu-south-1",
        "eu-south-2", "eu-west-1", "eu-west-2", "eu-west-3", "il-central-1", "me-central-1",
        "me-south-1", "mx-central-1", "sa-east-1", "us-east-1", "us-east-2", "us-west-1",
        "us-west-2",
    }
)  # fmt: skip

# CloudWatch Logs accepts only these retention periods (days).
LOG_RETENTION_DAYS: frozenset[int] = frozenset(
    {1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557,
     2922, 3288, 3653}
)  # fmt: skip

QUOTA_PERIODS = frozenset({"DAY", "WEEK", "MONTH"})

_STAGE_NAME = re.compile(r"^[a-z][a-z0-9]{0,15}$")
_ACCOUNT = re.compile(r"^\d{12}$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


class ConfigError(ValueError):
    """A stage configuration value is missing, unknown, of the wrong type or out of range."""


@dataclass(frozen=True)
class Throttle:
    """Steady-state requests per second and burst size for an API stage or a usage plan."""

    rate_limit: float
    burst_limit: int


@dataclass(frozen=True)
class UsagePlanConfig:
    """Throttle and quota of the partner usage plan (API keys)."""

    rate_limit: float
    burst_limit: int
    quota_limit: int
    quota_period: str


@dataclass(frozen=True)
class StageConfig:
    """Everything that differs between stages. Instances are immutable and already validated."""

    name: str
    primary_region: str
    replica_regions: tuple[str, ...]
    account: str | None
    api_throttle: Throttle
    websocket_throttle: Throttle
    partner_usage_plan: UsagePlanConfig
    log_retention_days: int
    alarm_email: str
    upstream_url: str
    waf_rate_limit: int
    ip_allow_list: tuple[str, ...] = ()
    ip_deny_list: tuple[str, ...] = ()
    cors_allow_origins: tuple[str, ...] = ("*",)
    tags: tuple[tuple[str, str], ...] = field(default=())

    @property
    def regions(self) -> tuple[str, ...]:
        """The primary region first, then the replicas: the order reads fail over in."""
        return (self.primary_region, *self.replica_regions)

    @property
    def construct_id(self) -> str:
        """PascalCase id of the stage, as used in ``cdk deploy "Prod/**"``."""
        return self.name[:1].upper() + self.name[1:]


# --- parsing -----------------------------------------------------------------------------------


class _Reader:
    """Reads one mapping of the config, tracking the key path for error messages."""

    def __init__(self, stage: str, path: str, raw: object) -> None:
        self.stage = stage
        self.path = path
        if not isinstance(raw, dict):
            raise self.error(path or "<stage>", raw, "must be an object")
        self.raw: dict[str, Any] = raw
        self.seen: set[str] = set()

    def error(self, key: str, value: object, problem: str) -> ConfigError:
        return ConfigError(f"stage {self.stage!r}: key {key!r} = {value!r} {problem}")

    def key(self, name: str) -> str:
        return f"{self.path}.{name}" if self.path else name

    def missing(self, name: str) -> ConfigError:
        return ConfigError(f"stage {self.stage!r}: key {self.key(name)!r} is required")

    def get(self, name: str, kind: type | tuple[type, ...], *, default: Any = ...) -> Any:
        self.seen.add(name)
        if name not in self.raw:
            if default is ...:
                raise self.missing(name)
            return default
        value = self.raw[name]
        # bool is an int subclass: a flag where a number belongs is still a type error.
        kinds = kind if isinstance(kind, tuple) else (kind,)
        if (isinstance(value, bool) and bool not in kinds) or not isinstance(value, kinds):
            raise self.error(self.key(name), value, f"must be {_kind_name(kinds)}")
        return value

    def child(self, name: str) -> _Reader:
        self.seen.add(name)
        if name not in self.raw:
            raise self.missing(name)
        return _Reader(self.stage, self.key(name), self.raw[name])

    def done(self) -> None:
        unknown = sorted(set(self.raw) - self.seen)
        if unknown:
            name = unknown[0]
            raise self.error(self.key(name), self.raw[name], "is not a known setting")


def _kind_name(kinds: tuple[type, ...]) -> str:
    names = {str: "a string", int: "an integer", float: "a number", bool: "true or false",
             list: "a list", dict: "an object"}  # fmt: skip
    return " or ".join(names.get(k, k.__name__) for k in kinds)


def _region(reader: _Reader, key: str, value: object) -> str:
    if not isinstance(value, str) or value not in AWS_REGIONS:
        raise reader.error(key, value, "is not an AWS region (e.g. 'eu-west-1')")
    return value


def _positive(reader: _Reader, key: str, value: float) -> None:
    if value <= 0:
        raise reader.error(reader.key(key), value, "must be greater than 0")


def _throttle(reader: _Reader) -> Throttle:
    rate = reader.get("rate_limit", (int, float))
    burst = reader.get("burst_limit", int)
    _positive(reader, "rate_limit", rate)
    _positive(reader, "burst_limit", burst)
    reader.done()
    return Throttle(rate_limit=float(rate), burst_limit=burst)


def _usage_plan(reader: _Reader) -> UsagePlanConfig:
    rate = reader.get("rate_limit", (int, float))
    burst = reader.get("burst_limit", int)
    quota = reader.get("quota_limit", int)
    period = reader.get("quota_period", str)
    for key, value in (("rate_limit", rate), ("burst_limit", burst), ("quota_limit", quota)):
        _positive(reader, key, value)
    if period not in QUOTA_PERIODS:
        raise reader.error(
            reader.key("quota_period"), period, f"must be one of {sorted(QUOTA_PERIODS)}"
        )
    reader.done()
    return UsagePlanConfig(rate_limit=float(rate), burst_limit=burst, quota_limit=quota,
                           quota_period=period)  # fmt: skip


def _cidrs(reader: _Reader, name: str) -> tuple[str, ...]:
    values = reader.get(name, list, default=[])
    out: list[str] = []
    for i, value in enumerate(values):
        key = f"{reader.key(name)}[{i}]"
        try:
            out.append(str(ipaddress.ip_network(value, strict=True)))
        except (TypeError, ValueError):
            raise reader.error(key, value, "is not a CIDR block (e.g. '203.0.113.0/24')") from None
    return tuple(out)


def _replicas(reader: _Reader, primary: str) -> tuple[str, ...]:
    replicas: list[str] = []
    for i, value in enumerate(reader.get("replica_regions", list, default=[])):
        key = f"replica_regions[{i}]"
        region = _region(reader, key, value)
        if region == primary:
            raise reader.error(
                key, value, "equals primary_region: a replica must be another region"
            )
        if region in replicas:
            raise reader.error(key, value, "is listed twice")
        replicas.append(region)
    return tuple(replicas)


def _checked(reader: _Reader, name: str, kind: type | tuple[type, ...], *, default: Any = ...,
             valid: Callable[[Any], bool], problem: str) -> Any:  # fmt: skip
    """``reader.get(name)``, refused with ``problem`` unless ``valid(value)``."""
    value = reader.get(name, kind, default=default)
    if not valid(value):
        raise reader.error(reader.key(name), value, problem)
    return value


def _origins(reader: _Reader) -> tuple[str, ...]:
    origins = reader.get("cors_allow_origins", list, default=["*"])
    for i, origin in enumerate(origins):
        if not isinstance(origin, str) or not (origin == "*" or origin.startswith("https://")):
            raise reader.error(
                f"cors_allow_origins[{i}]", origin, "must be '*' or an https:// origin"
            )
    return tuple(origins)


def _tags(reader: _Reader) -> tuple[tuple[str, str], ...]:
    tags: dict[str, Any] = reader.get("tags", dict, default={})
    for key, value in tags.items():
        if not isinstance(value, str):
            raise reader.error(f"tags.{key}", value, "must be a string")
    return tuple(sorted(tags.items()))


def _is_https_url(value: str) -> bool:
    parsed = urlparse(value)
    return parsed.scheme == "https" and bool(parsed.netloc)


def _stage(name: str, raw: object) -> StageConfig:
    if not _STAGE_NAME.match(name):
        raise ConfigError(
            f"stage {name!r}: the stage name must be lower-case letters and digits, "
            "starting with a letter (at most 16)"
        )
    r = _Reader(name, "", raw)
    primary = _region(r, "primary_region", r.get("primary_region", str))
    # Keys are read (and refused) in this order: the first bad value is the one reported.
    replicas = _replicas(r, primary)
    account = _checked(
        r, "account", (str, type(None)), default=None,
        valid=lambda v: v is None or bool(_ACCOUNT.match(v)),
        problem="must be a 12-digit AWS account id",
    )  # fmt: skip
    retention = _checked(
        r, "log_retention_days", int, valid=lambda v: v in LOG_RETENTION_DAYS,
        problem=f"is not a CloudWatch Logs retention period ({sorted(LOG_RETENTION_DAYS)})",
    )  # fmt: skip
    email = _checked(
        r, "alarm_email", str, valid=lambda v: bool(_EMAIL.match(v)),
        problem="is not an e-mail address",
    )  # fmt: skip
    upstream = _checked(
        r, "upstream_url", str, valid=_is_https_url, problem="must be an https:// URL"
    )
    waf_rate = _checked(
        r, "waf_rate_limit", int, valid=lambda v: 10 <= v <= 2_000_000_000,
        problem="must be between 10 and 2000000000 (requests per 5 minutes per IP)",
    )  # fmt: skip
    origins = _origins(r)
    tags = _tags(r)
    api_throttle = _throttle(r.child("api_throttle"))
    ws_throttle = _throttle(r.child("websocket_throttle"))
    usage_plan = _usage_plan(r.child("partner_usage_plan"))
    allow = _cidrs(r, "ip_allow_list")
    deny = _cidrs(r, "ip_deny_list")
    r.done()
    return StageConfig(
        name=name,
        primary_region=primary,
        replica_regions=replicas,
        account=account,
        api_throttle=api_throttle,
        websocket_throttle=ws_throttle,
        partner_usage_plan=usage_plan,
        log_retention_days=retention,
        alarm_email=email,
        upstream_url=upstream,
        waf_rate_limit=waf_rate,
        ip_allow_list=allow,
        ip_deny_list=deny,
        cors_allow_origins=origins,
        tags=tags,
    )


def load_stages(context: Mapping[str, object] | None) -> tuple[StageConfig, ...]:
    """Parse the ``stages`` context value into validated stage configs (sorted by name)."""
    if context is None or not isinstance(context, dict) or not context:
        raise ConfigError(
            f"context 'stages' = {context!r} must be an object with at least one stage"
        )
    return tuple(_stage(name, raw) for name, raw in sorted(context.items()))


def region_id(region: str) -> str:
    """PascalCase construct id of a region: ``eu-west-1`` -> ``EuWest1``."""
    return "".join(part[:1].upper() + part[1:] for part in region.split("-"))
