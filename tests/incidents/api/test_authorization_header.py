"""An ``Authorization`` header is an API key or a 401: never read as anonymous. Without one,
a caller is anonymous, or staff by their admin session."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from accounts.models import OrganisationAPIKey
from tests.factories import IncidentFactory

pytestmark = pytest.mark.django_db
URL = "/api/v1/incidents/"
WRONG_SCHEME = (
    "Only API keys are accepted: send 'Authorization: Api-Key <key>', or no Authorization "
    "header to read published records."
)
MALFORMED = "Malformed API key: send 'Authorization: Api-Key <key>' with the key as issued."


@pytest.fixture
def key(organisation) -> str:
    _, key = OrganisationAPIKey.objects.create_key(
        name="partner", organisation=organisation, scope="read"
    )
    return key


@pytest.fixture
def records(organisation):
    return {
        "draft": IncidentFactory(organisation=organisation),
        "verified": IncidentFactory(organisation=organisation, verified=True),
    }


def ids(response) -> set[str]:
    return {row["id"] for row in response.json()["results"]}


@pytest.mark.parametrize(
    ("header", "message"),
    [
        ("Bearer {key}", WRONG_SCHEME),
        ("{key}", WRONG_SCHEME),
        ("Basic dXNlcjpwYXNz", WRONG_SCHEME),
        ("", WRONG_SCHEME),
        ("Api-Key", MALFORMED),
        ("Api-Key ", MALFORMED),
        ("Api-Key {key} {key}", MALFORMED),
        ("Api-Key not-a-key", MALFORMED),
        ("Api-Key .secret", MALFORMED),
        ("Api-Key prefix.", MALFORMED),
    ],
    ids=[
        "bearer",
        "bare key",
        "basic",
        "empty",
        "no key",
        "no key, a space",
        "two keys",
        "no dot",
        "no prefix",
        "no secret",
    ],
)
@pytest.mark.parametrize("method", ["get", "post"])
def test_a_malformed_authorization_header_is_a_401(key, records, header, message, method):
    client = APIClient(HTTP_AUTHORIZATION=header.format(key=key))
    response = (
        getattr(client, method)(URL, {}, format="json") if method == "post" else client.get(URL)
    )
    assert response.status_code == 401
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"detail": message}
    assert response["WWW-Authenticate"] == "Api-Key"


@pytest.mark.parametrize("scheme", ["Api-Key", "api-key", "API-KEY"])
def test_the_scheme_is_case_insensitive(key, records, scheme):
    response = APIClient(HTTP_AUTHORIZATION=f"{scheme} {key}").get(URL)
    assert response.status_code == 200
    assert ids(response) == {str(records["draft"].public_id), str(records["verified"].public_id)}


def test_a_well_formed_key_that_matches_none_is_a_401(records):
    response = APIClient(HTTP_AUTHORIZATION="Api-Key abcdefgh.0123456789").get(URL)
    assert response.status_code == 401
    assert response.json() == {"detail": "Invalid or revoked API key."}
    assert response["WWW-Authenticate"] == "Api-Key"


def test_without_an_authorization_header_a_reader_is_anonymous(records):
    client = APIClient()
    listed = client.get(URL)
    assert listed.status_code == 200
    assert ids(listed) == {str(records["verified"].public_id)}
    detail = client.get(f"{URL}{records['verified'].public_id}/")
    assert detail.status_code == 200
    assert client.get(f"{URL}{records['draft'].public_id}/").status_code == 404
    assert client.get("/api/v1/schema/", {"format": "json"}).status_code == 200


def test_staff_read_and_write_by_their_admin_session(verifier, records):
    client = APIClient()
    client.force_login(verifier)
    listed = client.get(URL)
    assert listed.status_code == 200
    assert ids(listed) == {str(records["draft"].public_id), str(records["verified"].public_id)}
    created = client.post(
        URL, {"occurred_on": "2023-08-15", "incident_type": "other"}, format="json"
    )
    assert created.status_code == 201, created.content
    # A session does not excuse a malformed header sent with it.
    client.credentials(HTTP_AUTHORIZATION="Bearer abc")
    assert client.get(URL).status_code == 401
