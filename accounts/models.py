from __future__ import annotations

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _
from rest_framework_api_key.models import AbstractAPIKey


class Reliability(models.TextChoices):
    """How far a source is trusted: the source grades of the Admiralty (NATO) system that
    analysts already use. Graded here, beside the organisations, and for feeds by
    ``incidents.models.SourceReliability``."""

    A = "A", _("A: completely reliable")
    B = "B", _("B: usually reliable")
    C = "C", _("C: fairly reliable")
    D = "D", _("D: not usually reliable")
    E = "E", _("E: unreliable")
    F = "F", _("F: reliability cannot be judged")


# Higher is more trusted. A source not yet judged (F) ranks below a fairly reliable one
# and above those found wanting.
RELIABILITY_RANK = {"A": 5, "B": 4, "C": 3, "F": 2, "D": 1, "E": 0}


class Organisation(models.Model):
    """A partner organisation that reports, verifies or publishes data."""

    class Kind(models.TextChoices):
        NGO = "ngo", _("Non-governmental organisation")
        UN_AGENCY = "un_agency", _("UN agency")
        GOVERNMENT = "government", _("Government body")
        RED_CROSS = "red_cross", _("Red Cross / Red Crescent")
        RESEARCH = "research", _("Research or monitoring group")
        MEDIA = "media", _("Media")
        OTHER = "other", _("Other")

    name = models.CharField(_("name"), max_length=200)
    slug = models.SlugField(_("slug"), max_length=80)
    acronym = models.CharField(_("acronym"), max_length=40, blank=True)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, default=Kind.NGO)
    website = models.URLField(_("website"), blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    # Which report of an attack an event's figures come from by default.
    reliability = models.CharField(
        _("reliability"),
        max_length=1,
        choices=Reliability.choices,
        default=Reliability.F,
        help_text=_("How far this organisation's reports are trusted when sources disagree."),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")
        constraints = [
            models.UniqueConstraint(fields=["slug"], name="organisation_slug_unique"),
            models.UniqueConstraint(fields=["name"], name="organisation_name_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.acronym})" if self.acronym else self.name


class User(AbstractUser):
    """A staff member. Reporters belong to the organisation whose reports they enter."""

    organisation = models.ForeignKey(
        Organisation,
        verbose_name=_("organisation"),
        on_delete=models.PROTECT,
        related_name="members",
        null=True,
        blank=True,
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta(AbstractUser.Meta):
        ordering = ["username"]
        swappable = "AUTH_USER_MODEL"

    def __str__(self) -> str:
        full_name = self.get_full_name()
        return f"{full_name} ({self.username})" if full_name else self.username


class OrganisationAPIKey(AbstractAPIKey):
    """A partner application's key: hashed, revocable, tied to one organisation."""

    class Scope(models.TextChoices):
        READ = "read", _("Read")
        WRITE = "write", _("Read and submit reports")

    organisation = models.ForeignKey(
        Organisation,
        verbose_name=_("organisation"),
        on_delete=models.CASCADE,
        related_name="api_keys",
    )
    scope = models.CharField(_("scope"), max_length=8, choices=Scope.choices, default=Scope.READ)

    class Meta(AbstractAPIKey.Meta):
        verbose_name = "partner API key"
        verbose_name_plural = "partner API keys"

    def __str__(self) -> str:
        return f"{self.name} ({self.organisation}, {self.scope})"

    @property
    def can_write(self) -> bool:
        return self.scope == self.Scope.WRITE
