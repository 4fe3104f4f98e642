"""The broadcast's HTTP transport: one kept-alive connection per thread, replaced when the server
has closed it, TLS verified against the CA it is given, over real sockets."""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING

import pytest
from botocore.exceptions import SSLError
from cdk_local_gateway.websocket.tls import local_tls

from domain.realtime import keepalive_http
from domain.realtime.keepalive_http import KeepAliveHttp
from tests.ws.management_endpoint import ManagementEndpoint

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

    from cdk_local_gateway.websocket.tls import LocalTls


@pytest.fixture
def endpoint() -> Iterator[ManagementEndpoint]:
    with ManagementEndpoint(stage="dev") as local:
        yield local


@pytest.fixture(scope="module")
def tls(tmp_path_factory: pytest.TempPathFactory) -> LocalTls:
    return local_tls(tmp_path_factory.mktemp("tls"))


def transport(url: str, verify: str | bool = True) -> KeepAliveHttp:
    return KeepAliveHttp(url, connect_timeout=1.0, read_timeout=3.0, verify=verify)


def post(http: KeepAliveHttp, url: str, connection_id: str) -> int:
    path = f"/dev/@connections/{connection_id}"
    return http.request("POST", url, path, {}, b"{}").status_code


def test_one_thread_reuses_one_connection(endpoint: ManagementEndpoint) -> None:
    # Given one transport used by one thread
    http = transport(endpoint.url)
    # When it sends five requests
    statuses = [post(http, endpoint.url, f"c{i}") for i in range(5)]
    # Then all were answered over the same connection
    assert statuses == [200] * 5
    assert len(set(endpoint.recorded.peers)) == 1


def test_each_thread_has_its_own_connection(endpoint: ManagementEndpoint) -> None:
    # Given one transport shared by three threads
    http = transport(endpoint.url)
    threads = [
        threading.Thread(target=lambda n=n: [post(http, endpoint.url, f"t{n}") for _ in range(3)])
        for n in range(3)
    ]
    # When each sends three requests
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    # Then there were three connections, one per thread
    assert len(endpoint.recorded.posts) == 9
    assert len(set(endpoint.recorded.peers)) == 3


def test_a_connection_the_server_closed_is_replaced_before_use(
    endpoint: ManagementEndpoint, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given a server that closes each connection after answering, without saying so, and a
    # transport that checks every connection it reuses (as after a frozen container's idle)
    endpoint.drop_connections = True
    monkeypatch.setattr(keepalive_http, "IDLE_CHECK_S", -1.0)
    http = transport(endpoint.url)
    # When it sends three requests one after another, each once the last one's connection closed
    statuses = []
    for i in range(3):
        statuses.append(post(http, endpoint.url, f"c{i}"))
        endpoint.wait_closed(i + 1)
    # Then each went out on a new connection and none failed
    assert statuses == [200] * 3
    assert len(set(endpoint.recorded.peers)) == 3


def test_https_is_verified_against_the_given_ca(tls: LocalTls) -> None:
    # Given an HTTPS endpoint whose certificate a local CA signed
    with ManagementEndpoint(stage="dev", tls=tls.server_context()) as secure:
        # When the transport is given that CA, Then the request is answered
        assert post(transport(secure.url, str(tls.ca_file)), secure.url, "c1") == 200
        # And when it trusts only botocore's public CA bundle, Then the handshake is refused
        with pytest.raises(SSLError):
            post(transport(secure.url), secure.url, "c2")
        assert [cid for cid, _ in secure.recorded.posts] == ["c1"]


def test_an_endpoint_that_is_not_http_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="endpoint='ftp://x/dev'"):
        transport("ftp://x/dev")
