"""What a staff member entering a report sees before saving it: the earlier reports it
may repeat. Apart from ``incidents.selectors.events``, which the services use, because it
reads through the reader's visibility (which builds on the services)."""

from __future__ import annotations

from typing import Any

from incidents.events.deciding import Pool, decide
from incidents.events.matching import Likeness
from incidents.models import Incident
from incidents.selectors.events import (
    SIGHTING_FIELDS,
    candidate_reports,
    distinct_pairs,
    report_of,
)
from incidents.selectors.visibility import records_visible_to
from incidents.services import AnyUser


def possible_repeats(
    *, user: AnyUser, values: dict[str, Any], exclude_id: int | None = None
) -> list[tuple[Incident, Likeness]]:
    """The stored reports a report about to be saved with ``values`` may repeat, as the
    matching would score them, that ``user`` may see: published records of every
    organisation, and their own organisation's."""
    if not values.get("occurred_on"):
        return []
    row = {name: values.get(name) for name in SIGHTING_FIELDS if name in values}
    row.update(id=exclude_id, event_id=None, external_source="", external_id="")
    report = report_of(row)
    pool = Pool(candidate_reports([report]))
    found = decide(report, pool.around(report), distinct_pairs([exclude_id] if exclude_id else []))
    scores = {other.id: likeness for other, likeness in found.candidates if other.id is not None}
    visible = records_visible_to(user=user, queryset=Incident.objects.filter(pk__in=scores))
    ranked = sorted(
        visible.select_related("region", "organisation"), key=lambda i: -scores[i.pk].score
    )
    return [(incident, scores[incident.pk]) for incident in ranked]
