"""Ingestion's part in linking reports of one attack: a feed's new rows are matched
against the stored reports before they are written, so that each is written already
linked to its event, or waiting in the duplicates queue, or standing alone, and its first
history row says so. Matching a batch costs one read of the stored reports of its days
and regions, whatever its size.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from django.utils import timezone

from incidents.events.deciding import Found
from incidents.events.matching import Verdict
from incidents.models import MatchCandidate
from incidents.selectors.events import normalised_url, report_of
from incidents.services.events import candidate_rows, reports_match, standalone_event


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
    made: dict[int, int] = {}  # a standalone report -> the event made for it
    for row, found in zip(rows, links.found, strict=True):
        target = found.target
        if found.verdict == Verdict.QUEUE:
            row["awaiting_match_since"] = now
        elif found.verdict == Verdict.LINK and target is not None and target.id is not None:
            event_id = target.event_id
            if event_id is None:
                if target.id not in made:
                    made[target.id] = standalone_event(target.id, reason=reason).pk
                event_id = made[target.id]
            row["event_id"] = event_id
            links.events.add(event_id)
    return links


def store_candidates(created_ids: Sequence[int], links: BatchLinks) -> None:
    """The queued rows' candidates, once the rows have ids."""
    rows = []
    for report_id, found in zip(created_ids, links.found, strict=True):
        if found.verdict == Verdict.QUEUE:
            rows += candidate_rows(report_id, found.candidates)
    MatchCandidate.objects.bulk_create(rows)


def counted_alone(current: dict[str, Any]) -> bool:
    """Whether a stored report counts with its own figures (linked to no event, not
    waiting in the queue)."""
    return current.get("event_id") is None and current.get("awaiting_match_since") is None
