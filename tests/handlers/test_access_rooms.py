"""Who may do what on the REST rooms routes (docs/access-control.md), each rule tried by a
second user: Alice creates, Bob is another signed-in user, Carol is in the ``admins`` group."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest

from handlers.rest import rooms
from tests.handlers.conftest import USER, item_count, load_event, new_id, rest_event
from tests.handlers.test_rooms import partition, room_with_collection

if TYPE_CHECKING:
    from collections.abc import Callable

    from tests.handlers.conftest import HttpResult

ALICE = USER
BOB = "b0b00000-0000-4000-8000-000000000002"
CAROL = "ca201000-0000-4000-8000-000000000003"


def alices_room(invoke: Callable[..., HttpResult]) -> dict[str, Any]:
    event = rest_event("rooms_create.json", headers={"Idempotency-Key": None}, user=ALICE)
    result = invoke(rooms.handler, event)
    assert result.status == 201, result.body
    room: dict[str, Any] = result.body
    return room


def patch(room_id: str, user: str, groups: str | None = None, **headers: str) -> dict[str, Any]:
    return rest_event(
        "room_update.json",
        path=f"/rooms/{room_id}",
        body={"name": "Taken over"},
        headers={"If-Match": '"1"', **headers},
        user=user,
        groups=groups,
    )


def delete(room_id: str, user: str, groups: str | None = None) -> dict[str, Any]:
    return rest_event("room_delete.json", path=f"/rooms/{room_id}", user=user, groups=groups)


def read(invoke: Callable[..., HttpResult], room_id: str) -> HttpResult:
    return invoke(rooms.handler, rest_event("room_get.json", path=f"/rooms/{room_id}"))


def assert_forbidden(result: HttpResult) -> None:
    assert result.status == 403, result.body
    assert result.body["error"]["code"] == "Forbidden"


def test_another_user_cannot_patch_a_room_and_nothing_changes(
    invoke: Callable[..., HttpResult],
) -> None:
    # Given Alice's room
    room = alices_room(invoke)

    # When Bob renames it with the current ETag
    result = invoke(rooms.handler, patch(room["room_id"], BOB))

    # Then he is refused with the error JSON and the room is as Alice left it
    assert_forbidden(result)
    assert read(invoke, room["room_id"]).body == room


def test_another_user_cannot_delete_a_room_nor_its_messages_and_memberships(
    invoke: Callable[..., HttpResult], ddb: Any
) -> None:
    # Given Alice's room with messages and memberships
    room_id = room_with_collection(invoke, messages=3)

    # When Bob deletes it
    result = invoke(rooms.handler, delete(room_id, BOB))

    # Then he is refused and the room's whole partition is still there
    assert_forbidden(result)
    assert len(partition(ddb, room_id)) == 6


def test_a_stale_etag_from_another_user_is_still_forbidden(
    invoke: Callable[..., HttpResult],
) -> None:
    # Given Alice's room at version 1
    room = alices_room(invoke)

    # When Bob sends a wrong version as well
    result = invoke(rooms.handler, patch(room["room_id"], BOB, **{"If-Match": '"9"'}))

    # Then the answer is about who he is, not about the version (no state is revealed)
    assert_forbidden(result)


def test_a_user_in_another_group_is_not_an_admin(invoke: Callable[..., HttpResult]) -> None:
    # Given Alice's room
    room = alices_room(invoke)

    # When Bob, in groups whose names merely contain "admins", renames it
    result = invoke(rooms.handler, patch(room["room_id"], BOB, groups="superadmins,admins-ro"))

    # Then he is refused
    assert_forbidden(result)


@pytest.mark.parametrize("groups", ["admins", "readers,admins", "[readers, admins]"])
def test_an_admin_may_patch_any_room(invoke: Callable[..., HttpResult], groups: str) -> None:
    # Given Alice's room
    room = alices_room(invoke)

    # When Carol, in the admins group, renames it
    result = invoke(rooms.handler, patch(room["room_id"], CAROL, groups=groups))

    # Then the change is made and the room keeps its creator
    assert result.status == 200, result.body
    assert result.body["name"] == "Taken over"
    assert result.body["created_by"] == ALICE


def test_an_admin_may_delete_any_room_with_its_collection(
    invoke: Callable[..., HttpResult], ddb: Any
) -> None:
    # Given Alice's room with messages and memberships
    room_id = room_with_collection(invoke, messages=3)

    # When Carol, an admin, deletes it
    result = invoke(rooms.handler, delete(room_id, CAROL, groups="admins"))

    # Then the room and its partition are gone
    assert result.status == 204
    assert partition(ddb, room_id) == []


def test_the_creator_may_patch_and_delete_her_room(invoke: Callable[..., HttpResult]) -> None:
    # Given Alice's room
    room = alices_room(invoke)

    # When Alice renames it, then deletes it
    renamed = invoke(rooms.handler, patch(room["room_id"], ALICE))
    deleted = invoke(rooms.handler, delete(room["room_id"], ALICE))

    # Then both are allowed
    assert renamed.status == 200
    assert deleted.status == 204


def test_another_user_patching_an_unknown_room_gets_404(invoke: Callable[..., HttpResult]) -> None:
    # Given an id no room has
    # When Bob renames it
    result = invoke(rooms.handler, patch(new_id(), BOB))

    # Then it is not found (there is no owner to compare with)
    assert result.status == 404


def test_any_signed_in_user_may_read_and_list_rooms(invoke: Callable[..., HttpResult]) -> None:
    # Given Alice's room
    room = alices_room(invoke)

    # When Bob reads it and lists rooms
    path = f"/rooms/{room['room_id']}"
    got = invoke(rooms.handler, rest_event("room_get.json", path=path, user=BOB))
    listed = invoke(rooms.handler, rest_event("rooms_list.json", user=BOB))

    # Then both succeed
    assert got.status == 200
    assert got.body == room
    assert listed.status == 200


def test_the_creator_is_the_caller_and_a_body_cannot_name_another(
    invoke: Callable[..., HttpResult], ddb: Any
) -> None:
    # Given Bob's create request that claims Alice made the room
    before = item_count(ddb)
    event = rest_event(
        "rooms_create.json",
        body={"name": "Mine", "created_by": ALICE},
        headers={"Idempotency-Key": None},
        user=BOB,
    )

    # When it is handled
    result = invoke(rooms.handler, event)

    # Then the body field is refused and nothing is written
    assert result.status == 400
    assert [f["path"] for f in result.body["error"]["fields"]] == ["body.created_by"]
    assert item_count(ddb) == before

    # And a plain create by Bob makes Bob the creator
    plain = rest_event(
        "rooms_create.json", body={"name": "Mine"}, headers={"Idempotency-Key": None}, user=BOB
    )
    assert invoke(rooms.handler, plain).body["created_by"] == BOB


def test_a_message_is_posted_as_the_caller_and_a_body_cannot_name_another(
    invoke: Callable[..., HttpResult],
) -> None:
    # Given Alice's room
    room = alices_room(invoke)
    path = f"/rooms/{room['room_id']}/messages"

    # When Bob posts to it, once naming Alice as author and once plainly
    spoofed = rest_event(
        "messages_create.json",
        path=path,
        body={"body": "hi", "user_id": ALICE},
        headers={"Idempotency-Key": None},
        user=BOB,
    )
    plain = rest_event(
        "messages_create.json",
        path=path,
        body={"body": "hi"},
        headers={"Idempotency-Key": None},
        user=BOB,
    )

    # Then the spoofed author is refused and the plain post is Bob's
    assert invoke(rooms.handler, spoofed).status == 400
    posted = invoke(rooms.handler, plain)
    assert posted.status == 201
    assert posted.body["user_id"] == BOB


@pytest.mark.parametrize(
    "event_name",
    [
        "room_get.json",
        "rooms_list.json",
        "rooms_create.json",
        "room_update.json",
        "room_delete.json",
        "messages_create.json",
    ],
)
def test_a_request_without_a_verified_user_is_401(
    invoke: Callable[..., HttpResult], event_name: str
) -> None:
    # Given a rooms route reached without the Cognito authorizer's claims (a partner's API
    # key, or a misconfigured route)
    event = load_event(event_name)
    event["requestContext"].pop("authorizer", None)

    # When it is handled
    result = invoke(rooms.handler, event)

    # Then it is refused before anything is read or written
    assert result.status == 401, result.body
    assert result.body["error"]["code"] == "Unauthorized"


def test_a_partner_lists_rooms_on_its_own_route_only(invoke: Callable[..., HttpResult]) -> None:
    # Given a partner's API-key request
    partner = load_event("partner_rooms_list.json")

    # When it lists rooms on /partner/rooms, then tries a user route with the same identity
    listed = invoke(rooms.handler, partner)
    elsewhere = load_event("partner_rooms_list.json")
    elsewhere["path"] = "/rooms"

    # Then its own route answers and the user route refuses it
    assert listed.status == 200
    assert invoke(rooms.handler, elsewhere).status == 401


def test_the_partner_route_needs_an_api_key_identity(invoke: Callable[..., HttpResult]) -> None:
    # Given a /partner/rooms request that API Gateway did not tie to an API key
    event = load_event("partner_rooms_list.json")
    event["requestContext"]["identity"]["apiKeyId"] = None

    # When it is handled
    result = invoke(rooms.handler, event)

    # Then it is refused
    assert result.status == 401


def test_keyed_requests_follow_the_same_rules_and_a_refusal_records_nothing(
    invoke: Callable[..., HttpResult], ddb: Any
) -> None:
    # Given Alice's room with messages and memberships, and a key Bob and Alice both send
    room_id = room_with_collection(invoke, messages=3)
    key = new_id()

    # When Bob renames and deletes it with the key
    bob_patch = invoke(rooms.handler, patch(room_id, BOB, **{"Idempotency-Key": key}))
    bob_delete = delete(room_id, BOB)
    bob_delete["headers"]["Idempotency-Key"] = key
    refused = invoke(rooms.handler, bob_delete)

    # Then both are refused and the room's partition is untouched
    assert_forbidden(bob_patch)
    assert_forbidden(refused)
    assert len(partition(ddb, room_id)) == 6

    # And Alice's rename with the same key is her own request, made once
    mine = invoke(rooms.handler, patch(room_id, ALICE, **{"Idempotency-Key": key}))
    assert mine.status == 200, mine.body
    assert mine.body["name"] == "Taken over"
