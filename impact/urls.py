from __future__ import annotations

from django.contrib import admin
from django.urls import include, path
from django.views.generic import TemplateView

admin.site.site_header = "Impact"
admin.site.site_title = "Impact staff"
admin.site.index_title = "Reports, review and reference data"

urlpatterns = [
    path("", TemplateView.as_view(template_name="home.html"), name="home"),
    path("admin/", admin.site.urls),
    path("api/v1/", include("incidents.api.urls")),
    path("dashboards/", include("dashboards.urls")),
]
