"""The application's URLs plus the reference: the same 50 rows with `.values()` and JsonResponse."""

from __future__ import annotations

from django.http import HttpRequest, JsonResponse
from django.urls import path

from impact.urls import urlpatterns as application
from incidents.models import Incident, VerificationStatus

FIELDS = (
    "public_id",
    "occurred_on",
    "incident_type",
    "region__pcode",
    "settlement",
    "killed",
    "injured",
    "children_killed",
    "children_injured",
    "updated_at",
)


def plain_incidents(request: HttpRequest) -> JsonResponse:
    """What a hand-written endpoint would do: no framework, no count, no permissions."""
    rows = (
        Incident.objects.filter(
            status=VerificationStatus.VERIFIED, region__pcode=request.GET["region"]
        )
        .order_by("-occurred_on", "-id")
        .values(*FIELDS)[:50]
    )
    return JsonResponse({"results": list(rows)})


urlpatterns = [path("bench/plain-incidents/", plain_incidents), *application]
