"""Planning baselines: how many people a needs assessment counted per region."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from incidents.models.base import FeedProvenance, TimeStampedModel, history_user
from incidents.models.places import Region


class NeedsBaseline(FeedProvenance, TimeStampedModel):
    """People affected and in need in one region, as one assessment (e.g. the HNO 2023) counted.

    Loaded from an HXL table (format ``hxl-baseline``) or entered by staff. Several
    assessments may coexist; the dashboards show the latest one per region. People in need
    may exceed people affected: the HNO 2023 gives more in need than affected in two oblasts
    (its intersectoral figure is not a subset of its affected total), so no rule ties them.
    """

    region = models.ForeignKey(
        Region, verbose_name=_("region"), on_delete=models.PROTECT, related_name="baselines"
    )
    external_source = models.CharField(
        _("assessment"),
        max_length=64,
        help_text=_("Which assessment the figures come from, e.g. 'hno-2023'."),
    )
    reference_year = models.PositiveSmallIntegerField(
        _("reference year"), null=True, blank=True, help_text=_("The year the figures describe.")
    )
    population = models.PositiveIntegerField(
        _("population"),
        null=True,
        blank=True,
        help_text=_("The population the assessment used; empty when it gave none."),
    )
    people_affected = models.PositiveIntegerField(_("people affected"), null=True, blank=True)
    people_in_need = models.PositiveIntegerField(_("people in need"), null=True, blank=True)

    history = HistoricalRecords(get_user=history_user)

    class Meta:
        ordering = ["region__pcode", "-reference_year"]
        verbose_name = _("needs baseline")
        verbose_name_plural = _("needs baselines")
        constraints = [
            models.UniqueConstraint(
                fields=["external_source", "region"], name="needsbaseline_source_region_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.region.pcode} · {self.external_source}"
