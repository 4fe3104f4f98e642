"""Jayway result shapes for $input.path/json and java.lang.String semantics, unit by unit."""

from __future__ import annotations

import pytest
from cdk_local_gateway.apigw.java import JavaString, java_split, to_string
from cdk_local_gateway.apigw.jsonpath import MISSING, evaluate, is_definite, parse_body

DOC = {"a b": 1, "l": [{"x": 1, "t": "a"}, {"x": 2, "t": "b"}], "n": None}


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("$", DOC),
        ("$['a b']", 1),
        ("$.l[-1].x", 2),
        ("$.n", None),
        ("$.missing", MISSING),
        ("$.l[5]", MISSING),
        ("$.l.length()", 2),
    ],
)
def test_a_definite_path_gives_one_value(path: str, expected: object) -> None:
    assert is_definite(path)
    result = evaluate(DOC, path)
    if expected is MISSING:
        assert result is MISSING  # Jayway's PathNotFoundException
    else:
        assert result == expected


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("$.l[0:1]", [{"x": 1, "t": "a"}]),
        ("$.l[*].x", [1, 2]),
        ("$..x", [1, 2]),
        ("$.l[?(@.x > 1)].t", ["b"]),
        ("$.l[0,1].x", [1, 2]),
        ("$.l[*].nothing", []),
    ],
)
def test_an_indefinite_path_gives_a_list(path: str, expected: object) -> None:
    assert not is_definite(path)
    assert evaluate(DOC, path) == expected


def test_a_body_that_is_not_json_reads_as_its_text() -> None:
    assert parse_body("hello world") == "hello world"
    assert parse_body("") == {}


@pytest.mark.parametrize(
    ("text", "regex", "limit", "expected"),
    [
        ("a,b,,", ",", 0, ["a", "b"]),
        ("a,b,,", ",", -1, ["a", "b", "", ""]),
        ("a,b,c", ",", 2, ["a", "b,c"]),
        ("a.b", "\\.", 0, ["a", "b"]),
        ("a1b2c", "(\\d)", 0, ["a", "b", "c"]),
        ("", ",", 0, [""]),
        (",,", ",", 0, []),
        ("abc", "", 0, ["a", "b", "c"]),
    ],
)
def test_split_follows_java(text: str, regex: str, limit: int, expected: list[str]) -> None:
    assert java_split(text, regex, limit) == expected


def test_string_methods_follow_java() -> None:
    s = JavaString(" Hello World ")
    assert s.trim() == "Hello World"
    assert s.indexOf("x") == -1
    assert s.trim().substring(6) == "World"
    assert JavaString("a-b").replaceAll("(\\w)-(\\w)", "$2-$1") == "b-a"
    assert JavaString("x").replaceAll("x", "\\$1") == "$1"
    assert JavaString("2024-01-02").replaceFirst("(?<y>\\d{4})-.*", "${y}") == "2024"
    with pytest.raises(IndexError):
        JavaString("ab").substring(3)


def test_values_print_as_java_prints_them() -> None:
    assert to_string({"a": [1, True, None]}) == "{a=[1, true, null]}"
