"""Attacks: waves of strikes, single incidents and what they damaged."""

from __future__ import annotations

import uuid

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from incidents.models.base import (
    LocationPrecision,
    ReviewedRecord,
    TimeStampedModel,
    coordinate_constraints,
    count_validators,
    date_validators,
    earliest_date_constraint,
    history_user,
    latitude_field,
    longitude_field,
)
from incidents.models.places import Region


class WeaponType(models.TextChoices):
    ATTACK_DRONE = "attack_drone", _("Attack drone (Shahed-type)")
    DECOY_DRONE = "decoy_drone", _("Decoy drone")
    CRUISE_MISSILE = "cruise_missile", _("Cruise missile")
    BALLISTIC_MISSILE = "ballistic_missile", _("Ballistic missile")
    AEROBALLISTIC_MISSILE = "aeroballistic_missile", _("Aeroballistic missile (Kinzhal)")
    ANTI_SHIP_MISSILE = "anti_ship_missile", _("Anti-ship missile")
    AIR_DEFENCE_MISSILE = "air_defence_missile", _("Air-defence missile used on ground targets")
    GUIDED_AERIAL_BOMB = "guided_aerial_bomb", _("Guided aerial bomb")
    OTHER = "other", _("Other")


class AttackWave(TimeStampedModel):
    """Strikes launched together, e.g. one night's missiles and drones across many cities."""

    name = models.CharField(_("name"), max_length=200)
    started_at = models.DateTimeField(_("started at"), validators=date_validators())
    ended_at = models.DateTimeField(
        _("ended at"), null=True, blank=True, validators=date_validators()
    )
    description = models.TextField(_("description"), blank=True)
    source_name = models.CharField(_("source"), max_length=200, blank=True)
    source_url = models.URLField(_("source URL"), max_length=500, blank=True)

    history = HistoricalRecords(get_user=history_user)

    class Meta:
        ordering = ["-started_at"]
        verbose_name = _("attack wave")
        verbose_name_plural = _("attack waves")
        constraints = [
            earliest_date_constraint("attackwave", "started_at"),
            models.CheckConstraint(
                condition=Q(ended_at__isnull=True) | Q(ended_at__gte=F("started_at")),
                name="attackwave_end_after_start",
                violation_error_message=_("The wave cannot end before it started."),
            ),
        ]

    def __str__(self) -> str:
        return self.name


class AttackWaveWeapon(TimeStampedModel):
    """How many weapons of one type a wave used, and how many were intercepted."""

    wave = models.ForeignKey(
        AttackWave, verbose_name=_("attack wave"), on_delete=models.CASCADE, related_name="weapons"
    )
    weapon_type = models.CharField(_("weapon type"), max_length=32, choices=WeaponType.choices)
    model_names = models.CharField(
        _("models"), max_length=200, blank=True, help_text=_("e.g. Kh-101, Kalibr")
    )
    launched = models.PositiveIntegerField(_("launched"), validators=count_validators())
    intercepted = models.PositiveIntegerField(
        _("intercepted"), default=0, validators=count_validators()
    )

    history = HistoricalRecords(get_user=history_user)

    class Meta:
        ordering = ["wave", "weapon_type"]
        verbose_name = _("weapons used in a wave")
        verbose_name_plural = _("weapons used in a wave")
        constraints = [
            models.UniqueConstraint(
                fields=["wave", "weapon_type"], name="attackwaveweapon_type_unique"
            ),
            models.CheckConstraint(
                condition=Q(intercepted__lte=F("launched")),
                name="attackwaveweapon_intercepted_le_launched",
                violation_error_message=_("More weapons intercepted than launched."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_weapon_type_display()}: {self.intercepted}/{self.launched}"


class Incident(ReviewedRecord):
    """One attack at one place."""

    class IncidentType(models.TextChoices):
        MISSILE_STRIKE = "missile_strike", _("Missile strike")
        DRONE_STRIKE = "drone_strike", _("Drone strike")
        AIR_STRIKE = "air_strike", _("Air strike")
        SHELLING = "shelling", _("Shelling / artillery")
        MLRS = "mlrs", _("Multiple rocket launcher (MLRS)")
        OTHER = "other", _("Other")

    class DatePrecision(models.TextChoices):
        """ACLED time_precision 1, 2 and 3."""

        DAY = "day", _("Day")
        WEEK = "week", _("Week")
        MONTH = "month", _("Month")

    occurred_on = models.DateField(
        _("date"),
        help_text=_("Local (Kyiv) date of the attack."),
        validators=date_validators(),
    )
    occurred_at = models.DateTimeField(
        _("time"),
        null=True,
        blank=True,
        help_text=_("Exact moment, when known."),
        validators=date_validators(),
    )
    date_precision = models.CharField(
        _("date precision"),
        max_length=8,
        choices=DatePrecision.choices,
        default=DatePrecision.DAY,
    )
    region = models.ForeignKey(
        Region,
        verbose_name=_("region"),
        on_delete=models.PROTECT,
        related_name="incidents",
        null=True,
        blank=True,
        # The indexes below lead with the region; a third one would only slow writes.
        db_index=False,
        help_text=_("Empty only for events outside any region, e.g. at sea."),
    )
    settlement = models.CharField(_("settlement"), max_length=200, blank=True)
    latitude = latitude_field()
    longitude = longitude_field()
    location_precision = models.CharField(
        _("location precision"),
        max_length=16,
        choices=LocationPrecision.choices,
        default=LocationPrecision.SETTLEMENT,
    )
    incident_type = models.CharField(_("type"), max_length=20, choices=IncidentType.choices)
    attack_wave = models.ForeignKey(
        AttackWave,
        verbose_name=_("attack wave"),
        on_delete=models.SET_NULL,
        related_name="incidents",
        null=True,
        blank=True,
    )
    weapons_launched = models.PositiveIntegerField(
        _("weapons launched"), null=True, blank=True, validators=count_validators()
    )
    weapons_intercepted = models.PositiveIntegerField(
        _("weapons intercepted"), null=True, blank=True, validators=count_validators()
    )
    killed = models.PositiveIntegerField(_("killed"), default=0, validators=count_validators())
    injured = models.PositiveIntegerField(_("injured"), default=0, validators=count_validators())
    children_killed = models.PositiveIntegerField(
        _("children killed"), default=0, validators=count_validators()
    )
    children_injured = models.PositiveIntegerField(
        _("children injured"), default=0, validators=count_validators()
    )
    description = models.TextField(_("description"), blank=True)
    # Reports of the same attack share an event (incidents.models.events); a report with
    # none stands for an event of its own, unless it waits for a Verifier to say whether
    # it repeats an earlier report, and then it counts nowhere until they have.
    event = models.ForeignKey(
        "incidents.Event",
        verbose_name=_("event"),
        on_delete=models.SET_NULL,
        related_name="reports",
        null=True,
        blank=True,
    )
    awaiting_match_since = models.DateTimeField(
        _("waiting in the duplicates queue since"),
        null=True,
        blank=True,
        help_text=_(
            "Set while the report may repeat an earlier one: it is not counted until a "
            "Verifier links it or marks it as a different event."
        ),
    )

    # History is read per record (by id and date): indexes on its other columns would
    # only slow every write, ingestion's most of all.
    history = HistoricalRecords(
        get_user=history_user,
        excluded_fields=["updated_at"],
        no_db_index=[
            "status",
            "incident_type",
            "region",
            "organisation",
            "attack_wave",
            "created_by",
            "verified_by",
            "last_ingestion_run",
            "event",
        ],
    )

    FIGURE_FIELDS = (
        "killed",
        "injured",
        "children_killed",
        "children_injured",
        "weapons_launched",
        "weapons_intercepted",
    )

    class Meta:
        ordering = ["-occurred_on", "-id"]
        verbose_name = _("incident")
        verbose_name_plural = _("incidents")
        permissions = [
            ("verify_incident", _("Can verify or reject incidents")),
            (
                "access_all_organisations",
                _("Can see and edit unpublished records of every organisation"),
            ),
        ]
        indexes = [
            models.Index(fields=["region", "-occurred_on"], name="incident_region_date_idx"),
            models.Index(fields=["-occurred_on"], name="incident_date_idx"),
            # Not db_index on the field: that adds a LIKE index nothing uses.
            models.Index(fields=["incident_type"], name="incident_type_idx"),
            # Counting a region's published incidents for every API page: index-only.
            models.Index(fields=["region", "status"], name="incident_region_status_idx"),
            # The duplicates queue, oldest first.
            models.Index(
                fields=["awaiting_match_since"],
                name="incident_awaiting_match_idx",
                condition=Q(awaiting_match_since__isnull=False),
            ),
        ]
        constraints = [
            *ReviewedRecord.review_constraints("incident"),
            *coordinate_constraints("incident"),
            earliest_date_constraint("incident", "occurred_on"),
            models.CheckConstraint(
                condition=Q(children_killed__lte=F("killed")),
                name="incident_children_killed_le_killed",
                violation_error_message=_("Children killed cannot exceed the number killed."),
            ),
            models.CheckConstraint(
                condition=Q(children_injured__lte=F("injured")),
                name="incident_children_injured_le_injured",
                violation_error_message=_("Children injured cannot exceed the number injured."),
            ),
            models.CheckConstraint(
                condition=Q(weapons_intercepted__isnull=True)
                | Q(weapons_launched__isnull=True)
                | Q(weapons_intercepted__lte=F("weapons_launched")),
                name="incident_intercepted_le_launched",
                violation_error_message=_("More weapons intercepted than launched."),
            ),
            models.CheckConstraint(
                condition=Q(occurred_at__isnull=True) | Q(date_precision="day"),
                name="incident_time_needs_day_precision",
                violation_error_message=_("An exact time needs the date precision 'day'."),
            ),
        ]

    def clean(self) -> None:
        super().clean()
        if self.occurred_at and self.occurred_on:
            local_date = timezone.localdate(self.occurred_at)
            if local_date != self.occurred_on:
                raise ValidationError(
                    {
                        "occurred_at": _(
                            "The time falls on %(local)s (Kyiv time), not on the incident date."
                        )
                        % {"local": local_date.isoformat()}
                    }
                )

    def __str__(self) -> str:
        place = self.settlement or (
            self.region.name_en if self.region is not None else _("unknown place")
        )
        return f"{self.get_incident_type_display()}, {place}, {self.occurred_on:%Y-%m-%d}"


class DamagedAsset(TimeStampedModel):
    """Something an incident damaged or destroyed."""

    class AssetType(models.TextChoices):
        RESIDENTIAL = "residential", _("Residential building")
        HEALTH = "health", _("Health facility")
        EDUCATION = "education", _("School or kindergarten")
        ENERGY = "energy", _("Energy infrastructure")
        WATER = "water", _("Water infrastructure")
        INDUSTRIAL = "industrial", _("Industrial site / enterprise")
        FOOD_STORAGE = "food_storage", _("Warehouse / food storage")
        PORT = "port", _("Port or grain terminal")
        CULTURAL_HERITAGE = "cultural_heritage", _("Cultural heritage")
        TRANSPORT = "transport", _("Transport")
        OTHER = "other", _("Other")

    class DamageLevel(models.TextChoices):
        DAMAGED = "damaged", _("Damaged")
        SEVERELY_DAMAGED = "severely_damaged", _("Severely damaged")
        DESTROYED = "destroyed", _("Destroyed")
        UNKNOWN = "unknown", _("Unknown")

    # What the API shows instead of the sequential primary key.
    public_id = models.UUIDField(_("public id"), default=uuid.uuid4, editable=False)
    incident = models.ForeignKey(
        Incident, verbose_name=_("incident"), on_delete=models.CASCADE, related_name="assets"
    )
    asset_type = models.CharField(_("type"), max_length=20, choices=AssetType.choices)
    name = models.CharField(_("name"), max_length=200, blank=True)
    count = models.PositiveIntegerField(_("count"), default=1, validators=count_validators())
    damage_level = models.CharField(
        _("damage level"), max_length=20, choices=DamageLevel.choices, default=DamageLevel.DAMAGED
    )
    notes = models.TextField(_("notes"), blank=True)

    history = HistoricalRecords(get_user=history_user, excluded_fields=["updated_at"])

    FIGURE_FIELDS = ("count", "damage_level")

    class Meta:
        ordering = ["incident", "asset_type", "id"]
        verbose_name = _("damaged asset")
        verbose_name_plural = _("damaged assets")
        constraints = [
            models.CheckConstraint(condition=Q(count__gte=1), name="damagedasset_count_positive"),
            models.UniqueConstraint(fields=["public_id"], name="damagedasset_public_id_unique"),
        ]

    def __str__(self) -> str:
        label = self.name or self.get_asset_type_display()
        return f"{label} x{self.count} ({self.get_damage_level_display()})"
