"""Building blocks shared by the domain models."""

from __future__ import annotations

import datetime as dt
import uuid

from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator
from django.db import models
from django.db.models import Q
from django.utils.deconstruct import deconstructible
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from incidents.limits import EARLIEST_DATE, KYIV, MAX_COUNT, date_out_of_bounds, latest_date


def count_validators() -> list[MaxValueValidator]:
    return [MaxValueValidator(MAX_COUNT)]


@deconstructible
class AcceptedDateValidator:
    """A date (or a moment, by its Kyiv date) within the accepted bounds: from
    ``EARLIEST_DATE`` to today plus a day. A class, not a MaxValueValidator, because the
    upper bound moves with the clock and a migration must not record today's value."""

    message = _("Dates from %(first)s to %(last)s are accepted (today in Kyiv plus a day).")

    def __call__(self, value: dt.date | None) -> None:
        if value is not None and date_out_of_bounds(value) is not None:
            raise ValidationError(self.message, code="date_out_of_bounds", params=date_bounds())

    def __eq__(self, other: object) -> bool:
        return isinstance(other, AcceptedDateValidator)

    def __hash__(self) -> int:
        return hash(type(self))


def date_bounds() -> dict[str, str]:
    """The accepted dates as message parameters."""
    return {"first": EARLIEST_DATE.isoformat(), "last": latest_date().isoformat()}


def date_validators() -> list[AcceptedDateValidator]:
    return [AcceptedDateValidator()]


# The lower bound is fixed, so the database holds it too; the upper one moves with the
# clock and is checked by validation and the ingestion parsers only.
EARLIEST_MOMENT = dt.datetime.combine(EARLIEST_DATE, dt.time.min, tzinfo=KYIV).astimezone(dt.UTC)


def earliest_date_constraint(prefix: str, field: str) -> models.CheckConstraint:
    """``field`` (a date, or a moment) not before the earliest accepted date."""
    is_moment = field.endswith("_at")
    return models.CheckConstraint(
        condition=Q(**{f"{field}__gte": EARLIEST_MOMENT if is_moment else EARLIEST_DATE}),
        name=f"{prefix}_{field}_from_2014",
        violation_error_message=format_lazy(
            _("Dates before {first} are not accepted."), first=EARLIEST_DATE.isoformat()
        ),
    )


class TimeStampedModel(models.Model):
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True, db_index=True)

    class Meta:
        abstract = True


class VerificationStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted for review")
    VERIFIED = "verified", _("Verified")
    REJECTED = "rejected", _("Rejected")


class LocationPrecision(models.TextChoices):
    """How exactly the coordinates place the event (ACLED geo_precision 1-3 map onto these)."""

    EXACT = "exact", _("Exact site")
    SETTLEMENT = "settlement", _("Settlement")
    DISTRICT = "district", _("District (raion)")
    REGION = "region", _("Region (oblast)")
    UNKNOWN = "unknown", _("Unknown")


class ReviewedQuerySet(models.QuerySet):
    def published(self) -> ReviewedQuerySet:
        return self.filter(status=VerificationStatus.VERIFIED)


ReviewedManager = models.Manager.from_queryset(ReviewedQuerySet)


class FeedProvenance(models.Model):
    """Which ingestion run last wrote a record, and whether staff have taken it over."""

    last_ingestion_run = models.ForeignKey(
        "incidents.IngestionRun",
        verbose_name=_("last written by ingestion run"),
        on_delete=models.SET_NULL,
        related_name="+",
        null=True,
        blank=True,
    )
    is_curated = models.BooleanField(
        _("edited by staff"),
        default=False,
        help_text=_("Edited by staff after ingestion: feeds no longer overwrite it."),
    )

    class Meta:
        abstract = True


class ReviewedRecord(FeedProvenance, TimeStampedModel):
    """A report that passes the review gate before it is published.

    Only verified records are public. ``external_source``/``external_id`` identify
    records that came from an outside feed, so re-ingesting updates instead of
    duplicating.
    """

    public_id = models.UUIDField(_("public id"), default=uuid.uuid4, editable=False)
    status = models.CharField(
        _("verification status"),
        max_length=16,
        choices=VerificationStatus.choices,
        default=VerificationStatus.DRAFT,
        db_index=True,
    )
    organisation = models.ForeignKey(
        "accounts.Organisation",
        verbose_name=_("reporting organisation"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("reported by"),
        on_delete=models.SET_NULL,
        related_name="+",
        null=True,
        blank=True,
    )
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("verified by"),
        on_delete=models.SET_NULL,
        related_name="+",
        null=True,
        blank=True,
    )
    verified_at = models.DateTimeField(_("verified at"), null=True, blank=True)
    rejection_reason = models.TextField(_("rejection reason"), blank=True)
    external_source = models.CharField(
        _("external source"),
        max_length=64,
        blank=True,
        help_text=_("Feed or dataset the record was ingested from, e.g. 'acled'."),
    )
    external_id = models.CharField(
        _("external id"),
        max_length=128,
        blank=True,
        help_text=_("The record's id in the external source, e.g. ACLED's event_id_cnty."),
    )

    objects = ReviewedManager()

    # Fields whose change on a verified record needs a recorded reason.
    FIGURE_FIELDS: tuple[str, ...] = ()

    class Meta:
        abstract = True

    @property
    def is_verified(self) -> bool:
        return self.status == VerificationStatus.VERIFIED

    @classmethod
    def review_constraints(cls, prefix: str) -> list[models.BaseConstraint]:
        """Database rules of the review gate, named after the concrete model."""
        return [
            models.UniqueConstraint(fields=["public_id"], name=f"{prefix}_public_id_unique"),
            # external_id leads: lookups of a batch of ids by it stay index scans even
            # when the table has grown past its statistics after a large load.
            models.UniqueConstraint(
                fields=["external_id", "external_source"],
                condition=~Q(external_id=""),
                name=f"{prefix}_external_key_unique",
            ),
            models.CheckConstraint(
                condition=Q(external_source="", external_id="")
                | (~Q(external_source="") & ~Q(external_id="")),
                name=f"{prefix}_external_key_complete",
                violation_error_message=_("External source and external id go together."),
            ),
            models.CheckConstraint(
                condition=Q(status__in=VerificationStatus.values),
                name=f"{prefix}_status_valid",
            ),
            models.CheckConstraint(
                condition=(Q(status=VerificationStatus.VERIFIED) & Q(verified_at__isnull=False))
                | (~Q(status=VerificationStatus.VERIFIED) & Q(verified_at__isnull=True)),
                name=f"{prefix}_verified_at_iff_verified",
            ),
            models.CheckConstraint(
                condition=~Q(status=VerificationStatus.REJECTED) | ~Q(rejection_reason=""),
                name=f"{prefix}_rejection_has_reason",
                violation_error_message=_("A rejected record needs a rejection reason."),
            ),
        ]


def coordinate_constraints(prefix: str) -> list[models.BaseConstraint]:
    """Latitude and longitude are both given or both empty, and within range."""
    return [
        models.CheckConstraint(
            condition=Q(latitude__isnull=True, longitude__isnull=True)
            | Q(latitude__isnull=False, longitude__isnull=False),
            name=f"{prefix}_coordinates_complete",
            violation_error_message=_("Give both latitude and longitude, or neither."),
        ),
        models.CheckConstraint(
            condition=Q(latitude__isnull=True) | Q(latitude__gte=-90, latitude__lte=90),
            name=f"{prefix}_latitude_range",
            violation_error_message=_("Latitude must be between -90 and 90."),
        ),
        models.CheckConstraint(
            condition=Q(longitude__isnull=True) | Q(longitude__gte=-180, longitude__lte=180),
            name=f"{prefix}_longitude_range",
            violation_error_message=_("Longitude must be between -180 and 180."),
        ),
    ]


def latitude_field() -> models.DecimalField:
    return models.DecimalField(_("latitude"), max_digits=9, decimal_places=6, null=True, blank=True)


def longitude_field() -> models.DecimalField:
    return models.DecimalField(
        _("longitude"), max_digits=9, decimal_places=6, null=True, blank=True
    )


def history_user(request: object = None, **kwargs: object) -> object:
    """Who an edit is recorded for: a staff user, never a partner application's key
    (whose changes carry the key in their change reason instead)."""
    user = getattr(request, "user", None)
    return user if isinstance(user, AbstractBaseUser) and user.is_authenticated else None
