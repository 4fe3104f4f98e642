"""Grants that the handler tests cannot exercise, each with the reason it is still needed.

This is the only place a grant may differ from the recorded calls. Keys are
``(handler, Access(action, resource))``; resources are named as in :mod:`tests.iam.actions`.
An entry whose call the tests start to make, or whose grant goes, fails the comparison as stale.
"""

from __future__ import annotations

from tests.iam.actions import Access

_PUBLISH = "handlers.ws.publish_consumer.handler"
_STALE_CLEANUP = (
    "removing a connection that answered 410 while the consumer broadcast (with its"
    " memberships, found on GSI1, deleted in batches: domain.realtime.rooms._remove_stale); no"
    " publish-consumer test posts to a gone connection (tests/ws/test_send.py covers the same"
    " code for send)"
)

UNEXERCISED: dict[tuple[str, Access], str] = {
    (_PUBLISH, Access("dynamodb:Query", "index/GSI1")): _STALE_CLEANUP,
    (_PUBLISH, Access("dynamodb:BatchWriteItem", "table")): _STALE_CLEANUP,
}
