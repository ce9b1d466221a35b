"""Pure chart functions: rows in, a Plotly figure out; no database, testable alone.

Maps draw our own region geometry with Plotly's base layers turned off, so nothing is
fetched from the internet; without geometry they fall back to bubbles at region centroids.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import plotly.graph_objects as go
from django.utils.translation import gettext as _
from plotly.colors import sample_colorscale

from dashboards.selectors import RegionOutline, RegionSeverity
from dashboards.severity import LEVEL_NAMES, SECTORS
from incidents.models import Incident, ServiceDisruption

SEVERITY_COLOURS = [
    [0.0, "#fef0d9"],
    [0.25, "#fdcc8a"],
    [0.5, "#fc8d59"],
    [0.75, "#e34a33"],
    [1.0, "#b30000"],
]
WEEK_MS = 7 * 24 * 3600 * 1000
LAYOUT = {"margin": {"l": 10, "r": 10, "t": 40, "b": 10}, "font": {"family": "system-ui"}}


def _rings(geometry: dict[str, Any]) -> list[list[list[float]]]:
    """Exterior rings of a Polygon or MultiPolygon (holes are not drawn)."""
    if geometry.get("type") == "Polygon":
        return [geometry["coordinates"][0]]
    if geometry.get("type") == "MultiPolygon":
        return [polygon[0] for polygon in geometry["coordinates"]]
    return []


def _simplified(ring: list[list[float]], tolerance: float) -> list[tuple[float, float]]:
    """Ramer-Douglas-Peucker: the ring's points that matter at ``tolerance`` degrees."""
    points = [(float(point[0]), float(point[1])) for point in ring]
    if len(points) < 4:
        return points
    keep = {0, len(points) - 1}
    stack = [(0, len(points) - 1)]
    while stack:
        first, last = stack.pop()
        (x1, y1), (x2, y2) = points[first], points[last]
        length = math.hypot(x2 - x1, y2 - y1)
        farthest, distance = 0, 0.0
        for index in range(first + 1, last):
            x, y = points[index]
            if length:
                gap = abs((x2 - x1) * (y1 - y) - (x1 - x) * (y2 - y1)) / length
            else:
                gap = math.hypot(x - x1, y - y1)
            if gap > distance:
                farthest, distance = index, gap
        if distance > tolerance:
            keep.add(farthest)
            stack += [(first, farthest), (farthest, last)]
    return [points[index] for index in sorted(keep)]


def simplified_geometry(geometry: dict[str, Any], tolerance: float = 0.01) -> dict[str, Any]:
    """The geometry as a MultiPolygon of its simplified exterior rings (see ``_outline``)."""
    rings = [[list(point) for point in _simplified(ring, tolerance)] for ring in _rings(geometry)]
    return {"type": "MultiPolygon", "coordinates": [[ring] for ring in rings]}


def map_geography(
    outlines: Sequence[RegionOutline],
) -> tuple[dict[str, dict[str, Any]], dict[str, tuple[float, float]], str]:
    """Simplified boundaries and centroids by P-code (what ``region_map`` draws), and the
    attribution of the boundaries."""
    boundaries, sources = {}, set()
    for outline in outlines:
        if outline.geometry is not None:
            boundaries[outline.pcode] = simplified_geometry(outline.geometry)
            sources.add(outline.source)
    centroids = {outline.pcode: (outline.latitude, outline.longitude) for outline in outlines}
    return boundaries, centroids, " ".join(sorted(sources))


def _outline(
    geometry: dict[str, Any], tolerance: float = 0.01
) -> tuple[list[float | None], list[float | None]]:
    """Longitudes and latitudes of the rings, None between rings.

    Simplified to ``tolerance`` degrees (about 1 km; a pixel of the country-wide map is
    about 2 km) and rounded to match, which cuts the map's weight several times over.
    """
    lons: list[float | None] = []
    lats: list[float | None] = []
    for ring in _rings(geometry):
        for lon, lat in _simplified(ring, tolerance):
            lons.append(round(lon, 3))
            lats.append(round(lat, 3))
        lons.append(None)
        lats.append(None)
    return lons, lats


def region_map(
    rows: Sequence[RegionSeverity],
    *,
    metric: str,
    label: str,
    boundaries: dict[str, dict[str, Any]],
    centroids: dict[str, tuple[float, float]],
) -> go.Figure:
    """Regions filled by value on their own geometry, or bubbles at their centroids.

    Drawn on plain axes, not a Plotly geo subplot: a geo subplot downloads its base map
    from the internet even when hidden, and this page must work offline.
    """
    values = {row.needs.pcode: metric_value(row, metric) for row in rows}
    largest = max(values.values(), default=0) or 1
    figure = go.Figure()
    for row in rows:
        pcode, value = row.needs.pcode, values[row.needs.pcode]
        geometry = boundaries.get(pcode)
        if geometry:
            lons, lats = _outline(geometry)
            colour = sample_colorscale("OrRd", [value / largest])[0]
            figure.add_scatter(
                x=lons,
                y=lats,
                fill="toself",
                fillcolor=colour,
                mode="lines",
                line={"color": "#ffffff", "width": 1},
                name=row.needs.local_name,
                text=f"{row.needs.local_name}: {value:,}",
                hoverinfo="text",
                hoveron="fills",
                showlegend=False,
            )
        else:
            latitude, longitude = centroids[pcode]
            figure.add_scatter(
                x=[longitude],
                y=[latitude],
                mode="markers",
                name=row.needs.local_name,
                marker={"size": 6 + 40 * value / largest, "color": "#e34a33", "opacity": 0.7},
                text=f"{row.needs.local_name}: {value:,}",
                hoverinfo="text",
                showlegend=False,
            )
    # An invisible trace carries the colour bar.
    figure.add_scatter(
        x=[None],
        y=[None],
        mode="markers",
        showlegend=False,
        hoverinfo="skip",
        marker={
            "colorscale": "OrRd",
            "cmin": 0,
            "cmax": largest,
            "color": [0],
            "showscale": True,
            "colorbar": {"title": {"text": label}},
        },
    )
    figure.update_xaxes(visible=False)
    # About 1.5 km east-west per km north-south at Ukraine's latitude.
    figure.update_yaxes(visible=False, scaleanchor="x", scaleratio=1.5)
    figure.update_layout(title={"text": label}, height=460, plot_bgcolor="#ffffff", **LAYOUT)
    return figure


def metric_value(row: RegionSeverity, metric: str) -> int:
    if metric in row.values:
        return row.values[metric]
    return int(getattr(row.needs, metric) or 0)


def needs_matrix(rows: Sequence[RegionSeverity], *, title: str) -> go.Figure:
    """Regions x sectors, coloured by severity 1-5."""
    sectors = [str(sector.label) for sector in SECTORS]
    z = [[row.levels[sector.key] for sector in SECTORS] for row in rows]
    hover = [
        [
            f"{row.needs.local_name} / {sector.label}: {row.values[sector.key]:,} "
            f"({_('level')} {row.levels[sector.key] or '–'}, "
            f"{LEVEL_NAMES.get(row.levels[sector.key] or 0, '')})"
            for sector in SECTORS
        ]
        for row in rows
    ]
    figure = go.Figure(
        go.Heatmap(
            z=z,
            x=sectors,
            y=[row.needs.local_name for row in rows],
            zmin=1,
            zmax=5,
            colorscale=SEVERITY_COLOURS,
            text=hover,
            hoverinfo="text",
            colorbar={"title": {"text": _("Severity")}, "tickvals": [1, 2, 3, 4, 5]},
        )
    )
    figure.update_layout(title={"text": title}, height=40 + 22 * len(rows), **LAYOUT)
    figure.update_yaxes(autorange="reversed")
    return figure


def incidents_over_time(rows: Sequence[dict[str, Any]], *, title: str) -> go.Figure:
    """Weekly incidents, one bar series per incident type, with casualties as a line."""
    types = sorted({row["incident_type"] for row in rows})
    figure = go.Figure()
    for incident_type in types:
        series = [row for row in rows if row["incident_type"] == incident_type]
        figure.add_bar(
            x=[row["week"] for row in series],
            y=[row["incidents"] for row in series],
            name=_label(Incident.IncidentType, incident_type),
            # A week wide; Plotly would otherwise size a lone bar by the smallest gap.
            width=WEEK_MS * 0.8,
            offset=0,
        )
    weeks: dict[Any, int] = {}
    for row in rows:
        weeks[row["week"]] = weeks.get(row["week"], 0) + row["killed"] + row["injured"]
    figure.add_scatter(
        x=list(weeks),
        y=list(weeks.values()),
        name=_("killed + injured"),
        mode="lines",
        yaxis="y2",
    )
    figure.update_layout(
        title={"text": title},
        barmode="stack",
        height=380,
        yaxis={"title": {"text": _("incidents")}},
        yaxis2={"title": {"text": _("people")}, "overlaying": "y", "side": "right"},
        legend={"orientation": "h"},
        **LAYOUT,
    )
    figure.update_xaxes(type="date")
    return figure


def people_without_over_time(series: dict[str, list[tuple[Any, int]]], *, title: str) -> go.Figure:
    """One line per service: people without it at the end of each day."""
    figure = go.Figure()
    for service in sorted(series):
        # A step line only needs the days the level changes (and the last day).
        points = [
            point
            for index, point in enumerate(series[service])
            if index in (0, len(series[service]) - 1) or point[1] != series[service][index - 1][1]
        ]
        figure.add_scatter(
            x=[day for day, _ in points],
            y=[people for _, people in points],
            name=_label(ServiceDisruption.Service, service),
            mode="lines",
            line={"shape": "hv"},
        )
    figure.update_layout(title={"text": title}, height=340, legend={"orientation": "h"}, **LAYOUT)
    figure.update_yaxes(title={"text": _("people")}, rangemode="tozero")
    return figure


def outages_by_region(rows: Sequence[RegionSeverity], *, title: str) -> go.Figure:
    """People without each service now, one bar per region that has any, largest first."""
    affected = [row for row in rows if any(row.needs.people_without.values())]
    affected.sort(key=lambda row: sum(row.needs.people_without.values()))
    services = [
        service.value
        for service in ServiceDisruption.Service
        if any(row.needs.people_without.get(service.value) for row in affected)
    ]
    figure = go.Figure()
    for service in services:
        figure.add_bar(
            y=[row.needs.local_name for row in affected],
            x=[row.needs.people_without.get(service, 0) for row in affected],
            name=_label(ServiceDisruption.Service, service),
            orientation="h",
            customdata=[row.needs.outages.get(service, 0) for row in affected],
            hovertemplate="%{y}: %{x:,} (%{customdata} " + _("outages") + ")<extra></extra>",
        )
    if not affected:
        figure.add_annotation(
            text=_("No ongoing outages"), showarrow=False, xref="paper", yref="paper"
        )
    figure.update_layout(
        title={"text": title},
        barmode="stack",
        height=120 + 26 * max(len(affected), 1),
        legend={"orientation": "h"},
        **LAYOUT,
    )
    figure.update_xaxes(title={"text": _("people without the service now")}, rangemode="tozero")
    return figure


def _label(choices: Any, value: str) -> str:
    """The translated label of a choice, or the value itself if it is not one."""
    try:
        return str(choices(value).label)
    except ValueError:
        return value.replace("_", " ")
