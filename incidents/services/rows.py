"""Rows entered inside a record's own screen: an incident's damaged assets, service
disruptions and sources, a disruption's sources.

They are part of that record's report, so changing them is changing the record: whoever
may edit the record may edit its rows, a verified record's figures include its rows',
and a service disruption entered inside a report joins that report's review. A service
disruption is also a reviewed record of its own, so its own edit rule, curated marking
and tombstone apply as well.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction
from django.utils.translation import gettext as _

from accounts.models import User
from incidents.models import GrainDisruption, Incident, ServiceDisruption, VerificationStatus
from incidents.services.records import changed_figures, mark_curated, record_delete
from incidents.services.review import AnyUser, ReviewedModel, can_edit_record, record_author

REVIEWED_MODELS = (Incident, ServiceDisruption, GrainDisruption)


def ensure_row_figure_change_allowed(
    *, record: ReviewedModel, row: models.Model, changed_fields: Iterable[str], reason: str
) -> None:
    """While the record or the row itself is verified, a row's figures change only with a
    reason: every figure of a new row, the changed ones of an existing row."""
    if VerificationStatus.VERIFIED not in (record.status, getattr(row, "status", None)):
        return
    if not hasattr(row, "FIGURE_FIELDS"):
        return
    changed = changed_fields if row.pk is not None else row.FIGURE_FIELDS
    if changed_figures(record=row, changed_fields=changed) and not reason.strip():
        raise ValidationError(_("This record is verified: give a reason for changing its figures."))


@transaction.atomic
def record_rows_save(
    *,
    record: ReviewedModel,
    by: AnyUser,
    added: Iterable[models.Model] = (),
    changed: Iterable[tuple[models.Model, Collection[str]]] = (),
    deleted: Iterable[models.Model] = (),
    reason: str = "",
) -> None:
    """Save the rows a screen added to ``record`` (already saved), changed in it (each
    with the names of its changed fields, new values already set) and deleted from it.
    ``reason`` is the record's change reason, kept in each row's history too."""
    if not can_edit_record(user=by, record=record):
        raise PermissionDenied(_("You cannot edit this record."))
    for row, fields in changed:
        if isinstance(row, REVIEWED_MODELS) and not can_edit_record(user=by, record=row):
            raise PermissionDenied(_("You cannot edit this record."))
        ensure_row_figure_change_allowed(
            record=record, row=row, changed_fields=fields, reason=reason
        )
        if isinstance(row, REVIEWED_MODELS):
            mark_curated(row)
        _save(row, by=by, reason=reason)
    for row in added:
        ensure_row_figure_change_allowed(record=record, row=row, changed_fields=(), reason=reason)
        if isinstance(row, REVIEWED_MODELS):
            _join_review(row, record=record, by=by)
        _save(row, by=by, reason=reason)
    for row in deleted:
        if isinstance(row, REVIEWED_MODELS):
            record_delete(record=row, by=by, reason=reason)
        else:
            record_author(row, by=by, reason=reason.strip())
            row.delete()


def _join_review(row: ReviewedModel, *, record: ReviewedModel, by: AnyUser) -> None:
    """A service disruption entered inside a report is part of that report's review."""
    row.organisation = record.organisation
    row.created_by = by if isinstance(by, User) else None
    row.status = record.status
    row.verified_by = record.verified_by
    row.verified_at = record.verified_at
    row.rejection_reason = record.rejection_reason


def _save(row: Any, *, by: AnyUser, reason: str) -> None:
    record_author(row, by=by, reason=reason.strip())
    row.full_clean()
    row.save()
