"""Time budgets of the AWS clients, derived in one place from the function's timeout.

A call to AWS may take at most: per region tried, ``max_attempts`` x (connect + read timeout)
plus the retry backoff between attempts (botocore's standard mode waits at most 1 s before the
second attempt). That worst case, over every region a read may fail over to, must end
``ANSWER_RESERVE`` seconds before the Lambda timeout, so a hanging endpoint ends in an error
answer (503) rather than a Lambda timeout. The function's timeout comes from
``FUNCTION_TIMEOUT_SECONDS`` (``domain.settings``).

A region that hangs (or refuses, or answers 5xx) is then skipped by the table's region breaker
(``pydynamodel.transport.RegionBreaker``, 30 s, longer than any function timeout): later calls of
the same invocation, and of later invocations in the container for the window, make no request
to it. So a handler with several calls waits on each failed region once: its waits on failed
regions together stay within one read's worst case over every region. What budgets do not
bound is a region that is slow but answers within the timeouts: each call may use its whole
budget.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from botocore.config import Config

ANSWER_RESERVE = 2.0
"""Seconds kept free after the worst-case call: logging, the error answer, Powertools' flush."""
MAX_ATTEMPTS = 2
"""One retry: throttling and transient 5xx get a second chance, a hang costs two timeouts."""
FIRST_BACKOFF = 1.0
"""botocore standard mode's longest wait before the second attempt (random x 2**0 s)."""
MAX_CONNECT_TIMEOUT = 1.0
MAX_READ_TIMEOUT = 5.0
MIN_TIMEOUT = 0.2


@dataclass(frozen=True)
class ClientBudget:
    """Timeouts and retries of one botocore client."""

    connect_timeout: float
    read_timeout: float
    max_attempts: int

    def worst_case(self, regions: int = 1) -> float:
        """Seconds one call may take before it fails, trying ``regions`` regions in turn."""
        per_region = self.max_attempts * (self.connect_timeout + self.read_timeout)
        return regions * (per_region + (self.max_attempts - 1) * FIRST_BACKOFF)

    def config(self, **extra: Any) -> Config:
        from botocore.config import Config

        return Config(
            connect_timeout=self.connect_timeout,
            read_timeout=self.read_timeout,
            retries={"mode": "standard", "total_max_attempts": self.max_attempts},
            **extra,
        )


def client_budget(function_timeout: float, regions: int = 1) -> ClientBudget:
    """The budget that lets one call over ``regions`` regions end ``ANSWER_RESERVE`` seconds
    before ``function_timeout``; raises ``ValueError`` when no useful budget fits."""
    per_region = (function_timeout - ANSWER_RESERVE) / max(regions, 1)
    per_attempt = (per_region - (MAX_ATTEMPTS - 1) * FIRST_BACKOFF) / MAX_ATTEMPTS
    connect = min(MAX_CONNECT_TIMEOUT, per_attempt / 3)
    read = min(MAX_READ_TIMEOUT, per_attempt - connect)
    if connect < MIN_TIMEOUT or read < MIN_TIMEOUT:
        raise ValueError(
            f"a {function_timeout:g} s function cannot call {regions} region(s) with retries"
        )
    return ClientBudget(_floor_ms(connect), _floor_ms(read), MAX_ATTEMPTS)


def _floor_ms(seconds: float) -> float:
    # Rounded down, so the rounded budget never exceeds the computed one.
    return math.floor(seconds * 1000) / 1000
