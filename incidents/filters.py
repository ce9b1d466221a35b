"""FilterSets shared by the API and the selectors."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import django_filters
from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from rest_framework.exceptions import ValidationError

from incidents.limits import held_within_bounds
from incidents.models import (
    DamagedAsset,
    GrainDisruption,
    GrainShipment,
    Incident,
    ServiceDisruption,
    Source,
    Tombstone,
    VerificationStatus,
)
from incidents.selectors.places import region_ids_for_codes, unknown_region_codes


def _by_region_code(field: str) -> Callable[[QuerySet, str, str], QuerySet]:
    def method(queryset: QuerySet, name: str, value: str) -> QuerySet:
        codes = [code.strip().upper() for code in value.split(",") if code.strip()]
        # A mistyped code is an error, not an empty list that reads as "nothing happened".
        if unknown := unknown_region_codes(codes):
            message = ngettext(
                "Unknown region code: %s.", "Unknown region codes: %s.", len(unknown)
            )
            raise ValidationError({name: [message % ", ".join(unknown)]})
        # Codes become ids first, so the filter uses the index on the foreign key
        # instead of joining regions and comparing upper-cased text on every row.
        return queryset.filter(**{f"{field}_id__in": region_ids_for_codes(codes)})

    return method


class UtcDateTimeFilter(django_filters.IsoDateTimeFilter):
    """Compares in UTC: ISO 8601 allows offsets PostgreSQL refuses (beyond ±15:59)."""

    def filter(self, qs: QuerySet, value: dt.datetime | None) -> QuerySet:
        if value is not None:
            try:
                value = value.astimezone(dt.UTC)
            except OverflowError as error:
                raise ValidationError({self.field_name: ["Date out of range."]}) from error
        return super().filter(qs, value)


class BoundedDateFilter(django_filters.DateFilter):
    """A period's edge held within the accepted dates (``incidents.limits``). Records lie
    within them, so a period reaching beyond (a partner asking "up to the end of the
    year") is narrowed to them rather than refused; what it returns is the same."""

    def filter(self, qs: QuerySet, value: dt.date | None) -> QuerySet:
        return super().filter(qs, held_within_bounds(value) if value else value)


class OrderedPeriodForm(forms.Form):
    """A period whose end comes before its start is a 400 naming both ends, not an empty
    list that reads as "nothing happened"."""

    periods = (("date_from", "date_to"), ("started_from", "started_to"))

    def clean(self) -> dict:
        cleaned = super().clean() or {}
        for start, end in self.periods:
            if cleaned.get(start) and cleaned.get(end) and cleaned[start] > cleaned[end]:
                self.add_error(end, _("Must not be before %(start)s.") % {"start": start})
        return cleaned


class RegionCodeFilter(django_filters.CharFilter):
    def __init__(self, field: str = "region", **kwargs: Any) -> None:
        kwargs.setdefault(
            "help_text",
            _("Region by OCHA P-code (UA46) or ISO 3166-2 code (UA-46); comma-separated."),
        )
        super().__init__(method=_by_region_code(field), **kwargs)


class UpdatedSinceFilterSet(django_filters.FilterSet):
    updated_since = UtcDateTimeFilter(
        field_name="updated_at",
        lookup_expr="gte",
        help_text=_(
            "Only records changed at or after this moment (ISO 8601), for incremental sync."
        ),
    )


class ReviewedFilterSet(UpdatedSinceFilterSet):
    status = django_filters.MultipleChoiceFilter(
        choices=VerificationStatus.choices, help_text=_("Verification status.")
    )


class IncidentFilter(ReviewedFilterSet):
    date_from = BoundedDateFilter(
        field_name="occurred_on", lookup_expr="gte", help_text=_("Occurred on or after (date).")
    )
    date_to = BoundedDateFilter(
        field_name="occurred_on", lookup_expr="lte", help_text=_("Occurred on or before (date).")
    )
    region = RegionCodeFilter()
    type = django_filters.MultipleChoiceFilter(
        field_name="incident_type",
        choices=Incident.IncidentType.choices,
        help_text=_("Incident type; repeat for several."),
    )
    external_source = django_filters.CharFilter(help_text=_("e.g. acled"))

    class Meta:
        model = Incident
        form = OrderedPeriodForm
        fields = ["date_from", "date_to", "region", "type", "status", "updated_since"]


class EventFilter(IncidentFilter):
    """The incidents' filters, on what each event takes from its lead report; a change
    to the event (its figures, its reports) counts as a change for ``updated_since``."""

    updated_since = UtcDateTimeFilter(
        field_name="changed_at",
        lookup_expr="gte",
        help_text=_(
            "Only events changed at or after this moment (ISO 8601), for incremental sync."
        ),
    )
    status = django_filters.MultipleChoiceFilter(
        choices=[
            (VerificationStatus.VERIFIED.value, VerificationStatus.VERIFIED.label),
            (VerificationStatus.SUBMITTED.value, VerificationStatus.SUBMITTED.label),
        ],
        help_text=_("Verification status of the event's lead report."),
    )


class ServiceDisruptionFilter(ReviewedFilterSet):
    service = django_filters.MultipleChoiceFilter(choices=ServiceDisruption.Service.choices)
    region = RegionCodeFilter()
    started_from = UtcDateTimeFilter(field_name="started_at", lookup_expr="gte")
    started_to = UtcDateTimeFilter(field_name="started_at", lookup_expr="lte")
    is_ongoing = django_filters.BooleanFilter(
        field_name="restored_at", lookup_expr="isnull", help_text=_("Still out (not restored).")
    )

    class Meta:
        model = ServiceDisruption
        form = OrderedPeriodForm
        fields = ["service", "region", "status", "started_from", "started_to", "is_ongoing"]


class DamagedAssetFilter(UpdatedSinceFilterSet):
    asset_type = django_filters.MultipleChoiceFilter(choices=DamagedAsset.AssetType.choices)
    region = RegionCodeFilter(field="incident__region")
    incident = django_filters.UUIDFilter(field_name="incident__public_id")

    class Meta:
        model = DamagedAsset
        fields = ["asset_type", "damage_level", "region", "incident", "updated_since"]


class SourceFilter(UpdatedSinceFilterSet):
    incident = django_filters.UUIDFilter(field_name="incident__public_id")

    class Meta:
        model = Source
        fields = ["kind", "incident", "updated_since"]


class GrainDisruptionFilter(ReviewedFilterSet):
    port = django_filters.CharFilter(field_name="port__name", lookup_expr="iexact")
    date_from = BoundedDateFilter(field_name="started_on", lookup_expr="gte")
    date_to = BoundedDateFilter(field_name="started_on", lookup_expr="lte")

    class Meta:
        model = GrainDisruption
        form = OrderedPeriodForm
        fields = ["disruption_type", "port", "status", "date_from", "date_to", "updated_since"]


class TombstoneFilter(django_filters.FilterSet):
    since = UtcDateTimeFilter(
        field_name="occurred_at",
        lookup_expr="gte",
        help_text=_("Deletions and withdrawals at or after this moment (ISO 8601)."),
    )
    record_type = django_filters.ChoiceFilter(
        choices=[
            ("incident", "incident"),
            ("servicedisruption", "servicedisruption"),
            ("graindisruption", "graindisruption"),
            ("event", "event"),
        ]
    )

    class Meta:
        model = Tombstone
        fields = ["since", "record_type", "reason"]


class GrainShipmentFilter(UpdatedSinceFilterSet):
    port = django_filters.CharFilter(field_name="departure_port__name", lookup_expr="iexact")
    commodity = django_filters.CharFilter(lookup_expr="iexact")
    date_from = BoundedDateFilter(field_name="departed_on", lookup_expr="gte")
    date_to = BoundedDateFilter(field_name="departed_on", lookup_expr="lte")
    destination = django_filters.CharFilter(field_name="destination_country", lookup_expr="iexact")

    class Meta:
        model = GrainShipment
        form = OrderedPeriodForm
        fields = ["port", "commodity", "income_group", "is_wfp", "date_from", "date_to"]
