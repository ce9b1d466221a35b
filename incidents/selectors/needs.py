"""Needs by region and national totals, aggregated in the database.

Only verified records count unless a period asks to include records submitted for review
(``include_submitted``), which only readers who see every organisation's reports may ask for.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, replace
from typing import Any

from django.db.models import (
    Case,
    Count,
    DurationField,
    ExpressionWrapper,
    F,
    FloatField,
    Func,
    Q,
    QuerySet,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce, Greatest, Least, TruncMonth
from django.utils import timezone

from incidents.figures.periods import added_up, casualty_sums, damage_sums, weekly_sums
from incidents.figures.sums import INCIDENT_SUMS
from incidents.local_time import local_day, midnight
from incidents.models import (
    DamagedAsset,
    GrainShipment,
    Incident,
    NeedsBaseline,
    OutageDayFigures,
    Region,
    ServiceDisruption,
    VerificationStatus,
)
from incidents.models.disruptions import ServiceDisruptionQuerySet
from incidents.models.events import stands_for_event
from incidents.models.places import name_in_language

SERVICES = [choice.value for choice in ServiceDisruption.Service]
ASSET_TYPES = [choice.value for choice in DamagedAsset.AssetType]


@dataclass(frozen=True)
class Period:
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    as_of: dt.datetime | None = None
    incident_types: tuple[str, ...] = ()
    region_id: int | None = None
    include_submitted: bool = False

    @property
    def moment(self) -> dt.datetime:
        return self.as_of or timezone.now()

    @property
    def statuses(self) -> tuple[str, ...]:
        if self.include_submitted:
            return (VerificationStatus.VERIFIED, VerificationStatus.SUBMITTED)
        return (VerificationStatus.VERIFIED,)

    @property
    def starts_at(self) -> dt.datetime | None:
        """The first moment of ``date_from`` in Kyiv (the project's time zone)."""
        if self.date_from is None:
            return None
        return midnight(self.date_from)

    @property
    def ends_at(self) -> dt.datetime:
        """The end of ``date_to`` in Kyiv, or the as-of moment if that is earlier."""
        if self.date_to is None:
            return self.moment
        day_after = self.date_to + dt.timedelta(days=1)
        return min(self.moment, midnight(day_after))


def _no_sums() -> dict[str, int]:
    return dict.fromkeys(INCIDENT_SUMS, 0)


@dataclass(frozen=True)
class Figures:
    # The incident sums (incidents, then each of ``SUMMED_COUNTS``), keyed by
    # ``INCIDENT_SUMS``: a count declared there reaches the needs figures without a change
    # here. Read by name as well (``figures.killed``), as the API and the templates do.
    sums: dict[str, int] = field(default_factory=_no_sums)
    # People without each service at the moment of ``as_of``, by service.
    people_without: dict[str, int] = field(default_factory=dict)
    # Of those, the people estimated from households (``incidents.households``).
    people_without_estimated: dict[str, int] = field(default_factory=dict)
    # Outages ongoing at the moment of ``as_of``, by service.
    outages: dict[str, int] = field(default_factory=dict)
    # People multiplied by days without the service within the period, by service.
    person_days: dict[str, float] = field(default_factory=dict)
    # Damaged or destroyed assets by type (counts of buildings, facilities ...).
    damaged: dict[str, int] = field(default_factory=dict)

    def __post_init__(self) -> None:
        # A sum not given is zero: every declared sum is there to read.
        object.__setattr__(self, "sums", {**_no_sums(), **self.sums})

    def __getattr__(self, name: str) -> int:
        # Only called for names that are not attributes: the sums, by name. ``__dict__``
        # is read directly so that an instance still being built raises AttributeError.
        sums = self.__dict__.get("sums", {})
        if name in sums:
            return sums[name]
        raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")

    @property
    def outages_total(self) -> int:
        return sum(self.outages.values())


@dataclass(frozen=True)
class RegionNeeds(Figures):
    pcode: str = ""
    iso_code: str = ""
    name: str = ""
    name_uk: str = ""
    population: int | None = None
    # From the latest needs assessment (NeedsBaseline) of the region, when one was loaded.
    people_affected: int | None = None
    people_in_need: int | None = None
    baseline: str = ""  # which assessment, e.g. "hno-2023 (2023)"

    @property
    def local_name(self) -> str:
        """The region's name in the active language (Ukrainian or English)."""
        return name_in_language(self.name, self.name_uk)


@dataclass(frozen=True)
class GrainMonth:
    port: str
    month: dt.date
    tonnes: int
    voyages: int


@dataclass(frozen=True)
class NationalSummary(Figures):
    grain_exports: tuple[GrainMonth, ...] = ()
    people_in_need: int | None = None  # the sum of the regions' latest baselines


class _Seconds(Func):
    """A duration as seconds (float): PostgreSQL intervals and SQLite's microseconds alike."""

    output_field = FloatField()

    def as_postgresql(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        return self.as_sql(
            compiler, connection, template="EXTRACT(EPOCH FROM %(expressions)s)", **extra
        )

    def as_sqlite(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        return self.as_sql(compiler, connection, template="(%(expressions)s / 1000000.0)", **extra)


def _period_conditions(period: Period, day_field: str) -> Q:
    """The conditions a period puts on incidents (``day_field="occurred_on"``) or on the
    daily figures (``day_field="day"``): status, dates, incident types and region."""
    conditions: dict[str, Any] = {"status__in": period.statuses}
    if period.date_from:
        conditions[f"{day_field}__gte"] = period.date_from
    if period.date_to:
        conditions[f"{day_field}__lte"] = period.date_to
    if period.incident_types:
        conditions["incident_type__in"] = period.incident_types
    if period.region_id is not None:
        conditions["region_id"] = period.region_id
    return Q(**conditions)


def counted_incidents(period: Period) -> QuerySet[Incident]:
    """The incidents a period's figures count: by status, dates, types and region, and
    one report for each event (``stands_for_event``)."""
    return Incident.objects.filter(_period_conditions(period, "occurred_on"), stands_for_event())


def _figures_conditions(period: Period) -> Q:
    """The period's conditions on the summed figures, but its dates (status, types,
    region): ``incidents.figures.periods`` splits the dates between daily figures and
    rollups."""
    return _period_conditions(replace(period, date_from=None, date_to=None), "day")


def weekly_incidents(*, period: Period) -> list[dict[str, Any]]:
    """Incidents and casualties per week and incident type, oldest first."""
    return weekly_sums(where=_figures_conditions(period), dates=(period.date_from, period.date_to))


def _casualties(period: Period, by: list[str]) -> list[dict]:
    """Read from the daily and monthly figures, which ingestion and edits keep equal to the
    incidents."""
    dates = (period.date_from, period.date_to)
    return casualty_sums(where=_figures_conditions(period), dates=dates, by=by)


def counted_outages(period: Period) -> ServiceDisruptionQuerySet:
    """The outages a period's figures count: by status and region (any time)."""
    outages = ServiceDisruption.objects.filter(status__in=period.statuses)
    if period.region_id is not None:
        outages = outages.filter(region_id=period.region_id)
    return outages


def _summed_parts(parts: list[Any], by: list[str], **sums: Any) -> list[dict]:
    """``sums`` grouped by ``by`` over both parts, in one query."""
    grouped = [part.values(*by).annotate(**sums).order_by() for part in parts]
    return added_up(grouped[0].union(*grouped[1:], all=True), by, tuple(sums))


def _people_without(period: Period, by: list[str]) -> list[dict]:
    """People without each service (and those of them estimated from households), and the
    outages, ongoing at the period's moment."""
    started = counted_outages(period).filter(started_at__lte=period.moment)
    return _summed_parts(
        started.not_restored_by(period.moment),
        [*by, "service"],
        people=Coalesce(Sum("people_counted"), 0),
        estimated=Coalesce(Sum("people_counted", filter=Q(people_estimated=True)), 0),
        outages=Count("id"),
    )


def _person_days(period: Period, by: list[str]) -> list[dict]:
    """People x days without each service within the period (clipped to its start and end).

    An outage that started before the period counts from the period's start; one not yet
    restored counts up to the period's end (or now). Whole days before the end's day come
    from the daily outage figures (restored outages); the raw rows give the rest: outages
    still out, and the end's own day, which may end at any moment.
    """
    start, end = period.starts_at, period.ends_at
    if start is not None and start >= end:
        return []  # a period that begins after its end (or after the as-of moment)
    last_day = local_day(end)
    cutoff = midnight(last_day) if start is None else max(start, midnight(last_day))
    sums: dict[tuple, float] = {}
    figures = OutageDayFigures.objects.filter(status__in=period.statuses, day__lt=last_day)
    if period.date_from is not None:
        figures = figures.filter(day__gte=period.date_from)
    if period.region_id is not None:
        figures = figures.filter(region_id=period.region_id)
    rows = figures.values(*by, "service").annotate(person_days=Sum("person_days")).order_by()
    # Outages still out count from the period's start, those restored on the end's day
    # from that day's start: one query for both.
    live = counted_outages(period).filter(started_at__lt=end, people_counted__gt=0)
    since = Case(
        When(
            restored_at__isnull=True,
            then=F("started_at") if start is None else Greatest("started_at", Value(start)),
        ),
        default=Greatest("started_at", Value(cutoff)),
    )
    until = Least(Coalesce("restored_at", Value(end)), Value(end))
    span = ExpressionWrapper(until - since, output_field=DurationField())
    days = _Seconds(span) * F("people_counted") / 86400.0
    live_rows = _summed_parts(
        live.not_restored_by(cutoff),
        [*by, "service"],
        person_days=Coalesce(Sum(days), 0.0, output_field=FloatField()),
    )
    for row in [*rows, *live_rows]:
        key = (*(row[name] for name in by), row["service"])
        sums[key] = sums.get(key, 0.0) + (row["person_days"] or 0.0)
    return [
        {**dict(zip([*by, "service"], key, strict=True)), "person_days": days}
        for key, days in sums.items()
    ]


def latest_baselines() -> dict[int, NeedsBaseline]:
    """The most recent needs assessment per first-level region (by year, then last update)."""
    latest: dict[int, NeedsBaseline] = {}
    ordered = NeedsBaseline.objects.filter(region__level=Region.Level.ADM1).order_by(
        "region_id", F("reference_year").desc(nulls_last=True), "-updated_at"
    )
    for baseline in ordered:
        latest.setdefault(baseline.region_id, baseline)
    return latest


def _baseline_label(baseline: NeedsBaseline) -> str:
    year = f" ({baseline.reference_year})" if baseline.reference_year else ""
    return f"{baseline.external_source}{year}"


def _damaged(period: Period, by: list[str]) -> list[dict]:
    dates = (period.date_from, period.date_to)
    return damage_sums(where=_figures_conditions(period), dates=dates, by=[*by, "asset_type"])


@dataclass
class _ByRegion:
    """The needs figures grouped by region id (None: incidents at sea or unplaced)."""

    casualties: dict[int | None, dict[str, int]]
    without: dict[int | None, dict[str, int]]
    estimated: dict[int | None, dict[str, int]]
    outages: dict[int | None, dict[str, int]]
    person_days: dict[int | None, dict[str, float]]
    damaged: dict[int | None, dict[str, int]]

    @classmethod
    def compute(cls, period: Period) -> _ByRegion:
        """Five grouped queries (person-days take two), whatever the number of records."""
        grouped = cls({}, {}, {}, {}, {}, {})
        for row in _casualties(period, ["region_id"]):
            grouped.casualties[row.pop("region_id")] = row
        for row in _people_without(period, ["region_id"]):
            grouped.without.setdefault(row["region_id"], {})[row["service"]] = row["people"]
            estimated = grouped.estimated.setdefault(row["region_id"], {})
            estimated[row["service"]] = row["estimated"]
            grouped.outages.setdefault(row["region_id"], {})[row["service"]] = row["outages"]
        for row in _person_days(period, ["region_id"]):
            days = grouped.person_days.setdefault(row["region_id"], {})
            days[row["service"]] = row["person_days"]
        for row in _damaged(period, ["region_id"]):
            assets = grouped.damaged.setdefault(row["region_id"], {})
            assets[row["asset_type"]] = row["total"]
        return grouped

    def figures(self, region_ids: list[int | None]) -> dict[str, Any]:
        """Figures keyword arguments summed over ``region_ids``."""

        def total(table: dict[int | None, dict[str, Any]], keys: list[str], zero: Any) -> dict:
            return {
                key: sum((table.get(r, {}).get(key, zero) for r in region_ids), zero)
                for key in keys
            }

        return {
            "sums": total(self.casualties, list(INCIDENT_SUMS), 0),
            "people_without": total(self.without, SERVICES, 0),
            "people_without_estimated": total(self.estimated, SERVICES, 0),
            "outages": total(self.outages, SERVICES, 0),
            "person_days": {
                key: round(days, 1) for key, days in total(self.person_days, SERVICES, 0.0).items()
            },
            "damaged": total(self.damaged, ASSET_TYPES, 0),
        }

    def region_ids(self) -> list[int | None]:
        tables = (self.casualties, self.without, self.person_days, self.damaged)
        return list({key for table in tables for key in table})


def _region_rows(grouped: _ByRegion, baselines: dict[int, NeedsBaseline]) -> list[RegionNeeds]:
    return [
        RegionNeeds(
            pcode=region.pcode,
            iso_code=region.iso_code,
            name=region.name_en,
            name_uk=region.name_uk,
            population=region.population,
            **grouped.figures([region.pk]),
            **_baseline_figures(baselines.get(region.pk)),
        )
        for region in Region.objects.first_level().order_by("pcode")
    ]


def _national(
    period: Period, grouped: _ByRegion, baselines: dict[int, NeedsBaseline]
) -> NationalSummary:
    if period.region_id is not None:
        baselines = {k: v for k, v in baselines.items() if k == period.region_id}
    in_need = [b.people_in_need for b in baselines.values() if b.people_in_need is not None]
    return NationalSummary(
        **grouped.figures(grouped.region_ids()),
        grain_exports=grain_exports_by_port_and_month(period=period),
        people_in_need=sum(in_need) if in_need else None,
    )


def region_needs(*, period: Period) -> list[RegionNeeds]:
    """One row per first-level region, in P-code order: seven queries in all."""
    return _region_rows(_ByRegion.compute(period), latest_baselines())


def needs_and_summary(*, period: Period) -> tuple[list[RegionNeeds], NationalSummary]:
    """Region rows and national totals from the same grouped queries (eight in all)."""
    grouped, baselines = _ByRegion.compute(period), latest_baselines()
    return _region_rows(grouped, baselines), _national(period, grouped, baselines)


def _baseline_figures(baseline: NeedsBaseline | None) -> dict[str, Any]:
    if baseline is None:
        return {}
    return {
        "people_affected": baseline.people_affected,
        "people_in_need": baseline.people_in_need,
        "baseline": _baseline_label(baseline),
    }


def grain_exports_by_port_and_month(*, period: Period) -> tuple[GrainMonth, ...]:
    shipments = GrainShipment.objects.all()
    if period.date_from:
        shipments = shipments.filter(departed_on__gte=period.date_from)
    if period.date_to:
        shipments = shipments.filter(departed_on__lte=period.date_to)
    rows = (
        shipments.annotate(month=TruncMonth("departed_on"))
        .values("departure_port__name", "month")
        .annotate(tonnes=Sum("tonnes"), voyages=Count("voyage_number", distinct=True))
        .order_by("month", "departure_port__name")
    )
    return tuple(
        GrainMonth(
            port=row["departure_port__name"],
            month=row["month"],
            tonnes=row["tonnes"],
            voyages=row["voyages"],
        )
        for row in rows
    )


def national_summary(*, period: Period) -> NationalSummary:
    """Totals over every region and over incidents with none (at sea, unplaced)."""
    return _national(period, _ByRegion.compute(period), latest_baselines())
