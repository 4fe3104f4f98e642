"""Global table replication between the local replicas of an ``AWS::DynamoDB::GlobalTable``.

moto keeps one backend per region and does not replicate: the provisioner creates one table
per replica region and this module copies writes between them, as DynamoDB global tables
(multi-Region eventual consistency) do. It reads each replica's DynamoDB stream, so it sees
every write however it was made (PutItem, UpdateItem, BatchWriteItem, transactions) and
copies the item image to the other replicas:

- **asynchronous**: a write is copied on the next polling round (``interval_s``), so a read
  in another region right after a write can miss it, as on AWS (where the lag is usually
  under a second but unbounded);
- **last writer wins** per item, by the stream record's creation time (milliseconds; ties
  go to the region listed later), among every write the replicator has seen; a losing write
  is overwritten in its own region too, so all replicas converge;
- its own writes show up in the target's stream: it recognises them (it remembers the image
  it wrote) instead of copying them back.

What is not emulated: the conflict metadata and timestamps DynamoDB keeps (a replica may
briefly show an older image before converging), the replication latency metric, TTL
deletions (moto does not expire items), and multi-Region strong consistency (MRSC).
"""

from __future__ import annotations

import contextlib
import json
import threading
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from cdk_local_gateway.aws.process import client

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Iterator

#: Time between two polling rounds after a round that copied something (AWS's typical
#: replication lag is under a second).
INTERVAL_S = 0.2
#: While nothing is written the interval doubles up to this: an idle runtime then costs the
#: local AWS a couple of requests per replica per second, not ten.
IDLE_INTERVAL_S = 1.0
#: After a failed round (the local AWS restarting, a table deleted) the thread waits this long.
BACKOFF_S = 1.0
_PAGE = 1000


@dataclass(frozen=True)
class ReplicatedTable:
    """A global table: the same table name in each of ``regions``."""

    name: str
    regions: tuple[str, ...]


@dataclass(frozen=True)
class _Version:
    """One write seen in a replica's stream; ``image`` None is a delete."""

    at: float
    rank: int
    sequence: int
    region: str
    image: dict[str, Any] | None

    def order(self) -> tuple[float, int, int]:
        return (self.at, self.rank, self.sequence)


@dataclass
class _Read:
    table: ReplicatedTable
    region: str
    record: dict[str, Any]


@dataclass
class _Stream:
    arn: str
    shard_id: str
    # The last record read: its sequence number (None: read from the start of the shard)
    # and its event id (moto reuses sequence numbers after rolling back a transaction).
    after: str | None = None
    after_event: str = ""


def _fingerprint(image: dict[str, Any] | None) -> str:
    return "" if image is None else json.dumps(image, sort_keys=True)


def _key(keys: dict[str, Any]) -> str:
    return json.dumps(keys, sort_keys=True)


@dataclass
class _State:
    """What the replicator knows per item: the winning write and each replica's image."""

    winners: dict[tuple[str, str], _Version] = field(default_factory=dict)
    # (table, region, key) -> fingerprint of the image that replica holds, as its stream says.
    holds: dict[tuple[str, str, str], str] = field(default_factory=dict)
    # (table, region, key) -> fingerprints the replicator wrote there and has not yet seen back.
    echoes: dict[tuple[str, str, str], list[str]] = field(default_factory=dict)
    keys: dict[tuple[str, str], dict[str, Any]] = field(default_factory=dict)
    retry: set[tuple[str, str]] = field(default_factory=set)


class GlobalTableReplicator:
    """Copies writes between the replicas of ``tables`` on the local AWS at ``endpoint``."""

    def __init__(
        self,
        endpoint: str,
        tables: Iterable[ReplicatedTable],
        *,
        interval_s: float = INTERVAL_S,
        idle_interval_s: float = IDLE_INTERVAL_S,
        log: Callable[[str], None] = print,
        available: Callable[[str], bool] | None = None,
    ) -> None:
        self.endpoint = endpoint
        self.tables = [t for t in tables if len(t.regions) > 1]
        self.interval_s = interval_s
        self.idle_interval_s = max(idle_interval_s, interval_s)
        # A region that is down (a local outage) is neither read nor written until it is up.
        self.available = available or (lambda _region: True)
        self.log = log
        self._clients: dict[tuple[str, str], Any] = {}
        self._streams: dict[tuple[str, str], _Stream] = {}
        self._read: list[_Read] = []
        self._state = _State()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._rounds = threading.Condition()
        self._started_rounds = 0
        self._last_idle_round = 0
        self._resumed = threading.Event()
        self._resumed.set()
        # Set to cut the sleep between rounds short (a caller waits for replication, or stop).
        self._wake = threading.Event()
        # Callers in wait_until_idle: while there are any, rounds follow without a sleep.
        self._waiting = 0

    # -- one round at a time (tests drive these directly) ------------------------------------
    def read_new_records_of(self, region: str) -> int:
        """Read the records written to ``region``'s replicas since the last read; they are
        applied by the next :meth:`apply_read_records`. Returns how many were read."""
        count = 0
        if not self.available(region):
            return 0
        for table in self.tables:
            if region in table.regions:
                records = self._new_records(table, region)
                self._read.extend(_Read(table, region, r) for r in records)
                count += len(records)
        return count

    def apply_read_records(self) -> int:
        """Decide each touched item's winner and write it where a replica differs; returns the
        number of replica writes made."""
        state = self._state
        touched = set(state.retry)
        state.retry.clear()
        for read in self._read:
            touched.add(self._note(read))
        self._read.clear()
        applied = 0
        by_name = {t.name: t for t in self.tables}
        for table_name, key in sorted(touched):
            winner = state.winners.get((table_name, key))
            if winner is None:
                continue
            wanted = _fingerprint(winner.image)
            for region in by_name[table_name].regions:
                if state.holds.get((table_name, region, key)) == wanted:
                    continue
                if not self.available(region):
                    state.retry.add((table_name, key))
                    continue
                try:
                    changed = self._write(
                        by_name[table_name], region, state.keys[(table_name, key)], winner
                    )
                except Exception as exc:  # the next round retries; one item never stops the rest
                    self.log(f"replication of {table_name} to {region} failed: {exc}")
                    state.retry.add((table_name, key))
                    continue
                if changed:
                    state.echoes.setdefault((table_name, region, key), []).append(wanted)
                else:
                    state.holds[(table_name, region, key)] = wanted
                applied += 1
        return applied

    def poll_once(self) -> int:
        """One polling round: read every replica's new records, then apply; returns the number
        of replica writes made. Only for a replicator whose thread is not running."""
        if self._thread is not None:
            raise RuntimeError("poll_once() while the replication thread runs")
        for region in sorted({r for t in self.tables for r in t.regions}):
            self.read_new_records_of(region)
        return self.apply_read_records()

    def skip_existing_records(self) -> None:
        """Start at the current end of every stream: a local AWS reused from an earlier run
        (``--aws-endpoint``) keeps its records, which must not be replayed."""
        for table in self.tables:
            for region in table.regions:
                self._new_records(table, region)

    # -- the background thread ---------------------------------------------------------------
    def start(self) -> None:
        if not self.tables or self._thread is not None:
            return
        self._stop.clear()
        if not self._streams:  # a restart goes on from where it stopped
            self.skip_existing_records()
        self._thread = threading.Thread(
            target=self._run, name="global-table-replication", daemon=True
        )
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(10)
            self._thread = None

    @contextlib.contextmanager
    def paused(self) -> Iterator[None]:
        """Hold replication back (a lag as long as the block) so a test can observe a stale
        replica; everything written meanwhile is copied after the block. Waits for a round in
        progress to end."""
        with self._rounds:
            self._resumed.clear()
        try:
            yield
        finally:
            self._resumed.set()

    def wait_until_idle(self, timeout_s: float) -> bool:
        """Wait for a round that started after this call and found nothing to copy: every
        write made before the call is then in every replica. False on timeout."""
        with self._rounds:
            after = self._started_rounds
            # The caller is told as soon as replication is done, not after an idle sleep.
            self._waiting += 1
            self._wake.set()
            try:
                return self._rounds.wait_for(lambda: self._last_idle_round > after, timeout_s)
            finally:
                self._waiting -= 1

    def _run(self) -> None:
        interval = self.interval_s
        while not self._stop.is_set():
            try:
                # The whole round under the lock: paused() waits for a round to end.
                with self._rounds:
                    if not self._resumed.is_set():
                        read = applied = -1
                    else:
                        self._started_rounds += 1
                        current = self._started_rounds
                        read = sum(
                            self.read_new_records_of(r)
                            for r in sorted({r for t in self.tables for r in t.regions})
                        )
                        applied = self.apply_read_records()
            except Exception as exc:
                self.log(f"global table replication round failed: {exc}")
                self._stop.wait(BACKOFF_S)
                continue
            if read < 0:
                self._stop.wait(self.interval_s)
                continue
            if read == 0 and applied == 0 and not self._state.retry:
                with self._rounds:
                    self._last_idle_round = current
                    self._rounds.notify_all()
                interval = min(interval * 2, self.idle_interval_s)
            else:
                interval = self.interval_s
            if not self._waiting:
                self._wake.wait(interval)
                self._wake.clear()

    # -- internals ----------------------------------------------------------------------------
    def _client(self, service: str, region: str) -> Any:
        found = self._clients.get((service, region))
        if found is None:
            found = client(service, self.endpoint, region)
            self._clients[(service, region)] = found
        return found

    def _stream(self, table: ReplicatedTable, region: str) -> _Stream:
        found = self._streams.get((table.name, region))
        if found is None:
            described = self._client("dynamodb", region).describe_table(TableName=table.name)
            arn = described["Table"].get("LatestStreamArn")
            if not arn:
                raise RuntimeError(f"{table.name} in {region} has no stream to replicate from")
            shards = self._client("dynamodbstreams", region).describe_stream(StreamArn=arn)
            found = _Stream(arn, shards["StreamDescription"]["Shards"][0]["ShardId"])
            self._streams[(table.name, region)] = found
        return found

    def _new_records(self, table: ReplicatedTable, region: str) -> list[dict[str, Any]]:
        # A fresh iterator per read: moto replaces a table's stream object when it rolls back a
        # failed transaction, and an old iterator would keep reading the replaced one. The
        # read starts AT the last record read: if that position now holds another record (the
        # rollback shortened the shard and a new write took its number), it is a new one.
        stream = self._stream(table, region)
        streams = self._client("dynamodbstreams", region)
        args: dict[str, Any] = {"StreamArn": stream.arn, "ShardId": stream.shard_id}
        if stream.after is None:
            args["ShardIteratorType"] = "TRIM_HORIZON"
        else:
            args["ShardIteratorType"] = "AT_SEQUENCE_NUMBER"
            args["SequenceNumber"] = stream.after
        iterator = streams.get_shard_iterator(**args)["ShardIterator"]
        records: list[dict[str, Any]] = []
        while True:
            page = streams.get_records(ShardIterator=iterator, Limit=_PAGE)["Records"]
            records.extend(page)
            if len(page) < _PAGE:
                break
            iterator = streams.get_shard_iterator(
                StreamArn=stream.arn,
                ShardId=stream.shard_id,
                ShardIteratorType="AFTER_SEQUENCE_NUMBER",
                SequenceNumber=page[-1]["dynamodb"]["SequenceNumber"],
            )["ShardIterator"]
        if records and stream.after is not None and records[0]["eventID"] == stream.after_event:
            records = records[1:]
        if records:
            stream.after = records[-1]["dynamodb"]["SequenceNumber"]
            stream.after_event = records[-1]["eventID"]
        return records

    def _note(self, read: _Read) -> tuple[str, str]:
        """Record what ``read`` says about its replica; a write not made by the replicator is
        a candidate for the item's winner."""
        state = self._state
        data = read.record["dynamodb"]
        key = _key(data["Keys"])
        table = read.table.name
        state.keys[(table, key)] = data["Keys"]
        image = None if read.record["eventName"] == "REMOVE" else data.get("NewImage")
        if image is None and read.record["eventName"] != "REMOVE":
            # A stream without new images (KEYS_ONLY, OLD_IMAGE): read the item as it is now.
            image = (
                self._client("dynamodb", read.region)
                .get_item(TableName=table, Key=data["Keys"], ConsistentRead=True)
                .get("Item")
            )
        print_ = _fingerprint(image)
        state.holds[(table, read.region, key)] = print_
        echoes = state.echoes.get((table, read.region, key), [])
        if print_ in echoes:
            echoes.remove(print_)
            return (table, key)
        created = data.get("ApproximateCreationDateTime")
        at = created.timestamp() if hasattr(created, "timestamp") else float(created or 0)
        candidate = _Version(
            at=at,
            rank=read.table.regions.index(read.region),
            sequence=int(data["SequenceNumber"]),
            region=read.region,
            image=image,
        )
        winner = state.winners.get((table, key))
        if winner is None or candidate.order() > winner.order():
            state.winners[(table, key)] = candidate
        return (table, key)

    def _write(
        self, table: ReplicatedTable, region: str, keys: dict[str, Any], version: _Version
    ) -> bool:
        """Write ``version`` to ``region``; False when that wrote no stream record (deleting
        an absent item), so no echo is to be expected."""
        dynamodb = self._client("dynamodb", region)
        if version.image is None:
            old = dynamodb.delete_item(TableName=table.name, Key=keys, ReturnValues="ALL_OLD")
            return bool(old.get("Attributes"))
        dynamodb.put_item(TableName=table.name, Item=version.image)
        return True
