"""Admin for reference and curated data: regions, ports, attack waves, the grain corridor."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import Count
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from incidents import services
from incidents.admin.reports import SourceInline
from incidents.admin.review import ReviewedRecordAdmin, ScopedHistoryAdmin, changed_model_fields
from incidents.admin.run_filters import IngestionRunFilter, SourceFilter
from incidents.models import (
    AttackWave,
    AttackWaveWeapon,
    GrainDisruption,
    GrainShipment,
    NeedsBaseline,
    Port,
    Region,
    RegionBoundary,
)


@admin.register(Region)
class RegionAdmin(admin.ModelAdmin):
    list_display = [
        "pcode",
        "iso_code",
        "name_en",
        "name_uk",
        "unit_type",
        "population",
        "household_size",
    ]
    list_filter = ["level", "unit_type"]
    search_fields = ["pcode", "iso_code", "name_en", "name_uk"]
    readonly_fields = ["has_boundary"]
    list_select_related = ["parent"]
    ordering = ["pcode"]

    @admin.display(boolean=True, description=_("boundary loaded"))
    def has_boundary(self, obj: Region) -> bool:
        return RegionBoundary.objects.filter(region=obj).exists()


@admin.register(NeedsBaseline)
class NeedsBaselineAdmin(ScopedHistoryAdmin):
    list_display = [
        "region",
        "external_source",
        "reference_year",
        "population",
        "people_affected",
        "people_in_need",
        "is_curated",
    ]
    list_filter = [IngestionRunFilter, SourceFilter, "reference_year"]
    list_select_related = ["region"]
    search_fields = ["region__pcode", "region__name_en", "region__name_uk", "external_source"]
    autocomplete_fields = ["region"]
    readonly_fields = ["last_ingestion_run", "is_curated"]

    def save_model(self, request: HttpRequest, obj: NeedsBaseline, form: Any, change: bool) -> None:
        services.needs_baseline_save(
            baseline=obj, by=request.user, changed_fields=changed_model_fields(form)
        )


@admin.register(Port)
class PortAdmin(admin.ModelAdmin):
    list_display = ["name", "name_uk", "unlocode", "region"]
    list_select_related = ["region"]
    search_fields = ["name", "name_uk", "unlocode"]
    autocomplete_fields = ["region"]


class AttackWaveWeaponInline(admin.TabularInline):
    model = AttackWaveWeapon
    extra = 0
    fields = ["weapon_type", "model_names", "launched", "intercepted"]


@admin.register(AttackWave)
class AttackWaveAdmin(ScopedHistoryAdmin):
    inlines = [AttackWaveWeaponInline]
    list_display = ["name", "started_at", "ended_at", "weapons_launched", "incident_count"]
    search_fields = ["name", "description"]
    date_hierarchy = "started_at"

    def get_queryset(self, request: HttpRequest) -> Any:
        return (
            super()
            .get_queryset(request)
            .annotate(incident_count=Count("incidents", distinct=True))
            .prefetch_related("weapons")
        )

    @admin.display(description=_("incidents"), ordering="incident_count")
    def incident_count(self, obj: Any) -> int:
        return obj.incident_count

    @admin.display(description=_("weapons (intercepted/launched)"))
    def weapons_launched(self, obj: AttackWave) -> str:
        weapons = list(obj.weapons.all())
        intercepted = sum(weapon.intercepted for weapon in weapons)
        launched = sum(weapon.launched for weapon in weapons)
        return f"{intercepted}/{launched}"


@admin.register(GrainDisruption)
class GrainDisruptionAdmin(ReviewedRecordAdmin):
    inlines = [SourceInline]
    list_display = [
        "started_on",
        "ended_on",
        "disruption_type",
        "port",
        "facility",
        "grain_destroyed_tonnes",
        "export_capacity_lost_tonnes",
        "status",
    ]
    list_filter = ["disruption_type", "port", "status"]
    list_select_related = ["port", "organisation"]
    search_fields = ["facility", "description"]
    date_hierarchy = "started_on"
    autocomplete_fields = ["port", "incident"]
    readonly_fields = ["public_id"]


@admin.register(GrainShipment)
class GrainShipmentAdmin(ScopedHistoryAdmin):
    list_display = [
        "voyage_number",
        "vessel_name",
        "departure_port",
        "departed_on",
        "commodity",
        "tonnes",
        "destination_country",
        "income_group",
        "is_wfp",
    ]
    list_filter = [
        IngestionRunFilter,
        SourceFilter,
        "departure_port",
        "commodity",
        "income_group",
        "is_wfp",
    ]
    list_select_related = ["departure_port"]
    search_fields = ["vessel_name", "imo", "destination_country", "commodity", "=voyage_number"]
    # What each table said is the feeds' to keep, not staff's to edit.
    readonly_fields = ["external_source", "reported"]
    date_hierarchy = "departed_on"
