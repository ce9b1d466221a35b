"""Events as partners read them: one row per counted event, and the event each report
counts in.

A report linked to no event, and not waiting in the duplicates queue, stands for an event
of its own and is published under its own id; reports of one attack are published once,
through the event's lead report, under the event's id (``stands_for_event``). The figures
are the event's, with the spread of its sources beside each.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import (
    BooleanField,
    Case,
    ExpressionWrapper,
    F,
    Prefetch,
    Q,
    QuerySet,
    UUIDField,
    Value,
    When,
)
from django.db.models.functions import Coalesce, Greatest

from incidents.events.choice import COUNTED, FIGURES
from incidents.models import Incident, VerificationStatus
from incidents.models.events import stands_for_event
from incidents.selectors.visibility import records_visible_to
from incidents.services import AnyUser


def with_event_reference(queryset: QuerySet[Incident]) -> QuerySet[Incident]:
    """Annotate each report with ``event_reference``, the public id of the event it counts
    in (its event's, or its own when it stands alone, null while it waits in the
    duplicates queue), and ``awaiting_match``."""
    return queryset.annotate(
        event_reference=Case(
            When(event__isnull=False, then=F("event__public_id")),
            When(awaiting_match_since__isnull=True, then=F("public_id")),
            default=Value(None),
            output_field=UUIDField(),
        ),
        awaiting_match=ExpressionWrapper(
            Q(awaiting_match_since__isnull=False), output_field=BooleanField()
        ),
    )


def events_visible_to(*, user: AnyUser) -> QuerySet[Incident]:
    """The counted events the reader may see, one report standing for each: a report on
    its own, or an event's lead report. An event is shown when its lead report is: the
    lead is its most trusted report, so a verified report leads whenever there is one.

    Each row carries ``event_reference`` (the event's public id), ``changed_at`` (the
    later of the report's and the event's last change, for incremental copies) and, on
    its event, ``visible_reports``: the event's counted reports the reader may see."""
    standing = Incident.objects.filter(stands_for_event(), status__in=COUNTED)
    reports = records_visible_to(
        user=user,
        queryset=Incident.objects.filter(status__in=COUNTED)
        .only("id", "public_id", "event_id")
        .order_by("id"),
    )
    return (
        records_visible_to(user=user, queryset=standing)
        .select_related("region", "event")
        .annotate(
            event_reference=Coalesce(F("event__public_id"), F("public_id")),
            changed_at=Greatest(F("updated_at"), Coalesce(F("event__updated_at"), F("updated_at"))),
        )
        .prefetch_related(Prefetch("event__reports", queryset=reports, to_attr="visible_reports"))
    )


@dataclass(frozen=True)
class PublishedFigure:
    """One figure of an event as published, and its sources' spread."""

    value: int
    low: int
    high: int
    sources: int


def published_figure(report: Incident, name: str) -> PublishedFigure:
    """The figure ``name`` of the event ``report`` stands for: the event's, chosen among its
    reports, or the report's own when it stands alone (one source, no spread)."""
    if name not in FIGURES:
        raise ValueError(name)
    event = report.event if report.event_id else None
    if event is None:
        value = getattr(report, name)
        return PublishedFigure(value, value, value, 1)
    value = getattr(event, name)
    low, high, sources = event.ranges.get(name) or [value, value, 1]
    return PublishedFigure(value, low, high, sources)


def event_report_ids(report: Incident) -> list[Any]:
    """The public ids of the reports counted in the event ``report`` stands for, that the
    reader may see (see ``events_visible_to``)."""
    event = report.event if report.event_id else None
    if event is None:
        return [report.public_id]
    visible = getattr(event, "visible_reports", None)
    if visible is None:  # read without the reader: the published reports only
        visible = event.reports.filter(status=VerificationStatus.VERIFIED).order_by("id")
    return [other.public_id for other in visible]
