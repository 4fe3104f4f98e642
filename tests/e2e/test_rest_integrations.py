"""The report (Lambda custom), ingest (SQS), partner and admin routes, pass-through, VPC Link."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
import requests
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from .conftest import dump


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@pytest.mark.route("GET /rooms/{room_id}/report")
def test_report_selection_patterns(api: str, app_token: str, cognito_token: str) -> None:
    room_id = requests.post(
        f"{api}/rooms", json={"name": "r"}, headers={"Authorization": cognito_token}, timeout=30
    ).json()["room_id"]
    # Success: the default integration response
    ok = requests.get(f"{api}/rooms/{room_id}/report", headers=bearer(app_token), timeout=30)
    assert ok.status_code == 200, dump(ok)
    assert ok.json()["room_id"] == room_id
    # "[BadRequest] ..." selects 400 with the tag removed
    bad = requests.get(
        f"{api}/rooms/{room_id}/report?days=abc", headers=bearer(app_token), timeout=30
    )
    assert bad.status_code == 400, dump(bad)
    assert not bad.json()["error"]["message"].startswith("[")
    # "[NotFound] ..." selects 404
    missing = requests.get(f"{api}/rooms/NOPE/report", headers=bearer(app_token), timeout=30)
    assert missing.status_code == 404, dump(missing)


@pytest.mark.route("GET /rooms/{room_id}/report")
def test_report_without_token_401_and_with_a_bad_one_403(api: str, app_token: str) -> None:
    assert requests.get(f"{api}/rooms/x/report", timeout=30).status_code == 401
    refused = requests.get(f"{api}/rooms/x/report", headers=bearer(app_token + "x"), timeout=30)
    # The app's authorizer answers an explicit Deny for a badly signed token: 403.
    assert refused.status_code == 403, dump(refused)


@pytest.mark.route("POST /ingest")
def test_ingest_through_sqs_needs_the_api_key(api: str, api_key: str) -> None:
    message = {"room_id": "r1", "body": "hi"}
    assert requests.post(f"{api}/ingest", json=message, timeout=30).status_code == 403
    accepted = requests.post(
        f"{api}/ingest", json=message, headers={"x-api-key": api_key}, timeout=30
    )
    assert accepted.status_code == 202, dump(accepted)
    # The SQS answer reached the template as JSON: the message id is filled in
    assert accepted.json()["accepted"] is True
    assert len(accepted.json()["message_id"]) > 10


@pytest.mark.route("POST /ingest")
def test_ingest_validation_failure(api: str, api_key: str) -> None:
    response = requests.post(
        f"{api}/ingest", json={"room_id": "r1"}, headers={"x-api-key": api_key}, timeout=30
    )
    assert response.status_code == 400, dump(response)


@pytest.mark.route("GET /partner/rooms")
def test_partner_route_with_api_key(api: str, api_key: str) -> None:
    assert (
        requests.get(f"{api}/partner/rooms", headers={"x-api-key": "wrong"}, timeout=30).status_code
        == 403
    )
    ok = requests.get(f"{api}/partner/rooms", headers={"x-api-key": api_key}, timeout=30)
    assert ok.status_code == 200, dump(ok)


def signed(url: str, credentials: dict[str, str], *, secret_suffix: str = "") -> dict[str, str]:
    request = AWSRequest(method="GET", url=url)
    creds = Credentials(
        credentials["aws_access_key_id"], credentials["aws_secret_access_key"] + secret_suffix
    )
    SigV4Auth(creds, "execute-api", "eu-west-1").add_auth(request)
    return dict(request.headers.items())


@pytest.mark.route("GET /admin/stats")
def test_admin_route_needs_a_valid_sigv4_signature(api: str, credentials: dict[str, str]) -> None:
    url = f"{api}/admin/stats"
    assert requests.get(url, timeout=30).status_code == 403
    assert (
        requests.get(
            url, headers=signed(url, credentials, secret_suffix="x"), timeout=30
        ).status_code
        == 403
    )
    ok = requests.get(url, headers=signed(url, credentials), timeout=30)
    assert ok.status_code == 200, dump(ok)


@pytest.mark.route("ANY /internal/{proxy+}")
def test_internal_service_through_vpc_link_nlb_alb_lambda(
    api: str, credentials: dict[str, str]
) -> None:
    url = f"{api}/internal/some/path?x=1"
    response = requests.get(url, headers=signed(url, credentials), timeout=30)
    assert response.status_code == 200, dump(response)
    assert response.json()["path"] == "/some/path"


@pytest.mark.route("ANY /proxy/{proxy+}")
def test_public_proxy_reaches_the_upstream(api: str, cognito_token: str, upstream: str) -> None:
    response = requests.get(
        f"{api}/proxy/anything/abc?q=1", headers={"Authorization": cognito_token}, timeout=30
    )
    assert response.status_code == 200, dump(response)
    body: dict[str, Any] = response.json()
    assert body["path"] == "/anything/abc"
    assert body["args"] == {"q": "1"}


@pytest.mark.route("POST /ingest")
def test_usage_plan_throttles_a_burst_with_429(api: str, api_key: str) -> None:
    # Given the partner plan's bucket (burst 20, 10 requests/s) and 60 requests sent at once
    # to a route of the plan whose integration is cheap (SQS, no Lambda)
    def send(_: int) -> int:
        return requests.post(
            f"{api}/ingest",
            json={"room_id": "r1", "body": "burst"},
            headers={"x-api-key": api_key},
            timeout=30,
        ).status_code

    with ThreadPoolExecutor(max_workers=20) as pool:
        statuses = list(pool.map(send, range(60)))
    # Then the burst is admitted and the rest is throttled
    assert set(statuses) == {202, 429}
    assert statuses.count(202) >= 20
    # Leave the bucket refilled for the key's other tests (any order): wait for the next
    # accepted request rather than for a fixed time.
    for _ in range(200):
        if send(0) == 202:
            break
        time.sleep(0.05)
