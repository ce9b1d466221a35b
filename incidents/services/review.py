"""The review gate, one record at a time: who may do what, and the workflow
draft -> submitted -> verified / rejected.

The gate is enforced here, not in the admin or the API, so every entry point obeys the
same rules:

* a Reporter creates drafts for their own organisation, edits them while they are
  drafts, and submits them;
* only a user with the model's ``verify_<model>`` permission verifies or rejects.

``incidents.services.bulk_review`` takes sets of records through the same rules.
"""

from __future__ import annotations

from typing import Any, TypeAlias

from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Model
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from accounts.roles import ACCESS_ALL_ORGANISATIONS
from incidents.models import (
    GrainDisruption,
    Incident,
    ServiceDisruption,
    Tombstone,
    VerificationStatus,
)

ReviewedModel: TypeAlias = Incident | ServiceDisruption | GrainDisruption
AnyUser: TypeAlias = User | AnonymousUser

# The statuses each review action leaves from.
TRANSITIONS: dict[str, set[str]] = {
    "submit": {VerificationStatus.DRAFT},
    "verify": {VerificationStatus.SUBMITTED},
    "reject": {VerificationStatus.SUBMITTED, VerificationStatus.VERIFIED},
    "return_to_draft": {VerificationStatus.SUBMITTED, VerificationStatus.REJECTED},
}


def permission_name(record: Model, action: str) -> str:
    return f"{record._meta.app_label}.{action}_{record._meta.model_name}"


def user_sees_all_organisations(user: AnyUser) -> bool:
    return bool(user.is_active and user.has_perm(ACCESS_ALL_ORGANISATIONS))


def _is_own(user: AnyUser, record: ReviewedModel) -> bool:
    organisation_id = getattr(user, "organisation_id", None)
    return organisation_id is not None and record.organisation_id == organisation_id


def can_edit_record(*, user: AnyUser, record: ReviewedModel) -> bool:
    """Verifiers edit any record; other roles only their organisation's drafts."""
    if not user.has_perm(permission_name(record, "change")):
        return False
    if user_sees_all_organisations(user):
        return True
    editable = [VerificationStatus.DRAFT]
    if getattr(user, "edits_submissions", False):
        editable.append(VerificationStatus.SUBMITTED)
    return _is_own(user, record) and record.status in editable


def can_review_record(*, user: AnyUser, record: ReviewedModel) -> bool:
    return bool(user.has_perm(permission_name(record, "verify")))


def may_apply(*, action: str, user: AnyUser, record: ReviewedModel) -> bool:
    """Whether ``user`` may take ``record`` through a review action, whatever its status
    allows (``TRANSITIONS``). Only the record's model, organisation and status count:
    the set-based review asks once per distinct organisation and status of a set."""
    if action == "submit":
        return can_edit_record(user=user, record=record) or can_review_record(
            user=user, record=record
        )
    if action == "return_to_draft":
        # A Verifier sends a record back for correction; a reporter withdraws their own
        # submission.
        is_own_submission = (
            _is_own(user, record)
            and record.status == VerificationStatus.SUBMITTED
            and user.has_perm(permission_name(record, "change"))
        )
        return can_review_record(user=user, record=record) or is_own_submission
    return can_review_record(user=user, record=record)


def refusal_message(action: str) -> str:
    """Why a user who may not take a record through ``action`` is refused."""
    return {
        "submit": _("You cannot submit this record."),
        "verify": _("Only a Verifier can verify records."),
        "reject": _("Only a Verifier can reject records."),
        "return_to_draft": _("You cannot return this record to draft."),
    }[action]


def invalid_transition_message(*, status: str, action: str) -> str:
    return _("A %(status)s record cannot be %(action)s.") % {
        "status": str(VerificationStatus(status).label).lower(),
        "action": _ACTION_PAST[action],
    }


def _ensure_allowed(record: ReviewedModel, *, by: AnyUser, action: str) -> None:
    if not may_apply(action=action, user=by, record=record):
        raise PermissionDenied(refusal_message(action))
    if record.status not in TRANSITIONS[action]:
        raise ValidationError(
            invalid_transition_message(status=record.status, action=action),
            code="invalid_transition",
        )


_ACTION_PAST = {
    "submit": "submitted",
    "verify": "verified",
    "reject": "rejected",
    "return_to_draft": "returned to draft",
}


def review_values(*, action: str, by: AnyUser | None, rejection_reason: str = "") -> dict[str, Any]:
    """The fields a review action sets on a record (``updated_at`` aside)."""
    if action == "verify":
        return {
            "status": VerificationStatus.VERIFIED,
            "verified_by": by if isinstance(by, User) else None,
            "verified_at": timezone.now(),
            "rejection_reason": "",
        }
    if action == "reject":
        return {
            "status": VerificationStatus.REJECTED,
            "rejection_reason": rejection_reason.strip(),
            "verified_by": None,
            "verified_at": None,
        }
    status = VerificationStatus.SUBMITTED if action == "submit" else VerificationStatus.DRAFT
    return {"status": status}


def review_reason(*, action: str, rejection_reason: str = "") -> str:
    """What the history says of a review action."""
    if action == "reject":
        return _("Rejected: %(reason)s") % {"reason": rejection_reason.strip()}
    return {
        "submit": _("Submitted for review"),
        "verify": _("Verified"),
        "return_to_draft": _("Returned to draft"),
    }[action]


def change_reason(*, by: AnyUser | None, reason: str | None) -> str | None:
    """The history's reason for a change. A partner application is not a user: its key
    is named in the reason instead."""
    if getattr(by, "api_key", None) is not None:
        reason = f"{reason} (through the API: {by})" if reason else f"Through the API: {by}"
    return reason or None


def record_author(record: Any, *, by: AnyUser, reason: str | None) -> None:
    """Tell the history who changed the record and why, also outside a web request."""
    record._change_reason = change_reason(by=by, reason=reason)
    if isinstance(by, User):
        record._history_user = by


def _review(record: ReviewedModel, action: str, *, by: AnyUser, rejection_reason: str = "") -> None:
    """Take the record through ``action``, then its incident's own service disruptions
    (reviewed together with it) that the action may take."""
    if action == "reject" and record.status == VerificationStatus.VERIFIED:
        # Partners' copies of a published record must learn that it is withdrawn.
        leave_a_tombstone(record, Tombstone.Reason.WITHDRAWN)
    values = review_values(action=action, by=by, rejection_reason=rejection_reason)
    for name, value in values.items():
        setattr(record, name, value)
    reason = review_reason(action=action, rejection_reason=rejection_reason)
    record_author(record, by=by, reason=reason)
    record.full_clean()
    record.save(update_fields=[*values, "updated_at"])
    if isinstance(record, Incident):
        for disruption in record.disruptions.filter(status__in=TRANSITIONS[action]):
            _review(disruption, action, by=by, rejection_reason=rejection_reason)
        if action == "submit":
            # Imported here: linking reports builds on this module (the history's author).
            from incidents.services.events import report_match

            # A report entering review may repeat one already counted. Once: verifying
            # it later does not take a counted report out of the figures again.
            report_match(report=record, by=by)


@transaction.atomic
def record_submit(*, record: ReviewedModel, by: AnyUser) -> ReviewedModel:
    _ensure_allowed(record, by=by, action="submit")
    _review(record, "submit", by=by)
    return record


@transaction.atomic
def record_verify(*, record: ReviewedModel, by: AnyUser) -> ReviewedModel:
    _ensure_allowed(record, by=by, action="verify")
    _review(record, "verify", by=by)
    return record


@transaction.atomic
def record_reject(*, record: ReviewedModel, by: AnyUser, reason: str) -> ReviewedModel:
    if not may_apply(action="reject", user=by, record=record):
        raise PermissionDenied(refusal_message("reject"))
    if not reason.strip():
        raise ValidationError({"rejection_reason": _("Say why the record is rejected.")})
    _ensure_allowed(record, by=by, action="reject")
    _review(record, "reject", by=by, rejection_reason=reason)
    return record


def leave_a_tombstone(record: ReviewedModel, reason: str) -> None:
    Tombstone.objects.create(
        record_type=record._meta.model_name or "",
        public_id=record.public_id,
        reason=reason,
        was_published=record.status == VerificationStatus.VERIFIED,
        organisation_id=record.organisation_id,
    )


@transaction.atomic
def record_return_to_draft(*, record: ReviewedModel, by: AnyUser) -> ReviewedModel:
    """Send a record back for correction (Verifier), or withdraw an own submission."""
    _ensure_allowed(record, by=by, action="return_to_draft")
    _review(record, "return_to_draft", by=by)
    return record
