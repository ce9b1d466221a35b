from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class IncidentsConfig(AppConfig):
    name = "incidents"
    verbose_name = _("Incidents and impact")

    def ready(self) -> None:
        from incidents.figures_cache import connect_signals

        connect_signals()
