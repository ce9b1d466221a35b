"""Limits shared by the models and the parsers, importable without Django set up (the
ingestion parser may run in a process of its own)."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

# The largest count a record may give (PostgreSQL's integer), enforced on every database:
# SQLite would store more, and its sums would overflow.
MAX_COUNT = 2_147_483_647

# The dates a record may carry and a period may ask for. The war began in February 2014
# (Crimea, then Donbas); the bound is the start of that year so that yearly and monthly
# figures are whole. Records are of past events: the upper bound is today in Kyiv plus a
# day, for a source a few time zones ahead or a clock a little fast. A bound so far inside
# the calendar also keeps "the day, week or month after" representable everywhere.
EARLIEST_DATE = dt.date(2014, 1, 1)
FUTURE_MARGIN = dt.timedelta(days=1)
KYIV = ZoneInfo("Europe/Kyiv")


def latest_date(today: dt.date | None = None) -> dt.date:
    """The last date a record or a period may have: today in Kyiv plus the margin."""
    return (today or dt.datetime.now(KYIV).date()) + FUTURE_MARGIN


def date_out_of_bounds(day: dt.date, today: dt.date | None = None) -> str | None:
    """Why ``day`` may not be accepted (English, for logs and refused rows), or None.

    A datetime is judged by its date in Kyiv, the date the figures count it on."""
    if isinstance(day, dt.datetime):
        day = _kyiv_date(day)
    if day < EARLIEST_DATE:
        return f"{day.isoformat()} is before {EARLIEST_DATE.isoformat()}"
    last = latest_date(today)
    if day > last:
        return f"{day.isoformat()} is after {last.isoformat()} (today in Kyiv plus a day)"
    return None


def held_within_bounds(day: dt.date, today: dt.date | None = None) -> dt.date:
    """``day`` moved into the accepted bounds. For a period asked of the data (not a record's
    date): no record lies outside them, so a period reaching beyond asks for nothing more,
    and its edges stay far from the calendar's."""
    return min(max(day, EARLIEST_DATE), latest_date(today))


def moment_within_bounds(moment: dt.datetime) -> dt.datetime:
    """A moment moved into the accepted bounds (their first and last Kyiv midnights)."""
    day = _kyiv_date(moment)
    if EARLIEST_DATE <= day <= latest_date():
        return moment
    bound = held_within_bounds(day)
    return dt.datetime.combine(bound, dt.time.min, tzinfo=KYIV)


def _kyiv_date(moment: dt.datetime) -> dt.date:
    if moment.tzinfo is None:
        return moment.date()
    try:
        return moment.astimezone(KYIV).date()
    except OverflowError:
        # Within a day of the calendar's ends: far outside the bounds either way.
        return dt.date.min if moment.year == dt.MINYEAR else dt.date.max
