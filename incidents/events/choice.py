"""Which report an event's figures come from, and how far its sources disagree.

By default every figure comes from the event's lead report: the most trusted of its
reports that count (verified before awaiting review, then by the source's reliability
grade, then the earliest). A Verifier may take a figure from another report instead
(``chosen_from``). The spread of each figure over the counted reports is kept beside it,
so that pages can say "killed 3 (3-5, 3 sources)".

Pure: the services read the reports and write the result.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from accounts.models import RELIABILITY_RANK
from incidents.models.base import VerificationStatus

FIGURES = ("killed", "injured", "children_killed", "children_injured")
COUNTED = (VerificationStatus.VERIFIED.value, VerificationStatus.SUBMITTED.value)
_STATUS_RANK = {
    VerificationStatus.VERIFIED.value: 3,
    VerificationStatus.SUBMITTED.value: 2,
    VerificationStatus.DRAFT.value: 1,
    VerificationStatus.REJECTED.value: 0,
}


@dataclass(frozen=True)
class ReportFigures:
    """What one report of an event says, and how far it is trusted."""

    id: int
    status: str
    grade: str  # the source's reliability grade, "A" to "F"
    counts: Mapping[str, int] = field(default_factory=dict)

    @property
    def trust(self) -> tuple[int, int, int]:
        return (_STATUS_RANK.get(self.status, 0), RELIABILITY_RANK.get(self.grade, 0), -self.id)


@dataclass(frozen=True)
class Spread:
    low: int
    high: int
    reports: int

    def as_list(self) -> list[int]:
        return [self.low, self.high, self.reports]


@dataclass(frozen=True)
class Chosen:
    lead_id: int | None
    counts: dict[str, int]
    spreads: dict[str, Spread]

    def ranges(self) -> dict[str, list[int]]:
        return {name: spread.as_list() for name, spread in self.spreads.items()}


def lead_of(reports: Sequence[ReportFigures]) -> ReportFigures | None:
    return max(reports, key=lambda report: report.trust, default=None)


def eligible(reports: Sequence[ReportFigures]) -> list[ReportFigures]:
    """The reports an event's figures and spread are taken from: its published ones when it
    has any (so that what the public reads never rests on an unreviewed report), else those
    awaiting review, else all."""
    for statuses in ((VerificationStatus.VERIFIED.value,), COUNTED):
        found = [report for report in reports if report.status in statuses]
        if found:
            return found
    return list(reports)


# Each count of children, and the total it is part of.
PARTS = (("children_killed", "killed"), ("children_injured", "injured"))


def choose(reports: Sequence[ReportFigures], chosen_from: Mapping[str, int]) -> Chosen:
    """The event's lead, its published counts and their spread."""
    lead = lead_of(reports)
    if lead is None:
        return Chosen(None, dict.fromkeys(FIGURES, 0), {})
    taken = eligible(reports)
    sources = _sources(taken, lead, chosen_from)
    for part, total in PARTS:
        # A total chosen from one report and its children from another may disagree (a
        # report corrected after the choice): the children then follow their total.
        if sources[part].counts.get(part, 0) > sources[total].counts.get(total, 0):
            sources[part] = sources[total]
    counts = {name: source.counts.get(name, 0) for name, source in sources.items()}
    spreads = {}
    for name in FIGURES:
        values = [report.counts.get(name, 0) for report in taken]
        spreads[name] = Spread(min(values), max(values), len(values))
    return Chosen(lead.id, counts, spreads)


def _sources(
    taken: Sequence[ReportFigures], lead: ReportFigures, chosen_from: Mapping[str, int]
) -> dict[str, ReportFigures]:
    by_id = {report.id: report for report in taken}
    return {name: by_id.get(chosen_from.get(name, lead.id), lead) for name in FIGURES}


def children_above_totals(reports: Sequence[ReportFigures], chosen_from: Mapping[str, int]) -> bool:
    """Whether these choices would take a count of children above its total."""
    lead = lead_of(reports)
    if lead is None:
        return False
    sources = _sources(eligible(reports), lead, chosen_from)
    return any(
        sources[part].counts.get(part, 0) > sources[total].counts.get(total, 0)
        for part, total in PARTS
    )
