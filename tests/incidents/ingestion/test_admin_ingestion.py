"""Ingestion in the admin: feeds, "Ingest now", the upload form, runs and their issues."""

from __future__ import annotations

import functools
import html
from pathlib import Path
from typing import Any

import pytest
from django.contrib.messages import get_messages
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from incidents.models import Feed, Incident, IngestionIssue, IngestionRun
from tests.incidents.ingestion.payloads import PAYLOADS

pytestmark = pytest.mark.django_db

ACLED_BYTES = (PAYLOADS / "acled_export.csv").read_bytes()
ACLED_SUMMARY = "created=11 updated=0 unchanged=0 rejected=4 skipped=2 warnings=1"
ACLED_SKIPPED = [
    (10, "skipped", "event type 'Battles' not imported"),
    (11, "skipped", "event type 'Protests' not imported"),
]
ACLED_ISSUES = [
    (13, "warning", "'Black Sea' is not a region; kept without a region"),
    (14, "rejected", "region: 'Atlantis' is not a known region"),
    (16, "rejected", "fatalities: '-3' is negative"),
    (17, "rejected", "fatalities: 'two' is not a whole number"),
    (18, "rejected", "event_date: '31 June 2023' is not a valid date"),
]


def sent_tasks(callbacks: list) -> list:
    """The on-commit callbacks that send a Celery task (the others refresh cached figures)."""
    return [callback for callback in callbacks if isinstance(callback, functools.partial)]


@pytest.fixture(autouse=True)
def media(settings, tmp_path: Path) -> Path:
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def admin_url(model: str, page: str, *args: Any) -> str:
    return reverse(f"admin:incidents_{model}_{page}", args=args)


def messages_of(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


def make_feed(slug: str = "acled-partner", **fields: Any) -> Feed:
    feed = Feed(name=slug.replace("-", " ").title(), slug=slug, format="acled", **fields)
    feed.upload.save(f"{slug}.csv", ContentFile(ACLED_BYTES), save=False)
    feed.save()
    return feed


def upload_data(name: str = "acled_export.csv", **fields: Any) -> dict[str, Any]:
    content = (PAYLOADS / name).read_bytes()
    return {
        "file": SimpleUploadedFile(name, content, content_type="text/csv"),
        "format": "acled",
        "feed": "",
        "external_source": "",
        "record_status": "submitted",
        "organisation": "",
        "_save": "Save",
        **fields,
    }


def page(response) -> str:
    """The page's text with HTML entities decoded, for comparing with plain strings."""
    return html.unescape(response.content.decode())


def upload(client, django_capture_on_commit_callbacks, **fields: Any):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = client.post(admin_url("ingestionrun", "add"), upload_data(**fields))
    assert len(sent_tasks(callbacks)) == 1
    return response


# -- feeds ----------------------------------------------------------------------------------


def test_verifier_opens_the_feed_pages(client, verifier) -> None:
    feed = make_feed(url="https://127.0.0.1/acled.csv", schedule_minutes=60)
    client.force_login(verifier)

    pages = {
        name: client.get(url)
        for name, url in {
            "changelist": admin_url("feed", "changelist"),
            "add": admin_url("feed", "add"),
            "change": admin_url("feed", "change", feed.pk),
        }.items()
    }

    assert {name: response.status_code for name, response in pages.items()} == {
        "changelist": 200,
        "add": 200,
        "change": 200,
    }
    assert "Acled Partner" in page(pages["changelist"])
    assert 'value="https://127.0.0.1/acled.csv"' in page(pages["change"])
    assert 'name="upload"' in page(pages["add"])


def test_verifier_adds_a_feed_with_an_uploaded_file(client, verifier, organisation, media) -> None:
    client.force_login(verifier)
    data = {
        "name": "Partner ACLED",
        "slug": "partner-acled",
        "format": "acled",
        "url": "",
        "upload": SimpleUploadedFile("acled.csv", ACLED_BYTES),
        "schedule_minutes": "1440",
        "is_enabled": "on",
        "organisation": organisation.pk,
        "record_status": "verified",
        "options": '{"acled_event_types": ["Battles"]}',
    }

    response = client.post(admin_url("feed", "add"), data)

    assert response.status_code == 302
    feed = Feed.objects.get()
    assert (feed.slug, feed.schedule_minutes, feed.organisation, feed.record_status) == (
        "partner-acled",
        1440,
        organisation,
        "verified",
    )
    assert feed.options == {"acled_event_types": ["Battles"]}
    assert (media / feed.upload.name).read_bytes() == ACLED_BYTES


def test_feed_form_refuses_an_ftp_url(client, verifier) -> None:
    client.force_login(verifier)
    data = {
        "name": "Bad",
        "slug": "bad",
        "format": "acled",
        "url": "ftp://127.0.0.1/acled.csv",
        "record_status": "submitted",
        "options": "{}",
    }

    response = client.post(admin_url("feed", "add"), data)

    assert response.status_code == 200
    assert "Only http and https URLs can be fetched." in page(response)
    assert not Feed.objects.exists()


def test_ingest_now_runs_the_feed(
    client, verifier, organisation, django_capture_on_commit_callbacks
) -> None:
    feed = make_feed(organisation=organisation, record_status="verified")
    client.force_login(verifier)

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = client.post(
            admin_url("feed", "changelist"),
            {"action": "ingest_now", "_selected_action": [feed.pk]},
        )

    assert response.status_code == 302
    assert len(sent_tasks(callbacks)) == 1
    assert messages_of(response) == ["Acled Partner: ingestion queued."]
    run = IngestionRun.objects.get()
    assert (run.feed, run.trigger, run.triggered_by, run.status) == (
        feed,
        "manual",
        verifier,
        "succeeded",
    )
    assert run.summary.startswith(ACLED_SUMMARY)
    assert set(
        Incident.objects.values_list(
            "external_source", "organisation", "status", "last_ingestion_run"
        )
    ) == {("acled-partner", organisation.pk, "verified", run.pk)}
    assert Incident.objects.count() == 11


def test_analyst_cannot_ingest_now(client, analyst, django_capture_on_commit_callbacks) -> None:
    feed = make_feed()
    client.force_login(analyst)

    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            admin_url("feed", "changelist"),
            {"action": "ingest_now", "_selected_action": [feed.pk]},
        )

    assert not IngestionRun.objects.exists()
    assert not Incident.objects.exists()


def test_feed_alert_shows_in_the_changelist(client, verifier) -> None:
    make_feed(alert="Last run failed: <b>timeout</b>")
    make_feed("quiet-feed")
    client.force_login(verifier)

    response = client.get(admin_url("feed", "changelist"))

    content = response.content.decode()
    assert response.status_code == 200
    # Escaped: the alert holds text from outside servers.
    alert = '<strong class="errornote">⚠ Last run failed: &lt;b&gt;timeout&lt;/b&gt;</strong>'
    assert content.count(alert) == 1
    assert content.count('class="errornote"') == 1


# -- upload form and run pages --------------------------------------------------------------


def test_upload_creates_and_executes_a_run(
    client, verifier, media, django_capture_on_commit_callbacks
) -> None:
    client.force_login(verifier)

    response = upload(client, django_capture_on_commit_callbacks)

    run = IngestionRun.objects.get()
    assert response.status_code == 302
    assert response["Location"] == admin_url("ingestionrun", "change", run.pk)
    assert (run.trigger, run.triggered_by, run.format, run.external_source) == (
        "upload",
        verifier,
        "acled",
        "acled",
    )
    assert (run.location, run.record_status, run.organisation, run.feed) == (
        "acled_export.csv",
        "submitted",
        None,
        None,
    )
    assert (run.status, run.error, run.attempts) == ("succeeded", "", 1)
    assert run.payload.name == f"ingestion/{run.public_id}-acled_export.csv"
    assert (media / run.payload.name).read_bytes() == ACLED_BYTES
    assert run.summary.startswith(ACLED_SUMMARY + " rows/s=")
    issues = list(run.issues.values_list("row_number", "level", "reason"))
    assert issues == sorted(ACLED_SKIPPED + ACLED_ISSUES)
    # Skipped rows are listed without their values: a feed may skip thousands a run.
    assert [issue.raw for issue in run.issues.filter(level="skipped")] == [{}, {}]
    assert Incident.objects.filter(external_source="acled", status="submitted").count() == 11


def test_upload_for_a_feed_uses_its_slug_and_the_chosen_organisation(
    client, verifier, organisation, django_capture_on_commit_callbacks
) -> None:
    feed = make_feed("partner-feed")
    client.force_login(verifier)

    upload(
        client,
        django_capture_on_commit_callbacks,
        feed=feed.pk,
        organisation=organisation.pk,
        record_status="verified",
    )

    run = IngestionRun.objects.get()
    assert (run.feed, run.external_source, run.organisation, run.status) == (
        feed,
        "partner-feed",
        organisation,
        "succeeded",
    )
    records = Incident.objects.all()
    assert records.count() == 11
    assert set(records.values_list("external_source", "organisation", "status")) == {
        ("partner-feed", organisation.pk, "verified")
    }
    assert not records.filter(verified_at=None).exists()


def test_upload_in_the_wrong_format_fails_the_run_and_shows_why(
    client, verifier, django_capture_on_commit_callbacks
) -> None:
    client.force_login(verifier)

    upload(client, django_capture_on_commit_callbacks, name="jcc_shipments.csv")

    run = IngestionRun.objects.get()
    error = "missing ACLED column(s): event_id_cnty, event_date, event_type, sub_event_type"
    assert (run.status, run.error, run.rows_seen) == ("failed", error, 0)
    assert not Incident.objects.exists()
    content = page(client.get(admin_url("ingestionrun", "change", run.pk)))
    assert error in content


def test_upload_form_requires_a_file(client, verifier, django_capture_on_commit_callbacks) -> None:
    client.force_login(verifier)
    data = upload_data()
    del data["file"]

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = client.post(admin_url("ingestionrun", "add"), data)

    assert response.status_code == 200
    assert callbacks == []
    assert response.context["adminform"].form.errors == {"file": ["This field is required."]}
    assert not IngestionRun.objects.exists()


def test_run_page_shows_the_counters_and_the_refused_rows(
    client, verifier, django_capture_on_commit_callbacks
) -> None:
    client.force_login(verifier)
    upload(client, django_capture_on_commit_callbacks)
    run = IngestionRun.objects.get()

    response = client.get(admin_url("ingestionrun", "change", run.pk))

    assert response.status_code == 200
    content = page(response)
    assert [(row.row_number, row.level, row.reason) for row in response.context["issue_rows"]] == (
        ACLED_ISSUES
    )
    for count, label in [(17, "rows read"), (11, "created"), (4, "refused"), (2, "skipped")]:
        assert f'<span class="run-count">{count}</span> {label}' in content
    issues_url = admin_url("ingestionissue", "changelist") + f"?run__id__exact={run.pk}"
    assert f'<a href="{issues_url}">search and filter them in the issue list</a>' in content
    # Read-only: no form field to change the run, no save button, no refresh once finished.
    assert 'name="_save"' not in content
    assert 'name="status"' not in content
    assert 'http-equiv="refresh"' not in content


def test_issue_changelist_filtered_by_run_lists_its_issues(
    client, verifier, django_capture_on_commit_callbacks
) -> None:
    client.force_login(verifier)
    upload(client, django_capture_on_commit_callbacks)
    upload(client, django_capture_on_commit_callbacks, name="jcc_shipments.csv", format="jcc")
    acled_run = IngestionRun.objects.get(format="acled")
    other_issues = IngestionIssue.objects.exclude(run=acled_run).count()

    response = client.get(
        admin_url("ingestionissue", "changelist"), {"run__id__exact": acled_run.pk}
    )

    assert response.status_code == 200
    listed = list(response.context["cl"].result_list)
    assert [(i.row_number, i.level, i.reason) for i in listed] == ACLED_SKIPPED + ACLED_ISSUES
    assert {issue.run_id for issue in listed} == {acled_run.pk}
    assert other_issues > 0
    content = page(response)
    for _row, _level, reason in ACLED_ISSUES:
        assert reason in content


def test_run_cannot_be_edited(client, verifier, django_capture_on_commit_callbacks) -> None:
    client.force_login(verifier)
    upload(client, django_capture_on_commit_callbacks)
    run = IngestionRun.objects.get()
    before = IngestionRun.objects.values().get(pk=run.pk)

    response = client.post(
        admin_url("ingestionrun", "change", run.pk),
        {"status": "failed", "error": "edited", "external_source": "other"},
    )
    delete = client.post(admin_url("ingestionrun", "delete", run.pk), {"post": "yes"})

    assert (response.status_code, delete.status_code) == (403, 403)
    assert IngestionRun.objects.values().get(pk=run.pk) == before


# -- who may see what -----------------------------------------------------------------------


@pytest.fixture
def ingestion_objects(media) -> dict[str, int]:
    feed = make_feed()
    run = IngestionRun.objects.create(
        feed=feed, format="acled", external_source="acled", location="x.csv", trigger="manual"
    )
    issue = IngestionIssue.objects.create(run=run, row_number=2, level="rejected", reason="bad")
    return {"feed": feed.pk, "ingestionrun": run.pk, "ingestionissue": issue.pk}


@pytest.mark.parametrize("model", ["feed", "ingestionrun", "ingestionissue"])
def test_reporter_is_refused_every_ingestion_page(
    client, reporter, ingestion_objects, model
) -> None:
    client.force_login(reporter)
    urls = [
        admin_url(model, "changelist"),
        admin_url(model, "add"),
        admin_url(model, "change", ingestion_objects[model]),
    ]

    assert [client.get(url).status_code for url in urls] == [403, 403, 403]


def test_reporter_cannot_upload(client, reporter, django_capture_on_commit_callbacks) -> None:
    client.force_login(reporter)

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = client.post(admin_url("ingestionrun", "add"), upload_data())

    assert response.status_code == 403
    assert callbacks == []
    assert not IngestionRun.objects.exists()


def test_analyst_views_runs_and_issues_but_cannot_upload(
    client, analyst, ingestion_objects, django_capture_on_commit_callbacks
) -> None:
    client.force_login(analyst)
    views = [
        admin_url("feed", "changelist"),
        admin_url("feed", "change", ingestion_objects["feed"]),
        admin_url("ingestionrun", "changelist"),
        admin_url("ingestionrun", "change", ingestion_objects["ingestionrun"]),
        admin_url("ingestionissue", "changelist"),
        admin_url("ingestionissue", "change", ingestion_objects["ingestionissue"]),
    ]

    assert [client.get(url).status_code for url in views] == [200] * 6
    assert client.get(admin_url("ingestionrun", "add")).status_code == 403
    assert client.get(admin_url("feed", "add")).status_code == 403
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = client.post(admin_url("ingestionrun", "add"), upload_data())
    assert response.status_code == 403
    assert callbacks == []
    assert list(IngestionRun.objects.values_list("pk", flat=True)) == [
        ingestion_objects["ingestionrun"]
    ]


def test_verifier_cannot_add_or_change_issues(client, verifier, ingestion_objects) -> None:
    client.force_login(verifier)
    issue_id = ingestion_objects["ingestionissue"]

    assert client.get(admin_url("ingestionissue", "add")).status_code == 403
    response = client.post(admin_url("ingestionissue", "change", issue_id), {"reason": "edited"})

    assert response.status_code == 403
    assert IngestionIssue.objects.get().reason == "bad"


# -- query counts ---------------------------------------------------------------------------


@pytest.mark.parametrize("runs", [1, 20])
def test_run_changelist_query_count_does_not_grow_with_runs(
    client, verifier, django_assert_max_num_queries, runs
) -> None:
    feeds = [make_feed(f"feed-{number}") for number in range(4)]
    now = timezone.now()
    IngestionRun.objects.bulk_create(
        IngestionRun(
            feed=feeds[number % len(feeds)],
            format="acled",
            external_source="acled",
            location=f"run-{number}.csv",
            trigger="schedule",
            status="succeeded",
            rows_seen=17,
            created=11,
            seconds=0.5,
            started_at=now,
            finished_at=now,
        )
        for number in range(runs)
    )
    client.force_login(verifier)

    with django_assert_max_num_queries(10):
        response = client.get(admin_url("ingestionrun", "changelist"))

    assert response.status_code == 200
    assert len(response.context["cl"].result_list) == runs
