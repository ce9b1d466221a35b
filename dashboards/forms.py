from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from dashboards.severity import SECTORS
from incidents.limits import EARLIEST_DATE, latest_date
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
        bounds = {"min": EARLIEST_DATE.isoformat(), "max": latest_date().isoformat()}
        for name in ("date_from", "date_to"):
            self.fields[name].widget.attrs.update(bounds)
        # Shown above the figures when a date was moved into the accepted bounds.
        self.date_notes: list[str] = []

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        for name in ("date_from", "date_to"):
            if cleaned.get(name) is not None:
                cleaned[name] = self._within_bounds(cleaned[name])
        start, end = cleaned.get("date_from"), cleaned.get("date_to")
        if start and end and start > end:
            self.add_error("date_to", _("The end comes before the start."))
        return cleaned

    def _within_bounds(self, day: dt.date) -> dt.date:
        """The date moved into the accepted bounds, with a note saying so: a period from
        year 1 to year 9999 would otherwise cost work for days no record can have."""
        first, last = EARLIEST_DATE, latest_date()
        if day < first:
            note = _("Figures start on %(first)s: no record is dated earlier.")
        elif day > last:
            note = _("Figures end on %(last)s (today in Kyiv plus a day): no record is later.")
        else:
            return day
        text = str(note % {"first": first.isoformat(), "last": last.isoformat()})
        if text not in self.date_notes:
            self.date_notes.append(text)
        return min(max(day, first), last)
