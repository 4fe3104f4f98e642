"""Environment a local run sets in every function over the template's values (``--env``).

A local run sometimes needs a setting the deployed function must not have, such as a shorter
window before a failed region is retried; the template stays as deployed and the runtime sets
the value for every function it serves, refusing names Lambda itself refuses.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from cdk_local_gateway.cli import parser, serve_config
from cdk_local_gateway.lambdas.environment import RESERVED_ENVIRONMENT
from cdk_local_gateway.lambdas.workers import FunctionSpec
from cdk_local_gateway.runtime import RuntimeConfig, with_environment

SPEC = FunctionSpec(
    stack="Dev-Api",
    logical_id="Fn",
    name="Dev-Api-Fn",
    arn="arn:aws:lambda:eu-west-1:000000000000:function:Dev-Api-Fn",
    region="eu-west-1",
    handler="app.handler",
    code_dir=None,
    environment={"TABLE_NAME": "rooms", "LOG_LEVEL": "INFO"},
)


def test_the_runs_values_are_set_over_the_templates() -> None:
    # Given a function whose template sets TABLE_NAME and LOG_LEVEL
    # When the run sets LOG_LEVEL and a variable of its own
    spec = with_environment(SPEC, {"LOG_LEVEL": "DEBUG", "RETRY_SECONDS": "2"})
    # Then the run's values win and the template's other values stay
    assert spec.environment == {"TABLE_NAME": "rooms", "LOG_LEVEL": "DEBUG", "RETRY_SECONDS": "2"}
    assert SPEC.environment["LOG_LEVEL"] == "INFO"


def test_the_cli_passes_each_env_assignment_to_the_runtime() -> None:
    args = parser().parse_args(
        [
            "serve",
            "--stage",
            "Dev",
            "--region",
            "eu-west-1",
            "--env",
            "RETRY_SECONDS=2",
            "--env",
            "NOTE=a=b",
        ]
    )
    config = serve_config(args)
    assert config.environment == {"RETRY_SECONDS": "2", "NOTE": "a=b"}


@pytest.mark.parametrize("name", sorted(RESERVED_ENVIRONMENT))
def test_a_name_lambda_reserves_is_refused(name: str) -> None:
    with pytest.raises(ValueError, match=f"'{name}' is reserved"):
        RuntimeConfig(cdk_out=Path("cdk.out"), stage="Dev", region="", environment={name: "x"})


@pytest.mark.parametrize("name", ["1ST", "WITH-DASH", "", "SP ACE"])
def test_a_name_that_is_not_a_variable_name_is_refused(name: str) -> None:
    with pytest.raises(ValueError, match=f"{name!r} is not a valid variable name"):
        RuntimeConfig(cdk_out=Path("cdk.out"), stage="Dev", region="", environment={name: "x"})


@pytest.mark.parametrize(
    ("argument", "message"),
    [
        ("NOVALUE", "not NAME=VALUE: 'NOVALUE'"),
        ("AWS_REGION=us-east-1", "'AWS_REGION' is reserved"),
    ],
)
def test_a_bad_env_argument_is_a_usage_error_naming_it(
    argument: str, message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exit_info:
        parser().parse_args(["serve", "--stage", "Dev", "--env", argument])
    assert exit_info.value.code == 2
    assert message in capsys.readouterr().err
