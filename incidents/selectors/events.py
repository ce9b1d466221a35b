"""Reads for matching reports of one attack: the stored reports a new one may repeat, and
the possible-duplicates queue."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from django.db.models import Q, QuerySet

from incidents.events.choice import COUNTED
from incidents.events.deciding import Report
from incidents.events.matching import Sighting, candidate_days, shift_day
from incidents.models import DistinctReports, Incident, Source, VerificationStatus

LOOSE_PRECISIONS = ("week", "month")
LOOSE_REACH_DAYS = 32  # the farthest a month-dated report's span reaches

# What the matching reads of a report.
SIGHTING_FIELDS = (
    "id",
    "public_id",
    "event_id",
    "status",
    "occurred_on",
    "date_precision",
    "occurred_at",
    "region_id",
    "settlement",
    "latitude",
    "longitude",
    "location_precision",
    "incident_type",
    "external_source",
    "external_id",
    "killed",
    "injured",
)


def source_keys(incident_ids: Iterable[int]) -> dict[int, set[tuple[str, str]]]:
    """The publications each report cites, as keys another report citing the same one
    shares: two reports of one article are reports of one attack."""
    return _cited_by(Source.objects.filter(incident_id__in=list(incident_ids)))


def _cited_by(sources: QuerySet[Source]) -> dict[int, set[tuple[str, str]]]:
    keys: dict[int, set[tuple[str, str]]] = {}
    for incident_id, url in sources.exclude(url="").values_list("incident_id", "url"):
        keys.setdefault(incident_id, set()).add(("url", normalised_url(url)))
    return keys


def normalised_url(url: str) -> str:
    """A URL without its scheme, "www.", fragment and trailing slash."""
    text = url.strip().split("#", 1)[0]
    text = text.split("://", 1)[-1]
    text = text.removeprefix("www.")
    return text.rstrip("/").casefold()


def report_of(row: dict[str, Any], cited: Iterable[tuple[str, str]] = ()) -> Report:
    """A report's row (``SIGHTING_FIELDS``) as the matching reads it."""
    keys = set(cited)
    if row.get("external_source") and row.get("external_id"):
        keys.add((row["external_source"], row["external_id"]))
    latitude, longitude = row.get("latitude"), row.get("longitude")
    sighting = Sighting(
        occurred_on=row["occurred_on"],
        date_precision=row.get("date_precision") or "day",
        occurred_at=row.get("occurred_at"),
        region_id=row.get("region_id"),
        settlement=row.get("settlement") or "",
        latitude=float(latitude) if latitude is not None else None,
        longitude=float(longitude) if longitude is not None else None,
        location_precision=row.get("location_precision") or "settlement",
        incident_type=row.get("incident_type") or "other",
        external_keys=frozenset(keys),
        killed=row.get("killed") or 0,
        injured=row.get("injured") or 0,
    )
    return Report(row.get("id"), row.get("event_id"), row.get("external_source") or "", sighting)


def candidate_reports(reports: Sequence[Report], *, of_batch: bool = False) -> list[Report]:
    """The stored reports, counted or awaiting review and not themselves waiting in the
    queue, within the days and regions any of ``reports`` may repeat; ``reports``
    themselves only if ``of_batch`` (a batch reviewed in order, whose reports may repeat
    each other)."""
    if not reports:
        return []
    spans = [candidate_days(report.sighting) for report in reports]
    first, last = min(span[0] for span in spans), max(span[1] for span in spans)
    # A stored report dated only to its week or month may stand for these days although
    # its own date lies up to a month away (``span``).
    loose = Q(
        date_precision__in=LOOSE_PRECISIONS,
        occurred_on__gte=shift_day(first, -LOOSE_REACH_DAYS),
        occurred_on__lte=shift_day(last, LOOSE_REACH_DAYS),
    )
    stored = Incident.objects.filter(
        Q(occurred_on__gte=first, occurred_on__lte=last) | loose,
        status__in=COUNTED,
        awaiting_match_since__isnull=True,
    )
    if not of_batch:
        stored = stored.exclude(pk__in=[report.id for report in reports if report.id is not None])
    regions = [report.sighting.region_id for report in reports]
    if None not in regions:
        stored = stored.filter(region_id__in={region for region in regions if region})
    # Plain tuples: a batch reads tens of thousands of stored reports.
    rows = [
        dict(zip(SIGHTING_FIELDS, values, strict=True))
        for values in stored.values_list(*SIGHTING_FIELDS)
    ]
    # The cited articles by a join, not a list of every id read.
    cited = _cited_by(Source.objects.filter(incident__in=stored))
    return [report_of(row, cited.get(row["id"], ())) for row in rows]


def distinct_pairs(report_ids: Iterable[int]) -> set[tuple[int, int]]:
    """The pairs a Verifier has said are different attacks, that involve these reports
    (each pair both ways round)."""
    ids = [pk for pk in report_ids if pk is not None]
    if not ids:
        return set()
    pairs = DistinctReports.objects.filter(Q(first__in=ids) | Q(second__in=ids))
    found = set()
    for first, second in pairs.values_list("first_id", "second_id"):
        found |= {(first, second), (second, first)}
    return found


def match_queue() -> QuerySet[Incident]:
    """Reports waiting for a Verifier to say whether they repeat an earlier report,
    longest waiting first; not those rejected meanwhile, which count nowhere anyway."""
    return (
        Incident.objects.filter(awaiting_match_since__isnull=False)
        .exclude(status=VerificationStatus.REJECTED)
        .select_related("region", "organisation")
        .prefetch_related(
            "match_candidates__candidate__region", "match_candidates__candidate__organisation"
        )
        .order_by("awaiting_match_since", "id")
    )
