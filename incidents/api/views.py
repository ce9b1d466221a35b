"""Partner API views: thin, reading through selectors and writing through services."""

from __future__ import annotations

from typing import Any

from django.db.models import Prefetch, QuerySet
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, permissions, status, viewsets
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.renderers import BrowsableAPIRenderer, JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from incidents import filters as filtersets
from incidents import selectors, services
from incidents.api import inputs, serializers
from incidents.api.bodies import JSONBodyMixin
from incidents.api.exporting import ExportableListMixin
from incidents.api.formats import CSVRenderer, GeoJSONRenderer, HXLRenderer
from incidents.models import (
    AttackWave,
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

TABLE_RENDERERS = [JSONRenderer, BrowsableAPIRenderer, CSVRenderer, HXLRenderer]
MAP_RENDERERS = [*TABLE_RENDERERS, GeoJSONRenderer]
# Anyone may read incidents (IncidentPermission): the schema says so, as it does for the
# views whose permission class drf-spectacular recognises.
READ_SECURITY: list[dict[str, list[str]]] = [{"PartnerApiKey": []}, {"cookieAuth": []}, {}]


class PublicIdLookupMixin:
    """Records are addressed by their public UUID, never by the sequential primary key."""

    lookup_field = "public_id"
    lookup_url_kwarg: str | None = "id"


class IncidentPermission(permissions.BasePermission):
    """Anyone reads what they may see; writing needs a write key or a staff role, and
    editing a record needs the service's consent (own organisation, not yet verified)."""

    def has_permission(self, request: Request, view: Any) -> bool:
        if request.method in permissions.SAFE_METHODS:
            return True
        perm = "add" if request.method == "POST" else "change"
        return bool(
            request.user.is_authenticated and request.user.has_perm(f"incidents.{perm}_incident")
        )

    def has_object_permission(self, request: Request, view: Any, obj: Any) -> bool:
        if request.method in permissions.SAFE_METHODS:
            return True
        return services.can_edit_record(user=request.user, record=obj)


@extend_schema_view(
    list=extend_schema(auth=READ_SECURITY),  # type: ignore[arg-type]
    retrieve=extend_schema(auth=READ_SECURITY),  # type: ignore[arg-type]
    # A PATCH answers as a PUT does (``update``), with the detail.
    partial_update=extend_schema(responses=serializers.IncidentDetailSerializer),
)
class IncidentViewSet(
    JSONBodyMixin,
    PublicIdLookupMixin,
    ExportableListMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.ReadOnlyModelViewSet,
):
    """Incidents: one attack at one place. Lists are flat; a detail nests its damaged
    assets, service disruptions and sources."""

    permission_classes = [IncidentPermission]
    renderer_classes = MAP_RENDERERS
    filterset_class = filtersets.IncidentFilter
    search_fields = ["settlement", "description", "external_id"]
    ordering_fields = ["occurred_on", "updated_at", "killed", "injured"]
    ordering = ["-occurred_on", "-id"]

    def get_queryset(self) -> QuerySet[Incident]:
        incidents = Incident.objects.select_related("region", "organisation")
        if self.action == "retrieve":
            incidents = incidents.prefetch_related(
                Prefetch("assets", queryset=DamagedAsset.objects.select_related("incident")),
                Prefetch(
                    "disruptions",
                    queryset=selectors.records_visible_to(
                        user=self.request.user,
                        queryset=ServiceDisruption.objects.select_related(
                            "region", "incident", "organisation"
                        ),
                    ),
                ),
                Prefetch("sources", queryset=Source.objects.select_related("incident")),
            )
        visible = selectors.records_visible_to(user=self.request.user, queryset=incidents)
        return selectors.with_event_reference(visible)

    def get_serializer_class(self) -> type[Any]:
        if self.action == "create":
            return inputs.IncidentInputSerializer
        if self.action in ("update", "partial_update"):
            return inputs.IncidentChangeInputSerializer
        if self.action == "retrieve":
            return serializers.IncidentDetailSerializer
        return serializers.IncidentSerializer

    @extend_schema(responses=serializers.IncidentDetailSerializer)
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Submit a report whole: the incident with its damaged assets, the service
        disruptions it caused and its sources. An invalid row refuses the whole report."""
        payload = inputs.IncidentInputSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = dict(payload.validated_data)
        rows = {name: data.pop(name, []) for name in inputs.ROW_LISTS}
        reason = data.pop("change_reason", "")
        incident = services.incident_report(by=request.user, data=data, reason=reason, **rows)
        output = serializers.IncidentDetailSerializer(incident, context={"request": request})
        return Response(output.data, status=status.HTTP_201_CREATED)

    @extend_schema(responses=serializers.IncidentDetailSerializer)
    def update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        incident = self.get_object()
        payload = inputs.IncidentChangeInputSerializer(
            incident, data=request.data, partial=kwargs.get("partial", False)
        )
        payload.is_valid(raise_exception=True)
        data = dict(payload.validated_data)
        reason = data.pop("change_reason", "")
        services.record_update(record=incident, by=request.user, data=data, reason=reason)
        incident = self.get_queryset().get(pk=incident.pk)
        output = serializers.IncidentDetailSerializer(incident, context={"request": request})
        return Response(output.data)


@extend_schema_view(
    list=extend_schema(auth=READ_SECURITY),  # type: ignore[arg-type]
    retrieve=extend_schema(
        auth=READ_SECURITY,  # type: ignore[arg-type]
        parameters=[
            OpenApiParameter(
                "id", OpenApiTypes.UUID, OpenApiParameter.PATH, description=_("Event id.")
            )
        ],
    ),
)
class EventViewSet(ExportableListMixin, viewsets.ReadOnlyModelViewSet):
    """Events: one row per attack, however many sources reported it. Reports of one attack
    (incidents/) are counted once, under the event's id, with the figures the event
    publishes and the spread of its sources; a report standing alone is an event of its
    own. A merged event's id is in tombstones/ with the id it was merged into."""

    serializer_class = serializers.EventSerializer
    renderer_classes = MAP_RENDERERS
    filterset_class = filtersets.EventFilter
    lookup_field = "event_reference"
    lookup_url_kwarg = "id"
    lookup_value_regex = "[^/.]+"
    ordering_fields = ["occurred_on"]
    ordering = ["-occurred_on", "-id"]

    def get_queryset(self) -> QuerySet[Incident]:
        return selectors.events_visible_to(user=self.request.user)


class RegionViewSet(ExportableListMixin, viewsets.ReadOnlyModelViewSet):
    """Administrative units with OCHA P-codes and ISO 3166-2 codes."""

    queryset = Region.objects.select_related("parent")
    serializer_class = serializers.RegionSerializer
    lookup_field = "pcode"
    renderer_classes = MAP_RENDERERS
    filterset_fields = ["level", "unit_type"]
    search_fields = ["pcode", "iso_code", "name_en", "name_uk"]
    ordering = ["pcode"]


class ServiceDisruptionViewSet(
    PublicIdLookupMixin, ExportableListMixin, viewsets.ReadOnlyModelViewSet
):
    """Essential services knocked out: who is without power, water, heat or health care."""

    serializer_class = serializers.ServiceDisruptionSerializer
    renderer_classes = MAP_RENDERERS
    filterset_class = filtersets.ServiceDisruptionFilter
    search_fields = ["settlement", "facility", "description"]
    ordering_fields = ["started_at", "restored_at", "people_affected", "updated_at"]
    ordering = ["-started_at", "-id"]

    def get_queryset(self) -> QuerySet[ServiceDisruption]:
        disruptions = ServiceDisruption.objects.select_related("region", "organisation")
        return selectors.disruptions_visible_to(user=self.request.user, queryset=disruptions)


class DamagedAssetViewSet(PublicIdLookupMixin, ExportableListMixin, viewsets.ReadOnlyModelViewSet):
    """What incidents damaged; visible when the incident is."""

    serializer_class = serializers.DamagedAssetSerializer
    renderer_classes = TABLE_RENDERERS
    filterset_class = filtersets.DamagedAssetFilter
    search_fields = ["name", "notes"]
    ordering = ["-id"]

    def get_queryset(self) -> QuerySet[DamagedAsset]:
        return selectors.records_visible_to(
            user=self.request.user,
            queryset=DamagedAsset.objects.select_related("incident"),
            status_path="incident__status",
        )


class SourceViewSet(PublicIdLookupMixin, ExportableListMixin, viewsets.ReadOnlyModelViewSet):
    """Publications cited by visible records."""

    serializer_class = serializers.SourceSerializer
    renderer_classes = TABLE_RENDERERS
    filterset_class = filtersets.SourceFilter
    search_fields = ["name", "title", "url"]
    ordering = ["-id"]

    def get_queryset(self) -> QuerySet[Source]:
        return selectors.sources_visible_to(user=self.request.user)


class AttackWaveViewSet(ExportableListMixin, viewsets.ReadOnlyModelViewSet):
    """Strikes launched together, with weapons launched and intercepted by type."""

    queryset = AttackWave.objects.prefetch_related("weapons")
    serializer_class = serializers.AttackWaveSerializer
    renderer_classes = TABLE_RENDERERS
    search_fields = ["name", "description"]
    ordering = ["-started_at"]


class GrainDisruptionViewSet(
    PublicIdLookupMixin, ExportableListMixin, viewsets.ReadOnlyModelViewSet
):
    """Strikes on ports and grain storage, suspensions, the end of the corridor."""

    serializer_class = serializers.GrainDisruptionSerializer
    renderer_classes = TABLE_RENDERERS
    filterset_class = filtersets.GrainDisruptionFilter
    search_fields = ["facility", "description"]
    ordering = ["-started_on", "-id"]

    def get_queryset(self) -> QuerySet[GrainDisruption]:
        disruptions = GrainDisruption.objects.select_related("port", "organisation")
        return selectors.disruptions_visible_to(user=self.request.user, queryset=disruptions)


class GrainShipmentViewSet(ExportableListMixin, viewsets.ReadOnlyModelViewSet):
    """Outbound voyages of the Black Sea Grain Initiative, one row per cargo line."""

    queryset = GrainShipment.objects.select_related("departure_port")
    serializer_class = serializers.GrainShipmentSerializer
    renderer_classes = TABLE_RENDERERS
    filterset_class = filtersets.GrainShipmentFilter
    search_fields = ["vessel_name", "destination_country", "commodity"]
    ordering_fields = ["departed_on", "tonnes", "voyage_number"]
    ordering = ["-departed_on", "voyage_number"]


class TombstoneViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """Records deleted or withdrawn from publication, for partners' incremental copies:
    poll with ``since`` and drop these ids."""

    serializer_class = serializers.TombstoneSerializer
    filterset_class = filtersets.TombstoneFilter
    ordering = ["occurred_at", "id"]

    def get_queryset(self) -> QuerySet[Tombstone]:
        return selectors.tombstones_visible_to(user=self.request.user)


class StaffCanView(permissions.BasePermission):
    def has_permission(self, request: Request, view: Any) -> bool:
        model = view.queryset.model._meta
        user = request.user
        return bool(
            user.is_authenticated
            and getattr(user, "is_staff", False)
            and user.has_perm(f"{model.app_label}.view_{model.model_name}")
        )


class FeedViewSet(viewsets.ReadOnlyModelViewSet):
    """Configured feeds (staff only)."""

    queryset = Feed.objects.all()
    serializer_class = serializers.FeedSerializer
    permission_classes = [StaffCanView]
    filterset_fields = ["format", "is_enabled"]
    ordering = ["name"]


class IngestionRunViewSet(PublicIdLookupMixin, viewsets.ReadOnlyModelViewSet):
    """Ingestion runs and their counts (staff only)."""

    queryset = IngestionRun.objects.select_related("feed")
    serializer_class = serializers.IngestionRunSerializer
    permission_classes = [StaffCanView]
    filterset_fields = ["status", "format", "trigger"]
    ordering = ["-created_at", "-id"]


def _period(request: Request) -> selectors.Period:
    empty = sorted(name for name, value in request.query_params.items() if value == "")
    if empty:
        message = _("Give a value, or leave the parameter out.")
        raise ValidationError({name: [message] for name in empty})
    serializer = serializers.PeriodSerializer(data=request.query_params)
    serializer.is_valid(raise_exception=True)
    unknown = sorted(set(request.query_params) - set(serializer.fields) - {"format"})
    if unknown:
        raise ValidationError({name: [_("Unknown filter.")] for name in unknown})
    return selectors.Period(**serializer.validated_data)


class NeedsView(APIView):
    """One row per region: casualties and children among them, people without each
    service now, damaged homes and facilities; verified records only."""

    permission_classes = [permissions.AllowAny]
    renderer_classes = TABLE_RENDERERS
    export_name = "needs"

    @extend_schema(
        parameters=[serializers.PeriodSerializer],
        responses=serializers.RegionNeedsSerializer(many=True),
    )
    def get(self, request: Request) -> Response:
        rows = selectors.region_needs(period=_period(request))
        return Response(serializers.RegionNeedsSerializer(rows, many=True).data)


class SummaryView(APIView):
    """National totals for the same period, and grain exported by port and month."""

    permission_classes = [permissions.AllowAny]
    renderer_classes = TABLE_RENDERERS
    export_name = "summary"

    @extend_schema(
        parameters=[serializers.PeriodSerializer], responses=serializers.NationalSummarySerializer
    )
    def get(self, request: Request) -> Response:
        summary = selectors.national_summary(period=_period(request))
        return Response(serializers.NationalSummarySerializer(summary).data)


@extend_schema(exclude=True)
class NotFoundView(APIView):
    """Any other address under the API: a JSON 404 like the API's own, not Django's HTML
    page (an id with a dot or a slash in it matches no route)."""

    permission_classes = [permissions.AllowAny]
    renderer_classes = [JSONRenderer]

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        super().initial(request, *args, **kwargs)
        raise NotFound
