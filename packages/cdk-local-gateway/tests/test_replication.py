"""Global table replication, emulated: replicas in each region converge on the last write.

Every test drives the replicator one polling round at a time (``poll_once``), so nothing
depends on timing; the runtime runs the same rounds on a background thread.
"""

from __future__ import annotations

import itertools
from typing import Any

import pytest
from cdk_local_gateway.aws.process import client
from cdk_local_gateway.aws.replication import GlobalTableReplicator, ReplicatedTable

REGIONS = ("eu-west-1", "us-east-1")
_names = itertools.count()


@pytest.fixture
def table(local_aws: str) -> ReplicatedTable:
    """A fresh two-region table (one replica per region, streams on) on the shared moto."""
    name = f"replicated-{next(_names)}"
    for region in REGIONS:
        dynamodb: Any = client("dynamodb", local_aws, region)
        dynamodb.create_table(
            TableName=name,
            AttributeDefinitions=[
                {"AttributeName": "pk", "AttributeType": "S"},
                {"AttributeName": "sk", "AttributeType": "S"},
            ],
            KeySchema=[
                {"AttributeName": "pk", "KeyType": "HASH"},
                {"AttributeName": "sk", "KeyType": "RANGE"},
            ],
            BillingMode="PAY_PER_REQUEST",
            StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"},
        )
    return ReplicatedTable(name, REGIONS)


def _put(local_aws: str, region: str, table: ReplicatedTable, key: str, value: str) -> None:
    dynamodb: Any = client("dynamodb", local_aws, region)
    dynamodb.put_item(
        TableName=table.name, Item={"pk": {"S": key}, "sk": {"S": "x"}, "v": {"S": value}}
    )


def _get(local_aws: str, region: str, table: ReplicatedTable, key: str) -> str | None:
    dynamodb: Any = client("dynamodb", local_aws, region)
    item = dynamodb.get_item(
        TableName=table.name, Key={"pk": {"S": key}, "sk": {"S": "x"}}, ConsistentRead=True
    ).get("Item")
    return None if item is None else str(item["v"]["S"])


def test_a_write_in_one_region_appears_in_the_other(local_aws: str, table: ReplicatedTable) -> None:
    # Given a replicator for a table with replicas in two regions
    replicator = GlobalTableReplicator(local_aws, [table])
    # When an item is written in eu-west-1 and another one in us-east-1
    _put(local_aws, "eu-west-1", table, "a", "from-eu")
    _put(local_aws, "us-east-1", table, "b", "from-us")
    # Then before a replication round each region has only its own write
    assert _get(local_aws, "us-east-1", table, "a") is None
    # And after one round both regions have both items
    replicator.poll_once()
    for region in REGIONS:
        assert _get(local_aws, region, table, "a") == "from-eu"
        assert _get(local_aws, region, table, "b") == "from-us"


def test_a_delete_is_replicated(local_aws: str, table: ReplicatedTable) -> None:
    # Given an item replicated to both regions
    replicator = GlobalTableReplicator(local_aws, [table])
    _put(local_aws, "eu-west-1", table, "a", "v1")
    replicator.poll_once()
    # When it is deleted in us-east-1
    dynamodb: Any = client("dynamodb", local_aws, "us-east-1")
    dynamodb.delete_item(TableName=table.name, Key={"pk": {"S": "a"}, "sk": {"S": "x"}})
    replicator.poll_once()
    # Then it is gone in eu-west-1 too
    assert _get(local_aws, "eu-west-1", table, "a") is None


def test_replicated_writes_are_not_echoed_back(local_aws: str, table: ReplicatedTable) -> None:
    # Given a write replicated once
    replicator = GlobalTableReplicator(local_aws, [table])
    _put(local_aws, "eu-west-1", table, "a", "v1")
    assert replicator.poll_once() == 1
    # When the replicator runs again with no new write
    # Then it recognises its own writes in the target's stream and applies nothing
    assert replicator.poll_once() == 0
    assert replicator.poll_once() == 0


def test_concurrent_writes_converge_on_the_last_writer(
    local_aws: str, table: ReplicatedTable
) -> None:
    # Given the same item written in both regions before the replicator sees either
    replicator = GlobalTableReplicator(local_aws, [table])
    _put(local_aws, "eu-west-1", table, "a", "first")
    _put(local_aws, "us-east-1", table, "a", "second")
    # When replication rounds run until nothing is left to apply
    for _ in range(5):
        if replicator.poll_once() == 0:
            break
    # Then both regions hold the later write (last writer wins)
    assert _get(local_aws, "eu-west-1", table, "a") == "second"
    assert _get(local_aws, "us-east-1", table, "a") == "second"


def test_a_losing_write_that_overwrote_a_replica_is_corrected(
    local_aws: str, table: ReplicatedTable
) -> None:
    # Given an older write in eu-west-1 replicated to us-east-1 after a newer local write
    # there (the replicator applied the old image on top of the new one)
    replicator = GlobalTableReplicator(local_aws, [table])
    _put(local_aws, "eu-west-1", table, "a", "old")
    replicator.read_new_records_of("eu-west-1")  # the old record is read, not yet applied
    _put(local_aws, "us-east-1", table, "a", "new")
    replicator.apply_read_records()
    assert _get(local_aws, "us-east-1", table, "a") == "old"
    # When the next rounds see the newer write in us-east-1's stream
    for _ in range(5):
        if replicator.poll_once() == 0:
            break
    # Then both replicas converge on the newer write
    assert _get(local_aws, "eu-west-1", table, "a") == "new"
    assert _get(local_aws, "us-east-1", table, "a") == "new"


def test_writes_before_start_are_not_replayed_on_a_reused_local_aws(
    local_aws: str, table: ReplicatedTable
) -> None:
    # Given a write from an earlier run of the same local AWS
    _put(local_aws, "eu-west-1", table, "old", "v")
    # When a replicator starts at the current end of the streams
    replicator = GlobalTableReplicator(local_aws, [table])
    replicator.skip_existing_records()
    _put(local_aws, "eu-west-1", table, "new", "v")
    replicator.poll_once()
    # Then only the new write is replicated
    assert _get(local_aws, "us-east-1", table, "new") == "v"
    assert _get(local_aws, "us-east-1", table, "old") is None


def test_a_failed_transaction_does_not_stop_replication(
    local_aws: str, table: ReplicatedTable
) -> None:
    # Given a replicator that has already read a stream (moto restores a table after a failed
    # transaction, which replaces its stream object)
    replicator = GlobalTableReplicator(local_aws, [table])
    _put(local_aws, "eu-west-1", table, "a", "v1")
    replicator.poll_once()
    dynamodb: Any = client("dynamodb", local_aws, "eu-west-1")
    with pytest.raises(dynamodb.exceptions.TransactionCanceledException):
        dynamodb.transact_write_items(
            TransactItems=[
                {
                    "Put": {
                        "TableName": table.name,
                        "Item": {"pk": {"S": "a"}, "sk": {"S": "x"}, "v": {"S": "never"}},
                        "ConditionExpression": "attribute_not_exists(pk)",
                    }
                }
            ]
        )
    # When a write follows
    _put(local_aws, "eu-west-1", table, "b", "after")
    replicator.poll_once()
    # Then it is replicated, and the cancelled write is not
    assert _get(local_aws, "us-east-1", table, "b") == "after"
    assert _get(local_aws, "us-east-1", table, "a") == "v1"


def test_the_background_thread_replicates_within_a_bounded_wait(
    local_aws: str, table: ReplicatedTable
) -> None:
    # Given a started replicator
    replicator = GlobalTableReplicator(local_aws, [table], interval_s=0.05)
    replicator.start()
    try:
        # When an item is written in us-east-1
        _put(local_aws, "us-east-1", table, "a", "v")
        # Then it becomes readable in eu-west-1 (polled, bounded by the replicator's wait)
        assert replicator.wait_until_idle(timeout_s=30)
        assert _get(local_aws, "eu-west-1", table, "a") == "v"
    finally:
        replicator.stop()


def test_a_caller_waiting_for_replication_wakes_a_sleeping_replicator(
    local_aws: str, table: ReplicatedTable
) -> None:
    # Given a started replicator that sleeps a minute between rounds
    replicator = GlobalTableReplicator(local_aws, [table], interval_s=60, idle_interval_s=60)
    replicator.start()
    try:
        # When an item is written in us-east-1 while it sleeps, and a caller waits for it
        _put(local_aws, "us-east-1", table, "a", "v")
        # Then the wait ends (well inside the sleep) with the item in eu-west-1
        assert replicator.wait_until_idle(timeout_s=20)
        assert _get(local_aws, "eu-west-1", table, "a") == "v"
    finally:
        replicator.stop()


def test_paused_replication_leaves_the_other_replica_stale_until_resumed(
    local_aws: str, table: ReplicatedTable
) -> None:
    # Given a running replicator
    replicator = GlobalTableReplicator(local_aws, [table], interval_s=0.05)
    replicator.start()
    try:
        # When it is paused and an item is written in eu-west-1
        with replicator.paused():
            _put(local_aws, "eu-west-1", table, "a", "v")
            # Then us-east-1 does not have it while paused (a replication lag a test controls)
            assert not replicator.wait_until_idle(timeout_s=0.5)
            assert _get(local_aws, "us-east-1", table, "a") is None
        # And it arrives once replication resumes
        assert replicator.wait_until_idle(timeout_s=30)
        assert _get(local_aws, "us-east-1", table, "a") == "v"
    finally:
        replicator.stop()


def test_a_running_replicator_refuses_manual_rounds_and_can_be_restarted(
    local_aws: str, table: ReplicatedTable
) -> None:
    # Given a started replicator
    replicator = GlobalTableReplicator(local_aws, [table], interval_s=0.05)
    replicator.start()
    try:
        # Then a manual round is refused (two rounds at once would race on its state)
        with pytest.raises(RuntimeError, match="thread runs"):
            replicator.poll_once()
    finally:
        replicator.stop()
    # And a write made while it was stopped is copied once it is started again
    _put(local_aws, "eu-west-1", table, "again", "v")
    replicator.start()
    try:
        assert replicator.wait_until_idle(timeout_s=30)
        assert _get(local_aws, "us-east-1", table, "again") == "v"
    finally:
        replicator.stop()
