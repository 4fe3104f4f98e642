"""Every eager check of the constructs: the bad value is refused when the construct is
created, and the message names the construct, the prop and the value."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import aws_cdk as cdk
import pytest
from aws_cdk import aws_kms as kms
from construct_testkit import RETENTION, new_stack, refused

from serverless_api_constructs import ServiceWebSocketApi, SingleTable
from serverless_api_constructs.rest import (
    CountedRule,
    MethodThrottle,
    RegionalWebAcl,
    SecureRestApi,
    retention_days,
)
from serverless_api_constructs.validation import unresolved

if TYPE_CHECKING:
    from collections.abc import Callable

REST_REQUIRED: dict[str, Any] = {
    "description": "d",
    "log_retention": RETENTION,
    "throttle_rate_limit": 10,
    "throttle_burst_limit": 20,
}
WS_REQUIRED: dict[str, Any] = {
    "stage_name": "live",
    "log_retention": RETENTION,
    "throttle_rate_limit": 10,
    "throttle_burst_limit": 20,
}
COUNTED = CountedRule(group="AWSManagedRulesCommonRuleSet", rule="R", label="l", reason="r")


@pytest.mark.parametrize(
    ("props", "message"),
    [
        (
            {"waf_rate_limit": 5},
            "SecureRestApi: waf_rate_limit=5 must be 10..2,000,000,000 requests per IP per 5 "
            "minutes (WAF's limits)",
        ),
        (
            {"ip_allow_list": ["10.0.0.300/8"]},
            "SecureRestApi: ip_allow_list has '10.0.0.300/8', which is not an IP address or "
            "CIDR block",
        ),
        (
            {"ip_deny_list": ["192.0.2.0/33"]},
            "SecureRestApi: ip_deny_list has '192.0.2.0/33', which is not an IP address or "
            "CIDR block",
        ),
        (
            {"stage_name": "v 1"},
            "SecureRestApi: stage_name='v 1' must be 1..128 letters, digits, '-' or '_' "
            "(API Gateway's stage names)",
        ),
        (
            {"stage_name": ""},
            "SecureRestApi: stage_name='' must be 1..128 letters, digits, '-' or '_' "
            "(API Gateway's stage names)",
        ),
        (
            {"log_retention": 7},
            "SecureRestApi: log_retention=7 must be a logs.RetentionDays (retention_days(n) "
            "converts a number of days)",
        ),
        ({"throttle_rate_limit": -1}, "SecureRestApi: throttle_rate_limit=-1 must be at least 0"),
        (
            {"throttle_burst_limit": -5},
            "SecureRestApi: throttle_burst_limit=-5 must be at least 0",
        ),
        (
            {"method_throttles": [MethodThrottle("rooms", "GET", 1, 1)]},
            "SecureRestApi: method_throttles[0] is GET 'rooms'; it needs one of ['ANY', "
            "'DELETE', 'GET', 'HEAD', 'OPTIONS', 'PATCH', 'POST', 'PUT'] and a path starting "
            "with '/'",
        ),
        (
            {"method_throttles": [MethodThrottle("/rooms", "GET", -2, 1)]},
            "SecureRestApi: method_throttles[0].rate_limit=-2 must be at least 0",
        ),
        (
            {"cors_allow_origins": ["https://app.example.com/path"]},
            "SecureRestApi: cors_allow_origins has 'https://app.example.com/path'; an origin is "
            "'*' or scheme://host[:port] (https://app.example.com), without a path",
        ),
        (
            {"cors_allow_origins": ["https://a.example.com", "*"]},
            "SecureRestApi: cors_allow_origins=['https://a.example.com', '*'] mixes '*' with "
            "origins; pass ['*'] alone or the origins alone",
        ),
        (
            {"waf": False, "waf_rate_limit": 100},
            "SecureRestApi: ['waf_rate_limit'] configure the web ACL this construct creates; "
            "with waf=False there is none",
        ),
        (
            {"existing_web_acl_arn": "arn:acl", "waf_counted_rules": [COUNTED]},
            "SecureRestApi: ['waf_counted_rules'] configure the web ACL this construct "
            "creates; with existing_web_acl_arn there is none",
        ),
        (
            {"max_body_bytes": 100_000},
            "SecureRestApi: max_body_bytes=100000 must be 1..65,536 bytes",
        ),
        (
            {"api_props": {"policy": None}},
            "SecureRestApi: api_props cannot set ['policy']; use the construct's own keyword "
            "arguments (or, for what wires the resource to the construct, nothing)",
        ),
        (
            {"stage_props": {"stage_name": "x"}},
            "SecureRestApi: stage_props cannot set ['stage_name']; use the construct's own "
            "keyword arguments (or, for what wires the resource to the construct, nothing)",
        ),
    ],
)
def test_secure_rest_api_refuses(props: dict[str, Any], message: str) -> None:
    with refused(message):
        SecureRestApi(new_stack(), "Api", **{**REST_REQUIRED, **props})


@pytest.mark.parametrize(
    ("props", "message"),
    [
        (
            {"rate_limit": 9},
            "RegionalWebAcl: rate_limit=9 must be 10..2,000,000,000 requests per IP per 5 minutes "
            "(WAF's limits)",
        ),
        (
            {"metric_prefix": "my api"},
            "RegionalWebAcl: metric_prefix='my api' must be 1..100 letters, digits, '-' or '_' "
            "(WAF metric names; a SecureRestApi uses its construct id)",
        ),
        (
            {"counted_rules": [COUNTED], "managed_rule_groups": ["Other"]},
            "RegionalWebAcl: counted_rules name rule groups the ACL does not run: "
            "['AWSManagedRulesCommonRuleSet']",
        ),
        (
            {"max_body_bytes": 70_000},
            "RegionalWebAcl: max_body_bytes=70000 must be 1..65536 (WAF inspects at most 64 KB "
            "of an API Gateway request body)",
        ),
    ],
)
def test_regional_web_acl_refuses(props: dict[str, Any], message: str) -> None:
    with refused(message):
        RegionalWebAcl(new_stack(), "Acl", **{"rate_limit": 100, "metric_prefix": "m", **props})


def test_a_rest_api_whose_id_is_no_waf_metric_name_is_refused_by_its_acl() -> None:
    with refused(
        "RegionalWebAcl: metric_prefix='My Api' must be 1..100 letters, digits, '-' or '_' "
        "(WAF metric names; a SecureRestApi uses its construct id)"
    ):
        SecureRestApi(new_stack(), "My Api", **REST_REQUIRED)


@pytest.mark.parametrize(
    ("props", "message"),
    [
        (
            {"stage_name": "v 1"},
            "ServiceWebSocketApi: stage_name='v 1' must be 1..128 letters, digits, '-' or '_' "
            "(API Gateway's stage names)",
        ),
        (
            {"stage_name": ""},
            "ServiceWebSocketApi: stage_name='' must be 1..128 letters, digits, '-' or '_' "
            "(API Gateway's stage names)",
        ),
        (
            {"throttle_rate_limit": -1},
            "ServiceWebSocketApi: throttle_rate_limit=-1 must be at least 0",
        ),
        (
            {"throttle_burst_limit": -1},
            "ServiceWebSocketApi: throttle_burst_limit=-1 must be at least 0",
        ),
        (
            {"log_retention": 30},
            "ServiceWebSocketApi: log_retention=30 must be a logs.RetentionDays "
            "(retention_days(n) converts a number of days)",
        ),
        (
            {"api_props": {"route_selection_expression": "$request.body.type"}},
            "ServiceWebSocketApi: api_props cannot set ['route_selection_expression']; use the "
            "construct's own keyword arguments (or, for what wires the resource to the "
            "construct, nothing)",
        ),
    ],
)
def test_service_websocket_api_refuses(props: dict[str, Any], message: str) -> None:
    with refused(message):
        ServiceWebSocketApi(new_stack(), "Ws", **{**WS_REQUIRED, **props})


def test_retention_days_names_the_setting_and_the_periods_cloudwatch_accepts() -> None:
    with refused(
        "retention_days: log_retention_days=8 is not a CloudWatch Logs retention period (one "
        "of 1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, "
        "2557, 2922, 3288, 3653 days)"
    ):
        retention_days(8, prop="log_retention_days")


def test_single_table_replicas_in_a_region_agnostic_stack_are_refused_naming_the_prop() -> None:
    with refused(
        "SingleTable: replica_regions=['us-east-1'] need the stack's region, and the stack is "
        "region-agnostic; give the stack env=cdk.Environment(region=...)"
    ):
        SingleTable(
            new_stack(region=None),
            "Table",
            replica_regions=["us-east-1"],
            replica_key_arns={"us-east-1": "arn:aws:kms:us-east-1:123456789012:key/k"},
        )


def test_single_table_customer_key_in_a_region_agnostic_stack_is_refused_naming_the_prop() -> None:
    with refused(
        "SingleTable: a customer-managed key (aws_managed_key=False, the default) needs the "
        "stack's region, and the stack is region-agnostic; give the stack "
        "env=cdk.Environment(region=...) or pass aws_managed_key=True"
    ):
        SingleTable(new_stack(region=None), "Table")


@pytest.mark.parametrize(
    ("props", "message"),
    [
        (
            {"replica_regions": ["eu-west-1"], "replica_key_arns": {"eu-west-1": "k"}},
            "SingleTable: replica_regions=['eu-west-1'] includes the stack's own region "
            "eu-west-1, where the table itself is",
        ),
        (
            {"replica_regions": ["us-east-1"]},
            "SingleTable: replica_key_arns has no KMS key ARN for replica region(s) ['us-east-1']",
        ),
        (
            {"aws_managed_key": True, "replica_key_arns": {"us-east-1": "k"}},
            "SingleTable: aws_managed_key=True encrypts with the AWS managed key; "
            "existing_encryption_key and replica_key_arns name customer-managed keys",
        ),
        ({"global_index_count": 21}, "SingleTable: global_index_count=21 must be 0..20"),
        (
            {"table_props": {"partition_key": None}},
            "SingleTable: table_props cannot set ['partition_key']; use the construct's own "
            "keyword arguments (or, for what wires the resource to the construct, nothing)",
        ),
    ],
)
def test_single_table_refuses(props: dict[str, Any], message: str) -> None:
    with refused(message):
        SingleTable(new_stack(), "Table", **props)


def test_single_table_refuses_an_existing_table_with_settings_of_a_new_one() -> None:
    stack = new_stack()
    existing = cdk.aws_dynamodb.TableV2.from_table_name(stack, "Existing", "t")
    with refused("SingleTable: pass either existing_table or table_props, not both"):
        SingleTable(stack, "A", existing_table=existing, table_props={"table_class": None})
    with refused("SingleTable: pass either existing_table or existing_encryption_key, not both"):
        SingleTable(
            stack, "B", existing_table=existing, existing_encryption_key=kms.Key(stack, "K")
        )


#: Values plain or holding a token, by name (made in the test: tokens need a kernel).
TOKEN_CASES: dict[str, Callable[[], object]] = {
    "plain string": lambda: "plain",
    "dollar brace without a token": lambda: "has ${ but no token",
    "empty string": lambda: "",
    "zero": lambda: 0,
    "negative float": lambda: -1.5,
    "large float": lambda: 2.0**959,
    "bool": lambda: True,
    "literal region": lambda: new_stack().region,
    "string token": lambda: cdk.Aws.REGION,
    "token inside a string": lambda: f"prefix-{cdk.Aws.ACCOUNT_ID}",
    "number token": lambda: cdk.Token.as_number(cdk.Aws.ACCOUNT_ID),
    "list token": lambda: cdk.Token.as_list(cdk.Aws.NOTIFICATION_ARNS),
    "intrinsic": lambda: cdk.Fn.ref("Something"),
}


@pytest.mark.parametrize("case", TOKEN_CASES)
def test_the_local_token_check_answers_as_the_cdk_does(case: str) -> None:
    # Given a value, plain or holding a token
    value = TOKEN_CASES[case]()
    # Then the check that skips the kernel for plain values agrees with Token.is_unresolved
    assert unresolved(value) == cdk.Token.is_unresolved(value)
