"""``$disconnect`` through the local gateway: however a connection ends (the client closes it,
or the server deletes it through ``@connections``), the Disconnect function removes the
connection and its memberships from the table."""

from __future__ import annotations

import asyncio
import json
import uuid
from typing import TYPE_CHECKING, Any

import pytest
import requests
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed

from .conftest import dump
from .local_table import LocalTable, eventually

if TYPE_CHECKING:
    import ssl

    from websockets.asyncio.client import ClientConnection

#: Every handshake and receive waits at most this long: $connect, $disconnect and the routes
#: may cold-start their workers.
RECEIVE_S = 60.0


def new_room(api: str, cognito_token: str) -> str:
    created = requests.post(
        f"{api}/rooms",
        json={"name": f"disconnect-{uuid.uuid4().hex[:8]}"},
        headers={"Authorization": cognito_token},
        timeout=30,
    )
    assert created.status_code == 201, dump(created)
    return str(created.json()["room_id"])


async def join(socket: ClientConnection, room_id: str) -> None:
    await socket.send(json.dumps({"action": "join", "room_id": room_id}))
    joined = json.loads(await asyncio.wait_for(socket.recv(), RECEIVE_S))
    assert joined == {"action": "joined", "room_id": room_id}, joined


def delete_connection(
    ws_url: str, connection_id: str, credentials: dict[str, str], ca_bundle: str
) -> requests.Response:
    """``DELETE @connections/<id>`` on the local stage, signed as the SDK signs it."""
    url = ws_url.replace("wss://", "https://", 1) + f"/@connections/{connection_id}"
    request = AWSRequest(method="DELETE", url=url)
    creds = Credentials(credentials["aws_access_key_id"], credentials["aws_secret_access_key"])
    SigV4Auth(creds, "execute-api", "eu-west-1").add_auth(request)
    return requests.delete(url, headers=dict(request.headers.items()), verify=ca_bundle, timeout=30)


@pytest.mark.route("ws:$disconnect")
def test_a_client_close_removes_the_connection_and_its_membership(
    api: str,
    ws_url: str,
    ws_tls: ssl.SSLContext,
    app_token: str,
    cognito_token: str,
    local_gateway: dict[str, Any],
) -> None:
    table = LocalTable(local_gateway)
    room_id = new_room(api, cognito_token)

    async def member_joins_then_closes() -> tuple[str, int]:
        async with connect(
            f"{ws_url}?token={app_token}", ssl=ws_tls, open_timeout=RECEIVE_S
        ) as member:
            # Given a member of the room, stored with its connection
            await join(member, room_id)
            (connection_id,) = table.member_ids(room_id)
            stored = len(table.connection_items(room_id, connection_id))
        # When the client closes its connection (leaving the context closes with 1000)
        return connection_id, stored

    connection_id, stored = asyncio.run(member_joins_then_closes())
    assert stored == 2
    # Then $disconnect deletes the connection item and the membership
    assert eventually(lambda: not table.connection_items(room_id, connection_id))
    assert table.member_ids(room_id) == []


@pytest.mark.route("ws:$disconnect")
def test_a_server_side_delete_closes_the_socket_and_runs_disconnect(
    api: str,
    ws_url: str,
    ws_tls: ssl.SSLContext,
    app_token: str,
    cognito_token: str,
    local_gateway: dict[str, Any],
    credentials: dict[str, str],
) -> None:
    table = LocalTable(local_gateway)
    room_id = new_room(api, cognito_token)

    async def deleted_by_the_server() -> tuple[str, int, int | None]:
        async with connect(
            f"{ws_url}?token={app_token}", ssl=ws_tls, open_timeout=RECEIVE_S
        ) as member:
            await join(member, room_id)
            (connection_id,) = table.member_ids(room_id)
            # When a backend deletes the connection through the management API
            deleted = await asyncio.to_thread(
                delete_connection,
                ws_url,
                connection_id,
                credentials,
                local_gateway["ca_bundle"],
            )
            with pytest.raises(ConnectionClosed) as closed:
                await asyncio.wait_for(member.recv(), RECEIVE_S)
        code = closed.value.rcvd.code if closed.value.rcvd else None
        return connection_id, deleted.status_code, code

    connection_id, status, close_code = asyncio.run(deleted_by_the_server())
    # Then the DELETE is accepted, the client sees a normal close
    assert status == 204
    assert close_code == 1000
    # And $disconnect ran for it as for a client close: the items are gone
    assert eventually(lambda: not table.connection_items(room_id, connection_id))
    # And the connection is gone for @connections too: a second DELETE is 410
    again = delete_connection(ws_url, connection_id, credentials, local_gateway["ca_bundle"])
    assert again.status_code == 410, dump(again)
