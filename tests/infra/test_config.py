"""Stage configuration: a bad value stops synth with one message naming stage, key and value."""

from __future__ import annotations

import copy
import subprocess
import sys
from typing import Any

import pytest

from stacks.config import ConfigError, load_stages
from tests.infra.conftest import ROOT, cdk_json_context


def stages() -> dict[str, Any]:
    return copy.deepcopy(cdk_json_context()["stages"])


def test_cdk_json_defines_dev_in_one_region_and_prod_with_replicas() -> None:
    # Given the committed cdk.json / When it is parsed
    configs = {c.name: c for c in load_stages(stages())}

    # Then dev has one region and prod a primary plus at least one replica
    assert configs["dev"].regions == ("eu-west-1",)
    assert configs["prod"].primary_region == "eu-west-1"
    assert len(configs["prod"].replica_regions) >= 1
    assert configs["prod"].construct_id == "Prod"


def test_config_is_frozen() -> None:
    config = load_stages(stages())[0]
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
    ],
)
def test_bad_config_names_stage_key_and_value(stage: str, mutate: Any, message: str) -> None:
    # Given a stage config with one bad value
    config = stages()
    mutate(config[stage])

    # When it is parsed / Then one error names the stage, the key and the value
    with pytest.raises(ConfigError) as error:
        load_stages(config)
    assert str(error.value).startswith(message)


def test_bad_stage_name_is_refused() -> None:
    config = stages()
    config["Prod_2"] = config.pop("prod")
    with pytest.raises(ConfigError, match="stage 'Prod_2': the stage name must be"):
        load_stages(config)


def test_no_stages_is_refused() -> None:
    with pytest.raises(ConfigError, match="context 'stages'"):
        load_stages({})


def test_synth_with_bad_config_prints_one_clear_line(tmp_path: Any) -> None:
    # Given a context override with a region typo
    # When app.py runs as the CLI would run it
    result = subprocess.run(
        [sys.executable, "app.py"],
        cwd=ROOT,
        env={
            "CDK_OUTDIR": str(tmp_path),
            "CDK_CONTEXT_JSON": '{"stages": {"dev": {"primary_region": "eu-wset-1"}}}',
            "PATH": str(ROOT / "node_modules" / ".bin"),
        },
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    # Then it exits non-zero with the stage, key and value, and no traceback
    assert result.returncode == 2
    assert "stage 'dev': key 'primary_region' = 'eu-wset-1' is not an AWS region" in result.stderr
    assert "Traceback" not in result.stderr
