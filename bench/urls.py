"""The application's URLs plus the references: the same 50 rows with `.values()` and
JsonResponse, with no framework, no count and no permissions."""

from __future__ import annotations

from django.http import HttpRequest, JsonResponse
from django.urls import path

from impact.urls import urlpatterns as application
from incidents.api.rows import row_plan
from incidents.api.serializers import IncidentSerializer
from incidents.models import Incident, VerificationStatus

# The columns an API list page reads (IncidentSerializer's, through the same joins).
_plan = row_plan(IncidentSerializer)
assert _plan is not None
FIELDS = tuple(dict.fromkeys(column.lookup for column in _plan.columns))
# The reference of the runs before 2026-12: ten of those columns.
NARROW_FIELDS = (
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


def _rows(request: HttpRequest, fields: tuple[str, ...]) -> JsonResponse:
    rows = (
        Incident.objects.filter(
            status=VerificationStatus.VERIFIED, region__pcode=request.GET["region"]
        )
        .order_by("-occurred_on", "-id")
        .values(*fields)[:50]
    )
    return JsonResponse({"results": list(rows)})


def plain_incidents(request: HttpRequest) -> JsonResponse:
    """What a hand-written endpoint would do for the same page."""
    return _rows(request, FIELDS)


def plain_incidents_narrow(request: HttpRequest) -> JsonResponse:
    return _rows(request, NARROW_FIELDS)


urlpatterns = [
    path("bench/plain-incidents/", plain_incidents),
    path("bench/plain-incidents-narrow/", plain_incidents_narrow),
    *application,
]
