"""Deciding, for each report, among the reports it may repeat: pure, over reports already
read (``Report``).

``Pool`` holds the stored reports a batch may repeat, indexed by region and day, and
follows the decisions made while a batch is worked through in order (a report linked or
queued a moment ago is seen as such by the next one).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from incidents.events.matching import (
    QUEUE,
    Likeness,
    Sighting,
    Verdict,
    candidate_days,
    likeness,
    span,
    verdict,
)


@dataclass(frozen=True)
class Report:
    """A report as the matching sees it."""

    id: int | None  # None for a report not stored yet
    event_id: int | None
    external_source: str
    sighting: Sighting


@dataclass(frozen=True)
class Found:
    """What the matching found for one report."""

    verdict: Verdict
    # The stored reports worth a Verifier's look, best first, one per event.
    candidates: list[tuple[Report, Likeness]] = field(default_factory=list)

    @property
    def target(self) -> Report | None:
        return self.candidates[0][0] if self.candidates else None


class Pool:
    """The reports a batch may repeat, by (region, day)."""

    def __init__(self, reports: Iterable[Report]) -> None:
        self.reports: dict[int, Report] = {}
        self._by_day: dict[tuple[int | None, dt.date], list[int]] = {}
        self._regions: set[int | None] = set()
        for report in reports:
            self.add(report)

    def add(self, report: Report) -> None:
        if report.id is None:
            return
        if report.id not in self.reports:
            # Under every day its date can stand for: a report dated to the week or month
            # is a candidate for the reports of each of its days.
            first, last = span(report.sighting)
            for offset in range((last - first).days + 1):
                key = (report.sighting.region_id, first + dt.timedelta(days=offset))
                self._by_day.setdefault(key, []).append(report.id)
            self._regions.add(report.sighting.region_id)
        self.reports[report.id] = report

    def linked(self, report_id: int, event_id: int) -> None:
        """A report of the pool now belongs to this event."""
        if report_id in self.reports:
            self.reports[report_id] = dataclasses.replace(
                self.reports[report_id], event_id=event_id
            )

    def around(self, report: Report) -> list[Report]:
        """The pool's reports on the days and in the region ``report`` may repeat."""
        first, last = candidate_days(report.sighting)
        regions = {report.sighting.region_id} if report.sighting.region_id else self._regions
        days = [first + dt.timedelta(days=n) for n in range((last - first).days + 1)]
        found = dict.fromkeys(
            pk
            for day in days
            for region in regions
            for pk in self._by_day.get((region, day), [])
            if pk in self.reports
        )
        return [self.reports[pk] for pk in found]

    def drop(self, report_id: int) -> None:
        """A report no longer anyone's candidate (it waits in the queue itself)."""
        self.reports.pop(report_id, None)


def decide(
    report: Report,
    pool: list[Report],
    distinct: set[tuple[int, int]],
    visible: Callable[[Report], bool] = lambda other: True,
) -> Found:
    """Score ``report`` against the reports of ``pool`` it may repeat, and decide."""
    candidates = [other for other in pool if other.id != report.id and visible(other)]
    # A Verifier's "different attack" for one report of an event holds for the event.
    refused: set[int | None] = {
        other.event_id
        for other in candidates
        if other.event_id is not None and (report.id, other.id) in distinct
    }
    best: dict[tuple[str, int], tuple[Report, Likeness]] = {}
    for other in candidates:
        if _never_same(report, other, distinct, refused):
            continue
        found = likeness(report.sighting, other.sighting)
        if found is None:
            continue
        group = ("event", other.event_id) if other.event_id else ("report", other.id or 0)
        if group not in best or found.score > best[group][1].score:
            best[group] = (other, found)
    ranked = sorted(best.values(), key=lambda pair: (-pair[1].score, pair[0].id or 0))
    decision, index = verdict([found for _, found in ranked])
    if decision == Verdict.NEW or index is None:
        return Found(Verdict.NEW)
    if decision == Verdict.LINK:
        return Found(decision, [ranked[index]])
    return Found(decision, [pair for pair in ranked if pair[1].score >= QUEUE])


def _never_same(
    report: Report, other: Report, distinct: set[tuple[int, int]], refused: set[int | None]
) -> bool:
    # One source does not report one attack twice: its rows are different events (the
    # same row again updates its report instead). Staff reports have no source name and
    # may repeat each other.
    if report.external_source and other.external_source == report.external_source:
        return True
    if report.event_id is not None and other.event_id == report.event_id:
        return True
    return (report.id, other.id) in distinct or (
        other.event_id is not None and other.event_id in refused
    )
