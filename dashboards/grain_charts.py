"""Pure chart functions of the grain corridor page: rows in, a Plotly figure out."""

from __future__ import annotations

import datetime as dt
from typing import Any

import plotly.graph_objects as go

from dashboards.charts import LAYOUT
from incidents.models import GrainDisruption
from incidents.selectors import GrainMonth


def exports_chart(
    months: tuple[GrainMonth, ...], disruptions: list[GrainDisruption], *, title: str
) -> go.Figure:
    """Tonnes per month stacked by port, with disruptions marked on the timeline."""
    figure = go.Figure()
    for port in sorted({row.port for row in months}):
        rows = [row for row in months if row.port == port]
        figure.add_bar(x=[row.month for row in rows], y=[row.tonnes for row in rows], name=port)
    for disruption in disruptions:
        figure.add_vline(
            x=disruption.started_on.isoformat(), line={"color": "#b30000", "dash": "dot"}
        )
        figure.add_annotation(
            x=disruption.started_on.isoformat(),
            y=1,
            yref="paper",
            showarrow=False,
            text=disruption.get_disruption_type_display(),
            textangle=-90,
            xanchor="right",
            font={"size": 10, "color": "#b30000"},
        )
    figure.update_layout(title={"text": title}, barmode="stack", height=400, **LAYOUT)
    # A date axis even without shipments, so the disruption lines have a place.
    figure.update_xaxes(type="date")
    if not months and disruptions:
        margin = dt.timedelta(days=60)
        dates = [disruption.started_on for disruption in disruptions]
        figure.update_xaxes(
            range=[(min(dates) - margin).isoformat(), (max(dates) + margin).isoformat()]
        )
    figure.update_yaxes(title={"text": "tonnes"})
    return figure


def share_chart(rows: list[dict[str, Any]], *, key: str, title: str) -> go.Figure:
    figure = go.Figure(
        go.Bar(x=[row[key] or "unknown" for row in rows], y=[row["tonnes"] for row in rows])
    )
    figure.update_layout(title={"text": title}, height=320, **LAYOUT)
    return figure
