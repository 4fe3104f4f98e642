"""The messages query's page-size rule is rendered from the contract into its VTL template.

The REST messages route is a direct DynamoDB integration: API Gateway's mapping template, not a
handler, decides which ``limit`` strings become the query's ``Limit``. That decision is a
regular expression built from ``limits.MAX_PAGE_SIZE``; these tests hold the expression to the
rule the rooms handler applies (a decimal integer 1..max without sign or leading zeros) for any
maximum, so changing the contract's maximum changes the template with it.
"""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from contract import limits
from stacks.rest.templates import TEMPLATE_DIR, load_template
from tests.fuzz import fuzz_examples


def _rule(text: str, high: int) -> bool:
    return text.isascii() and text.isdigit() and not text.startswith("0") and int(text) <= high


@settings(max_examples=fuzz_examples(200), deadline=None)
@given(high=st.integers(1, 100_000), number=st.integers(-10, 1_000_000))
def test_the_pattern_accepts_exactly_the_integers_one_to_the_maximum(
    high: int, number: int
) -> None:
    # Given a maximum page size and any integer written in decimal
    pattern = re.compile(limits.decimal_range_pattern(high))
    # Then the pattern accepts it exactly when 1 <= number <= maximum
    assert bool(pattern.fullmatch(str(number))) == (1 <= number <= high)


@settings(max_examples=fuzz_examples(200), deadline=None)
@given(high=st.integers(1, 1000), text=st.text(alphabet="0123456789+- x٣", max_size=5))
def test_the_pattern_refuses_leading_zeros_signs_and_other_text(high: int, text: str) -> None:
    # Given any short text of digits, signs, spaces and a non-ASCII digit
    pattern = re.compile(limits.decimal_range_pattern(high))
    # Then the pattern agrees with the handler's rule
    assert bool(pattern.fullmatch(text)) == _rule(text, high)


@pytest.mark.parametrize("high", [0, -1])
def test_a_maximum_below_one_is_refused(high: int) -> None:
    with pytest.raises(ValueError, match=f"high={high}"):
        limits.decimal_range_pattern(high)


def test_the_messages_template_carries_the_contracts_page_size_rule() -> None:
    # Given the messages query's request template as the stack loads it
    template = load_template("messages_request", TABLE_NAME="t")
    # Then its limit check is the contract's pattern, anchored, and no other number is spelled
    assert f"$limit.matches('{limits.PAGE_SIZE_PATTERN}')" in template
    assert limits.decimal_range_pattern(limits.MAX_PAGE_SIZE) == limits.PAGE_SIZE_PATTERN
    assert str(limits.MAX_PAGE_SIZE) not in (TEMPLATE_DIR / "messages_request.vtl").read_text()
