"""Pure chart functions: rows in, a Plotly figure out; no database, testable alone.

Maps draw our own region geometry with Plotly's base layers turned off, so nothing is
fetched from the internet; without geometry they fall back to bubbles at region centroids.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import plotly.graph_objects as go
from plotly.colors import sample_colorscale

from dashboards.selectors import RegionSeverity
from dashboards.severity import LEVEL_NAMES, SECTORS

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


def _outline(geometry: dict[str, Any]) -> tuple[list[float | None], list[float | None]]:
    lons: list[float | None] = []
    lats: list[float | None] = []
    for ring in _rings(geometry):
        lons += [point[0] for point in ring] + [None]
        lats += [point[1] for point in ring] + [None]
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
                name=row.needs.name,
                text=f"{row.needs.name}: {value:,}",
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
                name=row.needs.name,
                marker={"size": 6 + 40 * value / largest, "color": "#e34a33", "opacity": 0.7},
                text=f"{row.needs.name}: {value:,}",
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
    return int(getattr(row.needs, metric))


def needs_matrix(rows: Sequence[RegionSeverity], *, title: str) -> go.Figure:
    """Regions x sectors, coloured by severity 1-5."""
    sectors = [str(sector.label) for sector in SECTORS]
    z = [[row.levels[sector.key] for sector in SECTORS] for row in rows]
    hover = [
        [
            f"{row.needs.name} / {sector.label}: {row.values[sector.key]:,} "
            f"(level {row.levels[sector.key] or '–'}, "
            f"{LEVEL_NAMES.get(row.levels[sector.key] or 0, '')})"
            for sector in SECTORS
        ]
        for row in rows
    ]
    figure = go.Figure(
        go.Heatmap(
            z=z,
            x=sectors,
            y=[row.needs.name for row in rows],
            zmin=1,
            zmax=5,
            colorscale=SEVERITY_COLOURS,
            text=hover,
            hoverinfo="text",
            colorbar={"title": {"text": "Severity"}, "tickvals": [1, 2, 3, 4, 5]},
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
            name=incident_type.replace("_", " "),
            # A week wide; Plotly would otherwise size a lone bar by the smallest gap.
            width=WEEK_MS * 0.8,
            offset=0,
        )
    weeks: dict[Any, int] = {}
    for row in rows:
        weeks[row["week"]] = weeks.get(row["week"], 0) + row["killed"] + row["injured"]
    figure.add_scatter(
        x=list(weeks), y=list(weeks.values()), name="killed + injured", mode="lines", yaxis="y2"
    )
    figure.update_layout(
        title={"text": title},
        barmode="stack",
        height=380,
        yaxis={"title": {"text": "incidents"}},
        yaxis2={"title": {"text": "people"}, "overlaying": "y", "side": "right"},
        legend={"orientation": "h"},
        **LAYOUT,
    )
    figure.update_xaxes(type="date")
    return figure


def people_without_over_time(series: dict[str, list[tuple[Any, int]]], *, title: str) -> go.Figure:
    """One line per service: people without it at the end of each day."""
    figure = go.Figure()
    for service in sorted(series):
        points = series[service]
        figure.add_scatter(
            x=[day for day, _ in points],
            y=[people for _, people in points],
            name=service.replace("_", " "),
            mode="lines",
            line={"shape": "hv"},
        )
    figure.update_layout(title={"text": title}, height=340, legend={"orientation": "h"}, **LAYOUT)
    figure.update_yaxes(title={"text": "people"}, rangemode="tozero")
    return figure
