"""Pagination cursors as client input: whatever a client sends, decoding either returns the key
this library signed or raises ``InvalidCursor`` (a ``ValidationError``, i.e. a 400)."""

from __future__ import annotations

import contextlib

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from pydynamodel import InvalidCursor
from pydynamodel.cursor import decode_cursor, encode_cursor

SECRET = b"test-cursor-secret"
CONTEXT = "table|GSI1|Room|ROOMS"
KEY = {"pk": {"S": "ROOM#r1"}, "sk": {"S": "META"}, "GSI1PK": {"S": "ROOMS"}}


def test_a_cursor_decodes_to_the_key_it_was_made_from() -> None:
    # Given a cursor for a key
    cursor = encode_cursor(KEY, SECRET, CONTEXT)

    # When it is decoded with the same secret and context
    # Then the key comes back unchanged
    assert decode_cursor(cursor, SECRET, CONTEXT) == KEY


@pytest.mark.parametrize(
    "cursor",
    [
        "é.abcd",  # non-ASCII payload: used to fail in the MAC with UnicodeEncodeError
        "abc.dé",
        "a b.cd",  # a space: outside base64url
        "ab+c.d/e",  # standard base64, not the URL-safe alphabet
        "abc=.def",  # padding is never produced
        "abc.",
        ".abc",
        ".",
        "",
        "a\n.b",
        "abc.def\n",  # a trailing newline must not slip through the pattern
        "\x00.\x00",
        "a" * 9000 + ".b",
    ],
)
def test_a_cursor_outside_the_base64url_shape_is_invalid(cursor: str) -> None:
    # Given a client-supplied cursor that this library cannot have produced
    # When it is decoded
    # Then it is refused as InvalidCursor before any MAC or base64 work
    with pytest.raises(InvalidCursor, match="malformed"):
        decode_cursor(cursor, SECRET, CONTEXT)


def test_a_cursor_with_a_one_character_signature_is_invalid() -> None:
    # Given a signature that is not valid base64 at all (length 1 modulo 4)
    # When it is decoded
    # Then the base64 error becomes InvalidCursor
    with pytest.raises(InvalidCursor):
        decode_cursor("abcd.e", SECRET, CONTEXT)


@given(cursor=st.text(max_size=200))
@example(cursor="é.abcd")
@example(cursor="\udcff.abcd")  # a lone surrogate cannot even be encoded to UTF-8
def test_arbitrary_text_never_raises_anything_but_invalid_cursor(cursor: str) -> None:
    # Given any text at all as a cursor
    # When it is decoded
    # Then the only possible failure is InvalidCursor
    with contextlib.suppress(InvalidCursor):
        decode_cursor(cursor, SECRET, CONTEXT)


@given(
    payload=st.from_regex(r"[A-Za-z0-9_-]{1,60}", fullmatch=True),
    signature=st.from_regex(r"[A-Za-z0-9_-]{1,60}", fullmatch=True),
)
def test_arbitrary_well_shaped_cursors_are_refused_as_invalid_cursor(
    payload: str, signature: str
) -> None:
    # Given a cursor of the right shape that this secret did not sign
    # When it is decoded
    # Then it is refused as InvalidCursor (a forged MAC is practically impossible here)
    with pytest.raises(InvalidCursor):
        decode_cursor(f"{payload}.{signature}", SECRET, CONTEXT)


def test_a_signed_payload_of_the_wrong_shape_is_invalid() -> None:
    # Given a correctly signed cursor whose JSON is not a key (as if the secret had leaked)
    from pydynamodel.cursor import _b64, _mac

    for raw in (b"[1]", b'{"pk": [1]}', b'{"pk": {"X": "y"}}', b"not json"):
        payload = _b64(raw)
        cursor = f"{payload}.{_b64(_mac(SECRET, payload, CONTEXT))}"

        # When it is decoded
        # Then it is still InvalidCursor, never a TypeError or AttributeError
        with pytest.raises(InvalidCursor):
            decode_cursor(cursor, SECRET, CONTEXT)
