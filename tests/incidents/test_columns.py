"""The shared field lists name real fields: the models' and those of the records parsers give."""

from __future__ import annotations

from dataclasses import fields

from incidents.columns import ASSET_FIELDS, INCIDENT_COLUMNS, INCIDENT_FACTS, SOURCE_FIELDS
from incidents.ingestion.records import AssetRecord, IncidentRecord, SourceRecord
from incidents.models import DamagedAsset, Incident, Source


def test_the_lists_name_model_fields() -> None:
    for model, names in (
        (Incident, INCIDENT_FACTS),
        (Source, SOURCE_FIELDS),
        (DamagedAsset, ASSET_FIELDS),
    ):
        assert [model._meta.get_field(name).name for name in names] == list(names)


def test_records_carry_what_ingestion_writes() -> None:
    assert [item.name for item in fields(SourceRecord)] == list(SOURCE_FIELDS)
    assert [item.name for item in fields(AssetRecord)] == list(ASSET_FIELDS)
    keys_and_children = {"external_id", "region_ref", "sources", "assets", "absent"}
    carried = {item.name for item in fields(IncidentRecord)} - keys_and_children
    assert carried == set(INCIDENT_FACTS) - {"region"}


def test_the_export_gives_every_fact() -> None:
    assert set(INCIDENT_FACTS) - {"region"} < set(INCIDENT_COLUMNS)
