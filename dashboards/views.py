"""Dashboard pages: selectors compute, chart functions draw, these views only wire them."""

from __future__ import annotations

import csv
import json
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils.translation import gettext as _

from dashboards import charts, selectors
from dashboards.forms import MAP_METRICS, DashboardFilterForm
from dashboards.grain import exports_chart, grain_overview, share_chart
from dashboards.severity import LEVEL_NAMES, SECTORS
from incidents.boundaries import GEOBOUNDARIES_ATTRIBUTION
from incidents.models import Region
from incidents.selectors import Period, national_summary


def dashboard_access(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Staff only (any role), unless DASHBOARDS_PUBLIC: the data are verified either way."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        user = request.user
        if not settings.DASHBOARDS_PUBLIC and not (user.is_authenticated and user.is_staff):
            return redirect_to_login(request.get_full_path())
        return view(request, *args, **kwargs)

    return wrapped


def _geography() -> tuple[dict[str, dict[str, Any]], dict[str, tuple[float, float]], str]:
    """Boundaries and centroids by P-code, and the attribution the boundaries require."""
    regions = Region.objects.first_level().only(
        "pcode", "latitude", "longitude", "boundary", "boundary_source"
    )
    boundaries, centroids, sources = {}, {}, set()
    for region in regions:
        centroids[region.pcode] = (float(region.latitude or 0), float(region.longitude or 0))
        if region.boundary:
            boundaries[region.pcode] = region.boundary
            sources.add(region.boundary_source or GEOBOUNDARIES_ATTRIBUTION)
    return boundaries, centroids, " ".join(sorted(sources))


def _csv_download(name: str, header: list[str], rows: list[list[Any]]) -> HttpResponse:
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{name}.csv"'
    writer = csv.writer(response)
    writer.writerow(header)
    writer.writerows(rows)
    return response


def _downloads(graded: list[selectors.RegionSeverity], weekly: list[dict[str, Any]]) -> dict:
    sector_keys = [sector.key for sector in SECTORS]
    return {
        "needs": (
            ["pcode", "region", "population", *sector_keys, *[f"{k}_level" for k in sector_keys]],
            [
                [row.needs.pcode, row.needs.name, row.needs.population]
                + [row.values[k] for k in sector_keys]
                + [row.levels[k] for k in sector_keys]
                for row in graded
            ],
        ),
        "weekly": (
            ["week", "incident_type", "incidents", "killed", "injured"],
            [
                [r["week"], r["incident_type"], r["incidents"], r["killed"], r["injured"]]
                for r in weekly
            ],
        ),
    }


def _filters(request: HttpRequest, **extra: Any) -> tuple[DashboardFilterForm, Period | None]:
    """The page's filters from its URL; no period when they do not validate."""
    form = DashboardFilterForm(request.GET or None)
    if form.is_bound and not form.is_valid():
        return form, None
    data = form.cleaned_data if form.is_bound else {}
    period = Period(
        date_from=data.get("date_from"),
        date_to=data.get("date_to"),
        incident_types=tuple(data.get("type") or ()),
        **extra,
    )
    return form, period


def _query_without_download(request: HttpRequest) -> str:
    query = request.GET.copy()
    query.pop("download", None)
    return query.urlencode()


@dashboard_access
def overview(request: HttpRequest) -> HttpResponse:
    form, period = _filters(request)
    if period is None:
        return render(request, "dashboards/overview.html", {"form": form}, status=400)
    data = form.cleaned_data if form.is_bound else {}
    graded = selectors.needs_with_severity(period=period)
    weekly = selectors.weekly_incidents(period=period)
    download = request.GET.get("download")
    tables = _downloads(graded, weekly)
    if download and download in tables:
        return _csv_download(download, *tables[download])
    metric = data.get("metric") or "incidents"
    boundaries, centroids, attribution = _geography()
    figures = {
        "map": charts.region_map(
            graded,
            metric=metric,
            label=str(dict(MAP_METRICS)[metric]),
            boundaries=boundaries,
            centroids=centroids,
        ),
        "matrix": charts.needs_matrix(graded, title=_("Severity by region and sector")),
        "weekly": charts.incidents_over_time(weekly, title=_("Incidents per week, by type")),
        "outages": charts.people_without_over_time(
            selectors.people_without_over_time(period=period),
            title=_("People without each service, by day"),
        ),
    }
    context = {
        "form": form,
        "summary": national_summary(period=period),
        "graded": graded,
        "weekly": weekly,
        # Plain JSON (no numpy), embedded with json_script: data text is escaped.
        "figures": {name: json.loads(figure.to_json()) for name, figure in figures.items()},
        "sectors": SECTORS,
        "levels": LEVEL_NAMES,
        "attribution": attribution if boundaries else "",
        "query": _query_without_download(request),
    }
    return render(request, "dashboards/overview.html", context)


@dashboard_access
def region(request: HttpRequest, pcode: str) -> HttpResponse:
    place = get_object_or_404(Region, pcode=pcode.upper())
    form, period = _filters(request, region_id=place.pk)
    if period is None:
        context = {"form": form, "region": place}
        return render(request, "dashboards/region.html", context, status=400)
    graded = [
        row
        for row in selectors.needs_with_severity(period=period)
        if row.needs.pcode == place.pcode
    ]
    weekly = selectors.weekly_incidents(period=period)
    tables = _downloads(graded, weekly)
    download = request.GET.get("download")
    if download and download in tables:
        return _csv_download(f"{place.pcode}-{download}", *tables[download])
    title = _("Incidents per week in %(region)s") % {"region": place.name_en}
    context = {
        "form": form,
        "region": place,
        "row": graded[0] if graded else None,
        "weekly": weekly,
        "figures": {
            "weekly": json.loads(charts.incidents_over_time(weekly, title=title).to_json())
        },
        "incidents": selectors.region_incidents(region_id=place.pk, period=period),
        "outages": selectors.region_outages(region_id=place.pk),
        "sectors": SECTORS,
        "query": _query_without_download(request),
    }
    return render(request, "dashboards/region.html", context)


@dashboard_access
def grain(request: HttpRequest) -> HttpResponse:
    form, period = _filters(request)
    if period is None:
        return render(request, "dashboards/grain.html", {"form": form}, status=400)
    overview = grain_overview(period=period)
    months = [[row.month, row.port, row.tonnes, row.voyages] for row in overview.by_month]
    if request.GET.get("download") == "exports":
        return _csv_download("grain-exports", ["month", "port", "tonnes", "voyages"], months)
    disruptions = [effect.disruption for effect in overview.effects]
    figures = {
        "exports": exports_chart(
            overview.by_month, disruptions, title=_("Tonnes exported per month, by port")
        ),
        "commodity": share_chart(
            overview.by_commodity, key="commodity", title=_("Tonnes by commodity")
        ),
        "income": share_chart(
            overview.by_income_group,
            key="income_group",
            title=_("Tonnes by destination income group"),
        ),
    }
    context = {
        "form": form,
        "overview": overview,
        "figures": {name: json.loads(figure.to_json()) for name, figure in figures.items()},
        "query": _query_without_download(request),
    }
    return render(request, "dashboards/grain.html", context)
