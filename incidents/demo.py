"""Load the demo events, and optionally synthetic incidents for load testing.

Loading is idempotent: every demo record has a natural key, and a record that already
matches is left alone (no save, no history row).
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from django.db import transaction
from django.utils import timezone

from accounts.models import Organisation
from incidents import demo_data
from incidents.figures.cache import figures_changed
from incidents.figures.incidents import add_day_figures
from incidents.models import (
    AttackWave,
    AttackWaveWeapon,
    DamagedAsset,
    GrainDisruption,
    Incident,
    Port,
    Region,
    ServiceDisruption,
    Source,
    VerificationStatus,
)

KYIV = ZoneInfo("Europe/Kyiv")
SYNTHETIC_SOURCE = "synthetic"
DEMO_REASON = "Demo data"


@dataclass
class DemoLoadResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    by_model: dict[str, int] = field(default_factory=dict)

    def __str__(self) -> str:
        return f"created={self.created} updated={self.updated} unchanged={self.unchanged}"


def _local(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value).replace(tzinfo=KYIV) if value else None


def _day(value: str | None) -> date | None:
    return date.fromisoformat(value) if value else None


class _Syncer:
    """Create a row, or update only the fields that differ from the demo facts."""

    def __init__(self) -> None:
        self.result = DemoLoadResult()

    def sync(self, model: type[Any], lookup: dict[str, Any], values: dict[str, Any]) -> Any:
        instance = model.objects.filter(**lookup).first()
        name = model._meta.model_name or ""
        if instance is None:
            instance = model(**lookup, **values)
            self._stamp_review(instance, changed=["status"])
            instance._change_reason = DEMO_REASON
            instance.full_clean()
            instance.save()
            self.result.created += 1
            self.result.by_model[name] = self.result.by_model.get(name, 0) + 1
            return instance
        changed = [key for key, value in values.items() if getattr(instance, key) != value]
        if not changed:
            self.result.unchanged += 1
            return instance
        for key in changed:
            setattr(instance, key, values[key])
        changed += self._stamp_review(instance, changed=changed)
        instance._change_reason = DEMO_REASON
        instance.full_clean()
        instance.save()
        self.result.updated += 1
        return instance

    @staticmethod
    def _stamp_review(instance: Any, *, changed: list[str]) -> list[str]:
        if "status" not in changed or getattr(instance, "status", None) != "verified":
            return []
        instance.verified_at = timezone.now()
        instance.rejection_reason = ""
        return ["verified_at", "rejection_reason"]


def _review_values(organisation: Organisation) -> dict[str, Any]:
    return {"organisation": organisation, "status": VerificationStatus.VERIFIED}


def _sync_sources(syncer: _Syncer, parent_field: str, parent: Any, rows: list[tuple]) -> None:
    for kind, name, title, url, published_on in rows:
        lookup = {parent_field: parent, "name": name, "url": url}
        values = {"kind": kind, "title": title, "published_on": _day(published_on)}
        syncer.sync(Source, lookup, values)


def _sync_waves(syncer: _Syncer) -> dict[str, AttackWave]:
    waves = {}
    for row in demo_data.ATTACK_WAVES:
        wave = syncer.sync(
            AttackWave,
            {"name": row["name"]},
            {
                "started_at": _local(row["started_at"]),
                "description": row["description"],
                "source_name": row["source_name"],
                "source_url": row["source_url"],
            },
        )
        for weapon in row["weapons"]:
            syncer.sync(
                AttackWaveWeapon,
                {"wave": wave, "weapon_type": weapon["weapon_type"]},
                {key: value for key, value in weapon.items() if key != "weapon_type"},
            )
        waves[row["key"]] = wave
    return waves


def _incident_values(row: dict[str, Any], wave: AttackWave | None) -> dict[str, Any]:
    return {
        "occurred_on": _day(row["occurred_on"]),
        "occurred_at": _local(row.get("occurred_at")),
        "region": Region.objects.get(pcode=row["region"]),
        "settlement": row["settlement"],
        "latitude": Decimal(row["latitude"]),
        "longitude": Decimal(row["longitude"]),
        "location_precision": row.get("location_precision", "settlement"),
        "incident_type": row["incident_type"],
        "attack_wave": wave,
        "weapons_launched": row.get("weapons_launched"),
        "weapons_intercepted": row.get("weapons_intercepted"),
        "killed": row.get("killed", 0),
        "injured": row.get("injured", 0),
        "children_killed": row.get("children_killed", 0),
        "children_injured": row.get("children_injured", 0),
        "description": row["description"],
    }


def _sync_incident(
    syncer: _Syncer, row: dict[str, Any], organisation: Organisation, wave: AttackWave | None
) -> Incident:
    incident = syncer.sync(
        Incident,
        {"external_source": demo_data.DEMO_SOURCE, "external_id": row["key"]},
        {**_incident_values(row, wave), **_review_values(organisation)},
    )
    for asset_type, name, count, damage_level in row.get("assets", []):
        syncer.sync(
            DamagedAsset,
            {"incident": incident, "asset_type": asset_type, "name": name},
            {"count": count, "damage_level": damage_level},
        )
    for index, disruption in enumerate(row.get("disruptions", []), start=1):
        values = {
            **disruption,
            "started_at": _local(disruption["started_at"]),
            "restored_at": _local(disruption["restored_at"]),
            "region": incident.region,
            "settlement": incident.settlement,
            "incident": incident,
            **_review_values(organisation),
        }
        lookup = {"external_source": demo_data.DEMO_SOURCE, "external_id": f"{row['key']}-{index}"}
        syncer.sync(ServiceDisruption, lookup, values)
    _sync_sources(syncer, "incident", incident, row.get("sources", []))
    return incident


@transaction.atomic
def demo_load() -> DemoLoadResult:
    """Load (or bring back to the facts) the demo events. Running it twice changes nothing."""
    syncer = _Syncer()
    organisation = syncer.sync(
        Organisation,
        {"slug": demo_data.DEMO_ORGANISATION["slug"]},
        {k: v for k, v in demo_data.DEMO_ORGANISATION.items() if k != "slug"},
    )
    waves = _sync_waves(syncer)
    incidents = {
        row["key"]: _sync_incident(syncer, row, organisation, waves.get(row.get("wave", "")))
        for row in demo_data.INCIDENTS
    }
    for row in demo_data.GRAIN_DISRUPTIONS:
        values = {
            "disruption_type": row["disruption_type"],
            "started_on": _day(row["started_on"]),
            "port": Port.objects.get(name=row["port"]) if row.get("port") else None,
            "facility": row.get("facility", ""),
            "grain_destroyed_tonnes": (
                Decimal(row["grain_destroyed_tonnes"])
                if row.get("grain_destroyed_tonnes")
                else None
            ),
            "incident": incidents.get(row.get("incident", "")),
            "description": row["description"],
            **_review_values(organisation),
        }
        lookup = {"external_source": demo_data.DEMO_SOURCE, "external_id": row["key"]}
        disruption = syncer.sync(GrainDisruption, lookup, values)
        _sync_sources(syncer, "grain_disruption", disruption, row.get("sources", []))
    return syncer.result


# Most strikes hit frontline oblasts; weights are rough shares, for realistic skew only.
_SYNTHETIC_WEIGHTS = {
    "UA14": 30,
    "UA63": 18,
    "UA23": 12,
    "UA65": 12,
    "UA12": 8,
    "UA59": 6,
    "UA48": 4,
    "UA51": 3,
    "UA74": 2,
    "UA80": 2,
}
_SYNTHETIC_TYPES = ["shelling", "missile_strike", "drone_strike", "air_strike", "mlrs"]


@transaction.atomic
def demo_add_synthetic(*, count: int, seed: int = 2022) -> int:
    """Add ``count`` verified incidents marked as synthetic. Not a replacement for real data:
    every one says so in its description and carries ``external_source='synthetic'``."""
    organisation = Organisation.objects.get(slug=demo_data.DEMO_ORGANISATION["slug"])
    regions = {region.pcode: region for region in Region.objects.first_level()}
    pcodes = list(regions)
    weights = [_SYNTHETIC_WEIGHTS.get(pcode, 0.3) for pcode in pcodes]
    start = Incident.objects.filter(external_source=SYNTHETIC_SOURCE).count()
    rng = random.Random(seed + start)
    now = timezone.now()
    first_day = date(2022, 2, 24)
    span = (date(2025, 2, 24) - first_day).days
    batch = []
    for number in range(start + 1, start + count + 1):
        region = regions[rng.choices(pcodes, weights)[0]]
        killed = rng.choices([0, 1, 2, 5], [80, 12, 6, 2])[0]
        injured = rng.choices([0, 1, 3, 10], [55, 25, 15, 5])[0]
        batch.append(
            Incident(
                occurred_on=first_day + timedelta(days=rng.randrange(span)),
                region=region,
                latitude=region.latitude,
                longitude=region.longitude,
                location_precision="region",
                incident_type=rng.choice(_SYNTHETIC_TYPES),
                killed=killed,
                injured=injured,
                children_killed=min(killed, rng.choices([0, 1], [95, 5])[0]),
                children_injured=min(injured, rng.choices([0, 1], [90, 10])[0]),
                description="[SYNTHETIC] Generated for load testing; not a real event.",
                organisation=organisation,
                status=VerificationStatus.VERIFIED,
                verified_at=now,
                external_source=SYNTHETIC_SOURCE,
                external_id=f"synthetic-{number}",
            )
        )
    with transaction.atomic():
        created = Incident.objects.bulk_create(batch, batch_size=1000)
        add_day_figures([incident.pk for incident in created])
    figures_changed()
    return len(batch)
