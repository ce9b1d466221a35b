"""Linking the reports of one attack into events, and a Verifier's decisions about them.

When a report enters review (a partner's report arrives, staff submit or verify one, a feed
brings new rows), the reports it may repeat are found and scored
(``incidents.events.matching``). A clearly same one links it at once; a possible one puts
it in the duplicates queue, where it counts nowhere until a Verifier links it
(``report_link``) or says it is a different attack (``report_mark_distinct``); otherwise
it stands as an event of its own. A Verifier may also take a report out of its event
(``report_split``); linking a report of one event to another merges the two
(the merged event points to the one that stays, for partners following by id).

Every link, unlink and merge is written to the history of the reports and events with
who did it and why; the event's published figures are chosen again from its reports
(``incidents.figures.events``) by the figures' receivers on each save.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from incidents.events.choice import COUNTED, FIGURES, children_above_totals, eligible
from incidents.events.deciding import Found, Pool, Report, decide
from incidents.events.matching import Likeness, Verdict
from incidents.figures.events import event_reports
from incidents.models import (
    DistinctReports,
    Event,
    Incident,
    MatchCandidate,
    Tombstone,
    VerificationStatus,
)
from incidents.selectors.events import (
    SIGHTING_FIELDS,
    candidate_reports,
    distinct_pairs,
    report_of,
    source_keys,
)
from incidents.services.review import AnyUser, record_author

VERIFY = "incidents.verify_incident"


def reports_match(reports: Sequence[Report]) -> list[Found]:
    """Score each new report against the stored reports it may repeat, and decide (for a
    feed's new rows, which are not stored yet and so do not see each other)."""
    pool = Pool(candidate_reports(reports))
    distinct = distinct_pairs(report.id for report in reports if report.id is not None)
    return [decide(report, pool.around(report), distinct) for report in reports]


def reports_match_in_review(
    moved: Mapping[str, Sequence[int]], status: str, *, by: AnyUser | None
) -> None:
    """Match the reports a bulk review just took into review, one after another in id
    order, as reviewing them one at a time would: a report sees those before it as
    reviewed and those after it as they were."""
    if status not in COUNTED:
        return
    ids = sorted(pk for pks in moved.values() for pk in pks)
    counted_before = {pk for old, pks in moved.items() if old in COUNTED for pk in pks}
    stored = Incident.objects.filter(
        pk__in=ids, event__isnull=True, awaiting_match_since__isnull=True
    )
    rows = {row["id"]: row for row in stored.values(*SIGHTING_FIELDS)}
    if not rows:
        return
    cited = source_keys(rows)
    batch = {pk: report_of(row, cited.get(pk, ())) for pk, row in rows.items()}
    pool = Pool(candidate_reports(list(batch.values()), of_batch=True))
    distinct = distinct_pairs(batch)
    for pk in sorted(batch):
        report = pool.reports.get(pk, batch[pk])
        if report.event_id is not None:
            continue  # linked to by a report before it in the batch

        def visible(other: Report, pk: int = pk) -> bool:
            earlier = other.id is not None and other.id < pk
            return other.id not in batch or earlier or other.id in counted_before

        found = decide(report, pool.around(report), distinct, visible)
        if found.verdict != Verdict.NEW:
            _apply(Incident.objects.get(pk=pk), found, by=by, pool=pool)


def report_match(*, report: Incident, by: AnyUser | None = None) -> Verdict:
    """Match a report that has just entered review, and link or queue it."""
    if report.event_id is not None or report.awaiting_match_since is not None:
        return Verdict.NEW
    row = Incident.objects.filter(pk=report.pk).values(*SIGHTING_FIELDS).get()
    cited = source_keys([report.pk]).get(report.pk, set())
    found = reports_match([report_of(row, cited)])[0]
    _apply(report, found, by=by)
    return found.verdict


def _apply(report: Incident, found: Found, *, by: AnyUser | None, pool: Pool | None = None) -> None:
    target = found.target
    if found.verdict == Verdict.LINK and target is not None and target.id is not None:
        reasons = "; ".join(str(reason) for reason in found.candidates[0][1].reasons)
        event = _link(
            report, Incident.objects.get(pk=target.id), by=by, reason=_auto_reason(reasons)
        )
        if pool is not None:
            pool.linked(report.pk, event.pk)
            pool.linked(target.id, event.pk)
    elif found.verdict == Verdict.QUEUE:
        report_queue(report=report, candidates=found.candidates, by=by)
        if pool is not None:
            pool.drop(report.pk)


def _auto_reason(reasons: str) -> str:
    return _("Linked by the matching: %(reasons)s") % {"reasons": reasons}


def report_queue(
    *, report: Incident, candidates: Sequence[tuple[Report, Likeness]], by: AnyUser | None
) -> None:
    """Put a report in the duplicates queue with its candidates."""
    report.awaiting_match_since = timezone.now()
    if by is not None:
        record_author(report, by=by, reason=_("Possible repeat of an earlier report"))
    report.save(update_fields=["awaiting_match_since", "updated_at"])
    candidates_store(report.pk, candidates)


def candidates_store(report_id: int, candidates: Sequence[tuple[Report, Likeness]]) -> None:
    MatchCandidate.objects.filter(report_id=report_id).delete()
    MatchCandidate.objects.bulk_create(candidate_rows(report_id, candidates))


def candidate_rows(
    report_id: int, candidates: Sequence[tuple[Report, Likeness]]
) -> list[MatchCandidate]:
    return [
        MatchCandidate(
            report_id=report_id,
            candidate_id=other.id,
            score=round(found.score, 3),
            reasons=[str(reason) for reason in found.reasons],
        )
        for other, found in candidates
        if other.id is not None
    ]


def _ensure_verifier(by: AnyUser) -> None:
    if not by.has_perm(VERIFY):
        raise PermissionDenied(_("Only a Verifier links reports or tells them apart."))


@transaction.atomic
def report_link(*, report: Incident, to: Incident, by: AnyUser, reason: str = "") -> Event:
    """A Verifier's "same attack": link the report (and its event, if it has one) to the
    other report's event."""
    _ensure_verifier(by)
    if report.pk == to.pk or (report.event_id and report.event_id == to.event_id):
        raise ValidationError(_("These reports are already of one event."))
    return _link(report, to, by=by, reason=reason.strip() or _("Same attack"))


def _link(report: Incident, to: Incident, *, by: AnyUser | None, reason: str) -> Event:
    event = to.event if to.event is not None else _event_of(to, by=by, reason=reason)
    if report.event is not None and report.event_id != event.pk:
        return _merge(report.event, into=event, by=by, reason=reason)
    _join(report, event, by=by, reason=reason)
    return event


def _event_of(report: Incident, *, by: AnyUser | None, reason: str) -> Event:
    """A new event for a report that stood alone, published under the report's id so
    that partners who copied the report as an event follow it."""
    event = Event(public_id=report.public_id)
    _author(event, by, reason)
    event.save()
    _join(report, event, by=by, reason=reason)
    return event


def _join(report: Incident, event: Event, *, by: AnyUser | None, reason: str) -> None:
    if _stood_alone(report) and report.public_id != event.public_id:
        # Partners may have copied the report as an event of its own: its id now
        # leads to the event it joined, as a merged event's does.
        _points_to(
            event,
            from_id=report.public_id,
            was_published=report.status == VerificationStatus.VERIFIED,
            organisation_id=report.organisation_id,
        )
    report.event = event
    report.awaiting_match_since = None
    _author(report, by, reason)
    report.save(update_fields=["event", "awaiting_match_since", "updated_at"])
    MatchCandidate.objects.filter(report=report).delete()


def _stood_alone(report: Incident) -> bool:
    """Whether the report was published as an event of its own until now."""
    return (
        report.event_id is None and report.awaiting_match_since is None and report.status in COUNTED
    )


def _merge(source: Event, *, into: Event, by: AnyUser | None, reason: str) -> Event:
    """Move every report of ``source`` to ``into``; ``source`` stays as a pointer."""
    was_published = _published(source)
    # Marked merged before its reports move: as they leave it, it must not read as an
    # event withdrawn from publication (it left the merge's own tombstone).
    Event.objects.filter(pk=source.pk).update(merged_into=into, lead=None)
    source.merged_into = into
    source.lead = None
    for report in Incident.objects.filter(event=source):
        _join(report, into, by=by, reason=reason)
    merged = _("Merged into event %(id)s: %(reason)s") % {"id": into.public_id, "reason": reason}
    _author(source, by, merged)
    source.save()
    _points_to(into, from_id=source.public_id, was_published=was_published)
    return into


def _points_to(
    event: Event, *, from_id: Any, was_published: bool, organisation_id: int | None = None
) -> None:
    """A tombstone under an event id partners may hold, that points them to ``event``."""
    Tombstone.objects.create(
        record_type="event",
        public_id=from_id,
        reason=Tombstone.Reason.MERGED,
        was_published=was_published,
        organisation_id=organisation_id,
        merged_into=event.public_id,
    )


def _published(event: Event) -> bool:
    """Whether anonymous readers see the event: it has a verified report."""
    return Incident.objects.filter(event=event, status=VerificationStatus.VERIFIED).exists()


@transaction.atomic
def report_mark_distinct(*, report: Incident, by: AnyUser, reason: str = "") -> None:
    """A Verifier's "different attack": the report stands on its own and is never again
    proposed as a repeat of its candidates, whatever is re-ingested."""
    _ensure_verifier(by)
    others = list(report.match_candidates.values_list("candidate_id", flat=True))
    if report.awaiting_match_since is None and not others:
        raise ValidationError(_("This report is not waiting in the duplicates queue."))
    _distinct(report.pk, others, by=by, reason=reason)
    MatchCandidate.objects.filter(report=report).delete()
    report.awaiting_match_since = None
    _author(report, by, reason.strip() or _("A different attack from its possible repeats"))
    report.save(update_fields=["awaiting_match_since", "updated_at"])


@transaction.atomic
def report_split(*, report: Incident, by: AnyUser, reason: str) -> None:
    """A Verifier takes a report out of its event: it stands on its own, apart from the
    event's other reports from now on."""
    _ensure_verifier(by)
    if report.event_id is None:
        raise ValidationError(_("This report is not linked to an event."))
    if not reason.strip():
        raise ValidationError({"reason": _("Say why the report is of a different attack.")})
    others = Incident.objects.filter(event_id=report.event_id).exclude(pk=report.pk)
    _distinct(report.pk, list(others.values_list("pk", flat=True)), by=by, reason=reason)
    event = Event.objects.get(pk=report.event_id)
    if event.public_id == report.public_id:
        # The event was published under this report's id, which the report takes back
        # as it stands alone again: the event goes on under an id of its own.
        event.public_id = uuid.uuid4()
        _author(event, by, reason)
        event.save(update_fields=["public_id", "updated_at"])
        if report.status not in COUNTED:
            # The report does not stand for an event under its id (it was rejected or
            # returned to draft): partners' copy of the id follows the event instead.
            _points_to(event, from_id=report.public_id, was_published=_published(event))
    report.event = None
    _author(report, by, reason)
    report.save(update_fields=["event", "updated_at"])


@transaction.atomic
def event_choose_figure(
    *, event: Event, name: str, report: Incident, by: AnyUser, reason: str
) -> Event:
    """A Verifier's choice of the report one published figure comes from (the lead
    report's, unless chosen otherwise). Choosing the lead report drops the choice."""
    _ensure_verifier(by)
    if name not in FIGURES:
        raise ValidationError({"name": _("Not a figure an event publishes.")})
    if report.event_id != event.pk:
        raise ValidationError({"report": _("This report is not one of the event's reports.")})
    if not reason.strip():
        raise ValidationError({"reason": _("Say why this report's figure is published.")})
    reports = event_reports(event.pk)
    if report.pk not in {candidate.id for candidate in eligible(reports)}:
        raise ValidationError(
            {"report": _("Choose a published report: the event publishes from those alone.")}
        )
    chosen = {key: value for key, value in event.chosen_from.items() if key != name}
    if report.pk != event.lead_id:
        chosen[name] = report.pk
    if children_above_totals(reports, chosen):
        raise ValidationError(
            _("The published children would then exceed the published total; choose both.")
        )
    event.chosen_from = chosen
    _author(event, by, reason)
    event.save(update_fields=["chosen_from", "updated_at"])
    return event


def _distinct(report_id: int, others: Sequence[int], *, by: AnyUser | None, reason: str) -> None:
    user = by if getattr(by, "is_authenticated", False) else None
    DistinctReports.objects.bulk_create(
        [
            DistinctReports(
                first_id=min(report_id, other),
                second_id=max(report_id, other),
                decided_by=user,  # type: ignore[misc]
                reason=reason,
            )
            for other in others
            if other != report_id
        ],
        ignore_conflicts=True,
    )


def _author(record: Incident | Event, by: AnyUser | None, reason: str) -> None:
    if by is None:
        record._change_reason = reason  # type: ignore[union-attr]
    else:
        record_author(record, by=by, reason=reason)
