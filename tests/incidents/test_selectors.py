from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.auth.models import AnonymousUser

from incidents import selectors
from incidents.models import DamagedAsset, Incident, ServiceDisruption
from tests.factories import DamagedAssetFactory, IncidentFactory, ServiceDisruptionFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def incidents(organisation, other_organisation):
    return {
        "own_draft": IncidentFactory(organisation=organisation),
        "own_verified": IncidentFactory(organisation=organisation, verified=True),
        "other_draft": IncidentFactory(organisation=other_organisation),
        "other_submitted": IncidentFactory(organisation=other_organisation, submitted=True),
        "other_verified": IncidentFactory(organisation=other_organisation, verified=True),
    }


def visible(selector, user, incidents):
    ids = set(selector(user=user, queryset=Incident.objects.all()).values_list("pk", flat=True))
    return {name for name, incident in incidents.items() if incident.pk in ids}


def test_workspace_of_a_reporter_is_their_organisation(reporter, incidents):
    assert visible(selectors.records_in_workspace, reporter, incidents) == {
        "own_draft",
        "own_verified",
    }


@pytest.mark.parametrize("role", ["verifier", "analyst", "superuser"])
def test_verifiers_and_analysts_see_every_organisation(role, request, incidents):
    user = request.getfixturevalue(role)
    assert visible(selectors.records_in_workspace, user, incidents) == set(incidents)
    assert visible(selectors.records_visible_to, user, incidents) == set(incidents)


def test_public_sees_only_verified_records(incidents):
    assert visible(selectors.records_visible_to, AnonymousUser(), incidents) == {
        "own_verified",
        "other_verified",
    }
    assert not selectors.records_in_workspace(
        user=AnonymousUser(), queryset=Incident.objects.all()
    ).exists()


def test_reporter_sees_published_records_and_own_unpublished(reporter, incidents):
    assert visible(selectors.records_visible_to, reporter, incidents) == {
        "own_draft",
        "own_verified",
        "other_verified",
    }


def test_children_are_scoped_through_their_incident(reporter, incidents):
    own = DamagedAssetFactory(incident=incidents["own_draft"])
    DamagedAssetFactory(incident=incidents["other_draft"])
    scoped = selectors.records_in_workspace(
        user=reporter,
        queryset=DamagedAsset.objects.all(),
        organisation_path="incident__organisation",
    )
    assert list(scoped) == [own]


def test_ongoing_outages_at_a_moment():
    start = dt.datetime(2023, 8, 15, 1, tzinfo=dt.UTC)
    still_out = ServiceDisruptionFactory(started_at=start)
    restored = ServiceDisruptionFactory(started_at=start, restored_at=start + dt.timedelta(days=1))
    ServiceDisruptionFactory(started_at=start + dt.timedelta(days=5))
    ongoing = ServiceDisruption.objects.ongoing_at(start + dt.timedelta(hours=12))
    assert set(ongoing) == {still_out, restored}
    ongoing = ServiceDisruption.objects.ongoing_at(start + dt.timedelta(days=2))
    assert set(ongoing) == {still_out}
