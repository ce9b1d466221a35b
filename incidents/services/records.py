"""Writes to the domain: creating reports, editing and deleting them; the needs baselines
staff correct.

Every screen changes records through these functions: the staff admin (a record's own form;
the rows entered inside it through ``incidents.services.rows``), the partner API (a whole
report through ``incidents.services.reports``) and management commands. So the review gate,
the history's author and reason, the guard on verified figures and the curated marking are
the same whichever screen a change comes from.

A figure (casualties, people affected, tonnes) of a verified record changes only with a
recorded reason, which lands in the record's history.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from typing import Any, TypeVar

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from accounts.models import User
from incidents.models import (
    GrainDisruption,
    Incident,
    NeedsBaseline,
    ServiceDisruption,
    Tombstone,
    VerificationStatus,
)
from incidents.services.review import (
    AnyUser,
    ReviewedModel,
    can_edit_record,
    leave_a_tombstone,
    permission_name,
    record_author,
    user_sees_all_organisations,
)

RecordT = TypeVar("RecordT", Incident, ServiceDisruption, GrainDisruption)

# Set at creation and by the review workflow, never by an edit.
REVIEW_SET_FIELDS = frozenset(
    {"status", "verified_by", "verified_at", "organisation", "created_by"}
)


def changed_figures(*, record: Any, changed_fields: Iterable[str]) -> list[str]:
    return [name for name in changed_fields if name in record.FIGURE_FIELDS]


def ensure_figure_change_allowed(
    *, record: ReviewedModel, changed_fields: Iterable[str], reason: str
) -> None:
    """A verified record's figures change only with a reason for the history."""
    figures = changed_figures(record=record, changed_fields=changed_fields)
    if figures and record.status == VerificationStatus.VERIFIED and not reason.strip():
        raise ValidationError(
            {
                "change_reason": _(
                    "This record is verified: give a reason for changing %(fields)s."
                )
                % {"fields": ", ".join(figures)}
            }
        )


@transaction.atomic
def record_delete(*, record: ReviewedModel, by: AnyUser, reason: str = "") -> None:
    """Delete a record and leave a tombstone, so incremental consumers drop it too."""
    if not by.has_perm(permission_name(record, "delete")) or not can_edit_record(
        user=by, record=record
    ):
        raise PermissionDenied(_("You cannot delete this record."))
    leave_a_tombstone(record, Tombstone.Reason.DELETED)
    record_author(record, by=by, reason=reason.strip() or _("Deleted"))
    record.delete()


@transaction.atomic
def record_update(
    *, record: ReviewedModel, by: AnyUser, data: Mapping[str, Any], reason: str = ""
) -> ReviewedModel:
    """Change ordinary fields of a record; status and review fields go through the workflow."""
    _refuse_review_fields(data)
    _ensure_editable(record, by=by)
    changed = [name for name, value in data.items() if getattr(record, name) != value]
    ensure_figure_change_allowed(record=record, changed_fields=changed, reason=reason)
    for name in changed:
        setattr(record, name, data[name])
    return _save_changes(record, by=by, changed=changed, reason=reason)


@transaction.atomic
def record_save_changes(
    *, record: RecordT, by: AnyUser, changed_fields: Collection[str], reason: str = ""
) -> RecordT:
    """Save a record whose new values a screen has already set on it (a model form does),
    under the rules of ``record_update``; ``changed_fields`` names the fields it changed.

    One difference: a user who sees every organisation may move a record to another
    organisation, as the admin's form offers them. ``record_update`` (the API's edit)
    sets no organisation for anyone, as the API's contract says.
    """
    allowed = {"organisation"} if user_sees_all_organisations(by) else set()
    _refuse_review_fields(set(changed_fields) - allowed)
    _ensure_editable(record, by=by)
    ensure_figure_change_allowed(record=record, changed_fields=changed_fields, reason=reason)
    _save_changes(record, by=by, changed=list(changed_fields), reason=reason)
    return record


def _refuse_review_fields(fields: Iterable[str]) -> None:
    protected = REVIEW_SET_FIELDS & set(fields)
    if protected:
        raise ValidationError(
            _("These fields cannot be set directly: %(fields)s")
            % {"fields": ", ".join(sorted(protected))}
        )


def _ensure_editable(record: ReviewedModel, *, by: AnyUser) -> None:
    if not can_edit_record(user=by, record=record):
        raise PermissionDenied(_("You cannot edit this record."))


def _save_changes(
    record: ReviewedModel, *, by: AnyUser, changed: list[str], reason: str
) -> ReviewedModel:
    """Nothing changed, nothing written: no history row, ``updated_at`` kept."""
    if not changed:
        return record
    curated = mark_curated(record)
    record_author(record, by=by, reason=reason.strip())
    record.full_clean()
    record.save(update_fields=[*changed, *curated, "updated_at"])
    return record


def mark_curated(record: Any) -> list[str]:
    """A record from a feed that staff edit is theirs from now on: feeds stop overwriting it.
    Returns the fields to save."""
    if record.external_source and not record.is_curated:
        record.is_curated = True
        return ["is_curated"]
    return []


def record_prepare_new(*, record: ReviewedModel, by: AnyUser) -> ReviewedModel:
    """Stamp a new record with its reporter and organisation and make it a draft."""
    if not by.has_perm(permission_name(record, "add")):
        raise PermissionDenied(_("You cannot create this kind of record."))
    organisation = getattr(by, "organisation", None)
    if not user_sees_all_organisations(by):
        if organisation is None:
            raise ValidationError(
                _("Your account belongs to no organisation; ask an administrator to add you.")
            )
        record.organisation = organisation
    elif record.organisation_id is None:
        record.organisation = organisation
    record.created_by = by if isinstance(by, User) else None
    record.status = VerificationStatus.DRAFT
    record.verified_by = None
    record.verified_at = None
    return record


@transaction.atomic
def record_create(*, record: RecordT, by: AnyUser, reason: str = "") -> RecordT:
    """Save a new record a screen filled in: a draft of its author's organisation
    (``record_prepare_new``), whatever review fields it was given."""
    record_prepare_new(record=record, by=by)
    record.full_clean()
    record_author(record, by=by, reason=reason.strip())
    record.save()
    return record


def incident_create(*, by: AnyUser, data: Mapping[str, Any], reason: str = "") -> Incident:
    return record_create(record=Incident(**data), by=by, reason=reason)


@transaction.atomic
def needs_baseline_save(
    *, baseline: NeedsBaseline, by: AnyUser, changed_fields: Collection[str]
) -> NeedsBaseline:
    """Save a needs baseline staff entered or corrected: it is theirs from then on
    (curated), and the feed no longer overwrites it."""
    is_new = baseline.pk is None
    if not by.has_perm(permission_name(baseline, "add" if is_new else "change")):
        raise PermissionDenied(_("You cannot edit this record."))
    if not is_new and not changed_fields:
        return baseline
    mark_curated(baseline)
    record_author(baseline, by=by, reason=None)
    baseline.full_clean()
    baseline.save()
    return baseline
