"""Run pages a person can use: progress, refused and skipped rows, links to the records a run
wrote, filters by run and source, and an upload form that tells the format from the file."""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from openpyxl import Workbook

from incidents.models import GrainShipment, Incident, IngestionIssue, IngestionRun, NeedsBaseline
from incidents.selectors.ingestion_runs import reason_parts
from tests.incidents.ingestion.payloads import PAYLOADS
from tests.incidents.ingestion.test_admin_ingestion import (
    admin_url,
    messages_of,
    page,
    sent_tasks,
    upload,
    upload_data,
)

pytestmark = pytest.mark.django_db

ACLED_BYTES = (PAYLOADS / "acled_export.csv").read_bytes()


@pytest.fixture(autouse=True)
def media(settings, tmp_path: Path) -> Path:
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def post_upload(client, django_capture_on_commit_callbacks, data: dict[str, Any]):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = client.post(admin_url("ingestionrun", "add"), data)
    return response, sent_tasks(callbacks)


def changelist_ids(client, model: str, query: dict[str, str]) -> set[int]:
    response = client.get(admin_url(model, "changelist"), query)
    assert response.status_code == 200, response.get("Location")
    return {record.pk for record in response.context["cl"].queryset}


def make_run(**fields: Any) -> IngestionRun:
    defaults = {"format": "acled", "external_source": "acled", "location": "x.csv"}
    return IngestionRun.objects.create(trigger="schedule", **{**defaults, **fields})


# -- reasons taken apart ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("reason", "field", "value", "message"),
    [
        (
            "departure port: 'X' is not a known port",
            "departure port",
            "X",
            "'X' is not a known port",
        ),
        ("killed: '-3' is negative", "killed", "-3", "'-3' is negative"),
        ("the row has 3 cells, the header 5", "", None, "the row has 3 cells, the header 5"),
        ("status: empty", "status", None, "empty"),
        (
            "'Black Sea' is not a region; kept without a region",
            "",
            "Black Sea",
            "'Black Sea' is not a region; kept without a region",
        ),
        ("database: value too long", "", None, "database: value too long"),
        ("notes: 'it's here' is too long", "notes", "it's here", "'it's here' is too long"),
    ],
)
def test_reason_parts_name_the_field_and_the_value(reason, field, value, message) -> None:
    parts = reason_parts(reason)

    assert (parts.field, parts.value, parts.message) == (field, value, message)


# -- upload form ------------------------------------------------------------------------------


def test_upload_detects_the_format_and_says_what_happens_next(
    client, verifier, django_capture_on_commit_callbacks
) -> None:
    client.force_login(verifier)

    response, tasks = post_upload(
        client, django_capture_on_commit_callbacks, upload_data(format="")
    )

    run = IngestionRun.objects.get()
    assert len(tasks) == 1
    assert (run.format, run.external_source, run.options, run.status) == (
        "acled",
        "acled",
        {},
        "succeeded",
    )
    run_url = admin_url("ingestionrun", "change", run.pk)
    assert response["Location"] == run_url
    assert messages_of(response) == [
        "“acled_export.csv” is uploaded and queued: a worker will ingest it as ACLED export "
        "(CSV or API JSON) shortly. Recognised as an ACLED export. "
        f'<a href="{run_url}">The run\'s page</a> shows how far it has got, the rows it '
        "refused and the records it wrote."
    ]
    assert Incident.objects.count() == 11


def test_upload_with_a_chosen_format_names_no_detection(
    client, verifier, django_capture_on_commit_callbacks
) -> None:
    client.force_login(verifier)

    response, _tasks = post_upload(client, django_capture_on_commit_callbacks, upload_data())

    (message,) = messages_of(response)
    assert message.startswith("“acled_export.csv” is uploaded and queued")
    assert "Recognised" not in message
    assert "from  (" not in message


def test_upload_that_cannot_be_recognised_asks_for_the_format(
    client, verifier, django_capture_on_commit_callbacks
) -> None:
    client.force_login(verifier)
    data = upload_data(format="")
    data["file"] = SimpleUploadedFile("table.csv", b"a,b\n1,2\n", content_type="text/csv")

    response, tasks = post_upload(client, django_capture_on_commit_callbacks, data)

    assert response.status_code == 200
    assert tasks == []
    assert response.context["adminform"].form.errors == {
        "format": [
            "No known format recognised from the first rows (ACLED's event_id_cnty, Impact's "
            "columns, the JCC's vessel columns or HXL hashtags): choose its format."
        ]
    }
    assert not IngestionRun.objects.exists()


def test_upload_form_explains_every_format(client, verifier) -> None:
    client.force_login(verifier)

    response = client.get(admin_url("ingestionrun", "add"))

    content = page(response)
    assert '<option value="" selected>Detect from the file</option>' in content
    for label in ["Impact CSV export", "ACLED export (CSV or API JSON)", "HXL-tagged needs"]:
        assert f"<li><strong>{label}" in content
    assert "also accepted as an Excel workbook (xlsx)" in content
    assert 'name="sheet"' in content


def jcc_workbook(sheet: str) -> bytes:
    rows = list(
        csv.reader(io.StringIO((PAYLOADS / "jcc_shipments.csv").read_text(encoding="utf-8-sig")))
    )
    book = Workbook()
    book.active.title = "Notes"
    book.active.append(["Vessel movements, see the next sheet"])
    data = book.create_sheet(sheet)
    for row in rows:
        data.append(row)
    stream = io.BytesIO()
    book.save(stream)
    return stream.getvalue()


def test_workbook_upload_reads_the_named_sheet(
    client, verifier, django_capture_on_commit_callbacks
) -> None:
    client.force_login(verifier)
    content = jcc_workbook("Voyages")

    def data(sheet: str) -> dict[str, Any]:
        workbook = SimpleUploadedFile("jcc.xlsx", content, content_type="application/vnd.ms-excel")
        return upload_data(format="", sheet=sheet, file=workbook)

    refused, tasks = post_upload(client, django_capture_on_commit_callbacks, data(""))
    assert (refused.status_code, tasks) == (200, [])
    assert "format" in refused.context["adminform"].form.errors
    assert not IngestionRun.objects.exists()

    response, tasks = post_upload(client, django_capture_on_commit_callbacks, data(" Voyages "))

    assert (response.status_code, len(tasks)) == (302, 1)
    run = IngestionRun.objects.get()
    assert (run.format, run.options, run.error) == ("jcc", {"sheet": "Voyages"}, "")
    assert run.created == GrainShipment.objects.count() > 0


# -- progress ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "refreshes", "note"),
    [
        ("queued", True, "Waiting for a worker to start it."),
        ("running", True, "Reading the file; last progress at"),
        ("succeeded", False, "0.5 s, 24,000 rows a second."),
        ("failed", False, "The run stopped after 12,000 rows; what it wrote until then stays."),
    ],
)
def test_run_page_shows_progress_and_refreshes_while_the_run_works(
    client, analyst, status, refreshes, note
) -> None:
    now = timezone.now()
    finished = {"started_at": now, "finished_at": now} if status in ("succeeded", "failed") else {}
    run = make_run(
        status=status,
        rows_seen=12_000,
        created=7_000,
        updated=5,
        skipped=4_995,
        seconds=0.5,
        heartbeat_at=now if status == "running" else None,
        **finished,
    )
    client.force_login(analyst)

    content = page(client.get(admin_url("ingestionrun", "change", run.pk)))

    assert ('<meta http-equiv="refresh" content="5">' in content) is refreshes
    assert '<span class="run-count">12,000</span> rows read' in content
    assert '<span class="run-count">7,000</span> created' in content
    assert '<span class="run-count">4,995</span> skipped' in content
    assert note in content


def test_a_run_that_failed_as_a_whole_says_nothing_was_written(client, analyst) -> None:
    now = timezone.now()
    run = make_run(
        status="failed", error="the file ends inside a value", started_at=now, finished_at=now
    )
    client.force_login(analyst)

    content = page(client.get(admin_url("ingestionrun", "change", run.pk)))

    assert "the file ends inside a value" in content
    assert "Nothing was written: a payload that fails as a whole changes no record." in content


# -- refused and skipped rows -----------------------------------------------------------------


def test_refused_rows_show_the_column_the_value_and_the_values_as_read(client, analyst) -> None:
    run = make_run(status="succeeded")
    IngestionIssue.objects.create(
        run=run,
        row_number=7,
        level="rejected",
        reason="region: 'Atlantis' is not a known region",
        raw={"event_id_cnty": "UKR1", "region": "Europe", "admin1": "Atlantis", "fatalities": 3},
    )
    client.force_login(analyst)

    response = client.get(admin_url("ingestionrun", "change", run.pk))

    (row,) = response.context["issue_rows"]
    assert (row.row_number, row.column, row.value, row.message) == (
        7,
        "admin1",
        "Atlantis",
        "'Atlantis' is not a known region",
    )
    content = page(response)
    assert "{'" not in content
    assert '<tr class="run-named"><th scope="row">admin1</th><td>Atlantis</td></tr>' in content
    assert '<tr><th scope="row">fatalities</th><td>3</td></tr>' in content


def test_refused_rows_are_paginated(client, analyst, django_assert_max_num_queries) -> None:
    run = make_run(status="succeeded", rejected=120)
    IngestionIssue.objects.bulk_create(
        IngestionIssue(
            run=run, row_number=number, level="rejected", reason=f"killed: '-{number}' is negative"
        )
        for number in range(2, 122)
    )
    client.force_login(analyst)

    with django_assert_max_num_queries(20):
        first = client.get(admin_url("ingestionrun", "change", run.pk))
    last = client.get(admin_url("ingestionrun", "change", run.pk), {"issues_page": 3})

    assert [row.row_number for row in first.context["issue_rows"]] == list(range(2, 52))
    assert [row.row_number for row in last.context["issue_rows"]] == list(range(102, 122))
    assert 'href="?issues_page=2#refused-rows"' in page(first)
    assert "Page 3 of 3 (120 rows)" in page(last)


def test_skipped_rows_are_listed_by_reason_with_their_first_rows(
    client, verifier, django_capture_on_commit_callbacks
) -> None:
    client.force_login(verifier)
    upload(client, django_capture_on_commit_callbacks)
    run = IngestionRun.objects.get()

    response = client.get(admin_url("ingestionrun", "change", run.pk))

    skipped = response.context["skipped_rows"]
    assert skipped.total == run.skipped == 2
    assert [(group.reason, group.count, group.first_rows) for group in skipped.groups] == [
        ("event type 'Battles' not imported", 1, [10]),
        ("event type 'Protests' not imported", 1, [11]),
    ]
    assert all(row.level != "skipped" for row in response.context["issue_rows"])


def test_many_skipped_rows_are_counted_by_reason(client, analyst) -> None:
    run = make_run(status="succeeded", skipped=3_000)
    reasons = ["event type 'Battles' not imported", "event type 'Protests' not imported"]
    IngestionIssue.objects.bulk_create(
        IngestionIssue(run=run, row_number=number, level="skipped", reason=reasons[number % 3 == 0])
        for number in range(2, 3_002)
    )
    client.force_login(analyst)

    response = client.get(admin_url("ingestionrun", "change", run.pk))

    groups = response.context["skipped_rows"].groups
    assert [(group.reason, group.count, group.first_rows) for group in groups] == [
        (reasons[0], 2_000, [2, 4, 5, 7, 8]),
        (reasons[1], 1_000, [3, 6, 9, 12, 15]),
    ]
    assert "2,000" in page(response)


# -- what a run wrote, and the changelists filtered by run and source ---------------------------


def run_links(client, run: IngestionRun) -> dict[str, str]:
    """The record links on the run's page: their text -> their URL."""
    content = page(client.get(admin_url("ingestionrun", "change", run.pk)))
    block = content[content.index("field-written_records") :]
    block = block[: block.index("</div>\n")]
    return {text: url for url, text in re.findall(r'<a href="([^"]+)">([^<]+)</a>', block)}


def test_run_links_to_the_records_it_created_and_changed(
    client, verifier, django_capture_on_commit_callbacks
) -> None:
    client.force_login(verifier)
    upload(client, django_capture_on_commit_callbacks)
    first = IngestionRun.objects.get()
    changed_bytes = ACLED_BYTES.replace(b"Nikopol with artillery", b"Nikopol with heavy artillery")
    changed_file = SimpleUploadedFile("acled_export.csv", changed_bytes, content_type="text/csv")
    upload(client, django_capture_on_commit_callbacks, file=changed_file)
    second = IngestionRun.objects.exclude(pk=first.pk).get()
    edited = Incident.objects.get(description__contains="heavy artillery")

    first_links = run_links(client, first)
    second_links = run_links(client, second)

    incidents = admin_url("incident", "changelist")
    assert first_links == {
        "11 created": f"{incidents}?ingestion_run={first.pk}%3Acreated",
        "10 still last written by this run": f"{incidents}?ingestion_run={first.pk}%3Alast",
        "all from source “acled”": f"{incidents}?source=acled",
    }
    assert second_links == {
        "1 changed": f"{incidents}?ingestion_run={second.pk}%3Achanged",
        "1 still last written by this run": f"{incidents}?ingestion_run={second.pk}%3Alast",
        "all from source “acled”": f"{incidents}?source=acled",
    }
    all_ids = set(Incident.objects.values_list("pk", flat=True))
    assert changelist_ids(client, "incident", {"ingestion_run": f"{first.pk}:created"}) == all_ids
    assert changelist_ids(client, "incident", {"ingestion_run": f"{first.pk}:changed"}) == set()
    assert changelist_ids(client, "incident", {"ingestion_run": str(first.pk)}) == all_ids
    assert changelist_ids(client, "incident", {"ingestion_run": str(second.pk)}) == {edited.pk}
    assert changelist_ids(client, "incident", {"ingestion_run": f"{second.pk}:last"}) == {edited.pk}
    assert changelist_ids(client, "incident", {"ingestion_run": f"{first.pk}:last"}) == (
        all_ids - {edited.pk}
    )


def test_run_filter_shows_the_chosen_run_and_only_the_latest_others(client, analyst) -> None:
    runs = [make_run(location=f"file-{number}.csv", created=1) for number in range(8)]
    client.force_login(analyst)

    chosen = client.get(admin_url("incident", "changelist"), {"ingestion_run": runs[0].pk})
    unchosen = client.get(admin_url("incident", "changelist"))

    def run_choices(response) -> list[str]:
        (spec,) = [
            spec for spec in response.context["cl"].filter_specs if spec.title == "ingestion run"
        ]
        return [str(title) for _value, title in spec.lookup_choices]

    label = f"file-0.csv, {timezone.localtime(runs[0].created_at):%Y-%m-%d %H:%M}"
    assert run_choices(chosen) == [
        f"{label}: created or changed",
        "↳ created by it",
        "↳ changed by it",
        "↳ still last written by it",
    ]
    assert [choice.split(",")[0] for choice in run_choices(unchosen)] == [
        "file-7.csv",
        "file-6.csv",
        "file-5.csv",
        "file-4.csv",
        "file-3.csv",
    ]


@pytest.mark.parametrize("value", ["999999", "abc", "1:deleted"])
def test_run_filter_refuses_what_is_not_a_run(client, analyst, value) -> None:
    make_run()
    client.force_login(analyst)

    response = client.get(admin_url("incident", "changelist"), {"ingestion_run": value})

    assert response.status_code == 302
    assert response["Location"].endswith("?e=1")


def test_source_filter_on_incidents_and_baselines(
    client, verifier, django_capture_on_commit_callbacks
) -> None:
    client.force_login(verifier)
    upload(client, django_capture_on_commit_callbacks)
    upload(client, django_capture_on_commit_callbacks, external_source="partner")
    hxl = upload_data(
        name="incidents.hxl.csv",
        format="hxl",
        external_source="hxl-partner",
        record_status="submitted",
    )
    post_upload(client, django_capture_on_commit_callbacks, hxl)

    acled = set(Incident.objects.filter(external_source="acled").values_list("pk", flat=True))
    partner = set(Incident.objects.filter(external_source="partner").values_list("pk", flat=True))
    assert len(acled) == len(partner) == 11
    assert changelist_ids(client, "incident", {"source": "acled"}) == acled
    assert changelist_ids(client, "incident", {"source": "partner"}) == partner
    response = client.get(admin_url("incident", "changelist"))
    (spec,) = [spec for spec in response.context["cl"].filter_specs if spec.title == "source"]
    assert [value for value, _title in spec.lookup_choices] == ["acled", "hxl-partner", "partner"]
    assert changelist_ids(client, "needsbaseline", {"source": "nobody"}) == set()


def test_source_filter_finds_a_cargo_line_under_every_source_that_reported_it(
    client, verifier, django_capture_on_commit_callbacks
) -> None:
    client.force_login(verifier)
    jcc = {"name": "jcc_shipments.csv", "format": "jcc"}
    upload(client, django_capture_on_commit_callbacks, **jcc)
    upload(client, django_capture_on_commit_callbacks, **jcc, external_source="jcc-hdx")

    lines = set(GrainShipment.objects.values_list("pk", flat=True))
    assert lines
    assert set(GrainShipment.objects.values_list("external_source", flat=True)) == {"jcc"}
    assert changelist_ids(client, "grainshipment", {"source": "jcc-hdx"}) == lines
    assert changelist_ids(client, "grainshipment", {"source": "jcc"}) == lines
    second = IngestionRun.objects.get(external_source="jcc-hdx")
    assert changelist_ids(client, "grainshipment", {"ingestion_run": f"{second.pk}:changed"}) == (
        lines
    )


def test_baseline_run_links_to_needs_baselines(client, verifier) -> None:
    run = make_run(format="hxl-baseline", external_source="baseline", status="succeeded")
    client.force_login(verifier)

    links = run_links(client, run)

    baselines = admin_url("needsbaseline", "changelist")
    assert links == {"all from source “baseline”": f"{baselines}?source=baseline"}
    assert not NeedsBaseline.objects.exists()
