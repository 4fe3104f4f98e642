"""The WebSocket gateway through a real client (``websockets``) and boto3's management client.

Every test serves the synthetic stack of ``ws_template`` (two APIs) with real Lambda workers
and the shared local AWS; functions record what they receive in a queue the test reads.
"""

from __future__ import annotations

import asyncio
import json
from typing import TYPE_CHECKING, Any

import aiohttp
import boto3
import pytest
from aiohttp import web
from botocore.exceptions import ClientError
from cdk_local_gateway.aws.process import ACCESS_KEY_ID, free_port
from cdk_local_gateway.websocket import Limits
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed, InvalidStatus
from ws_harness import Served, SharedRuntime, serve
from ws_template import STAGE

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

    from websockets.asyncio.client import ClientConnection


@pytest.fixture(scope="module")
def shared(tmp_path_factory: pytest.TempPathFactory, local_aws: str) -> Iterator[SharedRuntime]:
    """One served stack for the tests that only connect and exchange frames: none of them
    reads the recorded events, counts cold starts or changes the stack's limits or state."""
    runtime = SharedRuntime(tmp_path_factory.mktemp("ws-shared"), local_aws)
    try:
        yield runtime
    finally:
        runtime.stop()


async def _frame(socket: ClientConnection) -> dict[str, Any]:
    answer = json.loads(await asyncio.wait_for(socket.recv(), 20))
    assert isinstance(answer, dict)
    return answer


async def _closed(socket: ClientConnection) -> int:
    """The close code the server sent, once it closed the connection."""
    with pytest.raises(ConnectionClosed) as closed:
        await asyncio.wait_for(socket.recv(), 20)
    assert closed.value.rcvd is not None
    return closed.value.rcvd.code


def test_connect_without_token_is_refused_401_without_calling_the_authorizer(
    tmp_path: Path, local_aws: str
) -> None:
    async def scenario(served: Served) -> tuple[int, int]:
        # When a client connects with no token in the query string
        with pytest.raises(InvalidStatus) as refused:
            async with connect(served.url(served.chat)):
                pass
        return refused.value.response.status_code, served.lambdas.cold_starts

    status, invocations = serve(tmp_path, local_aws, scenario)
    # Then the handshake is refused with 401 and no function ran
    assert status == 401
    assert invocations == 0


def test_connect_with_a_denied_token_is_refused_403(shared: SharedRuntime) -> None:
    async def scenario(served: Served) -> list[int]:
        statuses = []
        for token in ("bad", "boom"):
            with pytest.raises(InvalidStatus) as refused:
                async with connect(served.url(served.chat, f"token={token}")):
                    pass
            statuses.append(refused.value.response.status_code)
        return statuses

    # Then a Deny policy gives 403, an authorizer raising "Unauthorized" 401
    assert shared.run(scenario) == [403, 401]


def test_connect_event_and_authorizer_context_on_every_route(
    tmp_path: Path, local_aws: str
) -> None:
    async def scenario(served: Served) -> tuple[dict[str, Any], dict[str, Any], dict[str, Any]]:
        # Given a client connected with a good token
        async with connect(
            served.url(served.chat, "token=good1&room=a"),
            additional_headers={"X-Trace": "t1"},
            user_agent_header="test-client/1",
        ) as socket:
            authorizer_event = await served.recorded(lambda e: e.get("type") == "REQUEST")
            connect_event = await served.recorded(
                lambda e: e.get("requestContext", {}).get("eventType") == "CONNECT"
            )
            # When it sends a frame with action "echo"
            await socket.send(json.dumps({"action": "echo", "n": 1}))
            echoed = await _frame(socket)
        return authorizer_event, connect_event, echoed

    authorizer_event, connect_event, echoed = serve(tmp_path, local_aws, scenario)
    # Then the authorizer saw the query string and the $connect method ARN
    assert authorizer_event["queryStringParameters"] == {"token": "good1", "room": "a"}
    assert authorizer_event["methodArn"].endswith("/dev/$connect")
    assert authorizer_event["methodArn"].startswith("arn:aws:execute-api:eu-west-1:123456789012:")
    # And $connect got API Gateway's CONNECT event with headers, query and authorizer context
    context = connect_event["requestContext"]
    assert context["routeKey"] == "$connect"
    assert context["stage"] == "dev"
    assert context["domainName"].startswith("127.0.0.1:")
    assert context["identity"]["sourceIp"] == "127.0.0.1"
    assert context["identity"]["userAgent"] == "test-client/1"
    assert context["authorizer"] == {
        "user": "good1",
        "tier": 3,
        "principalId": "user-good1",
        "integrationLatency": 0,
    }
    assert connect_event["queryStringParameters"] == {"token": "good1", "room": "a"}
    assert connect_event["headers"]["X-Trace"] == "t1"
    assert connect_event["multiValueHeaders"]["X-Trace"] == ["t1"]
    assert context["connectedAt"] <= context["requestTimeEpoch"]
    # And the echo route's function answered through @connections, with the same context
    assert echoed["routeKey"] == "echo"
    assert echoed["eventType"] == "MESSAGE"
    assert echoed["body"] == json.dumps({"action": "echo", "n": 1})
    assert echoed["isBase64Encoded"] is False
    assert echoed["authorizer"]["principalId"] == "user-good1"
    assert echoed["authorizer"]["user"] == "good1"
    assert echoed["connectionId"] == context["connectionId"]
    assert echoed["messageId"]
    assert echoed["hasHeaders"] is False


def test_non_json_frames_and_unknown_actions_go_to_default(shared: SharedRuntime) -> None:
    async def scenario(served: Served) -> list[dict[str, Any]]:
        async with connect(served.url(served.chat, "token=good")) as socket:
            answers = []
            for frame in ("hello, not JSON", json.dumps({"action": "nope"}), "[1, 2]"):
                await socket.send(frame)
                answers.append(await _frame(socket))
            return answers

    answers = shared.run(scenario)
    assert [a["routeKey"] for a in answers] == ["$default"] * 3
    assert answers[0]["body"] == "hello, not JSON"


def test_mock_ping_pong_and_forbidden_without_default_route(shared: SharedRuntime) -> None:
    async def scenario(served: Served) -> tuple[dict[str, Any], dict[str, Any], dict[str, Any]]:
        # Given the API with no $connect and no $default route
        async with connect(served.url(served.bare)) as socket:
            # When ping is sent, then an unknown action, then ping again
            await socket.send(json.dumps({"action": "ping"}))
            pong = await _frame(socket)
            await socket.send("not JSON")
            forbidden = await _frame(socket)
            await socket.send(json.dumps({"action": "ping"}))
            again = await _frame(socket)
            return pong, forbidden, again

    pong, forbidden, again = shared.run(scenario)
    # Then the MOCK integration's response template reaches the client via the route response
    assert pong["action"] == "pong"
    assert pong["routeKey"] == "ping"
    assert len(pong["connectionId"]) == 16
    # And no route matching gives API Gateway's error frame, with the connection kept open
    assert set(forbidden) == {"message", "connectionId", "requestId"}
    assert forbidden["message"] == "Forbidden"
    assert forbidden["connectionId"] == pong["connectionId"]
    assert again["action"] == "pong"


def test_sqs_integration_answers_the_message_id(tmp_path: Path, local_aws: str) -> None:
    async def scenario(served: Served) -> tuple[dict[str, Any], dict[str, Any]]:
        async with connect(served.url(served.chat, "token=good")) as socket:
            await served.recorded(
                lambda e: e.get("requestContext", {}).get("eventType") == "CONNECT"
            )
            # When a frame is published to the queue through the AWS integration
            await socket.send(json.dumps({"action": "publish", "text": "a b&c=d"}))
            answer = await _frame(socket)
            queued = await served.recorded(lambda e: e.get("action") == "publish")
            return answer, queued

    answer, queued = serve(tmp_path, local_aws, scenario)
    # Then the queue got the frame, form-encoded and signed, and the client the MessageId
    # through the integration response template and the route response
    assert queued == {"action": "publish", "text": "a b&c=d"}
    assert len(answer["queued"]) == 36


def test_connections_api_get_post_delete_then_gone(tmp_path: Path, local_aws: str) -> None:
    async def scenario(served: Served) -> dict[str, Any]:
        management = served.management()
        results: dict[str, Any] = {}
        async with connect(
            served.url(served.chat, "token=good"), user_agent_header="ua/2"
        ) as socket:
            await socket.send(json.dumps({"action": "echo"}))
            connection_id = (await _frame(socket))["connectionId"]
            # GET: the connection's info
            results["info"] = await asyncio.to_thread(
                management.get_connection, ConnectionId=connection_id
            )
            # POST: a message reaches the client
            await asyncio.to_thread(
                management.post_to_connection, ConnectionId=connection_id, Data=b'{"hi": 1}'
            )
            results["received"] = await _frame(socket)
            # An unsigned call is refused
            async with (
                aiohttp.ClientSession() as session,
                session.post(
                    f"{served.chat_management}/@connections/{connection_id}", data=b"x"
                ) as unsigned,
            ):
                results["unsigned"] = (unsigned.status, unsigned.headers.get("x-amzn-ErrorType"))
            # DELETE: the server closes the connection and $disconnect runs
            await asyncio.to_thread(management.delete_connection, ConnectionId=connection_id)
            results["close_code"] = await _closed(socket)
        results["disconnect"] = await served.recorded(
            lambda e: e.get("requestContext", {}).get("eventType") == "DISCONNECT"
        )
        # After the close: 410 Gone for every call
        for call in ("post_to_connection", "get_connection", "delete_connection"):
            kwargs: dict[str, Any] = {"ConnectionId": connection_id}
            if call == "post_to_connection":
                kwargs["Data"] = b"late"
            try:
                await asyncio.to_thread(getattr(management, call), **kwargs)
            except ClientError as error:
                results[call] = (
                    error.response["ResponseMetadata"]["HTTPStatusCode"],
                    error.response["Error"]["Code"],
                )
        results["connection_id"] = connection_id
        return results

    results = serve(tmp_path, local_aws, scenario)
    assert results["info"]["Identity"] == {"SourceIp": "127.0.0.1", "UserAgent": "ua/2"}
    assert results["info"]["ConnectedAt"] <= results["info"]["LastActiveAt"]
    assert results["received"] == {"hi": 1}
    assert results["unsigned"] == (403, "ForbiddenException")
    assert results["close_code"] == 1000
    disconnect = results["disconnect"]["requestContext"]
    assert disconnect["connectionId"] == results["connection_id"]
    assert disconnect["routeKey"] == "$disconnect"
    assert disconnect["authorizer"]["principalId"] == "user-good"
    for call in ("post_to_connection", "get_connection", "delete_connection"):
        assert results[call] == (410, "GoneException")


def test_disconnect_on_client_close(tmp_path: Path, local_aws: str) -> None:
    async def scenario(served: Served) -> dict[str, Any]:
        async with connect(served.url(served.chat, "token=good")) as socket:
            await socket.send(json.dumps({"action": "echo"}))
            await _frame(socket)
            await socket.close(code=1000, reason="bye")
        return await served.recorded(
            lambda e: e.get("requestContext", {}).get("eventType") == "DISCONNECT"
        )

    event = serve(tmp_path, local_aws, scenario)
    assert event["requestContext"]["disconnectStatusCode"] == 1000
    assert event["requestContext"]["disconnectReason"] == "bye"
    assert "body" not in event


def test_frame_and_message_size_limits(shared: SharedRuntime) -> None:
    padding = "x" * (40 * 1024)

    async def scenario(served: Served) -> tuple[str, int, int, int]:
        frame = json.dumps({"action": "ping", "pad": padding})
        # A 40 KB message in 20 KB fragments is under both limits: it is routed
        async with connect(served.url(served.bare)) as socket:
            await socket.send([frame[:20000], frame[20000:]])
            routed = (await _frame(socket))["action"]
        # The same message as one frame is above the 32 KB frame limit: closed with 1009
        async with connect(served.url(served.bare), max_size=None) as socket:
            await socket.send(frame)
            one_frame = await _closed(socket)
        # A 130 KB message in 26 KB fragments is above the 128 KB message limit: 1009
        big = json.dumps({"action": "ping", "pad": "y" * (130 * 1024)})
        async with connect(served.url(served.bare)) as socket:
            await socket.send([big[i : i + 26000] for i in range(0, len(big), 26000)])
            too_big = await _closed(socket)
        # A binary frame is refused with 1003
        async with connect(served.url(served.bare)) as socket:
            await socket.send(b"\x00\x01")
            binary = await _closed(socket)
        return routed, one_frame, too_big, binary

    assert shared.run(scenario) == ("pong", 1009, 1009, 1003)


def test_idle_and_maximum_duration_close_and_fire_disconnect(
    tmp_path: Path, local_aws: str
) -> None:
    async def scenario(served: Served) -> tuple[int, dict[str, Any]]:
        async with connect(served.url(served.chat, "token=good")) as socket:
            # When the client stays silent past the (shortened) idle timeout
            code = await _closed(socket)
        event = await served.recorded(
            lambda e: e.get("requestContext", {}).get("eventType") == "DISCONNECT"
        )
        return code, event

    limits = Limits(idle_s=0.5, max_connection_s=3600)
    code, event = serve(tmp_path, local_aws, scenario, limits=limits)
    # Then the server closes with 1001 Going away and $disconnect runs
    assert code == 1001
    assert event["requestContext"]["disconnectStatusCode"] == 1001

    async def busy(served: Served) -> int:
        # Busy until closed, however fast the machine: a fixed number of pings may all
        # finish before the maximum duration on an idle machine.
        loop = asyncio.get_running_loop()
        deadline = loop.time() + 60
        async with connect(served.url(served.bare)) as socket:
            while loop.time() < deadline:
                try:
                    await socket.send(json.dumps({"action": "ping"}))
                    await _frame(socket)
                except ConnectionClosed as closed:
                    return closed.rcvd.code if closed.rcvd else -1
        return 0

    # And a busy connection is closed at the maximum duration
    assert serve(tmp_path, local_aws, busy, limits=Limits(max_connection_s=0.5)) == 1001


def test_route_throttling_of_the_stage(tmp_path: Path, local_aws: str) -> None:
    async def scenario(served: Served) -> list[str]:
        async with connect(served.url(served.bare)) as socket:
            answers = []
            for _ in range(2):
                await socket.send(json.dumps({"action": "limited"}))
                frame = await _frame(socket)
                answers.append(frame.get("action") or frame["message"])
            return answers

    # Given the route "limited" with a burst of 1 and a negligible rate
    assert serve(tmp_path, local_aws, scenario) == ["limited", "Too Many Requests"]


def test_http_proxy_route(tmp_path: Path, local_aws: str) -> None:
    # Given an upstream HTTP service (started on a port chosen before the template is written)
    port = free_port()
    seen: list[tuple[str, str | None]] = []

    async def lookup(request: web.Request) -> web.Response:
        seen.append((await request.text(), request.headers.get("Content-Type")))
        return web.json_response({"found": True})

    async def scenario(served: Served) -> dict[str, Any]:
        upstream = web.Application()
        upstream.router.add_post("/lookup", lookup)
        runner = web.AppRunner(upstream)
        await runner.setup()
        await web.TCPSite(runner, "127.0.0.1", port).start()
        try:
            async with connect(served.url(served.chat, "token=good")) as socket:
                # When the lookup route (HTTP_PROXY, two-way) gets a frame
                await socket.send(json.dumps({"action": "lookup", "q": "x"}))
                return await _frame(socket)
        finally:
            await runner.cleanup()

    # (the template names a public upstream; the runtime's override points it at the stub)
    answer = serve(
        tmp_path,
        local_aws,
        scenario,
        upstream="https://upstream.example/lookup",
        http_overrides={"https://upstream.example/": f"http://127.0.0.1:{port}/"},
    )
    # Then the frame was forwarded as is and the upstream's body came back to the client
    assert json.loads(seen[0][0]) == {"action": "lookup", "q": "x"}
    assert answer == {"found": True}


def test_connect_integration_refusing_and_function_errors(shared: SharedRuntime) -> None:
    async def scenario(served: Served) -> tuple[int, dict[str, Any], dict[str, Any]]:
        # When the $connect function answers 400
        with pytest.raises(InvalidStatus) as refused:
            async with connect(served.url(served.chat, "token=good&refuse=1")):
                pass
        async with connect(served.url(served.chat, "token=good")) as socket:
            # And a route's function raises
            await socket.send(json.dumps({"action": "fail"}))
            failed = await _frame(socket)
            # Then the connection stays open for the next message
            await socket.send(json.dumps({"action": "echo"}))
            echoed = await _frame(socket)
        return refused.value.response.status_code, failed, echoed

    status, failed, echoed = shared.run(scenario)
    # Then the handshake is refused with the function's status
    assert status == 400
    # And the failing route answers API Gateway's error frame
    assert failed["message"] == "Internal server error"
    assert set(failed) == {"message", "connectionId", "requestId"}
    assert echoed["routeKey"] == "echo"


def test_connections_api_refuses_bad_signatures_and_oversized_posts(
    tmp_path: Path, local_aws: str
) -> None:
    async def scenario(served: Served) -> dict[str, Any]:
        results: dict[str, Any] = {}
        async with connect(served.url(served.bare)) as socket:
            await socket.send(json.dumps({"action": "ping"}))
            connection_id = (await _frame(socket))["connectionId"]
            forged = boto3.client(
                "apigatewaymanagementapi",
                endpoint_url=f"http://{served.bare.host}:{served.bare.port}/{STAGE}",
                region_name="eu-west-1",
                aws_access_key_id=ACCESS_KEY_ID,
                aws_secret_access_key="not-the-local-secret",
            )
            other = boto3.client(
                "apigatewaymanagementapi",
                endpoint_url=f"http://{served.bare.host}:{served.bare.port}/{STAGE}",
                region_name="eu-west-1",
                aws_access_key_id="AKIAFUNCTIONKEY",
                aws_secret_access_key="function-secret",
            )
            # A key the runtime registered (a function's own credentials) is accepted
            await asyncio.to_thread(
                other.post_to_connection, ConnectionId=connection_id, Data=b"from-other"
            )
            results["other"] = await asyncio.wait_for(socket.recv(), 20)
            management = served.management(served.bare)
            for name, client, data in (
                ("forged", forged, b"x"),
                ("too_large", management, b"z" * (128 * 1024 + 1)),
            ):
                try:
                    await asyncio.to_thread(
                        client.post_to_connection, ConnectionId=connection_id, Data=data
                    )
                except ClientError as error:
                    results[name] = (
                        error.response["ResponseMetadata"]["HTTPStatusCode"],
                        error.response["Error"]["Code"],
                    )
            # A message of exactly 128 KB is delivered
            await asyncio.to_thread(
                management.post_to_connection,
                ConnectionId=connection_id,
                Data=b"a" * (128 * 1024),
            )
            results["delivered"] = len(await asyncio.wait_for(socket.recv(), 20))
        return results

    results = serve(
        tmp_path, local_aws, scenario, extra_credentials={"AKIAFUNCTIONKEY": "function-secret"}
    )
    assert results["other"] == "from-other"
    assert results["forged"] == (403, "InvalidSignatureException")
    assert results["too_large"] == (413, "PayloadTooLargeException")
    assert results["delivered"] == 128 * 1024


def test_stopping_the_gateway_closes_connections_and_fires_disconnect(
    tmp_path: Path, local_aws: str
) -> None:
    async def scenario(served: Served) -> tuple[int, dict[str, Any]]:
        async with connect(served.url(served.chat, "token=good")) as socket:
            await socket.send(json.dumps({"action": "echo"}))
            await _frame(socket)
            # When the runtime stops the API
            await served.chat.stop()
            code = await _closed(socket)
        event = await served.recorded(
            lambda e: e.get("requestContext", {}).get("eventType") == "DISCONNECT"
        )
        return code, event

    code, event = serve(tmp_path, local_aws, scenario)
    assert code == 1001
    assert event["requestContext"]["disconnectStatusCode"] == 1001


def test_tls_lets_handlers_use_https_domain_name(tmp_path: Path, local_aws: str) -> None:
    async def scenario(served: Served) -> tuple[str, dict[str, Any]]:
        assert served.tls is not None
        url = served.url(served.chat, "token=good")
        # Given the APIs served over TLS with a local CA the functions trust (AWS_CA_BUNDLE)
        async with connect(url, ssl=served.tls.client_context()) as socket:
            # When a function answers through https://{domainName}/{stage}/@connections
            await socket.send(json.dumps({"action": "echo", "secure": True}))
            return url, await _frame(socket)

    url, echoed = serve(tmp_path, local_aws, scenario, tls=True)
    # Then the client connected with wss:// and received the answer
    assert url.startswith("wss://127.0.0.1:")
    assert echoed["routeKey"] == "echo"
    assert json.loads(echoed["body"]) == {"action": "echo", "secure": True}
