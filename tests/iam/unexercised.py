"""Grants that the handler tests cannot exercise, each with the reason it is still needed.

This is the only place a grant may differ from the recorded calls. Keys are
``(handler, Access(action, resource))``; resources are named as in :mod:`tests.iam.actions`.
"""

from __future__ import annotations

from tests.iam.actions import Access

UNEXERCISED: dict[tuple[str, Access], str] = {}
