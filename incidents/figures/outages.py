"""Daily outage figures: kept equal to the outages they sum.

An outage counts on its first day (``started_people``), on the day it was restored
(``restored_people``) and, once restored, on every day it lasted (``person_days``: its
people times the part of that Kyiv day they were without the service). Its people are
the people it counts (``ServiceDisruption.people_counted``: the people affected, or its
households times its region's household size, see ``incidents.households``). Each save or
deletion of an outage rewrites the rows of the days it touched before and after the
change (the receivers are in ``incidents.figures.hooks``), and so does a change of a
region's household size for the outages counted from households there
(``recount_outages``), so the dashboards sum a few rows per day instead of every outage.
The work is done in Python, alike on every database: an outage touches a handful of days.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from incidents.figures.sums import COUNTED_STATUSES, OUTAGE_FIGURES_LOCK
from incidents.households import counted_people
from incidents.local_time import local_day, midnight
from incidents.models import OutageDayFigures, Region, ServiceDisruption
from incidents.sql import chunks, lock_regions

FIELDS = ("region_id", "service", "status", "people_counted", "started_at", "restored_at")
Outage = tuple[int, str, str, int | None, dt.datetime, dt.datetime | None]  # as FIELDS
Key = tuple[int, str, str, dt.date]  # region, service, status, day
DayKey = tuple[int, dt.date]  # region, day
Sums = dict[Key, list[Any]]  # key -> [started_people, restored_people, person_days]
MOVED_PER_QUERY = 10_000  # outages read back per query by ``move_outages``
RECOUNTED_PER_QUERY = 1_000  # outages written per query by ``recount_outages``


def _days(first: dt.date, last: dt.date) -> Iterator[dt.date]:
    day = first
    while day <= last:
        yield day
        day += dt.timedelta(days=1)


def add_outage(sums: Sums, outage: Outage, days: set[dt.date] | None) -> None:
    """Add what ``outage`` contributes to ``days`` (all days when None)."""
    region_id, service, status, people, started_at, restored_at = outage
    if status not in COUNTED_STATUSES:
        return
    people = people or 0
    first = local_day(started_at)
    if days is None or first in days:
        sums.setdefault((region_id, service, status, first), [0, 0, 0.0])[0] += people
    if restored_at is None:
        return
    last = local_day(restored_at)
    if days is None or last in days:
        sums.setdefault((region_id, service, status, last), [0, 0, 0.0])[1] += people
    if people <= 0:
        return
    for day in _days(first, last):
        if days is not None and day not in days:
            continue
        since = max(started_at, midnight(day))
        until = min(restored_at, midnight(day + dt.timedelta(days=1)))
        # In UTC: Python subtracts times of one zone by the wall clock, which would give
        # the days the clocks change 24 hours instead of 23 or 25.
        seconds = (until.astimezone(dt.UTC) - since.astimezone(dt.UTC)).total_seconds()
        if seconds > 0:
            sums.setdefault((region_id, service, status, day), [0, 0, 0.0])[2] += (
                seconds * people / 86400.0
            )


def day_keys(outage: Outage | None) -> set[DayKey]:
    """The (region, day) rows an outage counts on."""
    if outage is None or outage[2] not in COUNTED_STATUSES:
        return set()
    region_id, _, _, _, started_at, restored_at = outage
    last = local_day(restored_at) if restored_at is not None else local_day(started_at)
    return {(region_id, day) for day in _days(local_day(started_at), last)}


def figure_rows(sums: Sums, model: Any = OutageDayFigures) -> list[Any]:
    return [
        model(
            region_id=region_id,
            service=service,
            status=status,
            day=day,
            started_people=started,
            restored_people=restored,
            person_days=person_days,
        )
        for (region_id, service, status, day), (started, restored, person_days) in sums.items()
    ]


def refresh_outage_figures(keys: Iterable[DayKey]) -> None:
    """Recompute the rows of these (region, day) pairs from the outages."""
    by_region: dict[int, set[dt.date]] = {}
    for region_id, day in keys:
        by_region.setdefault(region_id, set()).add(day)
    with transaction.atomic():
        lock_regions(OUTAGE_FIGURES_LOCK, by_region)
        for region_id, days in by_region.items():
            first, last = min(days), max(days)
            # Every outage of the region that touches a day between the first and last.
            outages = ServiceDisruption.objects.filter(
                region_id=region_id,
                status__in=COUNTED_STATUSES,
                started_at__lt=midnight(last + dt.timedelta(days=1)),
            ).exclude(restored_at__lt=midnight(first))
            sums: Sums = {}
            for outage in outages.values_list(*FIELDS):
                add_outage(sums, outage, days)
            OutageDayFigures.objects.filter(region_id=region_id, day__in=days).delete()
            OutageDayFigures.objects.bulk_create(figure_rows(sums))


def move_outages(moves: Mapping[str, Sequence[int]], status: str) -> None:
    """Rewrite the days of outages moved from the status each list of ids is keyed by to
    ``status``: for a review of a set of outages, past the signals. Called once the new
    status is written."""
    keys: set[DayKey] = set()
    for old, ids in moves.items():
        if old not in COUNTED_STATUSES and status not in COUNTED_STATUSES:
            continue
        for chunk in chunks(list(ids), MOVED_PER_QUERY):
            found = ServiceDisruption.objects.filter(pk__in=chunk).values_list(*FIELDS)
            for outage in found:
                before = (*outage[:2], old, *outage[3:])
                keys |= day_keys(outage) | day_keys(before)
    refresh_outage_figures(keys)


def rebuild_outage_figures() -> None:
    """Recompute every row from all outages, once every outage's people counted are what
    its fields and its region's household size give (a write behind the application's
    back may have left them behind)."""
    sums: Sums = {}
    with transaction.atomic():
        _recount_people()
        outages = ServiceDisruption.objects.filter(status__in=COUNTED_STATUSES)
        for outage in outages.values_list(*FIELDS).iterator(chunk_size=5000):
            add_outage(sums, outage, None)
        OutageDayFigures.objects.all().delete()
        OutageDayFigures.objects.bulk_create(figure_rows(sums), batch_size=5000)


def recount_outages(region_ids: Iterable[int]) -> None:
    """Count again the people of the outages given only in households in these regions,
    whose household size changed, and rewrite the days whose sums that changed."""
    with transaction.atomic():
        refresh_outage_figures(_recount_from_households(list(region_ids)))


# The people counted are written past the signals, as a bulk review writes: the outages'
# own fields did not change, so no history row is due. ``updated_at`` moves, for partners
# that read what changed since a date: the people the API gives for them did change.


def _recount_people() -> None:
    """Store again every outage's people counted that is not what its fields give."""
    now = timezone.now()
    given = ServiceDisruption.objects.filter(people_affected__isnull=False)
    given.exclude(people_counted=F("people_affected"), people_estimated=False).update(
        people_counted=F("people_affected"), people_estimated=False, updated_at=now
    )
    nobody = ServiceDisruption.objects.filter(
        people_affected__isnull=True, households_affected__isnull=True
    )
    nobody.exclude(people_counted=0, people_estimated=False).update(
        people_counted=0, people_estimated=False, updated_at=now
    )
    _recount_from_households(None)


def _recount_from_households(region_ids: list[int] | None) -> set[DayKey]:
    """Store again the people counted of the outages given only in households (in these
    regions, or all) that are not what their region's household size gives; return the
    days whose sums that changed."""
    regions = (
        Region.objects.all() if region_ids is None else Region.objects.filter(pk__in=region_ids)
    )
    sizes = dict(regions.values_list("pk", "household_size"))
    from_households = ServiceDisruption.objects.filter(
        people_affected__isnull=True, households_affected__isnull=False
    )
    if region_ids is not None:
        from_households = from_households.filter(region_id__in=list(sizes))
    now = timezone.now()
    changed: list[ServiceDisruption] = []
    keys: set[DayKey] = set()
    rows = from_households.values_list("pk", "households_affected", "people_estimated", *FIELDS)
    for pk, households, was_estimated, *fields in rows.iterator(chunk_size=5000):
        outage: Outage = tuple(fields)
        counted = counted_people(
            people_affected=None, households_affected=households, household_size=sizes[outage[0]]
        )
        if (counted.people, True) == (outage[3], was_estimated):
            continue
        changed.append(
            ServiceDisruption(
                pk=pk, people_counted=counted.people, people_estimated=True, updated_at=now
            )
        )
        keys |= day_keys(outage)
    ServiceDisruption.objects.bulk_update(
        changed,
        ["people_counted", "people_estimated", "updated_at"],
        batch_size=RECOUNTED_PER_QUERY,
    )
    return keys
