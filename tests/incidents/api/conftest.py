from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from accounts.models import OrganisationAPIKey


def key_client(organisation, scope: str = "read") -> APIClient:
    _, key = OrganisationAPIKey.objects.create_key(
        name=f"{organisation.slug} {scope}", organisation=organisation, scope=scope
    )
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Api-Key {key}")
    return client


@pytest.fixture
def anonymous() -> APIClient:
    return APIClient()


@pytest.fixture
def partner_a(organisation) -> APIClient:
    return key_client(organisation, "write")


@pytest.fixture
def partner_a_read(organisation) -> APIClient:
    return key_client(organisation, "read")


@pytest.fixture
def partner_b(other_organisation) -> APIClient:
    return key_client(other_organisation, "write")


@pytest.fixture
def staff(verifier) -> APIClient:
    client = APIClient()
    client.force_authenticate(verifier)
    return client
