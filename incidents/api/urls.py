from __future__ import annotations

from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.routers import DefaultRouter

from incidents.api import schema, views

router = DefaultRouter()
router.register("incidents", views.IncidentViewSet, basename="incident")
router.register("events", views.EventViewSet, basename="event")
router.register("regions", views.RegionViewSet, basename="region")
router.register(
    "service-disruptions", views.ServiceDisruptionViewSet, basename="service-disruption"
)
router.register("damaged-assets", views.DamagedAssetViewSet, basename="damaged-asset")
router.register("attack-waves", views.AttackWaveViewSet, basename="attack-wave")
router.register("grain-disruptions", views.GrainDisruptionViewSet, basename="grain-disruption")
router.register("grain-shipments", views.GrainShipmentViewSet, basename="grain-shipment")
router.register("sources", views.SourceViewSet, basename="source")
router.register("tombstones", views.TombstoneViewSet, basename="tombstone")
router.register("feeds", views.FeedViewSet, basename="feed")
router.register("ingestion-runs", views.IngestionRunViewSet, basename="ingestion-run")

__all__ = ["schema"]  # registers the authentication scheme with drf-spectacular
app_name = "api"
urlpatterns = [
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", SpectacularSwaggerSplitView.as_view(url_name="api:schema"), name="docs"),
    path("needs/", views.NeedsView.as_view(), name="needs"),
    path("summary/", views.SummaryView.as_view(), name="summary"),
    path("", include(router.urls)),
    re_path(r"", views.NotFoundView.as_view(), name="not-found"),
]
