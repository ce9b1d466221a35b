from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from dashboards.severity import SECTORS
from incidents.models import Incident

MAP_METRICS = [
    ("incidents", _("Incidents")),
    ("killed", _("Killed")),
    ("injured", _("Injured")),
    *[(sector.key, sector.measure) for sector in SECTORS],
]


class DashboardFilterForm(forms.Form):
    """The filters live in the URL, so a view can be shared."""

    date_from = forms.DateField(label=_("From"), required=False)
    date_to = forms.DateField(label=_("To"), required=False)
    type = forms.MultipleChoiceField(
        label=_("Incident type"), choices=Incident.IncidentType.choices, required=False
    )
    metric = forms.ChoiceField(label=_("Map shows"), choices=MAP_METRICS, required=False)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        start, end = cleaned.get("date_from"), cleaned.get("date_to")
        if start and end and start > end:
            self.add_error("date_to", _("The end comes before the start."))
        return cleaned
