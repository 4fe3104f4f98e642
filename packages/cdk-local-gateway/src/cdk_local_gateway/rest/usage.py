"""API keys and usage plans: per-key token bucket (rate, burst) and quota per period."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from cdk_local_gateway.rest.errors import GatewayError

if TYPE_CHECKING:
    from cdk_local_gateway.rest.model import RestApi, UsagePlan


def _period_start(period: str, now: float) -> str:
    moment = datetime.fromtimestamp(now, UTC)
    if period == "DAY":
        return moment.strftime("%Y-%m-%d")
    if period == "WEEK":
        return moment.strftime("%G-W%V")
    return moment.strftime("%Y-%m")


class UsageTracker:
    def __init__(self, api: RestApi) -> None:
        self.api = api
        self._buckets: dict[tuple[str, str], tuple[float, float]] = {}  # -> (tokens, at)
        self._quota: dict[tuple[str, str, str], int] = {}

    def check(self, key_value: str | None) -> str:
        """The API key id for ``key_value``, or GatewayError INVALID_API_KEY/THROTTLED/QUOTA."""
        key_id = self.api.api_keys.get(key_value or "")
        if key_id is None:
            raise GatewayError("INVALID_API_KEY", "Forbidden")
        plans = [p for p in self.api.usage_plans if key_id in p.key_ids]
        if not plans:
            raise GatewayError("INVALID_API_KEY", "Forbidden")
        for plan in plans:
            self._consume(plan, key_id, time.time())
        return key_id

    def _consume(self, plan: UsagePlan, key_id: str, now: float) -> None:
        rate = float(plan.throttle.get("RateLimit", 0) or 0)
        burst = float(plan.throttle.get("BurstLimit", 0) or 0)
        if rate > 0 or burst > 0:
            capacity = max(burst, 1.0)
            tokens, at = self._buckets.get((plan.logical_id, key_id), (capacity, now))
            tokens = min(capacity, tokens + (now - at) * rate)
            if tokens < 1:
                self._buckets[(plan.logical_id, key_id)] = (tokens, now)
                raise GatewayError("THROTTLED", "Too Many Requests")
            self._buckets[(plan.logical_id, key_id)] = (tokens - 1, now)
        limit = int(plan.quota.get("Limit", 0) or 0)
        if limit > 0:
            period = _period_start(str(plan.quota.get("Period", "DAY")), now)
            counter = (plan.logical_id, key_id, period)
            used = self._quota.get(counter, 0)
            if used >= limit:
                raise GatewayError("QUOTA_EXCEEDED", "Limit Exceeded")
            self._quota[counter] = used + 1
