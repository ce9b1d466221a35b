"""Partner applications authenticate with an organisation's API key."""

from __future__ import annotations

from typing import Any, cast

from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions
from rest_framework.authentication import BaseAuthentication
from rest_framework.request import Request
from rest_framework_api_key.permissions import KeyParser

from accounts.models import OrganisationAPIKey

# What a key with write scope may do; the row-level rules are the services' rules.
WRITE_PERMISSIONS = frozenset({"incidents.add_incident", "incidents.change_incident"})


class PartnerClient:
    """The caller behind an API key: acts for its organisation, never as a staff user."""

    is_authenticated = True
    is_anonymous = False
    is_active = True
    is_staff = False
    is_superuser = False
    pk = None
    # Partners may correct their reports until a Verifier has looked at them.
    edits_submissions = True

    def __init__(self, api_key: OrganisationAPIKey) -> None:
        self.api_key = api_key
        self.organisation = api_key.organisation
        self.organisation_id = api_key.organisation_id
        self.username = f"api-key:{api_key.prefix}"

    def __str__(self) -> str:
        return f"{self.organisation} (key {self.api_key.prefix})"

    def has_perm(self, permission: str, obj: Any = None) -> bool:
        return self.api_key.can_write and permission in WRITE_PERMISSIONS


class PartnerKeyAuthentication(BaseAuthentication):
    """``Authorization: Api-Key <key>``. A wrong, revoked or expired key is a 401."""

    keyword = "Api-Key"

    def authenticate(self, request: Request) -> tuple[PartnerClient, OrganisationAPIKey] | None:
        key = KeyParser().get(request._request)
        if key is None:
            return None
        try:
            api_key = cast(OrganisationAPIKey, OrganisationAPIKey.objects.get_from_key(key))
        except OrganisationAPIKey.DoesNotExist as error:
            raise exceptions.AuthenticationFailed(_("Invalid or revoked API key.")) from error
        if api_key.has_expired or not api_key.organisation.is_active:
            raise exceptions.AuthenticationFailed(_("This API key is no longer valid."))
        return PartnerClient(api_key), api_key

    def authenticate_header(self, request: Request) -> str:
        return self.keyword
