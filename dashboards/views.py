"""Dashboard pages: selectors compute, chart functions draw, these views only wire them.

What a page computes is cached (see ``incidents.figures.cache``) per filter and language,
and recomputed as soon as any record behind it changes.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, replace
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

from dashboards import charts, selectors
from dashboards.forms import MAP_METRICS, DashboardFilterForm
from dashboards.grain import exports_chart, grain_overview, share_chart
from dashboards.severity import LEVEL_NAMES, SECTORS
from impact.spreadsheets import spreadsheet_safe
from incidents.boundaries import GEOBOUNDARIES_ATTRIBUTION
from incidents.figures.cache import cached_figures
from incidents.models import Region, ServiceDisruption
from incidents.selectors import Period, needs_and_summary
from incidents.services import user_sees_all_organisations

Table = tuple[list[str], Iterable[list[Any]]]


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
    return cached_figures("geography", (), _load_geography)


def _load_geography() -> tuple[dict[str, dict[str, Any]], dict[str, tuple[float, float]], str]:
    regions = Region.objects.first_level().select_related("boundary")
    boundaries, centroids, sources = {}, {}, set()
    for region in regions.only("pcode", "latitude", "longitude", "boundary"):
        centroids[region.pcode] = (float(region.latitude or 0), float(region.longitude or 0))
        outline = getattr(region, "boundary", None)
        if outline is not None:
            boundaries[region.pcode] = charts.simplified_geometry(outline.geometry)
            sources.add(outline.source or GEOBOUNDARIES_ATTRIBUTION)
    return boundaries, centroids, " ".join(sorted(sources))


class _Line:
    """What csv.writer writes to: it hands each line back instead of keeping it."""

    def write(self, line: str) -> str:
        return line


def _csv_lines(table: Table) -> Iterator[str]:
    header, rows = table
    writer = csv.writer(_Line())
    yield writer.writerow(header)
    for row in rows:
        yield writer.writerow([spreadsheet_safe(cell) for cell in row])


def _csv_download(name: str, table: Table) -> StreamingHttpResponse:
    """Streamed line by line: a long period's daily rows never sit in memory at once."""
    response = StreamingHttpResponse(_csv_lines(table), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{name}.csv"'
    return response


def _figure_json(figure: go.Figure) -> dict[str, Any]:
    # Plain JSON (no numpy), embedded with json_script: text from the data is escaped.
    return json.loads(figure.to_json())


SERVICES_SHOWN = ("electricity", "water", "heating", "health_care", "telecom")


def _needs_tables(graded: list[selectors.RegionSeverity], weekly: list[dict[str, Any]]) -> dict:
    sector_keys = [sector.key for sector in SECTORS]
    return {
        "needs": (
            [
                "pcode",
                "region",
                "population",
                "people_in_need",
                "baseline",
                *sector_keys,
                *[f"{key}_level" for key in sector_keys],
                *[f"{service}_outages_now" for service in SERVICES_SHOWN],
                *[f"{service}_person_days" for service in SERVICES_SHOWN],
            ],
            [
                [
                    row.needs.pcode,
                    row.needs.name,
                    row.needs.population,
                    row.needs.people_in_need,
                    row.needs.baseline,
                ]
                + [row.values[key] for key in sector_keys]
                + [row.levels[key] for key in sector_keys]
                + [row.needs.outages.get(service, 0) for service in SERVICES_SHOWN]
                + [row.needs.person_days.get(service, 0) for service in SERVICES_SHOWN]
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


@dataclass(frozen=True)
class _DailyLevelRows:
    """The rows of people without each service, one per day, made as they are read: the
    cache keeps only the days the numbers changed."""

    series: dict[str, list[tuple[Any, int]]]

    def __iter__(self) -> Iterator[list[Any]]:
        for service, points in self.series.items():
            for day, people in selectors.daily_levels(points):
                yield [day, service, people]


def _people_without_table(series: dict[str, list[tuple[Any, int]]]) -> Table:
    return (["day", "service", "people_without"], _DailyLevelRows(series))


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
            **_needs_tables(graded, weekly),
            "outages": _people_without_table(over_time),
        },
        "figures": {name: _figure_json(figure) for name, figure in figures.items()},
        # Rendered once with the figures: a few years of weeks by type are thousands of
        # cells, and rendering them was most of a warm page's time.
        "weekly_table": render_to_string("dashboards/weekly_table.html", {"weekly": weekly}),
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
        "overview",
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
    service_rows = [
        (
            ServiceDisruption.Service(service).label,
            row.needs.people_without.get(service, 0),
            row.needs.outages.get(service, 0),
            row.needs.person_days.get(service, 0),
        )
        for service in ServiceDisruption.Service.values
        if row is not None
    ]
    return {
        "row": row,
        "service_rows": service_rows,
        "weekly": weekly,
        "tables": {
            **_needs_tables(graded, weekly),
            "outages": _people_without_table(over_time),
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
        "region", (period, get_language()), lambda: _region_figures(place, period)
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
    overview = grain_overview(period=period)
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
    tables: dict[str, Table] = {
        "exports": (
            ["month", "port", "tonnes", "voyages"],
            [[row.month, row.port, row.tonnes, row.voyages] for row in overview.by_month],
        ),
        "commodity": (
            ["commodity", "tonnes"],
            [[row["commodity"], row["tonnes"]] for row in overview.by_commodity],
        ),
        "income": (
            ["income_group", "tonnes"],
            [[row["income_group"], row["tonnes"]] for row in overview.by_income_group],
        ),
        "disruptions": (
            ["started_on", "disruption_type", "port", "before_30", "after_30", "before_90"]
            + ["after_90"],
            [
                [
                    effect.disruption.started_on,
                    effect.disruption.disruption_type,
                    effect.disruption.port.name if effect.disruption.port else "",
                    effect.before[30],
                    effect.after[30],
                    effect.before[90],
                    effect.after[90],
                ]
                for effect in overview.effects
            ],
        ),
    }
    return {
        "overview": overview,
        "tables": tables,
        "figures": {name: _figure_json(figure) for name, figure in figures.items()},
    }


@dashboard_access
def grain(request: HttpRequest) -> HttpResponseBase:
    form = _filter_form(request)
    period = _period(form)
    if period is None:
        return render(request, "dashboards/grain.html", {"form": form}, status=400)
    computed = cached_figures("grain", (period, get_language()), lambda: _grain_figures(period))
    download = request.GET.get("download", "")
    if download in computed["tables"]:
        return _csv_download(f"grain-{download}", computed["tables"][download])
    context = {**computed, "form": form, "query": _query_without_download(request)}
    return render(request, "dashboards/grain.html", context)
