"""Reads of the domain, already scoped to what the reader may see."""

from incidents.selectors.needs import (
    GrainMonth,
    NationalSummary,
    Period,
    RegionNeeds,
    counted_incidents,
    counted_outages,
    grain_exports_by_port_and_month,
    latest_baselines,
    national_summary,
    needs_and_summary,
    region_needs,
    weekly_incidents,
)
from incidents.selectors.published_events import (
    PublishedFigure,
    event_report_ids,
    events_visible_to,
    published_figure,
    with_event_reference,
)
from incidents.selectors.visibility import (
    disruptions_visible_to,
    records_in_workspace,
    records_visible_to,
    sources_visible_to,
    tombstones_visible_to,
    with_visible_incident,
)

__all__ = [
    "PublishedFigure",
    "event_report_ids",
    "events_visible_to",
    "published_figure",
    "with_event_reference",
    "GrainMonth",
    "NationalSummary",
    "Period",
    "RegionNeeds",
    "grain_exports_by_port_and_month",
    "national_summary",
    "records_in_workspace",
    "disruptions_visible_to",
    "records_visible_to",
    "with_visible_incident",
    "region_needs",
    "sources_visible_to",
    "tombstones_visible_to",
    "counted_incidents",
    "counted_outages",
    "latest_baselines",
    "needs_and_summary",
    "weekly_incidents",
]
