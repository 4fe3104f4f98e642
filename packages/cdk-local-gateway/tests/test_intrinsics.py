"""Intrinsic functions resolved to local values across stacks and regions."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest
from cdk_local_gateway.assembly import read_assembly
from cdk_local_gateway.intrinsics import Physical, Resolver, Unresolvable
from gateway_testkit import write_assembly

if TYPE_CHECKING:
    from pathlib import Path

DATA = {
    "Resources": {"Queue": {"Type": "AWS::SQS::Queue", "Properties": {}}},
    "Outputs": {
        "QueueUrl": {"Value": {"Ref": "Queue"}},
        "QueueArn": {"Value": {"Fn::GetAtt": ["Queue", "Arn"]}, "Export": {"Name": "shared-arn"}},
    },
}
API: dict[str, Any] = {
    "Parameters": {"Mode": {"Type": "String", "Default": "fast"}},
    "Conditions": {"IsFast": {"Fn::Equals": [{"Ref": "Mode"}, "fast"]}},
    "Resources": {
        "Fn": {"Type": "AWS::Lambda::Function", "Properties": {}},
        "Role": {"Type": "AWS::IAM::Role", "Properties": {}},
        "Odd": {"Type": "AWS::Custom::Thing", "Properties": {}},
    },
}


@pytest.fixture
def resolver(assembly_dir: Path) -> tuple[Resolver, Any, Any]:
    write_assembly(
        assembly_dir, {"Dev-Data": DATA, "Dev-Api": API}, regions={"Dev-Api": "us-east-1"}
    )
    assembly = read_assembly(assembly_dir)
    resolver = Resolver(assembly, default_region="eu-west-1")
    data, api = assembly.stack_by_name("Dev-Data"), assembly.stack_by_name("Dev-Api")
    assert data is not None
    assert api is not None
    # The local AWS created the queue: its URL and ARN are what Ref and GetAtt give.
    resolver.record(data, "Queue", Physical("http://aws/q", {"Arn": "arn:aws:sqs:eu-west-1:1:q"}))
    return resolver, data, api


def test_sub_with_pseudo_parameters_and_attributes(resolver: tuple[Resolver, Any, Any]) -> None:
    r, _, api = resolver
    value = {
        "Fn::Sub": "${AWS::Partition}:${AWS::Region}:${AWS::AccountId}:${AWS::URLSuffix}:"
        "${Fn.Arn}:${!Literal}"
    }
    assert r.resolve(api, value, "X") == (
        "aws:us-east-1:123456789012:amazonaws.com:"
        f"arn:aws:lambda:us-east-1:123456789012:function:{r.ref(api, 'Fn')}:${{Literal}}"
    )


def test_sub_with_its_own_variables(resolver: tuple[Resolver, Any, Any]) -> None:
    r, _, api = resolver
    assert (
        r.resolve(api, {"Fn::Sub": ["a-${X}-${Mode}", {"X": {"Fn::Join": ["+", ["1", "2"]]}}]}, "X")
        == "a-1+2-fast"
    )


def test_select_split_join_if_and_no_value(resolver: tuple[Resolver, Any, Any]) -> None:
    r, _, api = resolver
    value = {
        "a": {"Fn::Select": [1, {"Fn::Split": ["/", "x/y/z"]}]},
        "b": {"Fn::If": ["IsFast", "yes", "no"]},
        "c": {"Fn::If": ["IsFast", {"Ref": "AWS::NoValue"}, "kept"]},
        "d": ["one", {"Ref": "AWS::NoValue"}],
    }
    assert r.resolve(api, value, "X") == {"a": "y", "b": "yes", "d": ["one"]}


def test_stack_output_across_regions_and_import_value(resolver: tuple[Resolver, Any, Any]) -> None:
    r, data, api = resolver
    spec = {
        "Fn::GetStackOutput": {
            "StackName": "Dev-Data",
            "Region": "eu-west-1",
            "OutputName": "QueueUrl",
        }
    }
    assert r.resolve(api, spec, "X") == "http://aws/q"
    assert r.resolve(data, {"Fn::ImportValue": "shared-arn"}, "X") == "arn:aws:sqs:eu-west-1:1:q"
    # The API stack is in another region: the export is not visible there.
    with pytest.raises(Unresolvable, match="no stack in us-east-1 exports shared-arn"):
        r.resolve(api, {"Fn::ImportValue": "shared-arn"}, "Env.Q")


def test_an_unknown_attribute_names_stack_logical_id_and_key(
    resolver: tuple[Resolver, Any, Any],
) -> None:
    r, _, api = resolver
    with pytest.raises(Unresolvable) as caught:
        r.resolve(api, {"Fn::GetAtt": ["Odd", "Endpoint"]}, "Fn.Environment.Variables.URL")
    assert caught.value.stack == "Dev-Api"
    assert "Fn.Environment.Variables.URL" in str(caught.value)
    assert "Endpoint of AWS::Custom::Thing" in str(caught.value)


def test_iam_condition_blocks_are_data_not_intrinsics(resolver: tuple[Resolver, Any, Any]) -> None:
    r, _, api = resolver
    assert r.resolve(api, {"Condition": {"StringEquals": {"a": "b"}}}, "X") == {
        "Condition": {"StringEquals": {"a": "b"}}
    }
