"""One multi-region model (docs/decisions/multi-region.md), read from the synthesized stages:
one identity (user pool, token and cursor secrets) in the primary region, replicated secrets
read in each function's own region, writes to the primary replica only (a WebSocket
connection's own items excepted, written where the connection lives), reads anywhere.

Every ARN is evaluated as CloudFormation would (:mod:`tests.infra.resolve`), so a test sees
the region an ARN really names however the stack built it. A single-region stage (Dev) is
held to the same rules: there they collapse to "everything in the one region". Besides the
tests' fixed stages (:mod:`tests.infra.fixed_stages`), each rule is checked on a stage with two
replica regions (synthesized once for this module), so nothing holds only because a stage has
one peer.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import pytest

from stacks.config import AWS_REGIONS, load_stages, region_id
from tests.infra.conftest import synth
from tests.infra.fixed_stages import STAGES, fixed_stages, synth_context
from tests.infra.resolve import ACCOUNT, Resolver, arn_region

if TYPE_CHECKING:
    from stacks.config import StageConfig
    from tests.infra.templates import StackTemplates

#: The extra case: the first multi-region fixed stage (else the first stage) with two replica
#: regions.
THREE_REGIONS = "three-regions"
CASES = [*sorted(STAGES), THREE_REGIONS]
MULTI_REGION_CASES = [*sorted(n for n, c in STAGES.items() if c.replica_regions), THREE_REGIONS]


@dataclass(frozen=True)
class Case:
    """One stage of one synthesized app."""

    stacks: StackTemplates
    config: StageConfig

    @property
    def stage(self) -> str:
        return self.config.construct_id


@pytest.fixture(scope="module")
def three_regions(tmp_path_factory: pytest.TempPathFactory) -> Case:
    """A fixed stage given two replica regions, synthesized alone."""
    stages = fixed_stages()
    name = next((n for n, c in stages.items() if c.get("replica_regions")), next(iter(stages)))
    raw = dict(stages[name])
    others = sorted(AWS_REGIONS - {raw["primary_region"]})
    raw["replica_regions"] = [others[0], others[-1]]
    context = {**synth_context(), "stages": {name: raw}}
    stacks = synth(tmp_path_factory.mktemp("three-regions"), context)
    (config,) = load_stages({name: raw})
    assert len(config.regions) == 3
    return Case(stacks, config)


@pytest.fixture(params=CASES)
def case(request: pytest.FixtureRequest, stacks: StackTemplates) -> Case:
    if request.param == THREE_REGIONS:
        built: Case = request.getfixturevalue("three_regions")
        return built
    return Case(stacks, STAGES[request.param])


AUTHORIZER = "handlers.authorizer.handler"
#: The REST functions that hand out pagination cursors.
PAGINATING = ("handlers.rest.rooms.handler",)
#: Reads go to any region (the primary first, then failover); every other action writes.
READ_ACTIONS = frozenset({"dynamodb:GetItem", "dynamodb:Query", "dynamodb:BatchGetItem"})
#: The write actions each WebSocket function makes on its own connection's items (Connection,
#: Membership), in the region that holds the connection: $connect stores it, $disconnect
#: deletes it with its memberships in batches, join and leave put and delete a membership.
CONNECTION_WRITES = {
    "handlers.ws.connect.handler": {"dynamodb:PutItem"},
    "handlers.ws.disconnect.handler": {"dynamodb:BatchWriteItem"},
    "handlers.ws.join.handler": {"dynamodb:PutItem"},
    "handlers.ws.leave.handler": {"dynamodb:DeleteItem"},
}
#: The 410 clean-up of send and the publish consumer: a stale connection's items are deleted
#: in the region that holds that connection (lambda/domain/placement.py), which may be any
#: region of the stage, not the sender's. Every other write is shared data, in the primary.
STALE_CONNECTION_DELETES = {
    "handlers.ws.send.handler": {"dynamodb:BatchWriteItem"},
    "handlers.ws.publish_consumer.handler": {"dynamodb:BatchWriteItem"},
}
KEY_READ = frozenset({"kms:Decrypt", "kms:DescribeKey"})
KEY_WRITE = frozenset({"kms:Encrypt", "kms:GenerateDataKey"})


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def _identity(stage: str) -> str:
    return f"{stage}/Identity"


def _region_stacks(config: StageConfig) -> list[tuple[str, str]]:
    """``(region, stack path)`` of every API stack of the stage."""
    return [
        (region, f"{config.construct_id}/{region_id(region)}/{kind}")
        for region in config.regions
        for kind in ("RestApi", "WebSocketApi")
    ]


def _variables(stacks: StackTemplates, path: str, handler: str) -> dict[str, Any]:
    properties = stacks.function(path, handler)[1]["Properties"]
    variables: dict[str, Any] = properties.get("Environment", {}).get("Variables", {})
    return variables


def _table_functions(stacks: StackTemplates, config: StageConfig) -> list[tuple[str, str, str]]:
    """``(region, stack path, handler)`` of every function of the stage that uses the table."""
    found = []
    for region, path in _region_stacks(config):
        for function in stacks.resources(path, "AWS::Lambda::Function").values():
            properties = function["Properties"]
            if "TABLE_NAME" in properties.get("Environment", {}).get("Variables", {}):
                found.append((region, path, properties["Handler"]))
    assert found
    return found


def _secrets(stacks: StackTemplates, stage: str) -> dict[str, str]:
    """``{"signing_key" | "cursor_key": the secret's ARN in the primary region}``."""
    resolver = Resolver(stacks)
    path = _identity(stage)
    return {
        resource["Properties"]["GenerateSecretString"]["GenerateStringKey"]: resolver.ref(
            path, logical_id
        )
        for logical_id, resource in stacks.resources(path, "AWS::SecretsManager::Secret").items()
    }


def _in_region(arn: str, region: str) -> str:
    parts = arn.split(":")
    parts[3] = region
    return ":".join(parts)


def _grants(stacks: StackTemplates, path: str, handler: str, prefix: str) -> set[tuple[str, str]]:
    """``(action, resolved resource ARN)`` of every ``prefix`` action the role of ``handler``
    may call."""
    resolver = Resolver(stacks)
    return {
        (action, resolver.text(path, resource))
        for statement in stacks.function_statements(path, handler)
        if statement["Effect"] == "Allow"
        for action in _list(statement["Action"])
        if action.startswith(prefix)
        for resource in _list(statement["Resource"])
    }


def _table(stacks: StackTemplates, stage: str) -> tuple[str, dict[str, str]]:
    """The global table's name and ``{region: ARN of the KMS key of that region's replica}``,
    read from the data stack's replica specifications."""
    resolver = Resolver(stacks)
    path = f"{stage}/Data"
    ((logical_id, table),) = stacks.resources(path, "AWS::DynamoDB::GlobalTable").items()
    keys = {
        replica["Region"]: resolver.text(path, replica["SSESpecification"]["KMSMasterKeyId"])
        for replica in table["Properties"]["Replicas"]
    }
    return resolver.ref(path, logical_id), keys


def _table_arn(name: str, region: str) -> str:
    return f"arn:aws:dynamodb:{region}:{ACCOUNT}:table/{name}"


# --- identity -------------------------------------------------------------------------------


def test_the_stage_has_one_user_pool_in_its_primary_regions_identity_stack(case: Case) -> None:
    stacks, config, stage = case.stacks, case.config, case.stage
    # Given every stack of the stage
    paths = [p for p in stacks if p.startswith(f"{stage}/")]

    # Then the one user pool, its app client and its groups live in the Identity stack ...
    for kind in ("AWS::Cognito::UserPool", "AWS::Cognito::UserPoolClient"):
        owners = [p for p in paths for _ in stacks.resources(p, kind)]
        assert owners == [_identity(stage)], kind
    assert [p for p in paths if stacks.resources(p, "AWS::Cognito::UserPoolGroup")] == [
        _identity(stage)
    ]
    # ... which deploys to the primary region and tells clients the pool and client ids once
    assert stacks.region(_identity(stage)) == config.primary_region
    outputs = stacks[_identity(stage)]["Outputs"]
    assert {"UserPoolId", "UserPoolClientId"} <= set(outputs)
    for _, path in _region_stacks(config):
        assert not {"UserPoolId", "UserPoolClientId"} & set(stacks[path].get("Outputs", {}))


def test_every_regions_cognito_authorizer_trusts_the_one_pool(case: Case) -> None:
    stacks, config, stage = case.stacks, case.config, case.stage
    # Given the ARN of the stage's one user pool
    resolver = Resolver(stacks)
    (pool,) = stacks.resources(_identity(stage), "AWS::Cognito::UserPool")
    pool_arn = resolver.get_att(_identity(stage), pool, "Arn")

    # Then each region's REST API authorizes Cognito routes with exactly that pool
    for region in config.regions:
        path = f"{stage}/{region_id(region)}/RestApi"
        (authorizer,) = (
            a["Properties"]
            for a in stacks.resources(path, "AWS::ApiGateway::Authorizer").values()
            if a["Properties"]["Type"] == "COGNITO_USER_POOLS"
        )
        assert resolver.value(path, authorizer["ProviderARNs"]) == [pool_arn], region


def test_secrets_exist_once_in_the_identity_stack_replicated_to_every_other_region(
    case: Case,
) -> None:
    stacks, config, stage = case.stacks, case.config, case.stage
    # Given every secret of the stage
    owners = {
        p: stacks.resources(p, "AWS::SecretsManager::Secret")
        for p in stacks
        if p.startswith(f"{stage}/")
    }
    owners = {p: s for p, s in owners.items() if s}

    # Then the token and the cursor secret exist only in the Identity stack ...
    assert set(owners) == {_identity(stage)}
    secrets = owners[_identity(stage)].values()
    keys = {s["Properties"]["GenerateSecretString"]["GenerateStringKey"] for s in secrets}
    assert keys == {"signing_key", "cursor_key"}
    for secret in secrets:
        # ... each with a replica in every other region of the stage, and kept on deletion
        replicas = secret["Properties"].get("ReplicaRegions", [])
        assert [r["Region"] for r in replicas] == list(config.replica_regions)
        assert secret["DeletionPolicy"] == "Retain"
        assert secret["UpdateReplacePolicy"] == "Retain"


def test_each_function_reads_the_replica_of_its_own_region_and_nothing_more(case: Case) -> None:
    stacks, config, stage = case.stacks, case.config, case.stage
    # Given the token and cursor secrets (ARNs in the primary region)
    secrets = _secrets(stacks, stage)
    readers = {"signing_key": ("TOKEN_SECRET_ARN", (AUTHORIZER,)),
               "cursor_key": ("CURSOR_SECRET_ARN", PAGINATING)}  # fmt: skip
    resolver = Resolver(stacks)
    for region in config.regions:
        path = f"{stage}/{region_id(region)}/RestApi"
        for field, (variable, handlers) in readers.items():
            # The same ARN but for the region field: the replica in the function's region
            replica = _in_region(secrets[field], region)
            for handler in handlers:
                # Then the function is told that replica's ARN ...
                told = resolver.text(path, _variables(stacks, path, handler)[variable])
                assert told == replica, (region, handler)
                assert arn_region(told) == region
                # ... and may read exactly that secret's value, nothing else of Secrets Manager
                secret_grants = _grants(stacks, path, handler, "secretsmanager:")
                assert secret_grants == {("secretsmanager:GetSecretValue", replica)}, handler


# --- the table ------------------------------------------------------------------------------


def test_every_table_function_lists_the_primary_region_first(case: Case) -> None:
    stacks, config = case.stacks, case.config
    # The order the Lambda library writes (to the first) and fails reads over in
    for region, path, handler in _table_functions(stacks, config):
        regions = _variables(stacks, path, handler)["TABLE_REGIONS"]
        assert regions == ",".join(config.regions), (region, handler)


def test_writes_reach_the_primary_replica_and_connection_items_their_own_region(case: Case) -> None:
    stacks, config, stage = case.stacks, case.config, case.stage
    name, keys = _table(stacks, stage)
    table_regions = {_table_arn(name, r): r for r in config.regions}
    key_regions = {arn: r for r, arn in keys.items()}
    for region, path, handler in _table_functions(stacks, config):
        # Given the write actions the function's role grants on the table, by region
        writes: dict[str, set[str]] = {}
        for action, arn in _grants(stacks, path, handler, "dynamodb:"):
            if action not in READ_ACTIONS:
                assert arn in table_regions, (handler, action, arn)  # no index, no other table
                writes.setdefault(action, set()).add(table_regions[arn])
        # Then a connection's own items are written in this region, everything else in the
        # primary region only
        local = CONNECTION_WRITES.get(handler, set())
        anywhere = STALE_CONNECTION_DELETES.get(handler, set())
        for action, regions in writes.items():
            expected = (
                set(config.regions)
                if action in anywhere
                else {region}
                if action in local
                else {config.primary_region}
            )
            assert regions == expected, (region, handler, action)
        # ... and the table key may encrypt only where the function writes
        encrypting = {
            key_regions[arn]
            for action, arn in _grants(stacks, path, handler, "kms:")
            if action in KEY_WRITE and arn in key_regions
        }
        assert encrypting == set().union(*writes.values()), handler


@pytest.mark.parametrize("case", MULTI_REGION_CASES, indirect=True)
def test_a_replica_region_writes_shared_data_to_the_primary_and_connections_locally(
    case: Case,
) -> None:
    # The rule above in the case it exists for: a replica region's send
    stacks, config, stage = case.stacks, case.config, case.stage
    name, _ = _table(stacks, stage)
    replica = config.replica_regions[0]
    path = f"{stage}/{region_id(replica)}/WebSocketApi"
    grants = _grants(stacks, path, "handlers.ws.send.handler", "dynamodb:")
    assert ("dynamodb:PutItem", _table_arn(name, config.primary_region)) in grants
    assert ("dynamodb:PutItem", _table_arn(name, replica)) not in grants
    # ... and it may delete a stale connection's items wherever that connection lives
    assert ("dynamodb:BatchWriteItem", _table_arn(name, replica)) in grants
    assert ("dynamodb:BatchWriteItem", _table_arn(name, config.primary_region)) in grants
    # while $connect in the replica region writes its own connection there alone
    connect = _grants(stacks, path, "handlers.ws.connect.handler", "dynamodb:")
    assert ("dynamodb:PutItem", _table_arn(name, replica)) in connect
    assert ("dynamodb:PutItem", _table_arn(name, config.primary_region)) not in connect


def test_reads_and_decryption_are_granted_in_every_region_of_the_stage(case: Case) -> None:
    stacks, config, stage = case.stacks, case.config, case.stage
    name, keys = _table(stacks, stage)
    for region, path, handler in _table_functions(stacks, config):
        grants = _grants(stacks, path, handler, "dynamodb:")
        # Given each read action the function may call, and where
        where: dict[tuple[str, str], set[str]] = {}
        for action, arn in grants:
            if action in READ_ACTIONS:
                table_arn, _, index = arn.partition("/index/")
                assert table_arn in {_table_arn(name, r) for r in config.regions}, arn
                where.setdefault((action, index), set()).add(arn_region(arn))
        # Then it may call it on that table or index in every region of the stage
        for (action, index), regions in where.items():
            assert regions == set(config.regions), (region, handler, action, index)
        # ... and decrypt with the key of every replica it may use, no other table key
        # (a function that only writes a connection's items uses its own region's alone)
        used = {arn_region(arn) for _, arn in grants}
        if where:
            assert used == set(config.regions), handler
        decrypting = {
            (action, arn) for action, arn in _grants(stacks, path, handler, "kms:")
            if action in KEY_READ and arn in keys.values()
        }  # fmt: skip
        assert decrypting == {(a, keys[r]) for a in KEY_READ for r in used}, handler
