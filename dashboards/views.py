"""Dashboard pages: selectors read, the pure chart and table functions build, these views
only wire them and render.

What a page computes is cached (see ``incidents.figures.cache``) per filter and language,
and recomputed as soon as any record behind it changes.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import replace
from functools import wraps
from typing import Any

import plotly.graph_objects as go
from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, StreamingHttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, render
from django.template.loader import render_to_string
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from dashboards import charts, grain_charts, selectors, tables
from dashboards.forms import MAP_METRICS, DashboardFilterForm
from dashboards.severity import LEVEL_NAMES, SECTORS
from incidents.figures.cache import cached_figures
from incidents.households import NATIONAL_HOUSEHOLD_SIZE
from incidents.models import Region
from incidents.selectors import Period, needs_and_summary
from incidents.services import user_sees_all_organisations


def dashboard_access(view: Callable[..., HttpResponseBase]) -> Callable[..., HttpResponseBase]:
    """Staff only (any role), unless DASHBOARDS_PUBLIC: the public sees verified data only."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        user = request.user
        if not settings.DASHBOARDS_PUBLIC and not (user.is_authenticated and user.is_staff):
            return redirect_to_login(request.get_full_path())
        return view(request, *args, **kwargs)

    return wrapped


def _geography() -> tuple[dict[str, dict[str, Any]], dict[str, tuple[float, float]], str]:
    """Boundaries (simplified once, then cached) and centroids by P-code, and attribution."""
    return cached_figures(
        "geography", (), lambda: charts.map_geography(selectors.region_outlines())
    )


def _csv_download(name: str, table: tables.Table) -> StreamingHttpResponse:
    """Streamed line by line: a long period's daily rows never sit in memory at once."""
    lines = tables.csv_lines(table)
    response = StreamingHttpResponse(lines, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{name}.csv"'
    return response


def _figure_json(figure: go.Figure) -> dict[str, Any]:
    # Plain JSON (no numpy), embedded with json_script: text from the data is escaped.
    return json.loads(figure.to_json())


def _filter_form(request: HttpRequest, **options: Any) -> DashboardFilterForm:
    user = request.user
    may_include = bool(user.is_authenticated and user_sees_all_organisations(user))
    return DashboardFilterForm(request.GET or None, may_include_submitted=may_include, **options)


def _period(form: DashboardFilterForm, **extra: Any) -> Period | None:
    """The period the form's filters describe; None when they do not validate."""
    if form.is_bound and not form.is_valid():
        return None
    data = form.cleaned_data if form.is_bound else {}
    region = data.get("region")
    return Period(
        date_from=data.get("date_from"),
        date_to=data.get("date_to"),
        incident_types=tuple(data.get("type") or ()),
        include_submitted=bool(data.get("unverified")),
        region_id=region.pk if region else None,
        **extra,
    )


def _query_without_download(request: HttpRequest) -> str:
    query = request.GET.copy()
    query.pop("download", None)
    return query.urlencode()


def _overview_figures(period: Period, metric: str, pcode: str) -> dict[str, Any]:
    rows, summary = needs_and_summary(period=period)
    graded = selectors.with_severity(rows)
    if pcode:
        graded = [row for row in graded if row.needs.pcode == pcode]
    weekly = selectors.weekly_incidents(period=period)
    over_time = selectors.people_without_over_time(period=period)
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
            over_time, title=_("People without each service, by day")
        ),
        "by_region": charts.outages_by_region(
            graded, title=_("People without services now, by region")
        ),
    }
    return {
        "summary": summary,
        "graded": graded,
        "weekly": weekly,
        "tables": {
            "needs": tables.needs_table(graded),
            "weekly": tables.weekly_table(weekly),
            "outages": tables.people_without_table(over_time),
        },
        "figures": {name: _figure_json(figure) for name, figure in figures.items()},
        # Rendered once with the figures: a few years of weeks by type are thousands of
        # cells, and rendering them was most of a warm page's time.
        "weekly_table": render_to_string("dashboards/tables/weekly.html", {"weekly": weekly}),
        "attribution": attribution if boundaries else "",
    }


@dashboard_access
def overview(request: HttpRequest) -> HttpResponseBase:
    form = _filter_form(request)
    period = _period(form)
    if period is None:
        return render(request, "dashboards/overview.html", {"form": form}, status=400)
    data = form.cleaned_data if form.is_bound else {}
    metric = data.get("metric") or "incidents"
    pcode = data["region"].pcode if data.get("region") else ""
    computed = cached_figures(
        "overview-page",
        (period, metric, get_language()),
        lambda: _overview_figures(period, metric, pcode),
    )
    download = request.GET.get("download", "")
    if download in computed["tables"]:
        return _csv_download(download, computed["tables"][download])
    context = {
        **computed,
        "form": form,
        "sectors": SECTORS,
        "levels": LEVEL_NAMES,
        "national_household_size": NATIONAL_HOUSEHOLD_SIZE,
        "query": _query_without_download(request),
    }
    return render(request, "dashboards/overview.html", context)


def _region_figures(place: Region, period: Period) -> dict[str, Any]:
    graded = [
        row
        for row in selectors.needs_with_severity(period=period)
        if row.needs.pcode == place.pcode
    ]
    weekly = selectors.weekly_incidents(period=period)
    over_time = selectors.people_without_over_time(period=period)
    name = place.local_name
    figures = {
        "weekly": charts.incidents_over_time(
            weekly, title=_("Incidents per week in %(region)s") % {"region": name}
        ),
        "outages": charts.people_without_over_time(
            over_time, title=_("People without each service, by day")
        ),
    }
    row = graded[0] if graded else None
    return {
        "row": row,
        "service_rows": tables.service_rows(row),
        "weekly": weekly,
        "tables": {
            "needs": tables.needs_table(graded),
            "weekly": tables.weekly_table(weekly),
            "outages": tables.people_without_table(over_time),
        },
        "figures": {key: _figure_json(figure) for key, figure in figures.items()},
        "incidents": selectors.region_incidents(region_id=place.pk, period=period),
        "outages": selectors.region_outages(region_id=place.pk, period=period),
    }


@dashboard_access
def region(request: HttpRequest, pcode: str) -> HttpResponseBase:
    place = get_object_or_404(Region, pcode=pcode.upper())
    form = _filter_form(request)
    del form.fields["region"]  # the page is the region
    period = _period(form)
    if period is None:
        context = {"form": form, "region": place}
        return render(request, "dashboards/region.html", context, status=400)
    period = replace(period, region_id=place.pk)
    computed = cached_figures(
        "region-page", (period, get_language()), lambda: _region_figures(place, period)
    )
    download = request.GET.get("download", "")
    if download in computed["tables"]:
        return _csv_download(f"{place.pcode}-{download}", computed["tables"][download])
    context = {
        **computed,
        "form": form,
        "region": place,
        "sectors": SECTORS,
        "query": _query_without_download(request),
    }
    return render(request, "dashboards/region.html", context)


def _grain_figures(period: Period) -> dict[str, Any]:
    overview = selectors.grain_overview(period=period)
    disruptions = [effect.disruption for effect in overview.effects]
    figures = {
        "exports": grain_charts.exports_chart(
            overview.by_month, disruptions, title=_("Tonnes exported per month, by port")
        ),
        "commodity": grain_charts.share_chart(
            overview.by_commodity, key="commodity", title=_("Tonnes by commodity")
        ),
        "income": grain_charts.share_chart(
            overview.by_income_group,
            key="income_group",
            title=_("Tonnes by destination income group"),
        ),
    }
    return {
        "overview": overview,
        "tables": {
            "exports": tables.grain_exports_table(overview.by_month),
            "commodity": tables.tonnes_table(overview.by_commodity, key="commodity"),
            "income": tables.tonnes_table(overview.by_income_group, key="income_group"),
            "disruptions": tables.disruption_effects_table(overview.effects),
        },
        "figures": {name: _figure_json(figure) for name, figure in figures.items()},
    }


@dashboard_access
def grain(request: HttpRequest) -> HttpResponseBase:
    form = _filter_form(request)
    period = _period(form)
    if period is None:
        return render(request, "dashboards/grain.html", {"form": form}, status=400)
    computed = cached_figures(
        "grain-page", (period, get_language()), lambda: _grain_figures(period)
    )
    download = request.GET.get("download", "")
    if download in computed["tables"]:
        return _csv_download(f"grain-{download}", computed["tables"][download])
    context = {**computed, "form": form, "query": _query_without_download(request)}
    return render(request, "dashboards/grain.html", context)
