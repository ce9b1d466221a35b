"""The one declaration of the summed incident counts (``SUMMED_COUNTS``) agrees with the
models that store the sums and with the needs figures that read them."""

from __future__ import annotations

from incidents.figures.sums import INCIDENT_SUMS, SUMMED_COUNTS
from incidents.models import Incident
from incidents.models.figures import IncidentSums
from incidents.selectors.needs import Figures


def test_every_summed_count_is_a_field_of_incidents():
    names = {field.name for field in Incident._meta.get_fields()}
    assert [count.field for count in SUMMED_COUNTS if count.field not in names] == []


def test_the_incident_figure_tables_hold_every_declared_sum_and_no_other():
    assert tuple(field.name for field in IncidentSums._meta.fields) == INCIDENT_SUMS


def test_the_needs_figures_hold_every_declared_sum_and_no_other():
    # Filled from INCIDENT_SUMS, and read by name by the API serializers and the templates.
    figures = Figures(sums={"killed": 2})
    assert tuple(figures.sums) == INCIDENT_SUMS
    assert (figures.killed, figures.incidents) == (2, 0)
