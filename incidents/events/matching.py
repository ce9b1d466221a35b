"""How alike two reports are: could they describe the same attack, and how sure is that?

Pure: no database, no models. A report (or an event's lead report) is a `Sighting`;
`likeness` compares two of them, `verdict` decides among the candidates of one report.

The score is a weighted sum of three kinds of evidence, each between 0 and 1:

- when (0.35): both times within the hour is 1; the same day without times 0.75, because a
  city is often hit more than once a day; the day before or after 0.6 (night attacks span
  midnight and sources date them either side); week and month precision much less.
- where (0.45): what the coarser of the two locations can tell. Two exact sites half a
  kilometre apart are 1; the same settlement is at most 0.75, since Kharkiv, Kherson or
  Nikopol are hit at several sites on one day; a district 0.5, an oblast 0.3.
- what (0.20): the same type 1; two air-delivered types (missile, drone, aircraft: combined
  attacks are reported differently by different sources) 0.75, a type against "other" 0.6,
  air-delivered against artillery 0.3 ("обстріл", shelling, is used for any attack).

Casualty figures differ between sources as a matter of course: equal non-zero figures add
a little (`FIGURES_BONUS`), different ones take nothing away.

So the best that day, settlement and type can reach is 0.80 (0.83 with equal figures),
below `AUTO_LINK`: the real data (bench/linking.py) has many same-day attacks in one city
that these cannot tell apart. A link without review needs an agreeing time or exact site
besides, or a shared external key.
"""

from __future__ import annotations

import calendar
import datetime as dt
import math
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

from django.utils.translation import gettext, gettext_noop

from incidents.events.names import same_settlement

AUTO_LINK = 0.85
QUEUE = 0.5
# The runner-up must trail the best by one strong piece of evidence (a time within the
# hour instead of the same day is 0.0875; an exact site instead of a settlement 0.1125);
# a type nuance (0.05) or equal figures (0.03) alone must not decide between two events.
MARGIN = 0.08
FIGURES_BONUS = 0.03

WEIGHT_WHEN, WEIGHT_WHERE, WEIGHT_WHAT = 0.35, 0.45, 0.20


class Reason:
    """One reason for a score, translated only when shown (``str``): a batch scores
    hundreds of thousands of pairs, three to five reasons each, and keeps the reasons of
    the few candidates worth a look. Compares equal to its text."""

    __slots__ = ("message", "params")

    def __init__(self, message: str, params: dict[str, object] | None = None) -> None:
        self.message = message
        self.params = params

    def __mod__(self, params: dict[str, object]) -> Reason:
        return Reason(self.message, params)

    def __str__(self) -> str:
        text = gettext(self.message)
        if self.params is None:
            return text
        return text % {
            name: str(value) if isinstance(value, Reason) else value
            for name, value in self.params.items()
        }

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Reason | str):
            return str(self) == str(other)
        return NotImplemented

    def __hash__(self) -> int:
        return hash(str(self))

    def __repr__(self) -> str:
        return repr(str(self))


# The name makemessages looks for: every reason's text is in the catalogue.
_ = Reason


# How far apart two points may be and still be one place, by the coarser precision (km);
# None: no distance says anything (only the oblast is known, or nothing).
TOLERANCE_KM: dict[str, float | None] = {
    "exact": 2.0,
    "settlement": 25.0,  # the "25 km precision" of city-level geocoding; Kyiv is 30 km wide
    "district": 60.0,  # the raions of 2020 are up to 120 km across; sources give their centre
    "region": None,
    "unknown": None,
}
# What a location of this precision can tell at best (see the module's docstring).
PLACE_WEIGHT = {"exact": 1.0, "settlement": 0.75, "district": 0.5, "region": 0.3, "unknown": 0.2}
_PRECISION_ORDER = ("exact", "settlement", "district", "region", "unknown")

AIR_DELIVERED = frozenset({"missile_strike", "drone_strike", "air_strike"})
GROUND_FIRED = frozenset({"shelling", "mlrs"})
# Two times further apart than this are two attacks, whatever the sources' dates say.
MAX_HOURS_APART = 24.0


@dataclass(frozen=True)
class Sighting:
    """What one report (or an event's lead report) says: when, where, what."""

    occurred_on: dt.date  # Kyiv local date
    date_precision: str = "day"  # "day" | "week" | "month"
    occurred_at: dt.datetime | None = None  # aware, when known
    region_id: int | None = None
    settlement: str = ""
    latitude: float | None = None
    longitude: float | None = None
    location_precision: str = "settlement"
    incident_type: str = "other"
    external_keys: frozenset[tuple[str, str]] = frozenset()
    killed: int = 0
    injured: int = 0


@dataclass(frozen=True)
class Likeness:
    score: float  # 0..1
    reasons: tuple[Reason, ...]
    certain: bool = False  # a shared external key: the same record of the same source


class Verdict(StrEnum):
    LINK = "link"
    QUEUE = "queue"
    NEW = "new"


def span(sighting: Sighting) -> tuple[dt.date, dt.date]:
    """The days a sighting's date can stand for, inclusive.

    A week or month date may be the first day of the period or its middle (ACLED codes to
    the middle), so both readings are covered: the calendar week (month) and the three
    (fifteen) days either side of the date.
    """
    day = sighting.occurred_on
    if sighting.date_precision == "week":
        monday = shift_day(day, -day.weekday())
        return min(monday, shift_day(day, -3)), max(shift_day(monday, 6), shift_day(day, 3))
    if sighting.date_precision == "month":
        first = day.replace(day=1)
        last = _month_end(first)
        return min(first, shift_day(day, -15)), max(last, shift_day(day, 15))
    return day, day


def candidate_days(report: Sighting) -> tuple[dt.date, dt.date]:
    """First and last `occurred_on` to search, inclusive: the report's span and a day either
    side, for night attacks dated by one source before midnight and by another after."""
    first, last = span(report)
    return shift_day(first, -1), shift_day(last, 1)


def shift_day(day: dt.date, days: int) -> dt.date:
    """``day`` moved by ``days``, held within the calendar (a record may be dated on its
    first or last day)."""
    return dt.date.fromordinal(
        min(max(day.toordinal() + days, dt.date.min.toordinal()), dt.date.max.toordinal())
    )


def _month_end(first: dt.date) -> dt.date:
    return first.replace(day=calendar.monthrange(first.year, first.month)[1])


def distance_km(first: Sighting, second: Sighting) -> float | None:
    """Great-circle (haversine) distance, when both have coordinates."""
    if (
        first.latitude is None
        or first.longitude is None
        or second.latitude is None
        or second.longitude is None
    ):
        return None
    lat1, lon1 = math.radians(first.latitude), math.radians(first.longitude)
    lat2, lon2 = math.radians(second.latitude), math.radians(second.longitude)
    half = (
        math.sin((lat2 - lat1) / 2) ** 2
        + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    )
    return 2 * 6371.0088 * math.asin(math.sqrt(min(1.0, half)))


_PRECISION_RANK = {precision: rank for rank, precision in enumerate(_PRECISION_ORDER)}


# The length of a degree along a meridian: two points are at least this far apart per degree
# of latitude between them (a little less than the mean radius gives, to stay on the safe side).
KM_PER_DEGREE_LATITUDE = 111.19


def _apart_in_latitude(first: Sighting, second: Sighting) -> float:
    """A lower bound of the distance, in km (0 when either lacks a point)."""
    north, south = first.latitude, second.latitude
    if north is None or south is None or first.longitude is None or second.longitude is None:
        return 0.0
    return abs(north - south) * KM_PER_DEGREE_LATITUDE


def coarser(first: str, second: str) -> str:
    unknown = len(_PRECISION_RANK)
    if _PRECISION_RANK.get(first, unknown) >= _PRECISION_RANK.get(second, unknown):
        return first
    return second


def likeness(report: Sighting, other: Sighting) -> Likeness | None:
    """How alike two sightings are; None when they cannot be the same event."""
    if report.external_keys & other.external_keys:
        return Likeness(1.0, (_("the same record of the same source"),), certain=True)
    # Place first: most pairs of a busy oblast are too far apart to be one attack.
    where = _where(report, other)
    if where is None:
        return None
    when = _when(report, other)
    if when is None:
        return None
    what = _what(report.incident_type, other.incident_type)
    score = WEIGHT_WHEN * when[0] + WEIGHT_WHERE * where[0] + WEIGHT_WHAT * what[0]
    reasons = [*when[1], *where[1], *what[1]]
    figures = _figures(report, other)
    if figures:
        score += FIGURES_BONUS
        reasons.append(figures)
    return Likeness(round(min(score, 1.0), 4), tuple(reasons))


def verdict(
    likenesses: Sequence[Likeness | None],
    *,
    auto_link: float = AUTO_LINK,
    queue: float = QUEUE,
    margin: float = MARGIN,
) -> tuple[Verdict, int | None]:
    """What to do with a report, given its likeness to each candidate (None: blocked), and
    the index of the candidate to link to or queue on. The thresholds are the module's; the
    evaluation (bench/linking.py) passes others to compare."""
    certain = [index for index, found in enumerate(likenesses) if found and found.certain]
    if len(certain) == 1:
        return Verdict.LINK, certain[0]
    if certain:  # two events hold one source record: a Verifier must merge them first
        return Verdict.QUEUE, certain[0]
    ranked = sorted(
        ((found.score, index) for index, found in enumerate(likenesses) if found),
        key=lambda pair: (-pair[0], pair[1]),
    )
    if not ranked:
        return Verdict.NEW, None
    best, index = ranked[0]
    runner_up = ranked[1][0] if len(ranked) > 1 else 0.0
    # Scores are rounded to four places: the tolerance keeps an exact margin a margin.
    if best >= auto_link and best - runner_up >= margin - 1e-9:
        return Verdict.LINK, index
    if best >= queue:
        return Verdict.QUEUE, index
    return Verdict.NEW, None


# -- the three kinds of evidence: (value 0..1, reasons), or None for a blocker ----------------

Evidence = tuple[float, tuple[Reason, ...]]


def _when(report: Sighting, other: Sighting) -> Evidence | None:
    (first, last), (other_first, other_last) = span(report), span(other)
    days_apart = max((other_first - last).days, (first - other_last).days, 0)
    if days_apart > 1:
        return None
    if report.occurred_at and other.occurred_at:
        hours = abs((report.occurred_at - other.occurred_at).total_seconds()) / 3600
        if hours > MAX_HOURS_APART:
            return None
        value = next(score for limit, score in _HOURS if hours <= limit)
        return value, (_("%(hours).1f h apart") % {"hours": hours},)
    if report.date_precision != "day" or other.date_precision != "day":
        precision = "month" if "month" in (report.date_precision, other.date_precision) else "week"
        if precision == "month":
            return 0.15, (_("dated only to the month"),)
        return 0.3, (_("dated only to the week"),)
    if report.occurred_on == other.occurred_on:
        return 0.75, (_("same day"),)
    return 0.6, (_("a day apart"),)


_HOURS = ((1.0, 1.0), (3.0, 0.85), (6.0, 0.65), (12.0, 0.45), (MAX_HOURS_APART, 0.25))


def _where(report: Sighting, other: Sighting) -> Evidence | None:
    if (
        report.region_id is not None
        and other.region_id is not None
        and report.region_id != other.region_id
    ):
        return None
    precision = coarser(report.location_precision, other.location_precision)
    tolerance = TOLERANCE_KM.get(precision)
    if tolerance is not None and _apart_in_latitude(report, other) > tolerance:
        return None  # farther apart than the latitudes alone allow: no need of the distance
    kilometres = distance_km(report, other)
    reasons: list[Reason] = []
    value = PLACE_WEIGHT.get(precision, PLACE_WEIGHT["unknown"])
    if kilometres is not None:
        if tolerance is not None and kilometres > tolerance:
            return None
        reasons.append(_("%(km).1f km apart") % {"km": kilometres})
        if tolerance is not None:
            # At the edge of the tolerance half the weight is left: the points are no proof.
            # Two exact points within half a kilometre are one site.
            near = 0.5 if precision == "exact" else 0.0
            value *= 1.0 - 0.5 * max(0.0, kilometres - near) / (tolerance - near)
    named = same_settlement(report.settlement, other.settlement)
    if named:
        # Naming one settlement places the event as well as settlement-level points do.
        value = max(value, PLACE_WEIGHT["settlement"])
        reasons.append(_("same settlement"))
    elif named is False:
        value *= 0.8
        reasons.append(
            _("settlements differ: %(first)s / %(second)s")
            % {"first": report.settlement, "second": other.settlement}
        )
    elif kilometres is None:
        # Neither points nor names to compare: whatever precision the reports claim, they
        # are known to share the oblast at most.
        if report.region_id is not None and other.region_id is not None:
            value = min(value, PLACE_WEIGHT["region"])
            reasons.append(_("same oblast"))
        else:
            value = min(value, PLACE_WEIGHT["unknown"])
    return value, tuple(reasons)


# The models' own labels (their msgids, translated when used), repeated here to keep this
# module free of models.
TYPE_LABELS = {
    "missile_strike": gettext_noop("Missile strike"),
    "drone_strike": gettext_noop("Drone strike"),
    "air_strike": gettext_noop("Air strike"),
    "shelling": gettext_noop("Shelling / artillery"),
    "mlrs": gettext_noop("Multiple rocket launcher (MLRS)"),
    "other": gettext_noop("Other"),
}


def _what(first: str, second: str) -> Evidence:
    if first == second:
        if first == "other":
            return 0.6, (_("type not given"),)
        return 1.0, (_("same type"),)
    if "other" in (first, second):
        value = 0.6
    elif {first, second} <= AIR_DELIVERED or {first, second} <= GROUND_FIRED:
        value = 0.75
    else:
        value = 0.3
    labels: dict[str, object] = {
        "first": Reason(TYPE_LABELS[first]) if first in TYPE_LABELS else first,
        "second": Reason(TYPE_LABELS[second]) if second in TYPE_LABELS else second,
    }
    return value, (_("type differs: %(first)s vs %(second)s") % labels,)


def _figures(report: Sighting, other: Sighting) -> Reason | None:
    same = (report.killed, report.injured) == (other.killed, other.injured)
    if same and report.killed + report.injured > 0:
        return _("same casualty figures")
    return None
