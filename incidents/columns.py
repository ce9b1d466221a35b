"""The fields of an incident, of its sources, damaged assets and disruptions, named once for every
way in and out: the API's serializers, the ingestion writers, the admin's inlines, and
Impact's own export with the parser that reads it back.

Plain names, no Django: the parsers import this module. The order is the order the API
and the export give them in; changing it changes what clients read.
"""

from __future__ import annotations

# What a report says about an incident, by model field: the API shows them to everyone
# and takes them from its reporter, ingestion writes them from a source's records.
# When, where and what: what the matching compares of two reports, and what an event
# takes from its lead report.
WHEN_WHERE_WHAT: tuple[str, ...] = (
    "occurred_on",
    "occurred_at",
    "date_precision",
    "region",
    "settlement",
    "latitude",
    "longitude",
    "location_precision",
    "incident_type",
)
INCIDENT_FACTS: tuple[str, ...] = (
    *WHEN_WHERE_WHAT,
    "weapons_launched",
    "weapons_intercepted",
    "killed",
    "injured",
    "children_killed",
    "children_injured",
    "description",
)
SOURCE_FIELDS: tuple[str, ...] = ("name", "kind", "title", "url", "published_on")
ASSET_FIELDS: tuple[str, ...] = ("asset_type", "name", "count", "damage_level", "notes")
# What a report says about a service outage it caused: the admin's inline takes these,
# the API takes them and a description.
DISRUPTION_FIELDS: tuple[str, ...] = (
    "service",
    "region",
    "settlement",
    "facility",
    "people_affected",
    "households_affected",
    "started_at",
    "restored_at",
)

# Impact's own export names the region by its three codes, so that another instance finds
# it by whichever it knows.
REGION_COLUMNS: tuple[str, ...] = ("region_pcode", "region_iso", "region_name")
# The columns (JSON keys) of Impact's own export, which the impact-csv and impact-json
# ingestion formats read back: the incident's keys, its facts, its review state, and its
# sources and assets as JSON arrays.
INCIDENT_COLUMNS: tuple[str, ...] = (
    "id",
    "external_source",
    "external_id",
    *(
        column
        for fact in INCIDENT_FACTS
        for column in (REGION_COLUMNS if fact == "region" else (fact,))
    ),
    "status",
    "updated_at",
    "sources",
    "assets",
)
