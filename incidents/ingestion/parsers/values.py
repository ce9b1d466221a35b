"""Coercion of single cell values, shared by every parser.

Each function takes the name of the field it reads, so that its ``ValueError`` message can go
straight into ``ParsedRow.error``: ``"killed: '-3' is negative"``. Empty text means "not given";
the caller decides whether that is allowed by choosing the ``optional`` variant.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from zoneinfo import ZoneInfo

from incidents.limits import MAX_COUNT, date_out_of_bounds

# Times without an offset come from people in Ukraine, so they are read as Kyiv local time.
KYIV = ZoneInfo("Europe/Kyiv")

COORDINATE_STEP = Decimal("0.000001")
# More people than live in any country but two: a typo or a unit error, never a count.
MAX_PEOPLE = 1_000_000_000

# Sources group thousands with commas ("66,564") or, in Ukrainian locales, with (non-breaking)
# spaces ("1 234"); a group must have exactly three digits so "1,5" is not read as 15.
_WHOLE_NUMBER = re.compile(r"\d+|\d{1,3}(?:[,\s]\d{3})+")
_NEGATIVE = re.compile(r"[-\u2212]\s*\d")

_ISO_DATE = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})")
_DAY_MONTH_NAME_YEAR = re.compile(r"(\d{1,2})[\s-]+([A-Za-z]+)\.?[\s-]+(\d{4})")
_DAY_FIRST_NUMERIC = re.compile(r"(\d{1,2})[/.](\d{1,2})[/.](\d{4})")
_ISO_DATETIME = re.compile(r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}")

_MONTHS = {
    name: number
    for number, names in enumerate(
        (
            ("january", "jan"),
            ("february", "feb"),
            ("march", "mar"),
            ("april", "apr"),
            ("may",),
            ("june", "jun"),
            ("july", "jul"),
            ("august", "aug"),
            ("september", "sep", "sept"),
            ("october", "oct"),
            ("november", "nov"),
            ("december", "dec"),
        ),
        start=1,
    )
    for name in names
}

_TRUE_WORDS = frozenset({"yes", "y", "true", "1"})
_FALSE_WORDS = frozenset({"no", "n", "false", "0"})


def clean_text(value: str | None) -> str:
    """The value without surrounding whitespace; inner line breaks are kept (descriptions).
    NUL characters, which PostgreSQL cannot store in text, are dropped."""
    return (value or "").replace("\x00", "").strip()


def collapse_whitespace(value: str | None) -> str:
    """Names with stray spaces ("MV  SEA  HERO ") as one space-separated string."""
    return " ".join((value or "").replace("\x00", "").split())


def as_text(value: object) -> str:
    """A JSON scalar as the text a CSV cell would hold, so both formats share one coercion."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def parse_optional_count(field: str, text: str) -> int | None:
    """A non-negative whole number, or None when the cell is empty."""
    value = text.strip()
    if not value:
        return None
    if _NEGATIVE.match(value):
        raise ValueError(f"{field}: '{value}' is negative")
    if not _WHOLE_NUMBER.fullmatch(value):
        raise ValueError(f"{field}: '{value}' is not a whole number")
    count = int(re.sub(r"[,\s]", "", value))
    if count > MAX_COUNT:
        raise ValueError(f"{field}: '{value}' is more than {MAX_COUNT:,}")
    return count


def parse_count(field: str, text: str) -> int:
    """A non-negative whole number; an empty cell counts as zero, as sources leave it blank."""
    count = parse_optional_count(field, text)
    return 0 if count is None else count


def parse_optional_people(field: str, text: str) -> int | None:
    """A number of people, or None when empty. Estimates ("1502897.01") round to whole people."""
    value = text.strip()
    if not value:
        return None
    if _NEGATIVE.match(value):
        raise ValueError(f"{field}: '{value}' is negative")
    if _WHOLE_NUMBER.fullmatch(value):
        people = int(re.sub(r"[,\s]", "", value))
    else:
        try:
            number = Decimal(value)
        except InvalidOperation:
            number = Decimal("NaN")
        if not number.is_finite():
            raise ValueError(f"{field}: '{value}' is not a number")
        if number > MAX_PEOPLE:
            people = MAX_PEOPLE + 1
        else:
            people = int(number.quantize(Decimal(1), rounding=ROUND_HALF_UP))
    if people > MAX_PEOPLE:
        raise ValueError(f"{field}: '{value}' is more than {MAX_PEOPLE:,} people")
    return people


def parse_optional_date(field: str, text: str) -> dt.date | None:
    """A date written as 2023-08-15, 15 August 2023, 14-Jun-2023 or 15/08/2023 (day first),
    within the accepted bounds (``incidents.limits``)."""
    value = clean_text(text)
    if not value:
        return None
    parts = _date_parts(value)
    if parts is None:
        raise ValueError(
            f"{field}: '{value}' is not a date "
            "(expected e.g. 2023-08-15, 15 August 2023, 14-Jun-2023 or 15/08/2023)"
        )
    year, month, day = parts
    try:
        date = dt.date(year, month, day)
    except ValueError:
        raise ValueError(f"{field}: '{value}' is not a valid date") from None
    _check_bounds(field, date)
    return date


def _check_bounds(field: str, date: dt.date) -> None:
    """ValueError when ``date`` (or a moment's Kyiv date) lies outside the dates a record
    may carry: the row is refused, not the file."""
    if problem := date_out_of_bounds(date):
        raise ValueError(f"{field}: {problem}")


def parse_date(field: str, text: str) -> dt.date:
    date = parse_optional_date(field, text)
    if date is None:
        raise ValueError(f"{field}: empty")
    return date


def _date_parts(value: str) -> tuple[int, int, int] | None:
    if match := _ISO_DATE.fullmatch(value):
        return int(match[1]), int(match[2]), int(match[3])
    if match := _DAY_MONTH_NAME_YEAR.fullmatch(value):
        month = _MONTHS.get(match[2].lower())
        return None if month is None else (int(match[3]), month, int(match[1]))
    if match := _DAY_FIRST_NUMERIC.fullmatch(value):
        return int(match[3]), int(match[2]), int(match[1])
    return None


def parse_optional_datetime(field: str, text: str) -> dt.datetime | None:
    """An ISO 8601 date and time within the accepted bounds; without an offset it is Kyiv
    local time."""
    value = clean_text(text)
    if not value:
        return None
    problem = f"{field}: '{value}' is not an ISO 8601 date and time (e.g. 2023-08-15T03:40+03:00)"
    if not _ISO_DATETIME.match(value):
        raise ValueError(problem)
    try:
        moment = dt.datetime.fromisoformat(value)
    except ValueError:
        raise ValueError(problem) from None
    moment = moment if moment.tzinfo is not None else moment.replace(tzinfo=KYIV)
    _check_bounds(field, moment)
    return moment


def parse_latitude(field: str, text: str) -> Decimal | None:
    return _parse_coordinate(field, text, limit=90)


def parse_longitude(field: str, text: str) -> Decimal | None:
    return _parse_coordinate(field, text, limit=180)


def _parse_coordinate(field: str, text: str, *, limit: int) -> Decimal | None:
    value = text.strip()
    if not value:
        return None
    try:
        number = Decimal(value)
    except InvalidOperation:
        number = Decimal("NaN")
    if not number.is_finite():
        raise ValueError(f"{field}: '{value}' is not a decimal number")
    if abs(number) > limit:
        raise ValueError(f"{field}: '{value}' is outside -{limit}..{limit}")
    return number.quantize(COORDINATE_STEP, rounding=ROUND_HALF_UP)


def parse_bool(field: str, text: str, *, default: bool = False) -> bool:
    """yes/no, y/n, true/false or 1/0 in any case; an empty cell gives ``default``."""
    value = text.strip()
    if not value:
        return default
    word = value.lower()
    if word in _TRUE_WORDS:
        return True
    if word in _FALSE_WORDS:
        return False
    raise ValueError(f"{field}: '{value}' is not yes or no")


# "18,137" or "18 137" (thousands grouped) or "2436.99" / "1,234.5" (a decimal point).
_DECIMAL_NUMBER = re.compile(r"(?:\d+|\d{1,3}(?:[,\s]\d{3})+)(?:\.\d+)?")


def parse_tonnes(field: str, text: str) -> int:
    """A cargo's weight in whole tonnes, more than zero.

    The JCC publishes whole tonnes in its table and the same cargo to the hundredth of a
    tonne in its HXL workbook (``2436.99``); rounded half up both say the same, so loading
    both tables of a voyage changes no total.
    """
    value = text.strip()
    if not value:
        raise ValueError(f"{field}: empty")
    if _NEGATIVE.match(value):
        raise ValueError(f"{field}: '{value}' is negative")
    if not _DECIMAL_NUMBER.fullmatch(value):
        raise ValueError(f"{field}: '{value}' is not a number")
    tonnes = int(Decimal(re.sub(r"[,\s]", "", value)).quantize(Decimal(1), rounding=ROUND_HALF_UP))
    if tonnes <= 0:
        raise ValueError(f"{field}: must be more than 0")
    if tonnes > MAX_COUNT:
        raise ValueError(f"{field}: '{value}' is more than {MAX_COUNT:,}")
    return tonnes
