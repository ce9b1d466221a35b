"""Daily, monthly and weekly figures per region, kept in step with the incidents they sum.

The dashboards and the needs API read these instead of scanning every incident: a region's
day holds a handful of rows whatever the number of incidents. ``incidents.figures.rewrites``
rewrites the rows of every (region, day) an edit or a deletion touches, then the months
and weeks those days fall in; ingestion adds to them what its new and changed incidents
make different (``incidents.figures.incidents``). Tests hold them equal to a recomputation from
the raw rows. Sums are big integers: one incident may already carry up to
2**31 - 1 of each count.

The monthly and weekly rollups exist because a period of years still covers a thousand
days per region and type: whole months (or weeks) inside a period are read from the
rollups, only the days at its edges from the daily figures.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from incidents.models.places import Region


class FiguresKey(models.Model):
    """What figures are summed by, besides a date: region, incident type and review status.

    Only statuses that figures count are kept: verified, and submitted (for readers who
    include reports awaiting review). ``region`` is empty for incidents with no region.
    Each table has a unique index on its whole key (created by its migration, with NULLS
    NOT DISTINCT on PostgreSQL 15+), which additive writes upsert on. That index begins
    with the region, so the region needs no index of its own.

    The region is not checked by a foreign key constraint: every row is summed from
    incidents whose own region is, and ingestion writes hundreds of thousands of these
    rows, each of which the database would look up again in the region table at commit.
    Deleting a region still deletes its figures (Django cascades it).
    """

    region = models.ForeignKey(
        Region,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        db_constraint=False,
        db_index=False,
    )
    incident_type = models.CharField(max_length=20)
    status = models.CharField(max_length=16)

    class Meta:
        abstract = True


class DayFiguresKey(FiguresKey):
    """Figures of one region, day, incident type and review status."""

    day = models.DateField()

    class Meta:
        abstract = True


class MonthFiguresKey(FiguresKey):
    """Figures of one region, calendar month, incident type and review status.

    ``month`` is the first day of the month.
    """

    month = models.DateField()

    class Meta:
        abstract = True


class WeekFiguresKey(FiguresKey):
    """Figures of one region, ISO week, incident type and review status.

    ``week`` is the Monday the week begins on.
    """

    week = models.DateField()

    class Meta:
        abstract = True


class IncidentSums(models.Model):
    """Incidents and their casualties, summed."""

    incidents = models.PositiveBigIntegerField(default=0)
    killed = models.PositiveBigIntegerField(default=0)
    injured = models.PositiveBigIntegerField(default=0)
    children_killed = models.PositiveBigIntegerField(default=0)
    children_injured = models.PositiveBigIntegerField(default=0)

    class Meta:
        abstract = True


class AssetSums(models.Model):
    """Damaged assets of one type, summed."""

    asset_type = models.CharField(max_length=20)
    total = models.PositiveBigIntegerField(default=0)

    class Meta:
        abstract = True


class IncidentDayFigures(DayFiguresKey, IncidentSums):
    """Incidents and casualties of one region, day, incident type and review status."""

    class Meta:
        verbose_name = _("daily incident figures")
        verbose_name_plural = _("daily incident figures")
        indexes = [
            models.Index(fields=["day"], name="incidentday_day_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.region_id} {self.day} {self.incident_type} {self.status}"


class AssetDayFigures(DayFiguresKey, AssetSums):
    """Damaged assets of one type, summed like IncidentDayFigures."""

    class Meta:
        verbose_name = _("daily damage figures")
        verbose_name_plural = _("daily damage figures")
        indexes = [
            models.Index(fields=["day"], name="assetday_day_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.region_id} {self.day} {self.asset_type}: {self.total}"


class IncidentMonthFigures(MonthFiguresKey, IncidentSums):
    """IncidentDayFigures summed by calendar month."""

    class Meta:
        verbose_name = _("monthly incident figures")
        verbose_name_plural = _("monthly incident figures")

    def __str__(self) -> str:
        return f"{self.region_id} {self.month:%Y-%m} {self.incident_type} {self.status}"


class AssetMonthFigures(MonthFiguresKey, AssetSums):
    """AssetDayFigures summed by calendar month."""

    class Meta:
        verbose_name = _("monthly damage figures")
        verbose_name_plural = _("monthly damage figures")

    def __str__(self) -> str:
        return f"{self.region_id} {self.month:%Y-%m} {self.asset_type}: {self.total}"


class IncidentWeekFigures(WeekFiguresKey, IncidentSums):
    """IncidentDayFigures summed by ISO week, for the weekly charts."""

    class Meta:
        verbose_name = _("weekly incident figures")
        verbose_name_plural = _("weekly incident figures")

    def __str__(self) -> str:
        return f"{self.region_id} {self.week} {self.incident_type} {self.status}"


class OutageDayFigures(models.Model):
    """Outages of one region, service, review status and day (in Kyiv).

    ``started_people`` and ``restored_people`` sum the people counted
    (``ServiceDisruption.people_counted``) of the outages that began or were restored that
    day: their running difference is the number of people without the service.
    ``person_days`` is what the restored outages cost that day (people x the part of the
    day they were out); outages still out are counted from the raw rows, since their cost
    grows until they end. ``incidents.figures.outages`` keeps the rows in step with every
    save and deletion; a test holds them equal to a recomputation.
    """

    region = models.ForeignKey(Region, on_delete=models.CASCADE, related_name="+")
    service = models.CharField(max_length=16)
    status = models.CharField(max_length=16)
    day = models.DateField()
    started_people = models.PositiveBigIntegerField(default=0)
    restored_people = models.PositiveBigIntegerField(default=0)
    person_days = models.FloatField(default=0.0)

    class Meta:
        verbose_name = _("daily outage figures")
        verbose_name_plural = _("daily outage figures")
        constraints = [
            models.UniqueConstraint(
                fields=["region", "service", "status", "day"], name="outageday_key"
            )
        ]
        indexes = [models.Index(fields=["day"], name="outageday_day_idx")]

    def __str__(self) -> str:
        return f"{self.region_id} {self.service} {self.day} {self.status}"
