"""Consequences over time: essential services knocked out, grain exports disrupted."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from django.db import models
from django.db.models import F, Q
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from incidents.households import NATIONAL_HOUSEHOLD_SIZE, counted_people
from incidents.models.attacks import DamagedAsset, Incident
from incidents.models.base import (
    FeedProvenance,
    ReviewedQuerySet,
    ReviewedRecord,
    TimeStampedModel,
    date_validators,
    earliest_date_constraint,
    history_user,
)
from incidents.models.places import Port, Region


class ServiceDisruptionQuerySet(ReviewedQuerySet):
    def ongoing_at(self, moment: datetime) -> ServiceDisruptionQuerySet:
        """Outages that had started by ``moment`` and were not restored by it."""
        return self.filter(started_at__lte=moment).filter(
            Q(restored_at__isnull=True) | Q(restored_at__gt=moment)
        )

    def not_restored_by(self, moment: datetime) -> list[ServiceDisruptionQuerySet]:
        """The outages not restored by ``moment`` as two querysets, still out and restored
        after it, to be read together with UNION ALL: with the two conditions joined by OR,
        PostgreSQL fetched every such outage's table row, while each alone is read from the
        covering index on ``restored_at`` (migration 0022)."""
        return [self.filter(restored_at__isnull=True), self.filter(restored_at__gt=moment)]


ServiceDisruptionManager = models.Manager.from_queryset(ServiceDisruptionQuerySet)


class ServiceDisruption(ReviewedRecord):
    """An essential service knocked out in a place; ``restored_at`` empty means still out."""

    class Service(models.TextChoices):
        ELECTRICITY = "electricity", _("Electricity")
        WATER = "water", _("Water supply")
        HEATING = "heating", _("Heating")
        GAS = "gas", _("Gas")
        HEALTH_CARE = "health_care", _("Health care")
        TELECOM = "telecom", _("Telecommunications")
        OTHER = "other", _("Other")

    service = models.CharField(_("service"), max_length=16, choices=Service.choices)
    region = models.ForeignKey(
        Region, verbose_name=_("region"), on_delete=models.PROTECT, related_name="disruptions"
    )
    settlement = models.CharField(_("settlement"), max_length=200, blank=True)
    facility = models.CharField(_("facility"), max_length=200, blank=True)
    incident = models.ForeignKey(
        Incident,
        verbose_name=_("caused by incident"),
        on_delete=models.SET_NULL,
        related_name="disruptions",
        null=True,
        blank=True,
    )
    asset = models.ForeignKey(
        DamagedAsset,
        verbose_name=_("damaged asset"),
        on_delete=models.SET_NULL,
        related_name="disruptions",
        null=True,
        blank=True,
    )
    people_affected = models.PositiveIntegerField(_("people affected"), null=True, blank=True)
    households_affected = models.PositiveIntegerField(
        _("households affected"),
        null=True,
        blank=True,
        help_text=format_lazy(
            _(
                "When people affected is empty, counted as people through the average "
                "household size of the region (national {size})."
            ),
            size=NATIONAL_HOUSEHOLD_SIZE,
        ),
    )
    # Derived on every save (see ``save``), never entered: what the figures sum. Rows
    # inserted outside the ORM get the database's defaults, which ``rebuild_figures``
    # replaces with their count.
    people_counted = models.PositiveBigIntegerField(
        _("people counted"),
        default=0,
        db_default=0,
        editable=False,
        help_text=_(
            "People affected when given, else the households times the region's average "
            "household size; what the figures count."
        ),
    )
    people_estimated = models.BooleanField(
        _("people estimated from households"), default=False, db_default=False, editable=False
    )
    started_at = models.DateTimeField(_("started at"), validators=date_validators())
    restored_at = models.DateTimeField(
        _("restored at"),
        null=True,
        blank=True,
        help_text=_("Leave empty while still out."),
        validators=date_validators(),
    )
    description = models.TextField(_("description"), blank=True)

    objects = ServiceDisruptionManager()  # type: ignore[misc]
    # The people counted follow from the fields the history keeps, and change with the
    # region's household size without an edit of the outage: not history of their own.
    history = HistoricalRecords(
        get_user=history_user,
        excluded_fields=["updated_at", "people_counted", "people_estimated"],
    )

    FIGURE_FIELDS = ("people_affected", "households_affected")
    # What the people counted are derived from (besides the region's household size).
    COUNTED_FROM = frozenset({"people_affected", "households_affected", "region", "region_id"})

    class Meta:
        ordering = ["-started_at", "-id"]
        verbose_name = _("service disruption")
        verbose_name_plural = _("service disruptions")
        permissions = [("verify_servicedisruption", _("Can verify or reject service disruptions"))]
        indexes = [
            models.Index(
                fields=["region", "service", "started_at"], name="disruption_region_svc_idx"
            ),
            # Outages still out, or restored since a moment: read live, not from figures.
            # On PostgreSQL it carries the columns they are summed by (migration 0022).
            models.Index(fields=["restored_at"], name="disruption_restored_idx"),
        ]
        constraints = [
            *ReviewedRecord.review_constraints("servicedisruption"),
            earliest_date_constraint("servicedisruption", "started_at"),
            models.CheckConstraint(
                condition=Q(restored_at__isnull=True) | Q(restored_at__gte=F("started_at")),
                name="servicedisruption_restored_after_start",
                violation_error_message=_("A service cannot be restored before the outage began."),
            ),
        ]

    def __str__(self) -> str:
        place = self.settlement or self.region.name_en
        return f"{self.get_service_display()} out in {place} since {self.started_at:%Y-%m-%d}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        """Store the people counted with the fields they come from, whichever door the
        outage came through (admin, API, commands, migrations, tests): a save that names
        its ``update_fields`` writes them too when it writes one of those fields."""
        update_fields = kwargs.get("update_fields")
        if update_fields is None or self.COUNTED_FROM & set(update_fields):
            self.count_people()
            if update_fields is not None:
                kwargs["update_fields"] = {*update_fields, "people_counted", "people_estimated"}
        super().save(*args, **kwargs)

    def count_people(self) -> None:
        # The region is read only when its household size is needed.
        by_households = self.people_affected is None and self.households_affected is not None
        counted = counted_people(
            people_affected=self.people_affected,
            households_affected=self.households_affected,
            household_size=self.region.household_size if by_households else None,
        )
        self.people_counted, self.people_estimated = counted.people, counted.is_estimated

    @property
    def household_size(self) -> Decimal:
        """The household size its households count with: the region's, or the national."""
        size = self.region.household_size
        return size if size is not None else NATIONAL_HOUSEHOLD_SIZE


class GrainDisruption(ReviewedRecord):
    """An event that cut grain exports: a strike on a port or storage, a suspension, the end
    of the corridor agreement."""

    class DisruptionType(models.TextChoices):
        PORT_STRIKE = "port_strike", _("Strike on port infrastructure")
        STORAGE_STRIKE = "storage_strike", _("Strike on grain storage")
        SHIPPING_SUSPENDED = "shipping_suspended", _("Shipping suspended")
        CORRIDOR_TERMINATED = "corridor_terminated", _("Corridor agreement terminated")
        VESSEL_ATTACKED = "vessel_attacked", _("Vessel attacked")

    disruption_type = models.CharField(
        _("type"), max_length=24, choices=DisruptionType.choices, db_index=True
    )
    started_on = models.DateField(_("start date"), validators=date_validators())
    ended_on = models.DateField(_("end date"), null=True, blank=True, validators=date_validators())
    port = models.ForeignKey(
        Port,
        verbose_name=_("port"),
        on_delete=models.PROTECT,
        related_name="disruptions",
        null=True,
        blank=True,
    )
    facility = models.CharField(_("facility"), max_length=200, blank=True)
    grain_destroyed_tonnes = models.DecimalField(
        _("grain destroyed (t)"), max_digits=12, decimal_places=1, null=True, blank=True
    )
    export_capacity_lost_tonnes = models.DecimalField(
        _("export capacity lost (t/year)"), max_digits=12, decimal_places=1, null=True, blank=True
    )
    incident = models.ForeignKey(
        Incident,
        verbose_name=_("incident"),
        on_delete=models.SET_NULL,
        related_name="grain_disruptions",
        null=True,
        blank=True,
    )
    description = models.TextField(_("description"), blank=True)

    history = HistoricalRecords(get_user=history_user, excluded_fields=["updated_at"])

    FIGURE_FIELDS = ("grain_destroyed_tonnes", "export_capacity_lost_tonnes")

    class Meta:
        ordering = ["-started_on", "-id"]
        verbose_name = _("grain corridor disruption")
        verbose_name_plural = _("grain corridor disruptions")
        permissions = [("verify_graindisruption", _("Can verify or reject grain disruptions"))]
        constraints = [
            *ReviewedRecord.review_constraints("graindisruption"),
            earliest_date_constraint("graindisruption", "started_on"),
            models.CheckConstraint(
                condition=Q(ended_on__isnull=True) | Q(ended_on__gte=F("started_on")),
                name="graindisruption_end_after_start",
                violation_error_message=_("The disruption cannot end before it started."),
            ),
            models.CheckConstraint(
                condition=Q(grain_destroyed_tonnes__isnull=True) | Q(grain_destroyed_tonnes__gte=0),
                name="graindisruption_destroyed_non_negative",
            ),
            models.CheckConstraint(
                condition=Q(export_capacity_lost_tonnes__isnull=True)
                | Q(export_capacity_lost_tonnes__gte=0),
                name="graindisruption_capacity_non_negative",
            ),
        ]

    def __str__(self) -> str:
        where = self.port.name if self.port is not None else _("corridor")
        return f"{self.get_disruption_type_display()}, {where}, {self.started_on:%Y-%m-%d}"


class GrainShipment(FeedProvenance, TimeStampedModel):
    """One outbound voyage's cargo of one commodity, as the UN Joint Coordination Centre
    published them for the Black Sea Grain Initiative."""

    class IncomeGroup(models.TextChoices):
        HIGH = "high", _("High income")
        UPPER_MIDDLE = "upper_middle", _("Upper-middle income")
        LOWER_MIDDLE = "lower_middle", _("Lower-middle income")
        LOW = "low", _("Low income")
        UNKNOWN = "", _("Unknown")

    voyage_number = models.PositiveIntegerField(_("voyage number"))
    is_additional_cargo = models.BooleanField(
        _("additional cargo"),
        default=False,
        help_text=_("'Outbound +' in the JCC table: more cargo on the same voyage."),
    )
    vessel_name = models.CharField(_("vessel"), max_length=200)
    imo = models.CharField(_("IMO number"), max_length=7, blank=True)
    departure_port = models.ForeignKey(
        Port, verbose_name=_("departure port"), on_delete=models.PROTECT, related_name="shipments"
    )
    departed_on = models.DateField(_("departure date"), validators=date_validators())
    commodity = models.CharField(_("commodity"), max_length=100, db_index=True)
    tonnes = models.PositiveIntegerField(_("metric tonnes"))
    destination_country = models.CharField(_("destination country"), max_length=100)
    income_group = models.CharField(
        _("destination income group"),
        max_length=16,
        choices=IncomeGroup.choices,
        blank=True,
        default=IncomeGroup.UNKNOWN,
    )
    is_wfp = models.BooleanField(_("WFP charter"), default=False)
    external_source = models.CharField(
        _("first source"),
        max_length=64,
        default="jcc",
        help_text=_("The source that first published this cargo line."),
    )
    reported = models.JSONField(
        _("as each source reported it"),
        default=dict,
        blank=True,
        help_text=_(
            "Per source (the JCC table, its HXL workbook, ...), the values it gave; the "
            "record holds the latest of them."
        ),
    )
    history = HistoricalRecords(get_user=history_user, excluded_fields=["updated_at"])

    class Meta:
        ordering = ["-departed_on", "voyage_number", "commodity"]
        verbose_name = _("grain shipment")
        verbose_name_plural = _("grain shipments")
        indexes = [
            models.Index(fields=["departure_port", "departed_on"], name="shipment_port_date_idx"),
        ]
        constraints = [
            # A cargo line is what it is whichever table brought it: not keyed by source.
            models.UniqueConstraint(
                fields=["voyage_number", "commodity", "destination_country"],
                name="grainshipment_cargo_line_unique",
            ),
            earliest_date_constraint("grainshipment", "departed_on"),
            models.CheckConstraint(
                condition=Q(tonnes__gt=0),
                name="grainshipment_tonnes_positive",
                violation_error_message=_("A shipment carries more than 0 tonnes."),
            ),
            models.CheckConstraint(
                condition=Q(imo="") | Q(imo__regex=r"^[0-9]{7}$"),
                name="grainshipment_imo_format",
                violation_error_message=_("An IMO number has seven digits."),
            ),
        ]

    def __str__(self) -> str:
        return (
            f"#{self.voyage_number} {self.vessel_name}: {self.tonnes:,} t {self.commodity} "
            f"to {self.destination_country}"
        )
