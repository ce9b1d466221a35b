from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class IncidentsConfig(AppConfig):
    name = "incidents"
    verbose_name = _("Incidents and impact")

    def ready(self) -> None:
        from incidents import aggregates, figures_cache, outage_figures
        from incidents.selectors import places

        aggregates.connect_signals()
        outage_figures.connect_signals()
        figures_cache.connect_signals()
        places.connect_signals()
