"""Admin for what reporters enter: incidents with their damage, outages and sources."""

from __future__ import annotations

from functools import partial
from typing import Any, cast

from django import forms
from django.contrib import admin
from django.db import models
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, QueryDict
from django.urls import URLPattern, path
from django.utils.translation import gettext_lazy as _

from incidents import selectors, services
from incidents.admin.events import duplicates_view
from incidents.admin.review import (
    HTTPS_URL_FIELDS,
    FigureChangeFormSet,
    ReviewedRecordAdmin,
    ReviewedRecordForm,
    ScopedHistoryAdmin,
)
from incidents.admin.run_filters import IngestionRunFilter, SourceFilter
from incidents.columns import ASSET_FIELDS, DISRUPTION_FIELDS, SOURCE_FIELDS, WHEN_WHERE_WHAT
from incidents.models import DamagedAsset, Incident, ServiceDisruption, Source
from incidents.selectors.events import match_queue
from incidents.selectors.repeats import possible_repeats
from incidents.services.events import VERIFY

EVENT_FIELDS = ["event", "awaiting_match_since"]


class AwaitingMatchFilter(admin.SimpleListFilter):
    title = _("same attack")
    parameter_name = "same_attack"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, Any]]:
        return [
            ("waiting", _("Waiting in the duplicates queue")),
            ("linked", _("Linked to an event")),
            ("alone", _("Standing alone")),
        ]

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        if self.value() == "waiting":
            return queryset.filter(awaiting_match_since__isnull=False)
        if self.value() == "linked":
            return queryset.filter(event__isnull=False)
        if self.value() == "alone":
            return queryset.filter(event__isnull=True, awaiting_match_since__isnull=True)
        return queryset


class ParentEditableInline(admin.TabularInline):
    """Inline rows are editable exactly when their parent record is."""

    formset = FigureChangeFormSet
    extra = 0
    formfield_overrides = HTTPS_URL_FIELDS

    def _parent_editable(self, request: HttpRequest, obj: Any) -> bool:
        return obj is None or services.can_edit_record(user=request.user, record=obj)

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return super().has_add_permission(request, obj) and self._parent_editable(request, obj)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return super().has_change_permission(request, obj) and self._parent_editable(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return super().has_delete_permission(request, obj) and self._parent_editable(request, obj)


class DamagedAssetInline(ParentEditableInline):
    model = DamagedAsset
    fields = list(ASSET_FIELDS)
    formfield_overrides = {
        **HTTPS_URL_FIELDS,
        models.TextField: {"widget": forms.TextInput(attrs={"size": 40})},
    }


class ServiceDisruptionInline(ParentEditableInline):
    model = ServiceDisruption
    fk_name = "incident"
    fields = list(DISRUPTION_FIELDS)
    autocomplete_fields = ["region"]


class SourceInline(ParentEditableInline):
    model = Source
    fields = list(SOURCE_FIELDS)


class IncidentForm(ReviewedRecordForm):
    """A new report is checked against the earlier reports it may repeat before it is
    saved: the reporter sees them and saves again to keep it (a Verifier then decides, if
    the matching still finds it likely once it is submitted)."""

    repeats_checked = forms.BooleanField(required=False, widget=forms.HiddenInput)
    reader: Any = None  # the user entering the report, set per request

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        if self.instance.pk is not None or cleaned.get("repeats_checked") or self.errors:
            return cleaned
        values = {name: cleaned.get(name) for name in REPEAT_FIELDS}
        region = cleaned.get("region")
        values["region_id"] = region.pk if region is not None else None
        repeats = possible_repeats(user=self.reader, values=values)
        if repeats:
            # Checked on the page shown again: the next save keeps the report.
            data = cast(QueryDict, self.data).copy()
            data["repeats_checked"] = "True"
            self.data = data
            raise forms.ValidationError(_repeats_message(repeats))
        return cleaned


# What the matching reads of a report being entered (its region apart, a model there).
REPEAT_FIELDS = (*(name for name in WHEN_WHERE_WHAT if name != "region"), "killed", "injured")


def _repeats_message(repeats: list[tuple[Incident, Any]]) -> str:
    listed = "; ".join(
        _("%(report)s (%(source)s, %(status)s): %(reasons)s")
        % {
            "report": incident,
            "source": incident.external_source or getattr(incident.organisation, "name", "—"),
            "status": incident.get_status_display(),
            "reasons": ", ".join(str(reason) for reason in likeness.reasons),
        }
        for incident, likeness in repeats
    )
    return _(
        "This may repeat an earlier report: %(reports)s. Check them before saving; save "
        "again to keep this as a report of its own."
    ) % {"reports": listed}


@admin.register(Incident)
class IncidentAdmin(ReviewedRecordAdmin):
    form = IncidentForm
    inlines = [DamagedAssetInline, ServiceDisruptionInline, SourceInline]
    list_display = [
        "occurred_on",
        "incident_type",
        "settlement",
        "region",
        "killed",
        "injured",
        "children_killed",
        "children_injured",
        "status",
        "organisation",
    ]
    # Run and source first: a run's page links here, and the reader sees what is applied.
    list_filter = [
        AwaitingMatchFilter,
        IngestionRunFilter,
        SourceFilter,
        "status",
        "incident_type",
        "region",
        "occurred_on",
        "organisation",
    ]
    list_select_related = ["region", "organisation"]
    search_fields = ["settlement", "description", "external_id", "region__name_en", "=public_id"]
    date_hierarchy = "occurred_on"
    autocomplete_fields = ["region", "attack_wave"]
    fieldsets = [
        (
            _("When"),
            {"fields": [("occurred_on", "occurred_at", "date_precision")]},
        ),
        (
            _("Where"),
            {
                "fields": [
                    ("region", "settlement"),
                    ("latitude", "longitude", "location_precision"),
                ]
            },
        ),
        (
            _("What"),
            {
                "fields": [
                    ("incident_type", "attack_wave"),
                    ("weapons_launched", "weapons_intercepted"),
                    "description",
                ]
            },
        ),
        (
            _("People"),
            {"fields": [("killed", "children_killed"), ("injured", "children_injured")]},
        ),
        (
            _("Review"),
            {
                "fields": [
                    ("status", "organisation", "created_by"),
                    ("verified_by", "verified_at"),
                    "rejection_reason",
                    "change_reason",
                ]
            },
        ),
        (
            _("Same attack"),
            {"fields": [("event", "awaiting_match_since"), "repeats_checked"]},
        ),
        (
            _("Provenance"),
            {
                "classes": ["collapse"],
                "fields": [("external_source", "external_id"), "public_id"],
            },
        ),
    ]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        return [*super().get_readonly_fields(request, obj), "public_id", *EVENT_FIELDS]

    def get_form(
        self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any
    ) -> Any:
        form = super().get_form(request, obj, change, **kwargs)
        form.reader = request.user
        return form

    def get_urls(self) -> list[URLPattern]:
        wrap = self.admin_site.admin_view
        return [
            path(
                "duplicates/",
                wrap(partial(duplicates_view, self)),
                name="incidents_incident_duplicates",
            ),
            *super().get_urls(),
        ]

    def changelist_view(
        self, request: HttpRequest, extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        waiting = match_queue().count() if request.user.has_perm(VERIFY) else None
        return super().changelist_view(
            request, {**(extra_context or {}), "duplicates_waiting": waiting}
        )


@admin.register(ServiceDisruption)
class ServiceDisruptionAdmin(ReviewedRecordAdmin):
    inlines = [SourceInline]
    list_display = [
        "service",
        "region",
        "settlement",
        "facility",
        "people_affected",
        "households_affected",
        "people_counted",
        "started_at",
        "restored_at",
        "status",
    ]
    list_filter = ["service", "status", "region", "started_at"]
    list_select_related = ["region", "organisation"]
    search_fields = ["settlement", "facility", "description", "region__name_en"]
    date_hierarchy = "started_at"
    autocomplete_fields = ["region", "incident"]
    raw_id_fields = ["asset"]
    # Derived on save from people or households (see ``ServiceDisruption.save``).
    readonly_fields = ["public_id", "people_counted", "people_estimated"]


class IncidentChildAdmin(ScopedHistoryAdmin):
    """Rows that belong to an incident (damage, sources): listed and searchable here, but
    edited only inside their incident, where the incident's edit and figure rules apply."""

    list_select_related = ["incident", "incident__region"]

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return selectors.records_in_workspace(
            user=request.user,
            queryset=super().get_queryset(request),
            organisation_path="incident__organisation",
        )

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(DamagedAsset)
class DamagedAssetAdmin(IncidentChildAdmin):
    list_display = ["asset_type", "name", "count", "damage_level", "incident"]
    list_filter = ["asset_type", "damage_level", "incident__region"]
    search_fields = ["name", "notes", "incident__settlement"]


@admin.register(Source)
class SourceAdmin(IncidentChildAdmin):
    list_display = ["name", "kind", "title", "url", "published_on", "incident"]
    list_filter = ["kind"]
    search_fields = ["name", "title", "url"]
