"""Needs baselines in the staff admin: every role reads them, Verifiers maintain them, and
a row staff corrected is marked so that the feed stops overwriting it."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from incidents.models import NeedsBaseline
from tests.factories import region

pytestmark = pytest.mark.django_db

CHANGELIST = reverse("admin:incidents_needsbaseline_changelist")
ADD = reverse("admin:incidents_needsbaseline_add")


def change_url(baseline: NeedsBaseline) -> str:
    return reverse("admin:incidents_needsbaseline_change", args=[baseline.pk])


@pytest.fixture
def baseline() -> NeedsBaseline:
    return NeedsBaseline.objects.create(
        region=region("UA46"),
        external_source="hno-2023",
        reference_year=2023,
        population=2440922,
        people_affected=713977,
        people_in_need=604618,
    )


def form_data(baseline: NeedsBaseline, **changes: Any) -> dict[str, Any]:
    data = {
        "region": baseline.region_id,
        "external_source": baseline.external_source,
        "reference_year": baseline.reference_year,
        "population": baseline.population,
        "people_affected": baseline.people_affected,
        "people_in_need": baseline.people_in_need,
    }
    return {**data, **changes}


def test_a_verifier_opens_the_changelist_and_the_change_page(client, verifier, baseline):
    client.force_login(verifier)

    listing = client.get(CHANGELIST)
    page = client.get(change_url(baseline))

    assert listing.status_code == 200
    assert [row.pk for row in listing.context["cl"].result_list] == [baseline.pk]
    assert "Lvivska (UA46)" in listing.text
    assert page.status_code == 200
    assert page.context["has_change_permission"] is True
    assert page.context["has_delete_permission"] is True
    assert set(page.context["adminform"].form.fields) == {
        "region",
        "external_source",
        "reference_year",
        "population",
        "people_affected",
        "people_in_need",
    }
    assert client.get(ADD).status_code == 200


def test_a_verifier_saving_a_change_marks_the_row_curated(client, verifier, baseline):
    client.force_login(verifier)

    response = client.post(change_url(baseline), form_data(baseline, people_in_need=610000))

    assert response.status_code == 302
    assert response.url == CHANGELIST
    baseline.refresh_from_db()
    assert (baseline.people_in_need, baseline.is_curated) == (610000, True)
    latest = baseline.history.latest()
    assert (latest.history_type, latest.history_user, latest.is_curated) == ("~", verifier, True)


def test_saving_without_a_change_does_not_mark_the_row_curated(client, verifier, baseline):
    client.force_login(verifier)

    response = client.post(change_url(baseline), form_data(baseline))

    assert response.status_code == 302
    baseline.refresh_from_db()
    assert (baseline.people_in_need, baseline.is_curated) == (604618, False)


def test_curated_is_read_only_in_the_form(client, verifier, baseline):
    client.force_login(verifier)

    client.post(change_url(baseline), form_data(baseline, is_curated="", population=2440000))

    baseline.refresh_from_db()
    assert (baseline.population, baseline.is_curated) == (2440000, True)


@pytest.mark.parametrize("role", ["analyst", "reporter"])
def test_analysts_and_reporters_read_but_do_not_add_or_change(client, request, role, baseline):
    client.force_login(request.getfixturevalue(role))

    listing = client.get(CHANGELIST)
    page = client.get(change_url(baseline))

    assert listing.status_code == 200
    assert [row.pk for row in listing.context["cl"].result_list] == [baseline.pk]
    assert page.status_code == 200
    assert page.context["has_change_permission"] is False
    assert client.get(ADD).status_code == 403
    refused = client.post(change_url(baseline), form_data(baseline, people_in_need=1))
    assert refused.status_code == 403
    baseline.refresh_from_db()
    assert (baseline.people_in_need, baseline.is_curated) == (604618, False)


def test_anonymous_visitors_are_sent_to_the_login_page(client, baseline):
    for url in (CHANGELIST, ADD, change_url(baseline)):
        response = client.get(url)
        assert response.status_code == 302
        assert response.url == f"{reverse('admin:login')}?next={url}"


def test_a_row_a_verifier_adds_by_hand_is_theirs_not_the_feeds(client, verifier, baseline):
    client.force_login(verifier)
    data = form_data(baseline, region=region("UA51").pk, people_in_need=5)

    response = client.post(ADD, data)

    assert response.status_code == 302
    added = NeedsBaseline.objects.get(region__pcode="UA51")
    assert (added.people_in_need, added.is_curated) == (5, True)
