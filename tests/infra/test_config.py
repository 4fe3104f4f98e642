"""Stage configuration: the committed cdk.json validates and synthesizes; a bad value stops synth
with one message naming stage, key and value.

The bad values are applied to the tests' fixed stages (tests/infra/stages.json), so these tests
hold whatever stages cdk.json defines.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from stacks.config import ConfigError, load_stages, region_id
from tests.cdk_out import synthesize_checkout
from tests.infra.fixed_stages import ROOT, cdk_json_context, fixed_stages
from tests.infra.synth_cache import cached_synth, run_inputs


def cli_context() -> dict[str, Any]:
    """cdk.json's context as ``cdk synth`` hands it to the app: with the lookups the CLI cached
    in cdk.context.json (gitignored, so only on a machine that made them)."""
    cache = ROOT / "cdk.context.json"
    cached: dict[str, Any] = json.loads(cache.read_text()) if cache.exists() else {}
    return {**cached, **cdk_json_context()}


def test_the_committed_cdk_json_validates_and_synthesizes_every_stage() -> None:
    # Given the committed cdk.json, whatever stages it defines
    configs = load_stages(cli_context()["stages"])

    # When the whole app is synthesized from it by `cdk synth`, with the guardrails (cdk-nag)
    # that fail synth on any unacknowledged finding: `make synth`, through its content-keyed
    # stamp (a warm `make test` synthesized these exact inputs just before the tests)
    cdk_out = synthesize_checkout()
    stacks, lookups = stacks_and_lookups(cdk_out)

    # Then every stage has its data and identity stacks, and both APIs in each of its regions
    for config in configs:
        stage = config.construct_id
        expected = {f"{stage}/Data", f"{stage}/Identity"}
        for region in config.regions:
            expected |= {f"{stage}/{region_id(region)}/RestApi",
                         f"{stage}/{region_id(region)}/WebSocketApi"}  # fmt: skip
        assert expected <= {path for path in stacks if path.startswith(f"{stage}/")}
    # ... and no stack belongs to a stage cdk.json does not define
    assert {path.split("/")[0] for path in stacks} == {c.construct_id for c in configs}
    # ... and nothing is left to look up in an AWS account: `cdk synth` in `make test` has no
    # credentials to do it with, and would fail
    assert not lookups, (
        f"synth needs AWS lookups {lookups}: a stage with a concrete 'account' makes the CDK"
        " look up its regions' availability zones in that account (docs/stages.md)"
    )


def stacks_and_lookups(cdk_out: Path) -> tuple[set[str], list[str]]:
    """The stack paths (``Dev/Data``) of a cloud assembly and its stages, and the context
    lookups any of their manifests still lists as missing."""
    stacks: set[str] = set()
    lookups: list[str] = []
    manifests = [cdk_out / "manifest.json", *sorted(cdk_out.glob("assembly-*/manifest.json"))]
    for path in manifests:
        manifest = json.loads(path.read_text())
        lookups += [missing["key"] for missing in manifest.get("missing", [])]
        stacks |= {
            artifact["displayName"]
            for artifact in manifest["artifacts"].values()
            if artifact["type"] == "aws:cloudformation:stack"
        }
    return stacks, lookups


def test_config_is_frozen() -> None:
    config = load_stages(fixed_stages())[0]
    with pytest.raises(AttributeError):
        config.alarm_email = "x@example.com"  # type: ignore[misc]
    assert config.alarm_email != "x@example.com"


@pytest.mark.parametrize(
    ("stage", "mutate", "message"),
    [
        pytest.param(
            "dev",
            lambda s: s.update(colour="blue"),
            "stage 'dev': key 'colour' = 'blue' is not a known setting",
            id="unknown key",
        ),
        pytest.param(
            "dev",
            lambda s: s["api_throttle"].update(burst_limt=5),
            "stage 'dev': key 'api_throttle.burst_limt' = 5 is not a known setting",
            id="unknown nested key",
        ),
        pytest.param(
            "dev",
            lambda s: s.update(log_retention_days="30"),
            "stage 'dev': key 'log_retention_days' = '30' must be an integer",
            id="wrong type",
        ),
        pytest.param(
            "dev",
            lambda s: s["api_throttle"].update(rate_limit=True),
            "stage 'dev': key 'api_throttle.rate_limit' = True must be an integer or a number",
            id="bool where a number belongs",
        ),
        pytest.param(
            "prod",
            lambda s: s.update(primary_region="eu-wset-1"),
            "stage 'prod': key 'primary_region' = 'eu-wset-1' is not an AWS region",
            id="region typo",
        ),
        pytest.param(
            "prod",
            lambda s: s.update(replica_regions=["us-east-1", "us-esat-2"]),
            "stage 'prod': key 'replica_regions[1]' = 'us-esat-2' is not an AWS region",
            id="replica region typo",
        ),
        pytest.param(
            "prod",
            lambda s: s.update(replica_regions=["eu-west-1"]),
            "stage 'prod': key 'replica_regions[0]' = 'eu-west-1' equals primary_region",
            id="replica equal to primary",
        ),
        pytest.param(
            "dev",
            lambda s: s.pop("alarm_email"),
            "stage 'dev': key 'alarm_email' is required",
            id="missing key",
        ),
        pytest.param(
            "dev",
            lambda s: s.update(log_retention_days=31),
            "stage 'dev': key 'log_retention_days' = 31 is not a CloudWatch Logs retention",
            id="retention not allowed by CloudWatch",
        ),
        pytest.param(
            "dev",
            lambda s: s.update(account="12345"),
            "stage 'dev': key 'account' = '12345' must be a 12-digit AWS account id",
            id="bad account",
        ),
        pytest.param(
            "dev",
            lambda s: s.update(upstream_url="http://plain.example.com"),
            "stage 'dev': key 'upstream_url' = 'http://plain.example.com' must be an https:// URL",
            id="insecure upstream",
        ),
        pytest.param(
            "dev",
            lambda s: s.update(ip_allow_list=["10.0.0.0/33"]),
            "stage 'dev': key 'ip_allow_list[0]' = '10.0.0.0/33' is not a CIDR block",
            id="bad CIDR",
        ),
        pytest.param(
            "dev",
            lambda s: s["partner_usage_plan"].update(quota_period="YEAR"),
            "stage 'dev': key 'partner_usage_plan.quota_period' = 'YEAR' must be one of",
            id="bad quota period",
        ),
        pytest.param(
            "dev",
            lambda s: s["api_throttle"].update(burst_limit=0),
            "stage 'dev': key 'api_throttle.burst_limit' = 0 must be greater than 0",
            id="non-positive throttle",
        ),
        pytest.param(
            "dev",
            lambda s: s.update(alarm_email="oncall"),
            "stage 'dev': key 'alarm_email' = 'oncall' is not an e-mail address",
            id="bad e-mail",
        ),
        pytest.param(
            "prod",
            lambda s: s["replica_regions"].append(s["replica_regions"][0]),
            "stage 'prod': key 'replica_regions[1]' = 'us-east-1' is listed twice",
            id="replica region listed twice",
        ),
        pytest.param(
            "dev",
            lambda s: s.update(waf_rate_limit=5),
            "stage 'dev': key 'waf_rate_limit' = 5 must be between 10 and 2000000000",
            id="WAF rate limit below AWS's minimum",
        ),
        pytest.param(
            "dev",
            lambda s: s.update(cors_allow_origins=["https://app.example.com", "http://x.test"]),
            "stage 'dev': key 'cors_allow_origins[1]' = 'http://x.test' must be '*' or an https://",
            id="insecure CORS origin",
        ),
        pytest.param(
            "dev",
            lambda s: s["tags"].update(team=3),
            "stage 'dev': key 'tags.team' = 3 must be a string",
            id="tag value not a string",
        ),
        pytest.param(
            "dev",
            lambda s: s.update(account="12345", alarm_email="oncall"),
            "stage 'dev': key 'account' = '12345' must be a 12-digit AWS account id",
            id="the first bad key in reading order is the one reported",
        ),
    ],
)
def test_bad_config_names_stage_key_and_value(stage: str, mutate: Any, message: str) -> None:
    # Given a stage config with one bad value
    config = fixed_stages()
    mutate(config[stage])

    # When it is parsed / Then one error names the stage, the key and the value
    with pytest.raises(ConfigError) as error:
        load_stages(config)
    assert str(error.value).startswith(message)


def test_bad_stage_name_is_refused() -> None:
    config = fixed_stages()
    config["Prod_2"] = config.pop("prod")
    with pytest.raises(ConfigError, match="stage 'Prod_2': the stage name must be"):
        load_stages(config)


def test_no_stages_is_refused() -> None:
    with pytest.raises(ConfigError, match="context 'stages'"):
        load_stages({})


#: The one line app.py prints for the region typo below.
REGION_TYPO_LINE = "stage 'dev': key 'primary_region' = 'eu-wset-1' is not an AWS region"


def refused_clearly(outcome: dict[str, Any]) -> bool:
    """Whether app.py refused the region typo as the test below expects (only such an outcome
    is kept in the synth cache)."""
    return bool(
        outcome["returncode"] == 2
        and REGION_TYPO_LINE in outcome["stderr"]
        and "Traceback" not in outcome["stderr"]
    )


def test_synth_with_bad_config_prints_one_clear_line(tmp_path: Path) -> None:
    # Given a context override with a region typo
    context = '{"stages": {"dev": {"primary_region": "eu-wset-1"}}}'
    path = str(ROOT / "node_modules" / ".bin")

    # When app.py runs as the CLI would run it (its outcome, a function of the synth inputs,
    # this module and the two variables, is kept in the synth cache once it is the expected
    # one: tests/infra/synth_cache.py)
    def run() -> dict[str, Any]:
        result = subprocess.run(
            [sys.executable, "app.py"],
            cwd=ROOT,
            env={"CDK_OUTDIR": str(tmp_path), "CDK_CONTEXT_JSON": context, "PATH": path},
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        return {"returncode": result.returncode, "stderr": result.stderr}

    key = {
        **run_inputs({"CDK_CONTEXT_JSON": context, "PATH": path}, [Path(__file__)]),
        "tests:run": "app.py with a region typo",
    }
    outcome = cached_synth(key, run, store_if=refused_clearly)

    # Then it exits non-zero with the stage, key and value, and no traceback
    assert outcome["returncode"] == 2
    assert REGION_TYPO_LINE in outcome["stderr"]
    assert "Traceback" not in outcome["stderr"]


def test_only_a_clear_refusal_is_kept() -> None:
    # Given the outcome the test above expects
    clear = {"returncode": 2, "stderr": f"{REGION_TYPO_LINE}\n"}
    # When app.py ends any other way / Then that outcome is not one to keep
    assert refused_clearly(clear)
    assert not refused_clearly({**clear, "returncode": 1})
    assert not refused_clearly({**clear, "stderr": "Traceback (most recent call last):\n"})
    assert not refused_clearly({**clear, "stderr": f"Traceback\n{REGION_TYPO_LINE}"})
