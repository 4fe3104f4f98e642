"""Limits both APIs and both sides (API Gateway, the handlers) enforce."""

from __future__ import annotations

MAX_BODY_BYTES = 16 * 1024
"""REST request bodies above this size are answered with 413 PayloadTooLarge (the handlers,
and the WAF rule that blocks larger bodies before the API sees them)."""

ID_CHARACTERS = "[0-9A-Za-z_-]"
"""Room ids: ULIDs or friendly slugs. ``#`` is excluded because it separates key parts."""
ID_MIN_LENGTH = 1
ID_MAX_LENGTH = 64
ID_PATTERN = f"{ID_CHARACTERS}{{{ID_MIN_LENGTH},{ID_MAX_LENGTH}}}"
"""The identifier rule, matched whole (``re.fullmatch``); REST paths and bodies and
WebSocket frames all use it."""
ANCHORED_ID_PATTERN = rf"^(?:{ID_PATTERN})(?![\s\S])"
r""":data:`ID_PATTERN` for JSON Schema, whose patterns match anywhere in the value. The end is
``(?![\s\S])``, not ``$``, which (in Java as in Python) also matches before a final newline."""
ID_RULE = f"{ID_MIN_LENGTH}..{ID_MAX_LENGTH} characters of A-Z, a-z, 0-9, '_' or '-'"
"""The identifier rule in words, for error messages."""

ROOM_NAME_LENGTH = (1, 100)
ROOM_DESCRIPTION_LENGTH = (0, 1000)
MESSAGE_BODY_LENGTH = (1, 4000)
"""Message text, in characters, over REST and WebSocket alike."""
NOT_BLANK_PATTERN = "[^\t-\r\x1c- \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]"
"""Message text must hold a character that is not blank: one outside the characters Python's
``str.isspace`` calls blank, listed one by one so that API Gateway's (Java) and Python's regular
expressions read them alike (``\\s`` differs between them)."""

DEFAULT_PAGE_SIZE = 20
MAX_PAGE_SIZE = 100


def decimal_range_pattern(high: int) -> str:
    """A regular expression matching the decimal integers 1..``high`` and nothing else.

    No sign, no leading zero, ASCII digits only: the strings the rooms handler's ``limit``
    parsing accepts within its bounds. Written for both Python's and API Gateway's (Java)
    regular expressions, which read these character classes alike.
    """
    if high < 1:
        raise ValueError(f"decimal_range_pattern: high={high} must be at least 1")
    digits = str(high)
    width = len(digits)
    alternatives = []
    if width > 1:
        alternatives.append("[1-9]" + _any_digits(0, width - 2))
    for position, digit in enumerate(digits):
        lowest = 1 if position == 0 else 0
        if int(digit) > lowest:
            alternatives.append(
                digits[:position]
                + _digit_class(lowest, int(digit) - 1)
                + _any_digits(width - position - 1, width - position - 1)
            )
    alternatives.append(digits)
    return "^(" + "|".join(alternatives) + ")$"


def _digit_class(low: int, high: int) -> str:
    return str(low) if low == high else f"[{low}-{high}]"


def _any_digits(fewest: int, most: int) -> str:
    if most == 0:
        return ""
    if (fewest, most) == (0, 1):
        return "[0-9]?"
    if fewest == most:
        return "[0-9]" if most == 1 else f"[0-9]{{{most}}}"
    return f"[0-9]{{{fewest},{most}}}"


PAGE_SIZE_PATTERN = decimal_range_pattern(MAX_PAGE_SIZE)
"""The ``limit`` query strings a page size is taken from (others fall back to the default):
the messages query's mapping template decides with it, where no handler runs."""
DEFAULT_REPORT_DAYS = 7
MAX_REPORT_DAYS = 365

IDEMPOTENCY_KEY_MAX_LENGTH = 128
"""``Idempotency-Key`` (REST) and ``client_id`` (WebSocket): 1..128 visible ASCII characters."""
CLIENT_ID_PATTERN = f"[!-~]{{1,{IDEMPOTENCY_KEY_MAX_LENGTH}}}"
"""A WebSocket client id is an idempotency key (a UUID, a ULID, a counter): visible ASCII
only, so no control character, space or non-ASCII look-alike makes two keys that render the
same."""

MAX_MESSAGE_BYTES = 128 * 1024
"""API Gateway's WebSocket limits: a message is at most 128 KB, sent in frames of at most
32 KB; the handlers check the message size again."""
MAX_FRAME_BYTES = 32 * 1024

ADMIN_GROUP = "admins"
"""The Cognito group whose members may change and delete any room (the identity stack creates
it, the rooms rules read the caller's groups for it)."""
