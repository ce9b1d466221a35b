from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest, HttpResponse
from django.urls import include, path
from django.utils.translation import gettext_lazy as _
from django.views.generic import TemplateView

admin.site.site_header = "Impact"
admin.site.site_title = _("Impact staff")
admin.site.index_title = _("Reports, review and reference data")
# A database outage met outside a view is a 503 too (see impact.database_outage).
handler500 = "impact.database_outage.server_error"


def no_favicon(request: HttpRequest) -> HttpResponse:
    """Browsers ask for /favicon.ico on every page, also in the admin; answer, not 404."""
    response = HttpResponse(status=204)
    response["Cache-Control"] = "public, max-age=86400"
    return response


urlpatterns = [
    path("favicon.ico", no_favicon),
    path("", TemplateView.as_view(template_name="home.html"), name="home"),
    path("admin/", admin.site.urls),
    path("api/v1/", include("incidents.api.urls")),
    path("dashboards/", include("dashboards.urls")),
    # set_language: the language switcher posts here (English, Ukrainian).
    path("i18n/", include("django.conf.urls.i18n")),
]
