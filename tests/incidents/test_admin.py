"""Staff admin through its pages: which role reaches which screen, organisation scoping,
the review actions and the reason required when a verified figure changes."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse
from django.utils import timezone

from incidents.models import Incident, ServiceDisruption, VerificationStatus
from tests import factories
from tests.factories import IncidentFactory, ServiceDisruptionFactory, region

pytestmark = pytest.mark.django_db

ROLES = ("superuser", "verifier", "analyst", "reporter")
ACCOUNT_MODELS = ("organisation", "user")
REPORTED = {"incident", "servicedisruption", "graindisruption"}
# Damaged assets and sources are added and edited only inside their incident.
INCIDENT_CHILDREN = {"damagedasset", "source"}
CURATED = {"attackwave", "grainshipment"}
MODELS = (
    "region",
    "port",
    *sorted(CURATED),
    *sorted(REPORTED | INCIDENT_CHILDREN),
    *ACCOUNT_MODELS,
)
ADDABLE = {
    "superuser": set(MODELS) - INCIDENT_CHILDREN,
    "verifier": REPORTED | CURATED,
    "analyst": set(),
    "reporter": REPORTED,
}
# Reporters may edit every reported kind, but only their own organisation's drafts.
EDITABLE = ADDABLE
INCIDENT_FIELDS = """occurred_on date_precision region settlement latitude longitude
    location_precision incident_type attack_wave weapons_launched weapons_intercepted description
    killed children_killed injured children_injured external_source external_id organisation"""


def admin_url(model: str, page: str, *args: Any) -> str:
    app_label = "accounts" if model in ACCOUNT_MODELS else "incidents"
    return reverse(f"admin:{app_label}_{model}_{page}", args=args)


def management_form(prefix: str, total: int = 0) -> dict[str, Any]:
    counts = {"TOTAL_FORMS": total, "INITIAL_FORMS": 0, "MIN_NUM_FORMS": 0, "MAX_NUM_FORMS": 1000}
    return {f"{prefix}-{name}": count for name, count in counts.items()}


def incident_data(incident: Incident, **changes: Any) -> dict[str, Any]:
    """The incident form as the admin renders it for ``incident``, with no inline rows."""
    data: dict[str, Any] = {"occurred_at_0": "", "occurred_at_1": "", "change_reason": ""}
    for name in INCIDENT_FIELDS.split():
        value = getattr(incident, incident._meta.get_field(name).attname)
        data[name] = "" if value is None else value
    for prefix in ("assets", "disruptions", "sources"):
        data |= management_form(prefix)
    return {**data, **changes}


def disruption_fields(**changes: Any) -> dict[str, Any]:
    """The fields a service disruption has both as an inline row and in its own admin."""
    data = dict.fromkeys(["facility", "households_affected", "restored_at_0", "restored_at_1"], "")
    data |= {"service": "water", "region": region().pk, "settlement": "Lviv"}
    data |= {"people_affected": 1200, "started_at_0": "2023-08-15", "started_at_1": "07:00:00"}
    return {**data, **changes}


def disruption_data(**changes: Any) -> dict[str, Any]:
    blank = ["incident", "asset", "description", "change_reason", "external_source", "external_id"]
    return dict.fromkeys(blank, "") | management_form("sources") | disruption_fields(**changes)


def run_action(client, action: str, *records: Any, **extra: Any):
    data = {"action": action, "_selected_action": [record.pk for record in records], **extra}
    return client.post(admin_url("incident", "changelist"), data)


def messages_of(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


def review_state(record: Any) -> tuple[Any, ...]:
    record.refresh_from_db()
    return (record.status, record.verified_by, record.verified_at, record.rejection_reason)


@pytest.fixture
def change_objects(organisation, reporter) -> dict[str, int]:
    """One object per admin, each a draft inside the reporter's workspace."""
    incident = IncidentFactory(organisation=organisation)
    disruption = ServiceDisruptionFactory(organisation=organisation, incident=incident)
    return {
        "region": region().pk,
        "port": factories.port().pk,
        "attackwave": factories.AttackWaveFactory().pk,
        "graindisruption": factories.GrainDisruptionFactory(organisation=organisation).pk,
        "grainshipment": factories.GrainShipmentFactory().pk,
        "incident": incident.pk,
        "servicedisruption": disruption.pk,
        "damagedasset": factories.DamagedAssetFactory(incident=incident).pk,
        "source": factories.SourceFactory(incident=incident).pk,
        "organisation": organisation.pk,
        "user": reporter.pk,
    }


@pytest.mark.parametrize("model", MODELS)
@pytest.mark.parametrize("role", ROLES)
def test_admin_pages_open_exactly_for_the_roles_allowed(
    client, request, change_objects, role, model
):
    client.force_login(request.getfixturevalue(role))
    change_url = admin_url(model, "change", change_objects[model])
    pages = {"changelist": admin_url(model, "changelist"), "add": admin_url(model, "add")}
    responses = {page: client.get(url) for page, url in {**pages, "change": change_url}.items()}

    may_view = role == "superuser" or model not in ACCOUNT_MODELS
    assert {page: response.status_code for page, response in responses.items()} == {
        "changelist": 200 if may_view else 403,
        "add": 200 if model in ADDABLE[role] else 403,
        "change": 200 if may_view else 403,
    }
    if may_view:
        assert responses["change"].context["has_change_permission"] is (model in EDITABLE[role])


@pytest.mark.parametrize("role", ["verifier", "reporter"])
def test_incident_history_page_lists_the_changes(client, request, organisation, role):
    incident = IncidentFactory(organisation=organisation, settlement="Stryi")
    incident.settlement = "Sambir"
    incident._change_reason = "Place corrected"
    incident.save()
    client.force_login(request.getfixturevalue(role))

    response = client.get(admin_url("incident", "history", incident.pk))

    assert response.status_code == 200
    assert [record.history_type for record in response.context["page_obj"]] == ["~", "+"]
    assert "Place corrected" in response.content.decode()


@pytest.mark.parametrize(("role", "rows"), [("verifier", 30), ("reporter", 20)])
def test_incident_changelist_query_count_does_not_grow_with_rows(
    client, request, organisation, other_organisation, django_assert_max_num_queries, role, rows
):
    wave = factories.AttackWaveFactory()
    for number in range(30):
        IncidentFactory(
            organisation=other_organisation if number % 3 == 0 else organisation,
            region=region(("UA46", "UA63")[number % 2]),
            attack_wave=wave if number % 5 == 0 else None,
        )
    client.force_login(request.getfixturevalue(role))

    # Session, user, 2x permissions, 4 filter choices (regions, organisations, sources, the
    # latest runs), 2 counts, rows, 2 for the date hierarchy, and for a Verifier the
    # reports waiting in the duplicates queue.
    with django_assert_max_num_queries(14 if role == "verifier" else 13):
        response = client.get(admin_url("incident", "changelist"))

    assert response.status_code == 200
    assert response.context["cl"].result_count == rows
    assert len(response.context["cl"].result_list) == rows


def test_reporter_changelist_shows_only_their_organisation(
    client, reporter, organisation, other_organisation
):
    own_draft = IncidentFactory(organisation=organisation)
    own_verified = IncidentFactory(organisation=organisation, verified=True)
    IncidentFactory(organisation=other_organisation)
    IncidentFactory(organisation=other_organisation, verified=True)
    client.force_login(reporter)

    response = client.get(admin_url("incident", "changelist"))

    assert response.status_code == 200
    assert {row.pk for row in response.context["cl"].result_list} == {own_draft.pk, own_verified.pk}


@pytest.mark.parametrize("method", ["get", "post"])
def test_reporter_cannot_open_another_organisations_incident(
    client, reporter, other_organisation, method
):
    incident = IncidentFactory(organisation=other_organisation, settlement="Kupiansk", killed=4)
    client.force_login(reporter)

    url = admin_url("incident", "change", incident.pk)
    response = getattr(client, method)(url, incident_data(incident, killed=9))

    assert (response.status_code, response["Location"]) == (302, reverse("admin:index"))
    assert messages_of(response) == [
        f"incident with ID “{incident.pk}” doesn’t exist. Perhaps it was deleted?"
    ]
    assert "Kupiansk" not in client.get(response["Location"]).content.decode()
    incident.refresh_from_db()
    assert (incident.killed, incident.status, incident.history.count()) == (4, "draft", 1)


def test_reporter_edits_own_draft_with_inline_rows(client, reporter, organisation):
    incident = IncidentFactory(organisation=organisation, killed=0)
    asset = {"asset_type": "residential", "count": 4, "damage_level": "destroyed"}
    disruption = disruption_fields(incident=incident.pk)
    client.force_login(reporter)
    data = incident_data(
        incident,
        settlement="Zolochiv",
        killed=2,
        **management_form("assets", total=1),
        **{f"assets-0-{name}": value for name, value in asset.items()},
        **management_form("disruptions", total=1),
        **{f"disruptions-0-{name}": value for name, value in disruption.items()},
    )

    response = client.post(admin_url("incident", "change", incident.pk), data)

    assert response.status_code == 302
    incident.refresh_from_db()
    assert (incident.settlement, incident.killed) == ("Zolochiv", 2)
    assert list(incident.assets.values("asset_type", "count", "damage_level")) == [asset]
    saved = incident.disruptions.get()
    assert (saved.organisation, saved.created_by) == (organisation, reporter)
    assert (saved.status, saved.people_affected) == (VerificationStatus.DRAFT, 1200)


@pytest.mark.parametrize("trait", ["submitted", "verified"])
def test_reporter_sees_own_reviewed_incident_read_only(client, reporter, organisation, trait):
    incident = IncidentFactory(organisation=organisation, killed=1, **{trait: True})
    client.force_login(reporter)
    url = admin_url("incident", "change", incident.pk)

    page = client.get(url)
    response = client.post(url, incident_data(incident, killed=7, change_reason="typo"))

    assert (page.status_code, page.context["has_change_permission"]) == (200, False)
    assert response.status_code == 403
    incident.refresh_from_db()
    assert (incident.killed, incident.status, incident.history.count()) == (1, trait, 1)


def test_reporter_creates_a_draft_of_their_organisation_whatever_the_post_says(
    client, reporter, organisation, other_organisation, verifier
):
    client.force_login(reporter)
    data = incident_data(
        IncidentFactory.build(organisation=None, settlement="Brody", killed=1),
        status=VerificationStatus.VERIFIED,
        organisation=other_organisation.pk,
        created_by=verifier.pk,
        verified_by=verifier.pk,
    )

    response = client.post(admin_url("incident", "add"), data)

    assert response.status_code == 302
    incident = Incident.objects.get()
    assert (incident.settlement, incident.killed) == ("Brody", 1)
    assert (incident.organisation, incident.created_by) == (organisation, reporter)
    assert review_state(incident) == (VerificationStatus.DRAFT, None, None, "")


def test_verifier_verifies_submitted_incidents_and_not_drafts(client, verifier, organisation):
    incident = IncidentFactory(organisation=organisation, submitted=True)
    draft = IncidentFactory(organisation=organisation, settlement="Sokal")
    client.force_login(verifier)
    before = timezone.now()

    response = run_action(client, "verify_selected", incident, draft)

    assert response["Location"] == admin_url("incident", "changelist")
    assert messages_of(response) == [
        f"{draft}: A draft record cannot be verified.",
        "1 record verified.",
    ]
    status, verified_by, verified_at, _ = review_state(incident)
    assert (status, verified_by) == (VerificationStatus.VERIFIED, verifier)
    assert before <= verified_at <= timezone.now()
    latest = incident.history.latest()
    assert (latest.history_user, latest.history_change_reason) == (verifier, "Verified")
    assert review_state(draft) == (VerificationStatus.DRAFT, None, None, "")
    assert draft.history.count() == 1


def test_reporter_has_no_verify_action_and_a_forged_one_changes_nothing(
    client, reporter, organisation
):
    incident = IncidentFactory(organisation=organisation, submitted=True)
    client.force_login(reporter)

    page = client.get(admin_url("incident", "changelist"))
    response = run_action(client, "verify_selected", incident)

    names = [name for name, _ in page.context["action_form"].fields["action"].choices]
    assert names == ["", "delete_selected", "submit_selected", "return_selected"]
    assert (response.status_code, messages_of(response)) == (302, ["No action selected."])
    assert review_state(incident) == (VerificationStatus.SUBMITTED, None, None, "")


def test_confirmed_reject_stores_the_reason(client, verifier, organisation):
    incident = IncidentFactory(organisation=organisation, submitted=True)
    client.force_login(verifier)

    response = run_action(client, "reject_selected", incident, confirm="yes", reason="Duplicate")

    assert response.status_code == 302
    assert messages_of(response) == ["1 record rejected."]
    assert review_state(incident) == (VerificationStatus.REJECTED, None, None, "Duplicate")


def test_reject_shows_a_confirmation_page_before_rejecting(client, verifier, organisation):
    incident = IncidentFactory(organisation=organisation, submitted=True)
    client.force_login(verifier)

    confirmation = run_action(client, "reject_selected", incident)
    unexplained = run_action(client, "reject_selected", incident, confirm="yes", reason=" ")

    assert confirmation.status_code == 200
    assert confirmation.templates[0].name == "admin/incidents/reject_confirmation.html"
    assert list(confirmation.context["queryset"]) == [incident]
    assert unexplained.status_code == 200
    assert unexplained.context["form"].errors == {"reason": ["This field is required."]}
    assert review_state(incident) == (VerificationStatus.SUBMITTED, None, None, "")


def test_reporter_submits_own_draft_with_its_disruptions(client, reporter, organisation):
    incident = IncidentFactory(organisation=organisation)
    own = ServiceDisruptionFactory(organisation=organisation, incident=incident)
    unrelated = ServiceDisruptionFactory(organisation=organisation)
    client.force_login(reporter)

    response = run_action(client, "submit_selected", incident)

    assert messages_of(response) == ["1 record submitted."]
    assert review_state(incident)[0] == VerificationStatus.SUBMITTED
    assert (review_state(own)[0], review_state(unrelated)[0]) == ("submitted", "draft")


def test_changing_a_verified_figure_needs_a_reason(client, verifier, organisation):
    incident = IncidentFactory(organisation=organisation, verified=True, killed=3)
    client.force_login(verifier)
    url = admin_url("incident", "change", incident.pk)

    refused = client.post(url, incident_data(incident, killed=4))

    assert refused.status_code == 200
    error = "This record is verified: give a reason for changing killed."
    assert refused.context["adminform"].form.errors == {"change_reason": [error]}
    assert error in refused.content.decode()
    incident.refresh_from_db()
    assert (incident.killed, incident.history.count()) == (3, 1)

    saved = client.post(url, incident_data(incident, killed=4, change_reason="Morgue report"))

    assert saved.status_code == 302
    incident.refresh_from_db()
    assert (incident.killed, incident.status) == (4, VerificationStatus.VERIFIED)
    latest = incident.history.latest()
    assert (latest.history_change_reason, latest.history_user) == ("Morgue report", verifier)
    changes = latest.diff_against(latest.prev_record).changes
    assert [(change.field, change.old, change.new) for change in changes] == [("killed", 3, 4)]


def test_children_killed_above_killed_is_a_form_error(client, reporter, organisation):
    incident = IncidentFactory(organisation=organisation, killed=1, children_killed=0)
    client.force_login(reporter)
    new = incident_data(IncidentFactory.build(organisation=None), killed=1, children_killed=2)

    added = client.post(admin_url("incident", "add"), new)
    changed = client.post(
        admin_url("incident", "change", incident.pk), incident_data(incident, children_killed=2)
    )

    for response in (added, changed):
        assert response.status_code == 200
        assert response.context["adminform"].form.non_field_errors() == [
            "Children killed cannot exceed the number killed."
        ]
    incident.refresh_from_db()
    assert (Incident.objects.count(), incident.children_killed) == (1, 0)


def test_restored_before_started_is_a_form_error(client, reporter):
    client.force_login(reporter)
    restored = {"restored_at_0": "2023-08-14", "restored_at_1": "07:00:00"}

    response = client.post(admin_url("servicedisruption", "add"), disruption_data(**restored))

    assert response.status_code == 200
    assert response.context["adminform"].form.non_field_errors() == [
        "A service cannot be restored before the outage began."
    ]
    assert ServiceDisruption.objects.count() == 0


@pytest.mark.parametrize("page", ["history", "simple_history"])
def test_reporter_cannot_read_another_organisations_history(
    client, reporter, other_organisation, page
):
    incident = IncidentFactory(organisation=other_organisation, settlement="Kupiansk")
    version = incident.history.get().history_id
    client.force_login(reporter)

    args = [incident.pk] if page == "history" else [incident.pk, version]
    response = client.get(admin_url("incident", page, *args))

    assert response.status_code in {302, 403, 404}
    assert "Kupiansk" not in response.content.decode()


def test_analyst_cannot_change_a_verified_incident_through_a_history_version(
    client, analyst, organisation
):
    incident = IncidentFactory(organisation=organisation, verified=True, killed=3)
    url = admin_url("incident", "simple_history", incident.pk, incident.history.get().history_id)
    client.force_login(analyst)

    response = client.post(url, incident_data(incident, killed=99, change_reason="x"))

    incident.refresh_from_db()
    assert (response.status_code, incident.killed, incident.history.count()) == (403, 3, 1)


def test_damaged_assets_are_edited_only_inside_their_incident(
    client, reporter, organisation, other_organisation
):
    foreign = IncidentFactory(organisation=other_organisation, verified=True)
    own = IncidentFactory(organisation=organisation)
    asset = factories.DamagedAssetFactory(incident=own, count=3, damage_level="damaged")
    client.force_login(reporter)
    data = {"incident": foreign.pk, "asset_type": "residential", "name": "", "notes": ""}

    response = client.post(
        admin_url("damagedasset", "change", asset.pk),
        {**data, "count": 50, "damage_level": "destroyed"},
    )

    asset.refresh_from_db()
    assert (asset.incident, asset.count, asset.damage_level) == (own, 3, "damaged")
    assert response.status_code == 403


def test_verify_selected_names_ten_records_left_unchanged_and_counts_the_rest(
    client, verifier, organisation
):
    drafts = IncidentFactory.create_batch(12, organisation=organisation)
    incident = IncidentFactory(organisation=organisation, submitted=True)
    client.force_login(verifier)

    response = run_action(client, "verify_selected", incident, *drafts)

    shown = [f"{draft}: A draft record cannot be verified." for draft in drafts[:10]]
    assert messages_of(response) == [
        *shown,
        "2 more records were left as they were.",
        "1 record verified.",
    ]
    assert review_state(incident)[0] == VerificationStatus.VERIFIED


def test_reject_of_every_record_carries_the_choice_not_thousands_of_ids(
    client, verifier, organisation
):
    incidents = IncidentFactory.create_batch(3, organisation=organisation, submitted=True)
    client.force_login(verifier)
    every = {"select_across": "1", "index": "0"}

    confirmation = run_action(client, "reject_selected", incidents[0], **every)
    response = run_action(
        client, "reject_selected", incidents[0], **every, confirm="yes", reason="Duplicates"
    )

    content = confirmation.content.decode()
    assert confirmation.context["count"] == 3
    assert '<input type="hidden" name="select_across" value="1">' in content
    assert 'name="_selected_action"' not in content
    assert messages_of(response) == ["3 records rejected."]
    assert {review_state(record)[0] for record in incidents} == {VerificationStatus.REJECTED}
