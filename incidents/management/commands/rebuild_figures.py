from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from incidents.figures.cache import figures_changed
from incidents.figures.outages import rebuild_outage_figures
from incidents.figures.rewrites import rebuild_day_figures
from incidents.models import (
    AssetDayFigures,
    AssetMonthFigures,
    IncidentDayFigures,
    IncidentMonthFigures,
    IncidentWeekFigures,
    OutageDayFigures,
)


class Command(BaseCommand):
    help = (
        "Recompute the daily figures per region (and their monthly and weekly rollups) from "
        "the raw incidents and outages "
        "(after writing to the database outside the application, or to repair them)."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        rebuild_day_figures()
        rebuild_outage_figures()
        figures_changed()
        self.stdout.write(
            f"Daily figures rebuilt: {IncidentDayFigures.objects.count()} incident rows, "
            f"{AssetDayFigures.objects.count()} damage rows, "
            f"{OutageDayFigures.objects.count()} outage rows; monthly rollups: "
            f"{IncidentMonthFigures.objects.count()} incident rows, "
            f"{AssetMonthFigures.objects.count()} damage rows; weekly rollups: "
            f"{IncidentWeekFigures.objects.count()} incident rows."
        )
