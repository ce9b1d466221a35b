"""Where a report comes from: each record can cite several publications."""

from __future__ import annotations

import uuid

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from incidents.models.attacks import Incident
from incidents.models.base import TimeStampedModel, date_validators, history_user
from incidents.models.disruptions import GrainDisruption, ServiceDisruption

SOURCE_PARENT_FIELDS = ("incident", "service_disruption", "grain_disruption")


def _exactly_one_parent() -> Q:
    condition = Q()
    for parent in SOURCE_PARENT_FIELDS:
        branch = Q(**{f"{parent}__isnull": False})
        for other in SOURCE_PARENT_FIELDS:
            if other != parent:
                branch &= Q(**{f"{other}__isnull": True})
        condition |= branch
    return condition


class Source(TimeStampedModel):
    """A publication that reports an incident, a service disruption or a grain disruption."""

    class Kind(models.TextChoices):
        OFFICIAL = "official", _("Official statement")
        MEDIA = "media", _("Media report")
        NGO = "ngo", _("NGO / UN report")
        DATASET = "dataset", _("Dataset")
        WITNESS = "witness", _("Witness / field report")
        OTHER = "other", _("Other")

    # What the API shows instead of the sequential primary key.
    public_id = models.UUIDField(_("public id"), default=uuid.uuid4, editable=False)
    incident = models.ForeignKey(
        Incident,
        verbose_name=_("incident"),
        on_delete=models.CASCADE,
        related_name="sources",
        null=True,
        blank=True,
    )
    service_disruption = models.ForeignKey(
        ServiceDisruption,
        verbose_name=_("service disruption"),
        on_delete=models.CASCADE,
        related_name="sources",
        null=True,
        blank=True,
    )
    grain_disruption = models.ForeignKey(
        GrainDisruption,
        verbose_name=_("grain disruption"),
        on_delete=models.CASCADE,
        related_name="sources",
        null=True,
        blank=True,
    )
    name = models.CharField(_("name"), max_length=200, help_text=_("Publisher or outlet."))
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices, default=Kind.MEDIA)
    title = models.CharField(_("title"), max_length=300, blank=True)
    url = models.URLField(_("URL"), max_length=500, blank=True)
    published_on = models.DateField(
        _("publication date"), null=True, blank=True, validators=date_validators()
    )

    history = HistoricalRecords(get_user=history_user, excluded_fields=["updated_at"])

    class Meta:
        ordering = ["published_on", "id"]
        verbose_name = _("source")
        verbose_name_plural = _("sources")
        constraints = [
            models.UniqueConstraint(fields=["public_id"], name="source_public_id_unique"),
            models.CheckConstraint(
                condition=_exactly_one_parent(),
                name="source_one_parent",
                violation_error_message=_(
                    "A source belongs to exactly one incident, service disruption or grain "
                    "disruption."
                ),
            ),
            models.UniqueConstraint(
                fields=["incident", "url"],
                condition=Q(incident__isnull=False) & ~Q(url=""),
                name="source_incident_url_unique",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name}: {self.title}" if self.title else self.name
