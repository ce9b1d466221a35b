"""Attach region geometry from an OCHA COD-AB or geoBoundaries ADM1 GeoJSON file.

Features are matched by P-code where the file has one (COD-AB: ``ADM1_PCODE``) and by
ISO 3166-2 code otherwise (geoBoundaries: ``shapeISO``); the two differ for five units,
which is why the match goes through the region table rather than through the digits.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, BinaryIO

from django.core.exceptions import ValidationError
from django.db import transaction

from incidents.models import Region, RegionBoundary

PCODE_KEYS = ("ADM1_PCODE", "adm1_pcode", "admin1Pcode", "pcode")
ISO_KEYS = ("shapeISO", "iso_3166_2", "ISO_3166_2", "iso_code")
GEOMETRY_TYPES = ("Polygon", "MultiPolygon")
GEOBOUNDARIES_ATTRIBUTION = (
    "Boundaries © OpenStreetMap contributors (ODbL), via geoBoundaries: Runfola, D. et al. "
    "(2020) geoBoundaries. PLoS ONE 15(4): e0231866."
)


@dataclass
class BoundaryLoadResult:
    matched: list[str] = field(default_factory=list)
    unmatched: list[str] = field(default_factory=list)

    @property
    def missing(self) -> list[str]:
        loaded = set(self.matched)
        return [
            pcode
            for pcode in Region.objects.first_level().values_list("pcode", flat=True)
            if pcode not in loaded
        ]


def _code(properties: dict[str, Any], keys: tuple[str, ...]) -> str:
    for key in keys:
        value = properties.get(key)
        if value:
            return str(value).strip().upper()
    return ""


def _features(stream: BinaryIO) -> list[dict[str, Any]]:
    try:
        collection = json.load(stream)
    except (ValueError, UnicodeDecodeError) as error:
        raise ValidationError(f"Not a GeoJSON file: {error}") from error
    if not isinstance(collection, dict) or collection.get("type") != "FeatureCollection":
        raise ValidationError("Not a GeoJSON FeatureCollection.")
    return [feature for feature in collection.get("features", []) if isinstance(feature, dict)]


@transaction.atomic
def boundaries_load(*, stream: BinaryIO, source: str) -> BoundaryLoadResult:
    """Store each matched feature's geometry on its region. Loading the same file again
    gives the same regions the same geometry."""
    result = BoundaryLoadResult()
    regions = {region.pcode: region for region in Region.objects.first_level()}
    by_iso = {region.iso_code: region for region in regions.values() if region.iso_code}
    for feature in _features(stream):
        properties = feature.get("properties") or {}
        pcode, iso = _code(properties, PCODE_KEYS), _code(properties, ISO_KEYS)
        region = regions.get(pcode) or by_iso.get(iso)
        geometry = feature.get("geometry") or {}
        if region is None or geometry.get("type") not in GEOMETRY_TYPES:
            result.unmatched.append(pcode or iso or str(properties)[:80])
            continue
        RegionBoundary.objects.update_or_create(
            region=region, defaults={"geometry": geometry, "source": source[:300]}
        )
        result.matched.append(region.pcode)
    if not result.matched:
        raise ValidationError("No feature matched a region by P-code or ISO 3166-2 code.")
    return result
