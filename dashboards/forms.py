from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from dashboards.severity import SECTORS
from incidents.models import Incident, Region

MAP_METRICS = [
    ("incidents", _("Incidents")),
    ("killed", _("Killed")),
    ("injured", _("Injured")),
    ("people_in_need", _("People in need (baseline)")),
    *[(sector.key, sector.measure) for sector in SECTORS],
]


class RegionChoiceField(forms.ModelChoiceField):
    """First-level regions by P-code, labelled in the active language."""

    def label_from_instance(self, obj: Region) -> str:
        return obj.local_name


class DashboardFilterForm(forms.Form):
    """The filters live in the URL, so a view can be shared."""

    date_from = forms.DateField(
        label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = forms.DateField(
        label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    region = RegionChoiceField(
        label=_("Region"),
        queryset=Region.objects.first_level().order_by("name_en"),
        to_field_name="pcode",
        required=False,
        empty_label=_("All regions"),
    )
    type = forms.MultipleChoiceField(
        label=_("Incident type"), choices=Incident.IncidentType.choices, required=False
    )
    metric = forms.ChoiceField(label=_("Map shows"), choices=MAP_METRICS, required=False)
    unverified = forms.BooleanField(
        label=_("Include reports awaiting review"),
        required=False,
        help_text=_("Figures then count submitted reports too; they are not yet verified."),
    )

    def __init__(self, *args: Any, may_include_submitted: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not may_include_submitted:
            # Only readers who see every organisation's reports may count unverified ones.
            del self.fields["unverified"]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        start, end = cleaned.get("date_from"), cleaned.get("date_to")
        if start and end and start > end:
            self.add_error("date_to", _("The end comes before the start."))
        return cleaned
