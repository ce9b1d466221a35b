"""Writes to the domain: creating reports, editing them and the review workflow.

The review gate is enforced here, not in the admin or the API, so every entry point
obeys the same rules:

* a Reporter creates drafts for their own organisation, edits them while they are
  drafts, and submits them;
* only a user with the model's ``verify_<model>`` permission verifies or rejects;
* a figure (casualties, people affected, tonnes) of a verified record changes only
  with a recorded reason, which lands in the record's history.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, TypeAlias

from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from accounts.roles import ACCESS_ALL_ORGANISATIONS
from incidents.models import (
    GrainDisruption,
    Incident,
    ServiceDisruption,
    Source,
    Tombstone,
    VerificationStatus,
)

ReviewedModel: TypeAlias = Incident | ServiceDisruption | GrainDisruption
AnyUser: TypeAlias = User | AnonymousUser

_TRANSITIONS: dict[str, set[str]] = {
    "submit": {VerificationStatus.DRAFT},
    "verify": {VerificationStatus.SUBMITTED},
    "reject": {VerificationStatus.SUBMITTED, VerificationStatus.VERIFIED},
    "return_to_draft": {VerificationStatus.SUBMITTED, VerificationStatus.REJECTED},
}


def _permission(record: ReviewedModel, action: str) -> str:
    return f"{record._meta.app_label}.{action}_{record._meta.model_name}"


def user_sees_all_organisations(user: AnyUser) -> bool:
    return bool(user.is_active and user.has_perm(ACCESS_ALL_ORGANISATIONS))


def _is_own(user: AnyUser, record: ReviewedModel) -> bool:
    organisation_id = getattr(user, "organisation_id", None)
    return organisation_id is not None and record.organisation_id == organisation_id


def can_edit_record(*, user: AnyUser, record: ReviewedModel) -> bool:
    """Verifiers edit any record; other roles only their organisation's drafts."""
    if not user.has_perm(_permission(record, "change")):
        return False
    if user_sees_all_organisations(user):
        return True
    editable = [VerificationStatus.DRAFT]
    if getattr(user, "edits_submissions", False):
        editable.append(VerificationStatus.SUBMITTED)
    return _is_own(user, record) and record.status in editable


def can_review_record(*, user: AnyUser, record: ReviewedModel) -> bool:
    return bool(user.has_perm(_permission(record, "verify")))


def _ensure_transition(record: ReviewedModel, action: str) -> None:
    if record.status not in _TRANSITIONS[action]:
        raise ValidationError(
            _("A %(status)s record cannot be %(action)s.")
            % {"status": record.get_status_display().lower(), "action": _ACTION_PAST[action]},
            code="invalid_transition",
        )


_ACTION_PAST = {
    "submit": "submitted",
    "verify": "verified",
    "reject": "rejected",
    "return_to_draft": "returned to draft",
}


def _record_author(record: Any, *, by: AnyUser, reason: str | None) -> None:
    """Tell the history who changed the record and why, also outside a web request.
    A partner application is not a user: its key is named in the reason instead."""
    if getattr(by, "api_key", None) is not None:
        reason = f"{reason} (through the API: {by})" if reason else f"Through the API: {by}"
    record._change_reason = reason or None
    if isinstance(by, User):
        record._history_user = by


def _save_status(record: ReviewedModel, *, by: AnyUser, reason: str, fields: Iterable[str]) -> None:
    _record_author(record, by=by, reason=reason)
    record.full_clean()
    record.save(update_fields=[*fields, "status", "updated_at"])


def _cascade_to_disruptions(incident: ReviewedModel, action: str, **kwargs: Any) -> None:
    """An incident's own service disruptions are reviewed together with it."""
    if not isinstance(incident, Incident):
        return
    for disruption in incident.disruptions.filter(status__in=_TRANSITIONS[action]):
        _ACTIONS[action](record=disruption, **kwargs)


@transaction.atomic
def record_submit(*, record: ReviewedModel, by: AnyUser) -> ReviewedModel:
    if not (can_edit_record(user=by, record=record) or can_review_record(user=by, record=record)):
        raise PermissionDenied(_("You cannot submit this record."))
    _ensure_transition(record, "submit")
    _submit(record=record, by=by)
    return record


def _submit(*, record: ReviewedModel, by: AnyUser) -> None:
    record.status = VerificationStatus.SUBMITTED
    _save_status(record, by=by, reason=_("Submitted for review"), fields=[])
    _cascade_to_disruptions(record, "submit", by=by)


@transaction.atomic
def record_verify(*, record: ReviewedModel, by: AnyUser) -> ReviewedModel:
    if not can_review_record(user=by, record=record):
        raise PermissionDenied(_("Only a Verifier can verify records."))
    _ensure_transition(record, "verify")
    _verify(record=record, by=by)
    return record


def _verify(*, record: ReviewedModel, by: AnyUser) -> None:
    record.status = VerificationStatus.VERIFIED
    record.verified_by = by if isinstance(by, User) else None
    record.verified_at = timezone.now()
    record.rejection_reason = ""
    _save_status(
        record,
        by=by,
        reason=_("Verified"),
        fields=["verified_by", "verified_at", "rejection_reason"],
    )
    _cascade_to_disruptions(record, "verify", by=by)


@transaction.atomic
def record_reject(*, record: ReviewedModel, by: AnyUser, reason: str) -> ReviewedModel:
    if not can_review_record(user=by, record=record):
        raise PermissionDenied(_("Only a Verifier can reject records."))
    if not reason.strip():
        raise ValidationError({"rejection_reason": _("Say why the record is rejected.")})
    _ensure_transition(record, "reject")
    _reject(record=record, by=by, reason=reason)
    return record


def _leave_a_tombstone(record: ReviewedModel, reason: str) -> None:
    Tombstone.objects.create(
        record_type=record._meta.model_name or "",
        public_id=record.public_id,
        reason=reason,
        was_published=record.status == VerificationStatus.VERIFIED,
        organisation_id=record.organisation_id,
    )


def _reject(*, record: ReviewedModel, by: AnyUser, reason: str) -> None:
    if record.status == VerificationStatus.VERIFIED:
        # Partners' copies of a published record must learn that it is withdrawn.
        _leave_a_tombstone(record, Tombstone.Reason.WITHDRAWN)
    record.status = VerificationStatus.REJECTED
    record.rejection_reason = reason.strip()
    record.verified_by = None
    record.verified_at = None
    _save_status(
        record,
        by=by,
        reason=_("Rejected: %(reason)s") % {"reason": record.rejection_reason},
        fields=["rejection_reason", "verified_by", "verified_at"],
    )
    _cascade_to_disruptions(record, "reject", by=by, reason=reason)


@transaction.atomic
def record_return_to_draft(*, record: ReviewedModel, by: AnyUser) -> ReviewedModel:
    """Send a record back for correction (Verifier), or withdraw an own submission."""
    is_own_submission = (
        _is_own(by, record)
        and record.status == VerificationStatus.SUBMITTED
        and by.has_perm(_permission(record, "change"))
    )
    if not (can_review_record(user=by, record=record) or is_own_submission):
        raise PermissionDenied(_("You cannot return this record to draft."))
    _ensure_transition(record, "return_to_draft")
    _return_to_draft(record=record, by=by)
    return record


def _return_to_draft(*, record: ReviewedModel, by: AnyUser) -> None:
    record.status = VerificationStatus.DRAFT
    _save_status(record, by=by, reason=_("Returned to draft"), fields=[])
    _cascade_to_disruptions(record, "return_to_draft", by=by)


_ACTIONS: dict[str, Any] = {
    "submit": _submit,
    "verify": _verify,
    "reject": _reject,
    "return_to_draft": _return_to_draft,
}


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
def record_delete(*, record: ReviewedModel, by: AnyUser) -> None:
    """Delete a record and leave a tombstone, so incremental consumers drop it too."""
    if not by.has_perm(_permission(record, "delete")) or not can_edit_record(
        user=by, record=record
    ):
        raise PermissionDenied(_("You cannot delete this record."))
    _leave_a_tombstone(record, Tombstone.Reason.DELETED)
    _record_author(record, by=by, reason=_("Deleted"))
    record.delete()


@transaction.atomic
def record_update(
    *, record: ReviewedModel, by: AnyUser, data: Mapping[str, Any], reason: str = ""
) -> ReviewedModel:
    """Change ordinary fields of a record; status and review fields go through the workflow."""
    protected = {"status", "verified_by", "verified_at", "organisation", "created_by"}
    if protected & set(data):
        raise ValidationError(
            _("These fields cannot be set directly: %(fields)s")
            % {"fields": ", ".join(sorted(protected & set(data)))}
        )
    if not can_edit_record(user=by, record=record):
        raise PermissionDenied(_("You cannot edit this record."))
    changed = [name for name, value in data.items() if getattr(record, name) != value]
    ensure_figure_change_allowed(record=record, changed_fields=changed, reason=reason)
    if not changed:
        return record
    for name in changed:
        setattr(record, name, data[name])
    curated = mark_curated(record)
    _record_author(record, by=by, reason=reason.strip())
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
    if not by.has_perm(_permission(record, "add")):
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
def incident_create(*, by: AnyUser, data: Mapping[str, Any]) -> Incident:
    incident = record_prepare_new(record=Incident(**data), by=by)
    assert isinstance(incident, Incident)
    incident.full_clean()
    _record_author(incident, by=by, reason="")
    incident.save()
    return incident


@transaction.atomic
def incident_report(
    *, by: AnyUser, data: Mapping[str, Any], sources: Iterable[Mapping[str, Any]] = ()
) -> Incident:
    """A report sent from outside the admin, with its sources. A partner application's
    report goes straight to review (submitted); a staff member's stays a draft."""
    incident = incident_create(by=by, data=data)
    for values in sources:
        source = Source(incident=incident, **values)
        source.full_clean()
        source.save()
    if getattr(by, "edits_submissions", False):
        record_submit(record=incident, by=by)
    return incident
