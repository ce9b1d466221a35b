"""Keeping each event's published figures in step with its reports.

An event publishes one set of counts chosen from its reports (``incidents.events.choice``)
and leads the figures through one of them; whenever a report of it changes (its counts,
its status, its link), the choice is made again here and the days its reports touch are
rewritten by the caller. A derived row like the sums themselves: recomputed from the
stored reports, so running it twice changes nothing. Written with ``update()`` so that no
history row is added for what is not an edit: links, unlinks and a Verifier's choices
are recorded in the history by the services that make them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.db import transaction
from django.utils import timezone

from accounts.models import Reliability
from incidents.bulk import update_rows
from incidents.events.choice import FIGURES, ReportFigures, choose
from incidents.models import Event, Incident, SourceReliability, Tombstone, VerificationStatus

DayKey = tuple[int | None, dt.date]


def report_grade(external_source: str, organisation_grade: str | None, grades: dict) -> str:
    """A report's reliability: its feed's grade, else its organisation's, else not judged."""
    if external_source and external_source in grades:
        return str(grades[external_source])
    return organisation_grade or Reliability.F.value


def source_grades() -> dict[str, str]:
    return dict(SourceReliability.objects.values_list("external_source", "grade"))


def refresh_events(event_ids: Iterable[int | None]) -> set[DayKey]:
    """Choose the lead and the counts of these events again from their reports; return the
    (region, day) pairs of their reports, whose figures the caller rewrites."""
    ids = {pk for pk in event_ids if pk is not None}
    if not ids:
        return set()
    with transaction.atomic():
        return _refresh_locked(sorted(ids))


def _refresh_locked(ids: list[int]) -> set[DayKey]:
    # The events' rows first, in id order: two writers changing reports of one event would
    # otherwise each choose from what the other had not committed yet, and the last write
    # could keep a lead the other had just rejected.
    list(Event.objects.select_for_update().filter(pk__in=ids).order_by("pk").values_list("pk"))
    grades = source_grades()
    members: dict[int, list[dict[str, Any]]] = {}
    keys: set[DayKey] = set()
    for row in Incident.objects.filter(event_id__in=ids).values(*REPORT_FIELDS):
        members.setdefault(row["event_id"], []).append(row)
        keys.add((row["region_id"], row["occurred_on"]))
    changed = []
    withdrawn = []
    now = timezone.now()
    for event in Event.objects.filter(pk__in=ids):
        reports = [_figures_of(row, grades) for row in members.get(event.pk, [])]
        chosen = choose(reports, event.chosen_from)
        published = event.merged_into_id is None and any(
            report.status == VerificationStatus.VERIFIED for report in reports
        )
        values: dict[str, Any] = {
            "lead_id": chosen.lead_id,
            "ranges": chosen.ranges(),
            "is_published": published,
        }
        values.update(chosen.counts)
        if event.is_published and not published and event.merged_into_id is None:
            # Partners' copies must drop it (a merged event left its own tombstone).
            withdrawn.append(
                Tombstone(
                    record_type="event",
                    public_id=event.public_id,
                    reason=Tombstone.Reason.WITHDRAWN,
                    was_published=True,
                )
            )
        if any(getattr(event, name) != value for name, value in values.items()):
            # Partners copying events by ``updated_since`` must see that what the event
            # publishes changed: a bulk update leaves auto_now alone.
            values["updated_at"] = now
            for name, value in values.items():
                setattr(event, name, value)
            changed.append(event)
    # One statement for all (ingestion refreshes thousands of events a batch).
    update_rows(Event, changed, ["lead", "ranges", "is_published", "updated_at", *FIGURES])
    Tombstone.objects.bulk_create(withdrawn)
    return keys


def event_reports(event_id: int) -> list[ReportFigures]:
    """An event's reports as its figures are chosen from them."""
    grades = source_grades()
    rows = Incident.objects.filter(event_id=event_id).values(*REPORT_FIELDS)
    return [_figures_of(row, grades) for row in rows]


REPORT_FIELDS = (
    "id",
    "event_id",
    "status",
    "external_source",
    "organisation__reliability",
    "region_id",
    "occurred_on",
    *FIGURES,
)


def _figures_of(row: dict[str, Any], grades: dict[str, str]) -> ReportFigures:
    return ReportFigures(
        id=row["id"],
        status=row["status"],
        grade=report_grade(row["external_source"], row["organisation__reliability"], grades),
        counts={name: row[name] for name in FIGURES},
    )


def events_of_sources(*, external_source: str = "", organisation_id: int | None = None) -> set[int]:
    """The events with a report from this feed or organisation (whose grade changed)."""
    reports = Incident.objects.filter(event__isnull=False)
    if external_source:
        reports = reports.filter(external_source=external_source)
    elif organisation_id is not None:
        reports = reports.filter(organisation_id=organisation_id)
    else:
        return set()
    return set(reports.values_list("event_id", flat=True))


def event_report_keys(event_id: int) -> set[DayKey]:
    """The (region, day) pairs of an event's reports."""
    return set(Incident.objects.filter(event_id=event_id).values_list("region_id", "occurred_on"))
