"""The ingestion service end to end on captured payloads: counts, idempotency, updates,
refused rows, region matching and records that staff have taken over."""

from __future__ import annotations

from pathlib import Path

import pytest

from incidents import services as record_services
from incidents.ingestion import services
from incidents.models import GrainShipment, Incident, IngestionRun
from tests.incidents.ingestion.acled_rows import acled_csv_bytes, acled_row

PAYLOADS = Path(__file__).resolve().parents[2] / "payloads"

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def ingest(location: Path | str, format: str = "acled", **kwargs) -> IngestionRun:
    run = services.ingestion_run_create(
        location=str(location), format=format, trigger="command", **kwargs
    )
    return services.ingestion_run_execute(run_id=run.pk)


def counts(run: IngestionRun) -> tuple[int, ...]:
    return (run.created, run.updated, run.unchanged, run.rejected, run.skipped, run.warnings)


def acled(external_id: str) -> Incident:
    return Incident.objects.select_related("region").get(
        external_source="acled", external_id=external_id
    )


def test_acled_export_goes_in_with_every_row_accounted_for():
    run = ingest(PAYLOADS / "acled_export.csv")
    assert run.status == "succeeded"
    assert run.rows_seen == 17
    assert counts(run) == (11, 0, 0, 4, 2, 1)
    assert Incident.objects.count() == 11
    assert set(Incident.objects.values_list("status", flat=True)) == {"submitted"}


@pytest.mark.parametrize(
    ("external_id", "pcode"),
    [
        ("UKR12001", "UA12"),  # Dnipropetrovsk
        ("UKR12003", "UA80"),  # "Kyiv City" is the city
        ("UKR12010", "UA32"),  # ACLED's "Kyiv" is the oblast
        ("UKR12006", "UA35"),  # Kirovograd
        ("UKR12007", "UA23"),  # Zaporizhia
        ("UKR12013", "UA01"),  # Crimea
        ("UKR12017", "UA48"),
    ],
)
def test_acled_region_names_resolve_to_p_codes(external_id, pcode):
    ingest(PAYLOADS / "acled_export.csv")
    assert acled(external_id).region.pcode == pcode


def test_sea_events_are_kept_without_region_and_with_a_warning():
    run = ingest(PAYLOADS / "acled_export.csv")
    assert acled("UKR12011").region is None
    warning = run.issues.get(level="warning")
    assert (warning.row_number, warning.raw["event_id_cnty"]) == (13, "UKR12011")
    assert "'Black Sea' is not a region" in warning.reason


def test_refused_rows_keep_their_row_number_values_and_reason():
    run = ingest(PAYLOADS / "acled_export.csv")
    rejected = {issue.raw["event_id_cnty"]: issue for issue in run.issues.filter(level="rejected")}
    assert sorted(rejected) == ["UKR12012", "UKR12014", "UKR12015", "UKR12016"]
    assert rejected["UKR12012"].row_number == 14
    assert rejected["UKR12012"].reason == "region: 'Atlantis' is not a known region"
    assert rejected["UKR12014"].reason == "fatalities: '-3' is negative"
    assert rejected["UKR12014"].raw["fatalities"] == "-3"
    assert not Incident.objects.filter(external_id__in=rejected).exists()


def test_fatalities_become_killed_and_acled_is_named_as_source():
    ingest(PAYLOADS / "acled_export.csv")
    incident = acled("UKR12002")
    assert (incident.killed, incident.settlement, incident.incident_type) == (
        3,
        "Lviv",
        "missile_strike",
    )
    source = incident.sources.get()
    assert (source.name, source.kind) == ("ACLED", "dataset")


def test_ingesting_twice_is_the_same_as_once():
    ingest(PAYLOADS / "acled_export.csv")
    before = list(Incident.objects.order_by("pk").values())
    history = Incident.history.count()
    again = ingest(PAYLOADS / "acled_export.csv")
    assert counts(again)[:3] == (0, 0, 11)
    assert list(Incident.objects.order_by("pk").values()) == before
    assert Incident.history.count() == history


def test_a_changed_row_updates_the_record_and_its_history_names_the_run(tmp_path):
    first = tmp_path / "first.csv"
    first.write_bytes(acled_csv_bytes([acled_row(1, fatalities=1), acled_row(2)]))
    ingest(first)
    second = tmp_path / "second.csv"
    second.write_bytes(acled_csv_bytes([acled_row(1, fatalities=4), acled_row(2)]))
    run = ingest(second)

    assert counts(run)[:3] == (0, 1, 1)
    incident = acled("UKR000001")
    assert incident.killed == 4
    assert incident.last_ingestion_run == run
    latest = incident.history.latest()
    assert latest.history_change_reason == f"Ingested by run {run.public_id}"
    changes = latest.diff_against(latest.prev_record).changes
    assert [(c.field, c.old, c.new) for c in changes if c.field == "killed"] == [("killed", 1, 4)]


def test_records_edited_by_staff_are_never_overwritten(tmp_path, verifier):
    first = tmp_path / "first.csv"
    first.write_bytes(acled_csv_bytes([acled_row(1, fatalities=1)]))
    ingest(first)
    incident = acled("UKR000001")
    record_services.record_update(record=incident, by=verifier, data={"killed": 2})
    assert Incident.objects.get(pk=incident.pk).is_curated

    second = tmp_path / "second.csv"
    second.write_bytes(acled_csv_bytes([acled_row(1, fatalities=9)]))
    run = ingest(second)
    assert counts(run) == (0, 0, 0, 0, 1, 1)
    assert "edited by staff" in run.issues.get().reason
    assert Incident.objects.get(pk=incident.pk).killed == 2


def test_staff_records_without_a_feed_key_are_untouched(tmp_path, organisation):
    from tests.factories import IncidentFactory

    own = IncidentFactory(organisation=organisation, killed=5, settlement="Place 1")
    payload = tmp_path / "acled.csv"
    payload.write_bytes(acled_csv_bytes([acled_row(1)]))
    ingest(payload)
    own.refresh_from_db()
    assert (own.killed, own.external_source, own.is_curated) == (5, "", False)
    assert Incident.objects.count() == 2


def test_a_duplicate_id_in_one_file_keeps_the_last_row(tmp_path):
    payload = tmp_path / "acled.csv"
    payload.write_bytes(acled_csv_bytes([acled_row(1, fatalities=1), acled_row(1, fatalities=2)]))
    run = ingest(payload)
    assert counts(run) == (1, 0, 0, 0, 1, 1)
    assert acled("UKR000001").killed == 2
    assert run.issues.get().row_number == 2


def test_acled_event_types_can_be_widened():
    run = ingest(PAYLOADS / "acled_export.csv", options={"acled_event_types": ["Battles"]})
    assert (run.created, run.skipped) == (1, 16)
    assert Incident.objects.get().external_id == "UKR12008"


def test_verified_feeds_publish_and_organisation_is_recorded(organisation):
    run = ingest(PAYLOADS / "acled_export.csv", record_status="verified", organisation=organisation)
    incident = acled("UKR12002")
    assert (incident.status, incident.organisation) == ("verified", organisation)
    assert incident.verified_at is not None
    assert incident.last_ingestion_run == run


def test_a_file_in_another_format_fails_the_run_with_a_clear_message():
    run = ingest(PAYLOADS / "jcc_shipments.csv", format="acled")
    assert run.status == "failed"
    assert "event_id_cnty" in run.error
    assert Incident.objects.count() == 0


def test_jcc_shipments_upsert_on_voyage_and_cargo_line():
    run = ingest(PAYLOADS / "jcc_shipments.csv", format="jcc")
    assert run.status == "succeeded"
    created = run.created
    assert created == GrainShipment.objects.count() > 0
    assert GrainShipment.objects.filter(is_additional_cargo=True).exists()
    again = ingest(PAYLOADS / "jcc_shipments.csv", format="jcc")
    assert (again.created, again.unchanged) == (0, created)
    assert GrainShipment.objects.count() == created


def test_hxl_incidents_go_in_by_tag():
    run = ingest(PAYLOADS / "incidents.hxl.csv", format="hxl")
    assert run.status == "succeeded"
    assert run.created == Incident.objects.filter(external_source="hxl").count() > 0
    assert run.rejected == run.issues.filter(level="rejected").count()
