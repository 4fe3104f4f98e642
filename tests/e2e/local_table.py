"""Reading the app's table on the runtime's local AWS, to check what the WebSocket handlers
left in it. Items are addressed by the app's key design (``domain.models``): a connection is
``CONN#<id>`` / ``META``, a membership ``ROOM#<room>`` / ``CONN#<id>``."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

import boto3

if TYPE_CHECKING:
    from collections.abc import Callable


class LocalTable:
    def __init__(self, local_gateway: dict[str, Any]) -> None:
        self.client = boto3.client(
            "dynamodb",
            endpoint_url=local_gateway["aws_endpoint"],
            region_name=local_gateway["region"],
            **local_gateway["credentials"],
        )
        self._name: str | None = None

    def _key(self, pk: str, sk: str) -> dict[str, Any]:
        return {"pk": {"S": pk}, "sk": {"S": sk}}

    def name_for_room(self, room_id: str) -> str:
        """The table holding the room: the stage has one, whatever the runtime named it."""
        if self._name is None:
            for name in self.client.list_tables()["TableNames"]:
                found = self.client.get_item(
                    TableName=name, Key=self._key(f"ROOM#{room_id}", "META")
                )
                if "Item" in found:
                    self._name = name
                    break
            else:
                raise LookupError(f"no table of the local AWS holds room {room_id}")
        return self._name

    def member_ids(self, room_id: str) -> list[str]:
        """Connection ids of the room's memberships."""
        answer = self.client.query(
            TableName=self.name_for_room(room_id),
            KeyConditionExpression="pk = :pk AND begins_with(sk, :conn)",
            ExpressionAttributeValues={":pk": {"S": f"ROOM#{room_id}"}, ":conn": {"S": "CONN#"}},
            ConsistentRead=True,
        )
        return [item["connection_id"]["S"] for item in answer["Items"]]

    def connection_items(self, room_id: str, connection_id: str) -> list[dict[str, Any]]:
        """The connection's own item and its membership of the room, those that exist."""
        table = self.name_for_room(room_id)
        keys = [
            self._key(f"CONN#{connection_id}", "META"),
            self._key(f"ROOM#{room_id}", f"CONN#{connection_id}"),
        ]
        found = [self.client.get_item(TableName=table, Key=k, ConsistentRead=True) for k in keys]
        return [answer["Item"] for answer in found if "Item" in answer]

    def put(self, room_id: str, items: list[dict[str, Any]]) -> None:
        for item in items:
            self.client.put_item(TableName=self.name_for_room(room_id), Item=item)


def eventually(check: Callable[[], bool], timeout_s: float = 60.0) -> bool:
    """Polls ``check`` until it holds or ``timeout_s`` elapsed ($disconnect runs after the
    close, asynchronously, and may cold-start its worker)."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(0.1)
    return check()
