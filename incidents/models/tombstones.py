"""What partners' copies must drop: records deleted, withdrawn from publication, or
events merged into another (with the id that stays)."""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Tombstone(models.Model):
    class Reason(models.TextChoices):
        DELETED = "deleted", _("Deleted")
        WITHDRAWN = "withdrawn", _("Withdrawn from publication")
        MERGED = "merged", _("Merged into another event")

    record_type = models.CharField(_("record type"), max_length=32, db_index=True)
    public_id = models.UUIDField(_("public id"))
    reason = models.CharField(_("reason"), max_length=16, choices=Reason.choices)
    # Whether anonymous readers could see the record: only then is its tombstone public.
    was_published = models.BooleanField(_("was published"))
    organisation = models.ForeignKey(
        "accounts.Organisation",
        verbose_name=_("organisation"),
        on_delete=models.SET_NULL,
        related_name="+",
        null=True,
        blank=True,
    )
    # For a merged event: the id of the event that stays, which partners follow.
    merged_into = models.UUIDField(_("merged into"), null=True, blank=True)
    occurred_at = models.DateTimeField(_("at"), default=timezone.now, db_index=True)

    class Meta:
        ordering = ["occurred_at", "id"]
        verbose_name = _("tombstone")
        verbose_name_plural = _("tombstones")

    def __str__(self) -> str:
        return f"{self.record_type} {self.public_id} {self.reason} at {self.occurred_at:%Y-%m-%d}"
