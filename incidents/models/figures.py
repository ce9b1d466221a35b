"""Daily figures per region, kept in step with the incidents they sum.

The dashboards and the needs API read these instead of scanning every incident: a region's
day holds a handful of rows whatever the number of incidents. ``incidents.aggregates``
rewrites the rows of every (region, day) an ingestion batch, an edit or a deletion touches;
a test holds them equal to a recomputation from the raw rows. Sums are big integers: one
incident may already carry up to 2**31 - 1 of each count.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from incidents.models.places import Region


class DayFiguresKey(models.Model):
    """What daily figures are summed by: region, day, incident type and review status.

    Only statuses that figures count are kept: verified, and submitted (for readers who
    include reports awaiting review). ``region`` is empty for incidents with no region.
    """

    region = models.ForeignKey(
        Region, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    day = models.DateField()
    incident_type = models.CharField(max_length=20)
    status = models.CharField(max_length=16)

    class Meta:
        abstract = True


class IncidentDayFigures(DayFiguresKey):
    """Incidents and casualties of one region, day, incident type and review status."""

    incidents = models.PositiveBigIntegerField(default=0)
    killed = models.PositiveBigIntegerField(default=0)
    injured = models.PositiveBigIntegerField(default=0)
    children_killed = models.PositiveBigIntegerField(default=0)
    children_injured = models.PositiveBigIntegerField(default=0)

    class Meta:
        verbose_name = _("daily incident figures")
        verbose_name_plural = _("daily incident figures")
        indexes = [
            models.Index(fields=["day"], name="incidentday_day_idx"),
            models.Index(fields=["region", "day"], name="incidentday_region_day_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.region_id} {self.day} {self.incident_type} {self.status}"


class AssetDayFigures(DayFiguresKey):
    """Damaged assets of one type, summed like IncidentDayFigures."""

    asset_type = models.CharField(max_length=20)
    total = models.PositiveBigIntegerField(default=0)

    class Meta:
        verbose_name = _("daily damage figures")
        verbose_name_plural = _("daily damage figures")
        indexes = [
            models.Index(fields=["day"], name="assetday_day_idx"),
            models.Index(fields=["region", "day"], name="assetday_region_day_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.region_id} {self.day} {self.asset_type}: {self.total}"
