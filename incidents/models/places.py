"""Where things happen: administrative units and export ports."""

from __future__ import annotations

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import translation
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from incidents.households import HOUSEHOLD_SIZE_BOUNDS, NATIONAL_HOUSEHOLD_SIZE
from incidents.models.base import (
    TimeStampedModel,
    coordinate_constraints,
    latitude_field,
    longitude_field,
)

SMALLEST_HOUSEHOLD, LARGEST_HOUSEHOLD = HOUSEHOLD_SIZE_BOUNDS


def name_in_language(english: str, ukrainian: str) -> str:
    """The Ukrainian name when Ukrainian is the active language and there is one."""
    if ukrainian and (translation.get_language() or "").startswith("uk"):
        return ukrainian
    return english


class RegionQuerySet(models.QuerySet):
    def first_level(self) -> RegionQuerySet:
        return self.filter(level=Region.Level.ADM1)


RegionManager = models.Manager.from_queryset(RegionQuerySet)


class Region(TimeStampedModel):
    """An administrative unit: the 27 first-level units now, raions later as children.

    Identified by its OCHA P-code (``UA46``); the ISO 3166-2 code (``UA-46``) is kept
    too because maps and geoBoundaries use it, and for five units the digits differ.
    """

    class Level(models.IntegerChoices):
        ADM1 = 1, _("First level (oblast)")
        ADM2 = 2, _("Second level (raion)")
        ADM3 = 3, _("Third level (hromada)")

    class UnitType(models.TextChoices):
        OBLAST = "oblast", _("Oblast")
        AUTONOMOUS_REPUBLIC = "autonomous_republic", _("Autonomous republic")
        CITY_SPECIAL_STATUS = "city_special_status", _("City with special status")
        RAION = "raion", _("Raion")
        HROMADA = "hromada", _("Hromada")

    pcode = models.CharField(_("P-code"), max_length=20, help_text=_("OCHA P-code, e.g. UA46."))
    iso_code = models.CharField(
        _("ISO 3166-2 code"), max_length=6, blank=True, help_text=_("e.g. UA-46")
    )
    name_en = models.CharField(_("name (English)"), max_length=100)
    name_uk = models.CharField(_("name (Ukrainian)"), max_length=100)
    alternative_names = models.JSONField(
        _("alternative names"),
        default=list,
        blank=True,
        help_text=_("Other spellings used by data sources, e.g. 'Lviv Oblast', 'Odessa'."),
    )
    level = models.PositiveSmallIntegerField(_("level"), choices=Level.choices, default=Level.ADM1)
    unit_type = models.CharField(_("unit type"), max_length=24, choices=UnitType.choices)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent unit"),
        on_delete=models.PROTECT,
        related_name="children",
        null=True,
        blank=True,
    )
    population = models.PositiveIntegerField(_("population"), null=True, blank=True)
    population_source = models.CharField(_("population source"), max_length=200, blank=True)
    household_size = models.DecimalField(
        _("average household size"),
        max_digits=4,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(SMALLEST_HOUSEHOLD), MaxValueValidator(LARGEST_HOUSEHOLD)],
        help_text=format_lazy(
            _(
                "Persons per household in this region, from the State Statistics Service of "
                "Ukraine's household survey. Outages given only in households count this "
                "many people per household; empty means the national average ({size})."
            ),
            size=NATIONAL_HOUSEHOLD_SIZE,
        ),
    )
    latitude = latitude_field()
    longitude = longitude_field()

    objects = RegionManager()

    class Meta:
        ordering = ["level", "name_en"]
        verbose_name = _("region")
        verbose_name_plural = _("regions")
        constraints = [
            models.UniqueConstraint(fields=["pcode"], name="region_pcode_unique"),
            models.UniqueConstraint(
                fields=["iso_code"], condition=~Q(iso_code=""), name="region_iso_code_unique"
            ),
            models.CheckConstraint(
                condition=Q(level=1, parent__isnull=True) | Q(level__gt=1, parent__isnull=False),
                name="region_parent_matches_level",
            ),
            models.CheckConstraint(
                condition=Q(household_size__isnull=True)
                | Q(household_size__gte=SMALLEST_HOUSEHOLD, household_size__lte=LARGEST_HOUSEHOLD),
                name="region_household_size_range",
                violation_error_message=_("An average household size lies between 1 and 10."),
            ),
            *coordinate_constraints("region"),
        ]

    def __str__(self) -> str:
        return f"{self.name_en} ({self.pcode})"

    @property
    def local_name(self) -> str:
        return name_in_language(self.name_en, self.name_uk)

    @property
    def other_name(self) -> str:
        """The name in the language not shown: the English one beside Ukrainian and back."""
        return self.name_en if self.local_name != self.name_en else self.name_uk


class RegionBoundary(models.Model):
    """A region's outline, kept apart from the region: geometry is large (hundreds of KB
    per oblast) and only maps need it, while every list of incidents joins their region."""

    region = models.OneToOneField(
        Region,
        verbose_name=_("region"),
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="boundary",
    )
    geometry = models.JSONField(
        _("geometry"), help_text=_("GeoJSON geometry (Polygon or MultiPolygon, WGS 84 lon/lat).")
    )
    source = models.CharField(_("source"), max_length=300, blank=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("region boundary")
        verbose_name_plural = _("region boundaries")

    def __str__(self) -> str:
        return f"{self.region_id}: {self.source}"


class Port(TimeStampedModel):
    """A seaport or river port from which grain is exported."""

    name = models.CharField(_("name"), max_length=100)
    name_uk = models.CharField(_("name (Ukrainian)"), max_length=100, blank=True)
    unlocode = models.CharField(
        _("UN/LOCODE"), max_length=5, blank=True, help_text=_("e.g. UAODS for Odesa")
    )
    alternative_names = models.JSONField(_("alternative names"), default=list, blank=True)
    region = models.ForeignKey(
        Region, verbose_name=_("region"), on_delete=models.PROTECT, related_name="ports"
    )
    latitude = latitude_field()
    longitude = longitude_field()

    class Meta:
        ordering = ["name"]
        verbose_name = _("port")
        verbose_name_plural = _("ports")
        constraints = [
            models.UniqueConstraint(fields=["name"], name="port_name_unique"),
            models.UniqueConstraint(
                fields=["unlocode"], condition=~Q(unlocode=""), name="port_unlocode_unique"
            ),
            *coordinate_constraints("port"),
        ]

    def __str__(self) -> str:
        return self.name
