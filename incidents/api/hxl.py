"""HXL hashtags of the exported columns (https://hxlstandard.org/standard/1-1final/).

Core hashtags only, with attributes where a column needs them. A field name means the
same in every export unless an export says otherwise (a damaged asset's ``name`` is not an
attack wave's). Columns flattened from a mapping (``people_without.power``) take their
tag from a pattern with the key as an attribute. A column without a tag gets an empty
hashtag cell, which the standard allows.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

COMMON = {
    "id": "#meta+id",
    "external_source": "#meta+source+external",
    "external_id": "#meta+id+external",
    "occurred_on": "#date+occurred",
    "occurred_at": "#date+occurred+time",
    "date_precision": "#meta+precision+date",
    "region": "#adm1+code",
    "settlement": "#loc+name",
    "latitude": "#geo+lat",
    "longitude": "#geo+lon",
    "location_precision": "#meta+precision+location",
    "incident_type": "#event+type",
    "weapons_launched": "#indicator+weapons+launched+num",
    "weapons_intercepted": "#indicator+weapons+intercepted+num",
    "killed": "#affected+killed",
    "injured": "#affected+injured",
    "children_killed": "#affected+killed+children",
    "children_injured": "#affected+injured+children",
    "description": "#description",
    "status": "#status",
    "organisation": "#org+name",
    "verified_at": "#date+verified",
    "updated_at": "#date+updated",
    "service": "#service+type",
    "facility": "#loc+facility+name",
    "incident": "#meta+id+incident",
    "people_affected": "#affected+num",
    "households_affected": "#affected+hh+num",
    "people_counted": "#affected+num+counted",
    "people_estimated": "#meta+estimated",
    "started_at": "#date+start",
    "restored_at": "#date+end",
    "ended_at": "#date+end",
    "started_on": "#date+start",
    "ended_on": "#date+end",
    # Nested lists of a detail, as JSON in one cell.
    "assets": "#meta+assets+json",
    "disruptions": "#meta+disruptions+json",
    "sources": "#meta+sources+json",
    "weapons": "#meta+weapons+json",
    # Regions and the figures by region.
    "pcode": "#adm1+code",
    "iso_code": "#adm1+code+iso",
    "name_en": "#adm1+name+i_en",
    "name_uk": "#adm1+name+i_uk",
    "population": "#population+total",
    # The event a report counts in (events/).
    "event": "#meta+id+event",
    "awaiting_match": "#meta+awaiting_match",
}

BY_EXPORT: dict[str, dict[str, str]] = {
    "region": {
        "level": "#meta+adm_level",
        "unit_type": "#adm1+type",
        "parent": "#adm1+code+parent",
    },
    "damaged-asset": {
        "asset_type": "#item+type",
        "name": "#item+name",
        "count": "#item+damaged+num",
        "damage_level": "#severity+damage",
        "notes": "#description+notes",
    },
    "source": {
        "name": "#org+name+publisher",
        "kind": "#meta+source+type",
        "title": "#meta+source+title",
        "url": "#meta+url",
        "published_on": "#date+published",
    },
    "attack-wave": {
        "id": "#meta+id",
        "name": "#event+name",
        "source_name": "#meta+source",
        "source_url": "#meta+source+url",
    },
    "grain-disruption": {
        "disruption_type": "#event+type",
        "port": "#loc+name+port",
        "grain_destroyed_tonnes": "#indicator+grain+destroyed+tonnes",
        "export_capacity_lost_tonnes": "#capacity+export+lost+tonnes",
    },
    "grain-shipment": {
        "id": "#meta+id",
        "voyage_number": "#meta+id+voyage",
        "is_additional_cargo": "#meta+cargo+additional",
        "vessel_name": "#item+vessel+name",
        "imo": "#item+vessel+code+imo",
        "departure_port": "#loc+name+port+departure",
        "departed_on": "#date+departure",
        "commodity": "#item+name+commodity",
        "tonnes": "#item+tonnes",
        "destination_country": "#country+name+destination",
        "income_group": "#country+destination+income_group",
        "is_wfp": "#org+wfp",
    },
    "needs": {
        "name": "#adm1+name+i_en",
        "incidents": "#event+num",
        "people_affected": "#affected+total",
        "people_in_need": "#inneed+total",
        "baseline": "#meta+source+baseline",
        "people_without.*": "#affected+without+{key}",
        "people_without_estimated.*": "#affected+without+estimated+{key}",
        "outages.*": "#indicator+outages+{key}+num",
        "person_days.*": "#indicator+person_days+{key}",
        "damaged.*": "#indicator+damaged+{key}+num",
    },
}
BY_EXPORT["event"] = {
    # A figure's spread over the event's reports: the figure's hashtag with +min or +max.
    **{
        f"{name}_{end}": f"{COMMON[name]}+{end}"
        for name in ("killed", "injured", "children_killed", "children_injured")
        for end in ("min", "max")
    },
    "sources": "#meta+sources+num",
    "reports": "#meta+id+reports+json",
}
BY_EXPORT["summary"] = {
    **BY_EXPORT["needs"],
    "people_in_need": "#inneed+total",
    "grain_exports": "#meta+grain_exports+json",
}

_NOT_ATTRIBUTE = re.compile(r"[^a-z0-9_]+")


def tags_for(export: str | None) -> dict[str, str]:
    return {**COMMON, **BY_EXPORT.get(export or "", {})}


def hxl_tag(column: str, tags: Mapping[str, str]) -> str:
    if column in tags:
        return tags[column]
    prefix, dot, key = column.partition(".")
    pattern = tags.get(f"{prefix}.*") if dot else None
    if pattern is None:
        return ""
    attribute = _NOT_ATTRIBUTE.sub("_", key.lower()).strip("_")
    return pattern.format(key=attribute) if attribute else ""
