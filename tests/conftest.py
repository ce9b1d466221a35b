"""Shared fixtures. Under CI=true the suite must run on PostgreSQL and reach Redis."""

from __future__ import annotations

import os

import pytest
from django.db import connection

from accounts import roles
from tests.factories import OrganisationFactory, UserFactory

IN_CI = os.environ.get("CI", "").lower() == "true"


@pytest.fixture(scope="session", autouse=True)
def _ci_uses_real_services(django_db_setup: None) -> None:
    if IN_CI and connection.vendor != "postgresql":
        pytest.exit("CI=true but the tests are not running on PostgreSQL (set DATABASE_URL)", 3)


@pytest.fixture
def organisation():
    return OrganisationFactory(name="Lviv Relief", slug="lviv-relief", acronym="LR")


@pytest.fixture
def other_organisation():
    return OrganisationFactory(name="Kharkiv Aid", slug="kharkiv-aid", acronym="KA")


@pytest.fixture
def reporter(organisation):
    return UserFactory(username="reporter", organisation=organisation, role=roles.REPORTER)


@pytest.fixture
def other_reporter(other_organisation):
    return UserFactory(
        username="other_reporter", organisation=other_organisation, role=roles.REPORTER
    )


@pytest.fixture
def verifier(other_organisation):
    return UserFactory(username="verifier", organisation=other_organisation, role=roles.VERIFIER)


@pytest.fixture
def analyst():
    return UserFactory(username="analyst", organisation=None, role=roles.ANALYST)


@pytest.fixture
def superuser():
    return UserFactory(username="root", organisation=None, is_superuser=True)
