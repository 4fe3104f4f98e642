"""Rooms and messages through the local gateway, with the Dev stage's real auth and integrations."""

from __future__ import annotations

import pytest
import requests

from .conftest import dump


def auth(token: str) -> dict[str, str]:
    return {"Authorization": token}


@pytest.mark.route("GET /health")
def test_health_answers_from_the_mock_integration(api: str) -> None:
    # When the health route is called without credentials
    response = requests.get(f"{api}/health", timeout=10)
    # Then the MOCK integration's template answers with the stage and request id
    assert response.status_code == 200, dump(response)
    body = response.json()
    assert body["status"] == "ok"
    assert body["stage"] == api.rsplit("/", 1)[1]
    assert body["request_id"] == response.headers["x-amzn-RequestId"]


@pytest.mark.route("OPTIONS /rooms")
def test_cors_preflight_answers_204_with_the_allowed_methods(api: str) -> None:
    response = requests.options(
        f"{api}/rooms", headers={"Origin": "https://example.com"}, timeout=10
    )
    assert response.status_code == 204, dump(response)
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert "POST" in response.headers["Access-Control-Allow-Methods"]


def test_unknown_path_is_missing_authentication_token(api: str) -> None:
    response = requests.get(f"{api}/no/such/route", timeout=10)
    assert response.status_code == 403
    assert response.json()["error"]["message"] == "Missing Authentication Token"


@pytest.mark.route("GET /rooms")
def test_rooms_without_a_token_401_and_with_a_forged_one_401(api: str, cognito_token: str) -> None:
    assert requests.get(f"{api}/rooms", timeout=10).status_code == 401
    forged = cognito_token[:-4] + ("AAAA" if not cognito_token.endswith("AAAA") else "BBBB")
    assert requests.get(f"{api}/rooms", headers=auth(forged), timeout=10).status_code == 401


@pytest.mark.route(
    "POST /rooms",
    "GET /rooms/{room_id}",
    "GET /rooms",
    "PATCH /rooms/{room_id}",
    "DELETE /rooms/{room_id}",
)
def test_room_lifecycle_with_a_cognito_token(api: str, cognito_token: str) -> None:
    headers = auth(cognito_token)
    # Given a room created through the Lambda proxy integration
    created = requests.post(f"{api}/rooms", json={"name": "lobby"}, headers=headers, timeout=30)
    assert created.status_code == 201, dump(created)
    room = created.json()
    room_id = room["room_id"]
    # Then it can be read, listed, renamed with its ETag and deleted
    got = requests.get(f"{api}/rooms/{room_id}", headers=headers, timeout=30)
    assert got.status_code == 200, dump(got)
    assert got.json()["name"] == "lobby"
    listed = requests.get(f"{api}/rooms", headers=headers, timeout=30)
    assert room_id in [r["room_id"] for r in listed.json()["items"]]
    patched = requests.patch(
        f"{api}/rooms/{room_id}",
        json={"name": "hall"},
        headers={**headers, "If-Match": got.headers["ETag"]},
        timeout=30,
    )
    assert patched.status_code == 200, dump(patched)
    assert patched.json()["name"] == "hall"
    deleted = requests.delete(f"{api}/rooms/{room_id}", headers=headers, timeout=30)
    assert deleted.status_code in (200, 204), dump(deleted)
    assert requests.get(f"{api}/rooms/{room_id}", headers=headers, timeout=30).status_code == 404


@pytest.mark.route("POST /rooms")
def test_invalid_body_is_refused_by_the_request_validator(api: str, cognito_token: str) -> None:
    response = requests.post(
        f"{api}/rooms", json={"nme": "x"}, headers=auth(cognito_token), timeout=30
    )
    assert response.status_code == 400
    assert "ValidationFailed" in response.text


@pytest.mark.route("POST /rooms/{room_id}/messages", "GET /rooms/{room_id}/messages")
def test_messages_are_read_back_through_the_dynamodb_integration(
    api: str, cognito_token: str
) -> None:
    headers = auth(cognito_token)
    room_id = requests.post(
        f"{api}/rooms", json={"name": "chat"}, headers=headers, timeout=30
    ).json()["room_id"]
    posted = requests.post(
        f"{api}/rooms/{room_id}/messages", json={"body": "hello"}, headers=headers, timeout=30
    )
    assert posted.status_code == 201, dump(posted)
    # When the messages are read (DynamoDB Query through a mapping template, no Lambda)
    read = requests.get(f"{api}/rooms/{room_id}/messages", headers=headers, timeout=30)
    # Then the response template shapes the items like the Lambda routes do
    assert read.status_code == 200, dump(read)
    items = read.json()["items"]
    assert [m["body"] for m in items] == ["hello"]
    assert items[0]["room_id"] == room_id
