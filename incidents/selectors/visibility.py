"""Reads of the domain, already scoped to what the reader may see."""

from __future__ import annotations

from typing import Any, TypeVar

from django.db.models import Case, F, Model, Q, QuerySet, Value, When

from incidents.models import Source, Tombstone, VerificationStatus
from incidents.services import AnyUser, user_sees_all_organisations

RecordT = TypeVar("RecordT", bound=Model)


def _organisation_id(user: AnyUser) -> int | None:
    return getattr(user, "organisation_id", None) if user.is_authenticated else None


def records_in_workspace(
    *, user: AnyUser, queryset: QuerySet[RecordT], organisation_path: str = "organisation"
) -> QuerySet[RecordT]:
    """What a staff member works on: everything for Verifiers and Analysts, only their own
    organisation's records for everyone else. ``organisation_path`` reaches the owning
    organisation from child rows (e.g. ``incident__organisation`` for damaged assets)."""
    if user_sees_all_organisations(user):
        return queryset
    organisation_id = _organisation_id(user)
    if organisation_id is None:
        return queryset.none()
    return queryset.filter(**{f"{organisation_path}_id": organisation_id})


def records_visible_to(
    *, user: AnyUser, queryset: QuerySet[RecordT], status_path: str = "status"
) -> QuerySet[RecordT]:
    """What a reader may see anywhere: published records, plus their own organisation's
    unpublished ones; Verifiers and Analysts see everything."""
    if user_sees_all_organisations(user):
        return queryset
    published = Q(**{status_path: VerificationStatus.VERIFIED})
    organisation_id = _organisation_id(user)
    if organisation_id is None:
        return queryset.filter(published)
    owner_path = status_path.removesuffix("status") + "organisation_id"
    return queryset.filter(published | Q(**{owner_path: organisation_id}))


def with_visible_incident(*, user: AnyUser, queryset: QuerySet[RecordT]) -> QuerySet[Any]:
    """Annotate ``incident_reference``: the linked incident's public id, or null when the
    reader may not see that incident (a published disruption may stem from a draft)."""
    reference = F("incident__public_id")
    if user_sees_all_organisations(user):
        return queryset.annotate(incident_reference=reference)
    visible = Q(incident__status=VerificationStatus.VERIFIED)
    organisation_id = _organisation_id(user)
    if organisation_id is not None:
        visible |= Q(incident__organisation_id=organisation_id)
    return queryset.annotate(
        incident_reference=Case(When(visible, then=reference), default=Value(None))
    )


def disruptions_visible_to(*, user: AnyUser, queryset: QuerySet[RecordT]) -> QuerySet[Any]:
    """Service or grain disruptions the reader may see, each with the id of its incident
    only when the reader may see that incident too."""
    visible = records_visible_to(user=user, queryset=queryset)
    return with_visible_incident(user=user, queryset=visible)


def sources_visible_to(*, user: AnyUser) -> QuerySet[Source]:
    """Sources of the records the reader may see, whichever kind of record cites them."""
    sources = Source.objects.select_related("incident")
    if user_sees_all_organisations(user):
        return sources
    organisation_id = _organisation_id(user)
    visible = Q()
    for parent in ("incident", "service_disruption", "grain_disruption"):
        visible |= Q(**{f"{parent}__status": VerificationStatus.VERIFIED})
        if organisation_id is not None:
            visible |= Q(**{f"{parent}__organisation_id": organisation_id})
    return sources.filter(visible)


def tombstones_visible_to(*, user: AnyUser) -> QuerySet[Tombstone]:
    """A deletion is news to whoever could see the record: the public only for
    records that were published."""
    tombstones = Tombstone.objects.all()
    if user_sees_all_organisations(user):
        return tombstones
    visible = Q(was_published=True)
    organisation_id = _organisation_id(user)
    if organisation_id is not None:
        visible |= Q(organisation_id=organisation_id)
    return tombstones.filter(visible)
