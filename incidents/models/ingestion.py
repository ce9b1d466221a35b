"""Outside feeds and the record of every ingestion run."""

from __future__ import annotations

import datetime as dt
import uuid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from incidents.ingestion.formats import FORMATS, option_errors
from incidents.models.base import TimeStampedModel, VerificationStatus

# The ingestion formats, declared in incidents.ingestion.formats (labels marked there).
FORMAT_CHOICES = [(format.value, _(declared.label)) for format, declared in FORMATS.items()]


# Ingested records wait for review unless the feed is a trusted source.
RECORD_STATUS_CHOICES = [
    (VerificationStatus.SUBMITTED, _("Submitted for review")),
    (VerificationStatus.VERIFIED, _("Verified (trusted source)")),
]


class Feed(TimeStampedModel):
    """A source of updates that is fetched on a schedule or ingested on demand."""

    class Schedule(models.IntegerChoices):
        EVERY_15_MINUTES = 15, _("Every 15 minutes")
        HOURLY = 60, _("Hourly")
        EVERY_6_HOURS = 360, _("Every 6 hours")
        DAILY = 1440, _("Daily")

    name = models.CharField(_("name"), max_length=200)
    slug = models.SlugField(
        _("slug"),
        max_length=60,
        help_text=_("Names the feed's records: their external source is this slug."),
    )
    format = models.CharField(_("format"), max_length=16, choices=FORMAT_CHOICES)
    url = models.URLField(_("URL"), max_length=1000, blank=True)
    upload = models.FileField(_("uploaded file"), upload_to="feeds/", blank=True)
    schedule_minutes = models.PositiveIntegerField(
        _("schedule"),
        choices=Schedule.choices,
        null=True,
        blank=True,
        help_text=_("Empty: only when started by hand."),
    )
    is_enabled = models.BooleanField(_("enabled"), default=True)
    organisation = models.ForeignKey(
        "accounts.Organisation",
        verbose_name=_("speaks for"),
        on_delete=models.PROTECT,
        related_name="feeds",
        null=True,
        blank=True,
    )
    record_status = models.CharField(
        _("status of new records"),
        max_length=16,
        choices=RECORD_STATUS_CHOICES,
        default=VerificationStatus.SUBMITTED,
    )
    options = models.JSONField(
        _("options"),
        default=dict,
        blank=True,
        help_text=_(
            'Format options, e.g. {"acled_event_types": ["Battles"]} for ACLED or '
            '{"baseline_year": 2023} for a needs baseline.'
        ),
    )
    next_run_at = models.DateTimeField(_("next run"), null=True, blank=True)
    alert = models.CharField(_("alert"), max_length=300, blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("feed")
        verbose_name_plural = _("feeds")
        constraints = [
            models.UniqueConstraint(fields=["slug"], name="feed_slug_unique"),
            models.CheckConstraint(
                condition=~Q(url="") | ~Q(upload=""),
                name="feed_has_url_or_file",
                violation_error_message=_("Give the feed a URL or upload a file."),
            ),
            models.CheckConstraint(
                condition=Q(url="") | Q(url__startswith="http://") | Q(url__startswith="https://"),
                name="feed_url_http",
                violation_error_message=_("Only http and https URLs can be fetched."),
            ),
        ]

    def clean(self) -> None:
        super().clean()
        if errors := option_errors(self.format, self.options):
            raise ValidationError({"options": errors})

    def __str__(self) -> str:
        return self.name

    @property
    def location(self) -> str:
        return self.url or self.upload.name or ""

    def schedule_next(self, after: dt.datetime) -> None:
        if self.schedule_minutes:
            self.next_run_at = after + dt.timedelta(minutes=self.schedule_minutes)


class IngestionRun(models.Model):
    """One ingestion of one payload: what came in, what was written and what was refused."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Running")
        SUCCEEDED = "succeeded", _("Succeeded")
        FAILED = "failed", _("Failed")

    class Trigger(models.TextChoices):
        SCHEDULE = "schedule", _("Schedule")
        MANUAL = "manual", _("Started by staff")
        UPLOAD = "upload", _("File uploaded by staff")
        COMMAND = "command", _("Command line")

    public_id = models.UUIDField(_("public id"), default=uuid.uuid4, editable=False)
    feed = models.ForeignKey(
        Feed,
        verbose_name=_("feed"),
        on_delete=models.SET_NULL,
        related_name="runs",
        null=True,
        blank=True,
    )
    format = models.CharField(_("format"), max_length=16, choices=FORMAT_CHOICES)
    external_source = models.CharField(_("external source"), max_length=64)
    location = models.CharField(_("fetched from"), max_length=1000)
    payload = models.FileField(_("payload"), upload_to="ingestion/", blank=True)
    options = models.JSONField(_("options"), default=dict, blank=True)
    record_status = models.CharField(
        _("status of new records"), max_length=16, default=VerificationStatus.SUBMITTED
    )
    organisation = models.ForeignKey(
        "accounts.Organisation",
        verbose_name=_("organisation"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )
    trigger = models.CharField(_("trigger"), max_length=16, choices=Trigger.choices)
    triggered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("started by"),
        on_delete=models.SET_NULL,
        related_name="+",
        null=True,
        blank=True,
    )
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.QUEUED, db_index=True
    )
    error = models.TextField(_("error"), blank=True)
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    heartbeat_at = models.DateTimeField(_("last progress at"), null=True, blank=True)
    task_id = models.CharField(
        _("worker task"),
        max_length=255,
        blank=True,
        help_text=_(
            "The task working on the run. The same task delivered again (its worker died, "
            "or it is retried) takes the run over at once."
        ),
    )
    worker = models.CharField(_("worker"), max_length=255, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    # Rows read and written so far: a restarted run resumes after them.
    rows_seen = models.PositiveIntegerField(_("rows seen"), default=0)
    created = models.PositiveIntegerField(_("created"), default=0)
    updated = models.PositiveIntegerField(_("updated"), default=0)
    unchanged = models.PositiveIntegerField(_("unchanged"), default=0)
    rejected = models.PositiveIntegerField(_("rejected"), default=0)
    skipped = models.PositiveIntegerField(_("skipped"), default=0)
    warnings = models.PositiveIntegerField(_("warnings"), default=0)
    published = models.PositiveIntegerField(
        _("published"),
        default=0,
        help_text=_("Records already stored that this trusted run published."),
    )
    seconds = models.FloatField(_("seconds spent"), default=0)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("ingestion run")
        verbose_name_plural = _("ingestion runs")
        constraints = [
            models.UniqueConstraint(fields=["public_id"], name="ingestionrun_public_id_unique"),
            models.CheckConstraint(
                condition=Q(finished_at__isnull=True) | Q(finished_at__gte=F("started_at")),
                name="ingestionrun_finished_after_start",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_format_display()} from {self.location} ({self.get_status_display()})"

    @property
    def rows_per_second(self) -> float | None:
        return round(self.rows_seen / self.seconds, 1) if self.seconds else None

    @property
    def summary(self) -> str:
        rate = f" rows/s={self.rows_per_second:.0f}" if self.rows_per_second else ""
        return (
            f"created={self.created} updated={self.updated} unchanged={self.unchanged} "
            f"rejected={self.rejected} skipped={self.skipped} warnings={self.warnings}"
            + (f" published={self.published}" if self.published else "")
            + rate
        )


class IngestionIssue(models.Model):
    """A row that was rejected, skipped, or kept with a warning.

    A skipped row (one the run was not asked to import, such as an ACLED event of another
    type) is stored without its values: a feed may skip tens of thousands every run.
    """

    class Level(models.TextChoices):
        REJECTED = "rejected", _("Rejected")
        WARNING = "warning", _("Warning")
        SKIPPED = "skipped", _("Skipped")

    run = models.ForeignKey(
        IngestionRun, verbose_name=_("run"), on_delete=models.CASCADE, related_name="issues"
    )
    row_number = models.PositiveIntegerField(_("row"))
    level = models.CharField(_("level"), max_length=16, choices=Level.choices)
    reason = models.TextField(_("reason"))
    raw = models.JSONField(_("values as read"), default=dict)

    class Meta:
        ordering = ["run", "row_number", "id"]
        verbose_name = _("ingestion issue")
        verbose_name_plural = _("ingestion issues")
        indexes = [models.Index(fields=["run", "level"], name="ingestionissue_run_level_idx")]

    def __str__(self) -> str:
        return f"Row {self.row_number}: {self.reason}"
