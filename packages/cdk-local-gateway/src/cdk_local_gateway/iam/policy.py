"""Identity-policy evaluation: may these policy documents perform ``action`` on ``resource``?

moto's own evaluator (moto.iam.access_control) is not used for the decision: it matches
actions case-sensitively, treats ``?`` and other characters as regular-expression syntax,
ignores ``NotResource``, turns an Allow whose Condition it cannot read into an explicit Deny,
and is given ``*`` as the resource by most services (DynamoDB among them), so a grant scoped
to a table ARN never matches. AWS's documented logic is small: an explicit Deny wins, else an
Allow that matches grants, else the implicit deny.

Conditions are not evaluated (the local AWS knows none of their keys): a statement with a
Condition is applied as if its condition held for Allow, and ignored for Deny, so that a
condition can never make a local call fail that AWS would let through.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import Enum
from functools import lru_cache
from typing import Any


class Decision(Enum):
    ALLOWED = "allowed"
    EXPLICIT_DENY = "explicit deny"
    IMPLICIT_DENY = "implicit deny"


@lru_cache(maxsize=4096)
def _pattern(text: str, *, ignore_case: bool) -> re.Pattern[str]:
    # IAM wildcards: * any run of characters (also across ':' and '/'), ? exactly one.
    body = "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in text)
    return re.compile(f"^{body}$", re.IGNORECASE | re.DOTALL if ignore_case else re.DOTALL)


def _values(value: Any) -> list[str]:
    if value is None:
        return []
    if isinstance(value, list):
        return [str(v) for v in value]
    return [str(value)]


def action_matches(patterns: Any, action: str) -> bool:
    """Actions are case-insensitive (``dynamodb:getitem`` grants ``dynamodb:GetItem``)."""
    return any(_pattern(p, ignore_case=True).match(action) for p in _values(patterns))


def resource_matches(patterns: Any, resource: str | None) -> bool:
    """ARNs are case-sensitive. ``resource`` None: the local AWS cannot tell which resource the
    call is for, so any Resource element matches (the call is checked on its action only)."""
    if resource is None:
        return True
    return any(_pattern(p, ignore_case=False).match(resource) for p in _values(patterns))


@dataclass(frozen=True)
class Statement:
    raw: dict[str, Any]

    @property
    def allows(self) -> bool:
        return str(self.raw.get("Effect", "")) == "Allow"

    @property
    def conditional(self) -> bool:
        return bool(self.raw.get("Condition"))

    def applies(self, action: str, resource: str | None) -> bool:
        raw = self.raw
        if "NotAction" in raw:
            action_ok = not action_matches(raw["NotAction"], action)
        else:
            action_ok = action_matches(raw.get("Action"), action)
        if not action_ok:
            return False
        if "NotResource" in raw:
            return resource is None or not resource_matches(raw["NotResource"], resource)
        return resource_matches(raw.get("Resource"), resource)


def statements(document: dict[str, Any]) -> list[Statement]:
    raw = document.get("Statement", [])
    items = raw if isinstance(raw, list) else [raw]
    return [Statement(s) for s in items if isinstance(s, dict)]


def evaluate(documents: list[dict[str, Any]], action: str, resource: str | None) -> Decision:
    """The decision of the identity policies ``documents`` for one action on one resource."""
    allowed = False
    for document in documents:
        for statement in statements(document):
            if not statement.applies(action, resource):
                continue
            if not statement.allows:
                if statement.conditional:
                    continue
                return Decision.EXPLICIT_DENY
            allowed = True
    return Decision.ALLOWED if allowed else Decision.IMPLICIT_DENY
