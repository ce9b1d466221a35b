"""Events: one attack at one place and time, as several sources reported it.

Each ``Incident`` is a *report*: what one source said (a staff report, a partner's API
report, one ACLED or HXL row). Reports of the same attack are linked to one ``Event``,
which publishes one set of figures chosen from them, so the figures grow with the number
of strikes, not of sources.

An event row exists only where it has something to hold: two or more reports linked
together, or a Verifier's choice. A report linked to no event, and not waiting in the
possible-duplicates queue, is an event of its own and counts with its own figures; that
keeps a single-source strike (most of them) at one row, written once.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from accounts.models import Reliability
from incidents.models.attacks import Incident
from incidents.models.base import TimeStampedModel, history_user


def stands_for_event() -> Q:
    """The reports that stand for an event in the figures: each one linked to no event,
    unless it waits in the duplicates queue, and the lead report of each event (the same
    rule as the figures' SQL, ``incidents.figures.sums.COUNTED_AS_EVENT_SQL``)."""
    return Q(event__isnull=True, awaiting_match_since__isnull=True) | Q(event__lead=F("pk"))


class SourceReliability(TimeStampedModel):
    """The grade of a feed or dataset, by the external source name its reports carry
    (``acled``, ``hxl``...). Staff and partner reports take their organisation's grade."""

    external_source = models.CharField(_("external source"), max_length=64)
    grade = models.CharField(
        _("reliability"), max_length=1, choices=Reliability.choices, default=Reliability.F
    )
    notes = models.TextField(_("notes"), blank=True)

    class Meta:
        ordering = ["external_source"]
        verbose_name = _("source reliability")
        verbose_name_plural = _("source reliabilities")
        constraints = [
            models.UniqueConstraint(
                fields=["external_source"], name="sourcereliability_source_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.external_source}: {self.grade}"


class Event(TimeStampedModel):
    """Reports of one attack, linked, and the figures published for it."""

    # The id partners see. An event formed from reports that stood alone keeps the id the
    # earliest of them was published under, so partners' copies carry on.
    public_id = models.UUIDField(_("public id"), default=uuid.uuid4, editable=False)
    lead = models.ForeignKey(
        Incident,
        verbose_name=_("lead report"),
        on_delete=models.SET_NULL,
        related_name="+",
        null=True,
        blank=True,
        help_text=_(
            "The report whose place, time, type and damage the event takes: the most "
            "trusted report that is published or awaiting review."
        ),
    )
    killed = models.PositiveIntegerField(_("killed"), default=0)
    injured = models.PositiveIntegerField(_("injured"), default=0)
    children_killed = models.PositiveIntegerField(_("children killed"), default=0)
    children_injured = models.PositiveIntegerField(_("children injured"), default=0)
    # Per figure, the report a Verifier chose it from: {"killed": <report id>}. A figure
    # not named here comes from the lead report.
    chosen_from = models.JSONField(_("figures chosen from"), default=dict, blank=True)
    # Per figure, the spread of the counted reports: {"killed": [min, max, reports]}.
    ranges = models.JSONField(_("ranges"), default=dict, blank=True)
    # Whether anonymous readers see it (it has a verified report), as of the last time it
    # chose its figures: an event that stops being public leaves a tombstone.
    is_published = models.BooleanField(_("published"), default=False)
    merged_into = models.ForeignKey(
        "self",
        verbose_name=_("merged into"),
        on_delete=models.SET_NULL,
        related_name="+",
        null=True,
        blank=True,
        help_text=_("Set when this event was merged into another: its id points there."),
    )

    history = HistoricalRecords(get_user=history_user, excluded_fields=["updated_at"])

    FIGURE_FIELDS = ("killed", "injured", "children_killed", "children_injured")

    class Meta:
        ordering = ["-id"]
        verbose_name = _("event")
        verbose_name_plural = _("events")
        constraints = [
            models.UniqueConstraint(fields=["public_id"], name="event_public_id_unique"),
            models.CheckConstraint(
                condition=Q(merged_into__isnull=True) | ~Q(merged_into=F("pk")),
                name="event_not_merged_into_itself",
            ),
        ]

    def __str__(self) -> str:
        # Not the lead report's own words: it may be another organisation's, unpublished.
        return _("Event %(id)s") % {"id": str(self.public_id)[:8]}


class MatchCandidate(models.Model):
    """A possible earlier report of the same attack, found for a report waiting in the
    possible-duplicates queue, with the score and the reasons the matching gave."""

    report = models.ForeignKey(
        Incident,
        verbose_name=_("report"),
        on_delete=models.CASCADE,
        related_name="match_candidates",
    )
    candidate = models.ForeignKey(
        Incident,
        verbose_name=_("possible same event as"),
        on_delete=models.CASCADE,
        related_name="+",
    )
    score = models.FloatField(_("score"))
    reasons = models.JSONField(_("reasons"), default=list)
    found_at = models.DateTimeField(_("found at"), default=timezone.now)

    class Meta:
        ordering = ["report", "-score", "id"]
        verbose_name = _("possible duplicate")
        verbose_name_plural = _("possible duplicates")
        constraints = [
            models.UniqueConstraint(
                fields=["report", "candidate"], name="matchcandidate_pair_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.report_id} ~ {self.candidate_id} ({self.score:.2f})"


class DistinctReports(models.Model):
    """A Verifier's decision that two reports are of different attacks. The matching
    never proposes the pair again, whatever is re-ingested."""

    # The lower id first: one row per pair.
    first = models.ForeignKey(
        Incident, verbose_name=_("report"), on_delete=models.CASCADE, related_name="+"
    )
    second = models.ForeignKey(
        Incident, verbose_name=_("other report"), on_delete=models.CASCADE, related_name="+"
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("decided by"),
        on_delete=models.SET_NULL,
        related_name="+",
        null=True,
        blank=True,
    )
    decided_at = models.DateTimeField(_("decided at"), default=timezone.now)
    reason = models.TextField(_("reason"), blank=True)

    class Meta:
        ordering = ["-decided_at", "id"]
        verbose_name = _("different events decision")
        verbose_name_plural = _("different events decisions")
        constraints = [
            models.UniqueConstraint(fields=["first", "second"], name="distinctreports_unique"),
            models.CheckConstraint(
                condition=Q(first__lt=F("second")), name="distinctreports_ordered"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.first_id} ≠ {self.second_id}"
