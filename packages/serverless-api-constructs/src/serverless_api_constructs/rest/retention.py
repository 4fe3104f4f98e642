"""CloudWatch Logs retention from a number of days, as stage configurations state it."""

from __future__ import annotations

from aws_cdk import aws_logs as logs

_BY_DAYS: dict[int, logs.RetentionDays] = {
    1: logs.RetentionDays.ONE_DAY,
    3: logs.RetentionDays.THREE_DAYS,
    5: logs.RetentionDays.FIVE_DAYS,
    7: logs.RetentionDays.ONE_WEEK,
    14: logs.RetentionDays.TWO_WEEKS,
    30: logs.RetentionDays.ONE_MONTH,
    60: logs.RetentionDays.TWO_MONTHS,
    90: logs.RetentionDays.THREE_MONTHS,
    120: logs.RetentionDays.FOUR_MONTHS,
    150: logs.RetentionDays.FIVE_MONTHS,
    180: logs.RetentionDays.SIX_MONTHS,
    365: logs.RetentionDays.ONE_YEAR,
    400: logs.RetentionDays.THIRTEEN_MONTHS,
    545: logs.RetentionDays.EIGHTEEN_MONTHS,
    731: logs.RetentionDays.TWO_YEARS,
    1096: logs.RetentionDays.THREE_YEARS,
    1827: logs.RetentionDays.FIVE_YEARS,
    2192: logs.RetentionDays.SIX_YEARS,
    2557: logs.RetentionDays.SEVEN_YEARS,
    2922: logs.RetentionDays.EIGHT_YEARS,
    3288: logs.RetentionDays.NINE_YEARS,
    3653: logs.RetentionDays.TEN_YEARS,
}


def retention_days(days: int, *, prop: str = "days") -> logs.RetentionDays:
    """``RetentionDays`` for ``days`` (one of the periods CloudWatch Logs accepts); ``prop``
    names the setting in the error (e.g. ``"log_retention_days"`` of a configuration)."""
    try:
        return _BY_DAYS[days]
    except (KeyError, TypeError):
        raise ValueError(
            f"retention_days: {prop}={days!r} is not a CloudWatch Logs retention period "
            f"(one of {', '.join(map(str, _BY_DAYS))} days)"
        ) from None
