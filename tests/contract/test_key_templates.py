"""The messages query's mapping template and the Message model name the same keys.

GET /rooms/{room_id}/messages is a direct DynamoDB integration: no handler runs, so the key
condition its VTL template builds must select exactly the items the message handlers write.
Both are built from ``contract.table``'s key templates; these tests check the outcome (the
rendered query against the model's own key item), not the constants.
"""

from __future__ import annotations

import json

import pytest

from contract.table import key_prefix
from domain.models import Message, Room
from tests.templates.vtl import Input, render


def _key_condition(room_id: str) -> dict[str, str]:
    request = Input(path_params={"room_id": room_id}, query={})
    query = json.loads(render("messages_request", TABLE_NAME="t", request=request))
    values = query["ExpressionAttributeValues"]
    assert query["KeyConditionExpression"] == "pk = :pk AND begins_with(sk, :msg)"
    return {"pk": values[":pk"]["S"], "sk_prefix": values[":msg"]["S"]}


def test_the_messages_query_selects_the_items_a_message_is_written_as() -> None:
    # Given a message the handlers would write to room r-1
    message = Message(room_id="r-1", message_id="01HZMSG", user_id="u-1", body="hi")
    written = message.key_item()
    # When the messages route's template builds its query for that room
    condition = _key_condition("r-1")
    # Then the query's partition is the message's, and its sort key begins with the prefix
    assert written["pk"] == {"S": condition["pk"]}
    assert written["sk"]["S"].startswith(condition["sk_prefix"])


def test_the_messages_query_does_not_select_the_rooms_own_item() -> None:
    # Given the room item itself, in the same partition as its messages
    room = Room(room_id="r-1", name="general", created_by="u-1")
    written = room.key_item()
    condition = _key_condition("r-1")
    # Then it shares the partition but the query's sort-key prefix leaves it out
    assert written["pk"] == {"S": condition["pk"]}
    assert not written["sk"]["S"].startswith(condition["sk_prefix"])


@pytest.mark.parametrize("template", ["{room_id}", "ROOM#", ""])
def test_a_key_template_without_constant_text_before_a_field_is_refused(template: str) -> None:
    with pytest.raises(ValueError, match="template="):
        key_prefix(template)
