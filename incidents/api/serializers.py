"""Output shapes of the partner API.

Reporter identities (``created_by``) and review internals never appear; records are
identified by their public UUID. Writes go through an input serializer (``inputs``), then
a service.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from incidents import selectors
from incidents.columns import ASSET_FIELDS, INCIDENT_FACTS, SOURCE_FIELDS, WHEN_WHERE_WHAT
from incidents.events.choice import FIGURES
from incidents.limits import held_within_bounds, moment_within_bounds
from incidents.models import (
    AttackWave,
    AttackWaveWeapon,
    DamagedAsset,
    Feed,
    GrainDisruption,
    GrainShipment,
    Incident,
    IngestionRun,
    Region,
    ServiceDisruption,
    Source,
    Tombstone,
)


@extend_schema_field(OpenApiTypes.STR)
class RegionCodeField(serializers.RelatedField):
    """A region given and shown by P-code; ISO 3166-2 codes are accepted on input."""

    default_error_messages = {"unknown": _("'{value}' is not a known P-code or ISO code.")}

    def __init__(self, **kwargs: Any) -> None:
        if not kwargs.get("read_only"):
            kwargs.setdefault("queryset", Region.objects.all())
        super().__init__(**kwargs)

    def to_representation(self, value: Any) -> str:
        return value.pcode

    def to_internal_value(self, data: Any) -> Region:
        code = str(data).strip()
        matching = Region.objects.filter(Q(pcode__iexact=code) | Q(iso_code__iexact=code))
        region = matching.first()
        if region is None:
            self.fail("unknown", value=code)
        return region


class RegionSerializer(serializers.ModelSerializer):
    parent = serializers.SlugRelatedField[Region](
        slug_field="pcode", read_only=True, allow_null=True
    )  # type: ignore[assignment]

    class Meta:
        model = Region
        fields = [
            "pcode",
            "iso_code",
            "name_en",
            "name_uk",
            "level",
            "unit_type",
            "parent",
            "population",
            "latitude",
            "longitude",
            "updated_at",
        ]


class VisibleIncidentField(serializers.UUIDField):
    """The id of the record's incident, or null when the reader may not see that incident.

    List views annotate ``incident_reference`` (see ``selectors.with_visible_incident``);
    nested under its incident, the incident is the one being shown.
    """

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(read_only=True, allow_null=True, **kwargs)

    def get_attribute(self, instance: Any) -> Any:
        if hasattr(instance, "incident_reference"):
            return instance.incident_reference
        return instance.incident.public_id if instance.incident_id else None


class SourceSerializer(serializers.ModelSerializer):
    id = serializers.UUIDField(source="public_id", read_only=True)
    incident = serializers.UUIDField(source="incident.public_id", read_only=True, allow_null=True)

    class Meta:
        model = Source
        fields = ["id", "incident", *SOURCE_FIELDS, "updated_at"]
        read_only_fields = ["id", "incident", "updated_at"]


class DamagedAssetSerializer(serializers.ModelSerializer):
    id = serializers.UUIDField(source="public_id", read_only=True)
    incident = serializers.UUIDField(source="incident.public_id", read_only=True)

    class Meta:
        model = DamagedAsset
        fields = ["id", "incident", *ASSET_FIELDS]
        read_only_fields = ["id", "incident"]


# What an event takes from its lead report.
EVENT_PLACE = list(WHEN_WHERE_WHAT)
REVIEW_OUTPUT = ["status", "organisation", "verified_at", "updated_at"]


class ServiceDisruptionSerializer(serializers.ModelSerializer):
    id = serializers.UUIDField(source="public_id", read_only=True)
    region = RegionCodeField(read_only=True)
    incident = VisibleIncidentField()
    organisation = serializers.CharField(source="organisation.name", read_only=True, default="")

    class Meta:
        model = ServiceDisruption
        fields = [
            "id",
            "service",
            "region",
            "settlement",
            "facility",
            "incident",
            "people_affected",
            "households_affected",
            "people_counted",
            "people_estimated",
            "started_at",
            "restored_at",
            "description",
            *REVIEW_OUTPUT,
        ]
        extra_kwargs = {
            "people_counted": {
                "help_text": _(
                    "The people the figures count: people affected when given, else the "
                    "households times the region's average household size."
                )
            },
            "people_estimated": {
                "help_text": _("Whether people counted is an estimate from households.")
            },
        }


class EventReferenceField(serializers.UUIDField):
    """The id of the event a report counts in: its event's, its own when it stands alone,
    null while it waits in the duplicates queue.

    Lists annotate ``event_reference`` (``selectors.with_event_reference``); a report
    read otherwise (just created) is looked at itself."""

    annotation = "event_reference"

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault(
            "help_text",
            _(
                "The event this report counts in (see events/): its event's id, its own id "
                "when it stands alone, null while it waits in the duplicates queue."
            ),
        )
        super().__init__(read_only=True, allow_null=True, **kwargs)

    def get_attribute(self, instance: Any) -> Any:
        if hasattr(instance, self.annotation):
            return getattr(instance, self.annotation)
        if instance.event_id:
            return instance.event.public_id
        return None if instance.awaiting_match_since else instance.public_id


class AwaitingMatchField(serializers.BooleanField):
    """Whether a report waits in the duplicates queue (annotated as ``awaiting_match``)."""

    annotation = "awaiting_match"

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault(
            "help_text",
            _(
                "Whether the report may repeat an earlier one and waits for a Verifier; "
                "until then it counts in no figure."
            ),
        )
        super().__init__(read_only=True, **kwargs)

    def get_attribute(self, instance: Any) -> Any:
        if hasattr(instance, self.annotation):
            return getattr(instance, self.annotation)
        return instance.awaiting_match_since is not None


class IncidentSerializer(serializers.ModelSerializer):
    """The flat shape of lists and exports."""

    id = serializers.UUIDField(source="public_id", read_only=True)
    # Empty for events outside any region (at sea).
    region = RegionCodeField(read_only=True, allow_null=True)
    organisation = serializers.CharField(source="organisation.name", read_only=True, default="")
    event = EventReferenceField()
    awaiting_match = AwaitingMatchField()

    class Meta:
        model = Incident
        fields = ["id", "external_source", "external_id", *INCIDENT_FACTS, *REVIEW_OUTPUT]
        fields += ["event", "awaiting_match"]


class IncidentDetailSerializer(IncidentSerializer):
    assets = DamagedAssetSerializer(many=True, read_only=True)
    disruptions = ServiceDisruptionSerializer(many=True, read_only=True)
    sources = SourceSerializer(many=True, read_only=True)

    class Meta(IncidentSerializer.Meta):
        fields = [*IncidentSerializer.Meta.fields, "assets", "disruptions", "sources"]


class PublishedFigureField(serializers.IntegerField):
    """A figure of an event as published (``part`` "value"), one end of its sources'
    spread ("low", "high"), or the number of reports the spread is over ("sources")."""

    def __init__(self, figure: str, part: str = "value", **kwargs: Any) -> None:
        self.figure, self.part = figure, part
        super().__init__(read_only=True, **kwargs)

    def get_attribute(self, instance: Any) -> Any:
        return getattr(selectors.published_figure(instance, self.figure), self.part)


class EventReportsField(serializers.ListField):
    def __init__(self, **kwargs: Any) -> None:
        super().__init__(child=serializers.UUIDField(), read_only=True, **kwargs)

    def get_attribute(self, instance: Any) -> Any:
        return selectors.event_report_ids(instance)


LOWEST = _("The lowest value of this figure among the event's reports.")
HIGHEST = _("The highest value of this figure among the event's reports.")


class EventSerializer(serializers.ModelSerializer):
    """One attack, however many sources reported it: the place, time and type of its lead
    report, the figures it publishes and the spread of its sources."""

    id = serializers.UUIDField(
        source="event_reference",
        read_only=True,
        help_text=_("The event's id; a report standing alone is published under its own."),
    )
    region = RegionCodeField(read_only=True, allow_null=True)
    killed = PublishedFigureField("killed")
    killed_min = PublishedFigureField("killed", "low", help_text=LOWEST)
    killed_max = PublishedFigureField("killed", "high", help_text=HIGHEST)
    injured = PublishedFigureField("injured")
    injured_min = PublishedFigureField("injured", "low", help_text=LOWEST)
    injured_max = PublishedFigureField("injured", "high", help_text=HIGHEST)
    children_killed = PublishedFigureField("children_killed")
    children_killed_min = PublishedFigureField("children_killed", "low", help_text=LOWEST)
    children_killed_max = PublishedFigureField("children_killed", "high", help_text=HIGHEST)
    children_injured = PublishedFigureField("children_injured")
    children_injured_min = PublishedFigureField("children_injured", "low", help_text=LOWEST)
    children_injured_max = PublishedFigureField("children_injured", "high", help_text=HIGHEST)
    sources = PublishedFigureField(
        "killed", "sources", help_text=_("The number of reports the spread is taken over.")
    )
    reports = EventReportsField(
        help_text=_("The ids of the event's reports (see incidents/) that you may see.")
    )
    updated_at = serializers.DateTimeField(source="changed_at", read_only=True)

    class Meta:
        model = Incident
        fields = [
            "id",
            *EVENT_PLACE,
            *(name for figure in FIGURES for name in (figure, f"{figure}_min", f"{figure}_max")),
            "sources",
            "reports",
            "status",
            "updated_at",
        ]


class AttackWaveWeaponSerializer(serializers.ModelSerializer):
    class Meta:
        model = AttackWaveWeapon
        fields = ["weapon_type", "model_names", "launched", "intercepted"]


class AttackWaveSerializer(serializers.ModelSerializer):
    weapons = AttackWaveWeaponSerializer(many=True, read_only=True)

    class Meta:
        model = AttackWave
        fields = ["id", "name", "started_at", "ended_at", "description", "source_name"]
        fields += ["source_url", "weapons", "updated_at"]


class GrainDisruptionSerializer(serializers.ModelSerializer):
    id = serializers.UUIDField(source="public_id", read_only=True)
    # Null for disruptions at no port (storage inland, the corridor as a whole).
    port = serializers.CharField(source="port.name", read_only=True, default=None, allow_null=True)
    incident = VisibleIncidentField()
    organisation = serializers.CharField(source="organisation.name", read_only=True, default="")

    class Meta:
        model = GrainDisruption
        fields = [
            "id",
            "disruption_type",
            "started_on",
            "ended_on",
            "port",
            "facility",
            "grain_destroyed_tonnes",
            "export_capacity_lost_tonnes",
            "incident",
            "description",
            *REVIEW_OUTPUT,
        ]


class GrainShipmentSerializer(serializers.ModelSerializer):
    departure_port = serializers.CharField(source="departure_port.name", read_only=True)

    class Meta:
        model = GrainShipment
        fields = [
            "id",
            "voyage_number",
            "is_additional_cargo",
            "vessel_name",
            "imo",
            "departure_port",
            "departed_on",
            "commodity",
            "tonnes",
            "destination_country",
            "income_group",
            "is_wfp",
            "updated_at",
        ]


class TombstoneSerializer(serializers.ModelSerializer):
    id = serializers.UUIDField(source="public_id", read_only=True)

    class Meta:
        model = Tombstone
        fields = ["id", "record_type", "reason", "merged_into", "occurred_at"]
        extra_kwargs = {
            "merged_into": {
                "help_text": _(
                    "For a merged event (reason merged): the id of the event it now counts "
                    "in; null otherwise."
                )
            }
        }


class FeedSerializer(serializers.ModelSerializer):
    class Meta:
        model = Feed
        fields = ["id", "name", "slug", "format", "url", "schedule_minutes", "is_enabled"]
        fields += ["record_status", "next_run_at", "alert", "updated_at"]


class IngestionRunSerializer(serializers.ModelSerializer):
    id = serializers.UUIDField(source="public_id", read_only=True)
    feed = serializers.CharField(source="feed.slug", read_only=True, default=None, allow_null=True)

    class Meta:
        model = IngestionRun
        fields = [
            "id",
            "feed",
            "format",
            "external_source",
            "location",
            "trigger",
            "status",
            "error",
            "created_at",
            "started_at",
            "finished_at",
            "rows_seen",
            "created",
            "updated",
            "unchanged",
            "rejected",
            "skipped",
            "warnings",
            "rows_per_second",
        ]


class PeriodSerializer(serializers.Serializer):
    """The period of an aggregate: incidents between two dates, outages at a moment."""

    # Held within the records' dates: a period beyond them holds nothing more, and its
    # edges must stay far from the calendar's (the day after, the next month). A period
    # reaching beyond is narrowed, not refused: "up to the end of the year" is a fair ask.
    date_from = serializers.DateField(
        required=False, help_text=_("Incidents on or after (held from 2014-01-01).")
    )
    date_to = serializers.DateField(
        required=False,
        help_text=_("Incidents on or before (held to at most today in Kyiv plus a day)."),
    )
    as_of = serializers.DateTimeField(
        required=False,
        help_text=_("Count people without services at this moment (default now)."),
    )

    def validate_date_from(self, value: dt.date) -> dt.date:
        return held_within_bounds(value)

    def validate_date_to(self, value: dt.date) -> dt.date:
        return held_within_bounds(value)

    def validate_as_of(self, value: dt.datetime) -> dt.datetime:
        return moment_within_bounds(value)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if (
            attrs.get("date_from")
            and attrs.get("date_to")
            and attrs["date_from"] > attrs["date_to"]
        ):
            raise serializers.ValidationError({"date_to": [_("Must not be before date_from.")]})
        return attrs


class FiguresSerializer(serializers.Serializer):
    incidents = serializers.IntegerField()
    killed = serializers.IntegerField()
    injured = serializers.IntegerField()
    children_killed = serializers.IntegerField()
    children_injured = serializers.IntegerField()
    people_without = serializers.DictField(
        child=serializers.IntegerField(), help_text=_("People without each service now.")
    )
    people_without_estimated = serializers.DictField(
        child=serializers.IntegerField(),
        help_text=_(
            "Of the people without each service now, those estimated from households "
            "(households times the region's average household size)."
        ),
    )
    outages = serializers.DictField(
        child=serializers.IntegerField(), help_text=_("Outages of each service ongoing now.")
    )
    person_days = serializers.DictField(
        child=serializers.FloatField(),
        help_text=_("People times days without each service within the period."),
    )
    damaged = serializers.DictField(
        child=serializers.IntegerField(), help_text=_("Damaged or destroyed assets by type.")
    )


class RegionNeedsSerializer(FiguresSerializer):
    pcode = serializers.CharField()
    iso_code = serializers.CharField()
    name = serializers.CharField()
    name_uk = serializers.CharField()
    population = serializers.IntegerField(allow_null=True)
    people_affected = serializers.IntegerField(
        allow_null=True, help_text=_("From the latest needs assessment, when one was loaded.")
    )
    people_in_need = serializers.IntegerField(
        allow_null=True, help_text=_("From the latest needs assessment, when one was loaded.")
    )
    baseline = serializers.CharField(help_text=_("Which assessment, e.g. 'hno-2023 (2023)'."))


class GrainMonthSerializer(serializers.Serializer):
    port = serializers.CharField()
    month = serializers.DateField()
    tonnes = serializers.IntegerField()
    voyages = serializers.IntegerField()


class NationalSummarySerializer(FiguresSerializer):
    grain_exports = GrainMonthSerializer(many=True)
    people_in_need = serializers.IntegerField(
        allow_null=True, help_text=_("Sum of the regions' latest needs assessments.")
    )
