"""The grain corridor: what left which port when, and what disruptions did to it."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import plotly.graph_objects as go
from django.db.models import Count, Q, Sum

from dashboards.charts import LAYOUT
from incidents.models import GrainDisruption, GrainShipment
from incidents.selectors import GrainMonth, Period, grain_exports_by_port_and_month

WINDOWS = (30, 90)


@dataclass(frozen=True)
class DisruptionEffect:
    disruption: GrainDisruption
    # Tonnes shipped in the N days before and from the disruption's start, per window.
    before: dict[int, int]
    after: dict[int, int]


@dataclass(frozen=True)
class GrainOverview:
    tonnes: int
    voyages: int
    by_month: tuple[GrainMonth, ...]
    by_commodity: list[dict[str, Any]]
    by_income_group: list[dict[str, Any]]
    effects: list[DisruptionEffect]


def _shipments(period: Period) -> Any:
    shipments = GrainShipment.objects.all()
    if period.date_from:
        shipments = shipments.filter(departed_on__gte=period.date_from)
    if period.date_to:
        shipments = shipments.filter(departed_on__lte=period.date_to)
    return shipments


def disruption_effects(disruptions: list[GrainDisruption]) -> list[DisruptionEffect]:
    """Tonnes before and after each disruption, in one query for all of them."""
    sums: dict[str, Any] = {}
    for index, disruption in enumerate(disruptions):
        start = disruption.started_on
        for days in WINDOWS:
            window = dt.timedelta(days=days)
            before = Q(departed_on__gte=start - window, departed_on__lt=start)
            after = Q(departed_on__gte=start, departed_on__lt=start + window)
            sums[f"b{index}_{days}"] = Sum("tonnes", filter=before, default=0)
            sums[f"a{index}_{days}"] = Sum("tonnes", filter=after, default=0)
    totals = GrainShipment.objects.aggregate(**sums) if sums else {}
    return [
        DisruptionEffect(
            disruption=disruption,
            before={days: totals[f"b{index}_{days}"] for days in WINDOWS},
            after={days: totals[f"a{index}_{days}"] for days in WINDOWS},
        )
        for index, disruption in enumerate(disruptions)
    ]


def grain_overview(*, period: Period) -> GrainOverview:
    shipments = _shipments(period)
    totals = shipments.aggregate(
        tonnes=Sum("tonnes", default=0), voyages=Count("voyage_number", distinct=True)
    )
    disruptions = list(
        GrainDisruption.objects.filter(status__in=period.statuses)
        .select_related("port")
        .order_by("started_on")
    )
    return GrainOverview(
        tonnes=totals["tonnes"],
        voyages=totals["voyages"],
        by_month=grain_exports_by_port_and_month(period=period),
        by_commodity=list(
            shipments.values("commodity").annotate(tonnes=Sum("tonnes")).order_by("-tonnes")
        ),
        by_income_group=list(
            shipments.values("income_group").annotate(tonnes=Sum("tonnes")).order_by("-tonnes")
        ),
        effects=disruption_effects(disruptions),
    )


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
