from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class IncidentsConfig(AppConfig):
    name = "incidents"
    verbose_name = _("Incidents and impact")

    def ready(self) -> None:
        from incidents.figures import hooks
        from incidents.selectors import places

        hooks.connect()
        # Not figures: the selectors' cache of region codes, forgotten when a region changes.
        places.connect_signals()
