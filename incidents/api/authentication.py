"""Partner applications authenticate with an organisation's API key."""

from __future__ import annotations

from typing import Any, cast

from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions
from rest_framework.authentication import BaseAuthentication
from rest_framework.request import Request

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
    """``Authorization: Api-Key <key>``. A wrong, revoked or expired key is a 401.

    So is any other ``Authorization`` header (another scheme, no key, a key not shaped as
    issued): read as anonymous, a client whose key was mangled on the way would be served
    the public records only and never learn why. Without the header a caller is anonymous,
    or a staff member by their admin session (browsers send no ``Authorization`` of their
    own).
    """

    keyword = "Api-Key"

    def authenticate(self, request: Request) -> tuple[PartnerClient, OrganisationAPIKey] | None:
        header = request.META.get("HTTP_AUTHORIZATION")
        if header is None:
            return None
        key = self._key(header)
        try:
            api_key = cast(OrganisationAPIKey, OrganisationAPIKey.objects.get_from_key(key))
        except OrganisationAPIKey.DoesNotExist as error:
            raise exceptions.AuthenticationFailed(_("Invalid or revoked API key.")) from error
        if api_key.has_expired or not api_key.organisation.is_active:
            raise exceptions.AuthenticationFailed(_("This API key is no longer valid."))
        return PartnerClient(api_key), api_key

    def _key(self, header: str) -> str:
        """The key in an ``Authorization`` header, which must be ``Api-Key <key>``. The
        scheme is case-insensitive (RFC 9110); a key is ``<prefix>.<secret>``."""
        parts = header.split()
        if not parts or parts[0].lower() != self.keyword.lower():
            raise exceptions.AuthenticationFailed(
                _(
                    "Only API keys are accepted: send 'Authorization: Api-Key <key>', or no "
                    "Authorization header to read published records."
                )
            )
        prefix, dot, secret = parts[-1].partition(".")
        if len(parts) != 2 or not (prefix and dot and secret):
            raise exceptions.AuthenticationFailed(
                _("Malformed API key: send 'Authorization: Api-Key <key>' with the key as issued.")
            )
        return parts[1]

    def authenticate_header(self, request: Request) -> str:
        return self.keyword
