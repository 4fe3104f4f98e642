"""The local AWS server's own start-up: launched without waiting, ready when it listens, and
moto's per-request account lookup that creates no IAM partition it does not need."""

from __future__ import annotations

import pytest
from cdk_local_gateway.aws import server
from cdk_local_gateway.aws.process import LocalAws, client

ACCOUNT = "210987654321"


@pytest.fixture
def lazy_lookup(monkeypatch: pytest.MonkeyPatch) -> None:
    from moto.iam import models

    # Restored after the test: the patch is the server process's, not the test session's.
    monkeypatch.setattr(models, "get_account_id_from", models.get_account_id_from)
    server.lazy_iam_partitions()


def test_the_account_of_a_known_key_is_found_without_creating_other_partitions(
    lazy_lookup: None,
) -> None:
    from moto.core.models import DEFAULT_ACCOUNT_ID
    from moto.iam.models import get_account_id_from, iam_backends

    # Given an IAM user with an access key in the aws partition of an account
    iam = iam_backends[ACCOUNT]["aws"]
    if "lookup" not in iam.users:
        iam.create_user(region_name="us-east-1", user_name="lookup", path="/", tags=[])
    key = iam.create_access_key("lookup").access_key_id
    before = {account: set(dict.keys(b)) for account, b in iam_backends.items()}
    # When moto looks up the account of that key, and of a key nobody issued
    found = get_account_id_from(key)
    unknown = get_account_id_from("AKIANOBODYISSUEDTHIS")
    # Then it answers as moto does (the key's account; the default one for a stranger)
    assert (found, unknown) == (ACCOUNT, DEFAULT_ACCOUNT_ID)
    # And no IAM partition was created on the way (aws-cn, aws-us-gov, the ISO ones)
    assert {account: set(dict.keys(b)) for account, b in iam_backends.items()} == before
    assert set(dict.keys(iam_backends[ACCOUNT])) == {"aws"}


def test_a_launched_local_aws_serves_once_ready() -> None:
    # Given a local AWS launched without waiting for it
    aws = LocalAws.launch()
    try:
        # When the caller waits until it listens
        assert aws.wait_ready() is aws
        # Then it answers, with DynamoDB and STS as the runtime's start-up calls them
        tables = client("dynamodb", aws.endpoint, "eu-west-1").list_tables()
        identity = client("sts", aws.endpoint, "eu-west-1").get_caller_identity()
        assert tables["TableNames"] == []
        assert identity["Account"]
    finally:
        aws.stop()
    # And once stopped, it is gone
    assert aws.process is not None
    assert aws.process.poll() is not None


@pytest.fixture
def memoized_lookups(monkeypatch: pytest.MonkeyPatch) -> None:
    from moto import backends
    from moto.core import responses

    # Restored after the test: the patch is the server process's, not the test session's.
    monkeypatch.setattr(backends, "list_of_moto_modules", backends.list_of_moto_modules)
    names = responses.method_names_from_class  # type: ignore[attr-defined]
    monkeypatch.setattr(responses, "method_names_from_class", names)
    server.memoize_moto_lookups()


def _signed_put(app: object, key: str) -> int:
    import json

    from botocore.auth import SigV4Auth
    from botocore.awsrequest import AWSRequest
    from botocore.credentials import Credentials
    from werkzeug.test import Client

    body = json.dumps({"TableName": "memo", "Item": {"pk": {"S": key}}})
    request = AWSRequest(
        method="POST",
        url="http://127.0.0.1/",
        data=body,
        headers={
            "X-Amz-Target": "DynamoDB_20120810.PutItem",
            "Content-Type": "application/x-amz-json-1.0",
        },
    )
    SigV4Auth(Credentials("AKIDLOCAL", "secret"), "dynamodb", "eu-west-1").add_auth(request)
    response = Client(app).post("/", data=body, headers=dict(request.headers.items()))  # type: ignore[arg-type]
    return response.status_code


def test_moto_lists_its_service_folders_once_not_on_every_request(
    memoized_lookups: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    import os

    from moto import backends
    from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app

    # Given the server's app that has served a request, and a count of folder listings
    assert set(backends.list_of_moto_modules()) >= {"dynamodb", "sqs", "sts", "iam"}
    app = DomainDispatcherApplication(create_backend_app)
    client("dynamodb", "http://127.0.0.1:1", "eu-west-1")  # botocore's data loaded first
    from moto.dynamodb.models import dynamodb_backends

    dynamodb_backends["123456789012"]["eu-west-1"].create_table(
        "memo",
        schema=[{"AttributeName": "pk", "KeyType": "HASH"}],
        throughput=None,
        attr=[{"AttributeName": "pk", "AttributeType": "S"}],
        global_indexes=None,
        indexes=None,
        streams=None,
        billing_mode="PAY_PER_REQUEST",
        sse_specification=None,
        tags=[],
        deletion_protection_enabled=False,
        warm_throughput=None,
    )
    # (a first request imports what moto loads lazily; Python's importer lists folders then)
    assert _signed_put(app, "warm-up") == 200
    listings: list[str] = []
    real_listdir = os.listdir

    def counted_listdir(path: str = ".") -> list[str]:
        listings.append(str(path))
        return real_listdir(path)

    monkeypatch.setattr(os, "listdir", counted_listdir)
    # When two more requests are served
    statuses = [_signed_put(app, "a"), _signed_put(app, "b")]
    # Then both succeed and moto's package folder was not listed for either
    assert statuses == [200, 200]
    moto_folder = os.path.dirname(backends.__file__)
    assert [path for path in listings if path == moto_folder] == []
