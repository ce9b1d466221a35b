"""Ingestion's part in linking reports of one attack: a feed's new rows are matched
against the stored reports before they are written, so that each is written already
linked to its event, or waiting in the duplicates queue, or standing alone, and its first
history row says so. Matching a batch costs one read of the stored reports of its days
and regions, whatever its size.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.utils import timezone

from incidents.bulk import copy_to_history, insert_rows, update_rows
from incidents.events.deciding import Found, Report
from incidents.events.matching import Verdict
from incidents.models import Event, Incident, MatchCandidate
from incidents.selectors.events import normalised_url, report_of
from incidents.services.events import candidate_rows, reports_match


@dataclass
class BatchLinks:
    """What the matching decided for a batch's new rows, in their order."""

    found: list[Found] = field(default_factory=list)
    events: set[int] = field(default_factory=set)  # events that gained a report

    def stands_alone(self, index: int) -> bool:
        return not self.found or self.found[index].verdict == Verdict.NEW


def link_new_rows(
    rows: Sequence[dict[str, Any]], sources: Sequence[list[dict]], *, reason: str
) -> BatchLinks:
    """Match the new rows (incident values by attname, with each row's cited sources) and
    set ``event_id`` or ``awaiting_match_since`` on the rows the matching links or
    queues."""
    if not rows:
        return BatchLinks()
    reports = [
        report_of(
            row, {("url", normalised_url(source["url"])) for source in cited if source.get("url")}
        )
        for row, cited in zip(rows, sources, strict=True)
    ]
    links = BatchLinks(found=reports_match(reports))
    now = timezone.now()
    linked: list[tuple[dict[str, Any], Report]] = []
    for row, found in zip(rows, links.found, strict=True):
        target = found.target
        if found.verdict == Verdict.QUEUE:
            row["awaiting_match_since"] = now
        elif found.verdict == Verdict.LINK and target is not None and target.id is not None:
            linked.append((row, target))
    # The reports that stood alone form their events, all at once.
    alone = {target.id for _, target in linked if target.event_id is None}
    made = standalone_events({pk for pk in alone if pk is not None}, reason=reason)
    for row, target in linked:
        event_id = target.event_id if target.event_id is not None else made[target.id or 0]
        row["event_id"] = event_id
        links.events.add(event_id)
    return links


def standalone_events(report_ids: Collection[int], *, reason: str) -> dict[int, int]:
    """The events reports that stood alone form once a new row is linked to each: report
    id -> event id.

    What the review services do for one report (``_event_of``: an event published under
    the report's id, the report linked, both histories written, its candidates dropped),
    for a batch's reports in a few statements. The figures are left to ``after_batch``,
    which rewrites the events' days once for the batch (these writes send no signals).
    """
    if not report_ids:
        return {}
    reports = list(
        Incident.objects.filter(pk__in=report_ids).order_by("pk").values_list("pk", "public_id")
    )
    events = insert_rows(Event, [{"public_id": public_id} for _, public_id in reports])
    copy_to_history(Event, events, "+", reason=reason)
    now = timezone.now()
    linked = [
        Incident(pk=pk, event_id=event, awaiting_match_since=None, updated_at=now)
        for (pk, _), event in zip(reports, events, strict=True)
    ]
    update_rows(Incident, linked, ["event", "awaiting_match_since", "updated_at"])
    copy_to_history(Incident, [pk for pk, _ in reports], "~", reason=reason)
    MatchCandidate.objects.filter(report_id__in=report_ids).delete()
    return {pk: event for (pk, _), event in zip(reports, events, strict=True)}


def store_candidates(created_ids: Sequence[int], links: BatchLinks) -> None:
    """The queued rows' candidates, once the rows have ids."""
    rows = []
    for report_id, found in zip(created_ids, links.found, strict=True):
        if found.verdict == Verdict.QUEUE:
            rows += candidate_rows(report_id, found.candidates)
    insert_rows(
        MatchCandidate,
        [
            {name: getattr(row, name) for name in ("report_id", "candidate_id", "score", "reasons")}
            for row in rows
        ],
    )


def counted_alone(current: dict[str, Any]) -> bool:
    """Whether a stored report counts with its own figures (linked to no event, not
    waiting in the queue)."""
    return current.get("event_id") is None and current.get("awaiting_match_since") is None
