"""Reviews of whole sets of records that a worker does in the background."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from incidents.models.ingestion import IngestionRun


class RunVerification(models.Model):
    """Verifying the submitted records an ingestion run wrote, too many for one request:
    who asked, and how far the worker has got (the run's page shows it)."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Running")
        SUCCEEDED = "succeeded", _("Succeeded")
        FAILED = "failed", _("Failed")

    UNFINISHED = (Status.QUEUED, Status.RUNNING)

    run = models.ForeignKey(
        IngestionRun,
        verbose_name=_("ingestion run"),
        on_delete=models.CASCADE,
        related_name="verifications",
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("requested by"),
        on_delete=models.SET_NULL,
        related_name="+",
        null=True,
        blank=True,
    )
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.QUEUED
    )
    total = models.PositiveIntegerField(_("records to verify"), default=0)
    verified = models.PositiveIntegerField(_("verified"), default=0)
    cascaded = models.PositiveIntegerField(_("service disruptions verified with them"), default=0)
    refused = models.PositiveIntegerField(_("left as they were"), default=0)
    error = models.TextField(_("error"), blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    heartbeat_at = models.DateTimeField(_("last progress at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("verification of a run's records")
        verbose_name_plural = _("verifications of runs' records")
        constraints = [
            # A second click while one is under way must not start a second worker.
            models.UniqueConstraint(
                fields=["run"],
                condition=Q(status__in=["queued", "running"]),
                name="runverification_one_unfinished_per_run",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.run}: {self.verified}/{self.total} ({self.get_status_display()})"

    @property
    def is_finished(self) -> bool:
        return self.status not in self.UNFINISHED
