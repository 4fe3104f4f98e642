"""The comparison of what each function's role grants with what its handler was seen to call.

Exact equality is the rule: a grant no test saw used is an over-grant, a recorded call its role
does not cover is a missing grant (it fails with AccessDenied once deployed). A grant reached
only on paths the tests cannot exercise is declared in :data:`tests.iam.unexercised.UNEXERCISED`
with its reason; an entry there that no longer applies (the call is now recorded, or the role
no longer grants it) is reported too, so the list cannot silently rot.
"""

from __future__ import annotations

from dataclasses import dataclass
from fnmatch import fnmatchcase
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Mapping

    from tests.iam.actions import Access

OVER = "over-granted (no test calls it)"
MISSING = "missing grant (called, not granted)"
STALE = "stale allow-list entry"
UNDEPLOYED = "recorded handler that no function runs"


@dataclass(frozen=True, order=True)
class Finding:
    handler: str
    kind: str
    access: str
    detail: str = ""

    def __str__(self) -> str:
        detail = f"  [{self.detail}]" if self.detail else ""
        return f"{self.handler}: {self.kind}: {self.access}{detail}"


def _covers(grant: Access, use: Access) -> bool:
    return fnmatchcase(use.action, grant.action) and fnmatchcase(use.resource, grant.resource)


def compare(
    granted: Mapping[str, set[Access]],
    used: Mapping[str, Mapping[Access, str]],
    unexercised: Mapping[tuple[str, Access], str],
) -> list[Finding]:
    """Every difference between ``granted`` (``{handler: accesses}``) and ``used``
    (``{handler: {access: a test that recorded it}}``), given the declared ``unexercised``
    grants (``{(handler, access): reason}``). Empty when they agree."""
    findings: list[Finding] = []
    for handler in sorted(set(used) - set(granted)):
        findings.append(Finding(handler, UNDEPLOYED, ", ".join(map(str, sorted(used[handler])))))
    for handler in sorted(granted):
        grants, uses = granted[handler], used.get(handler, {})
        for grant in sorted(grants):
            if grant not in uses and (handler, grant) not in unexercised:
                findings.append(Finding(handler, OVER, str(grant)))
        for use, test in sorted(uses.items()):
            if not any(_covers(grant, use) for grant in grants):
                findings.append(Finding(handler, MISSING, str(use), f"called in {test}"))
    for (handler, access), reason in sorted(unexercised.items()):
        if access in used.get(handler, {}):
            findings.append(Finding(handler, STALE, str(access), f"now recorded; was: {reason}"))
        elif access not in granted.get(handler, set()):
            findings.append(Finding(handler, STALE, str(access), f"not granted; was: {reason}"))
    return findings
