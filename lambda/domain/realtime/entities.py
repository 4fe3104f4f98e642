"""Connection and Membership as the WebSocket API stores them: with the member's endpoint.

Direct multi-region fan-out needs, for every member of a room, the ``@connections`` endpoint of
the regional API the member is connected to. The $connect handler knows it
(``https://{domainName}/{stage}``) and stores it on the Connection and on every Membership, so a
send reads one room partition and knows where to post each frame, with no cross-region stack
reference. These subclasses add that one attribute to the shared models of
``domain.models`` (same entity names, keys and indexes); see docs/requests-to-dynamodel.md
for the request to add ``endpoint`` to the shared models, after which they become aliases.
"""

from __future__ import annotations

from domain.models import Connection, Membership
from dynamodel import fields as f


class LiveConnection(Connection, entity="Connection"):
    """A WebSocket connection and the management endpoint that reaches it."""

    endpoint: f.Str = f.Str(required=True, validators=[f.length(8, 300)])


class RoomMember(Membership, entity="Membership"):
    """A connection's membership of a room, carrying the connection's endpoint for fan-out."""

    endpoint: f.Str = f.Str(required=True, validators=[f.length(8, 300)])
