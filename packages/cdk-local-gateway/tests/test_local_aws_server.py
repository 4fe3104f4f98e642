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
