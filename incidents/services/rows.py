"""Rows entered inside a record's own screen: an incident's damaged assets, service
disruptions and sources, a disruption's sources.

They are part of that record's report, so changing them is changing the record: whoever
may edit the record may edit its rows, a verified record's figures include its rows',
and a service disruption entered inside a report joins that report's review. A service
disruption is also a reviewed record of its own, so its own edit rule, curated marking
and tombstone apply as well.

New rows are all checked before any is saved: an invalid one is named by the record's list
it is in and its position there (``RowsInvalid``), as a screen that sent several shows them.
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

RowMessages = dict[str, list[str]]


class RowsInvalid(ValidationError):
    """New rows that do not validate, by the record's list and position in it (from 0), as
    DRF gives a list's errors: ``{"assets": {1: {"count": ["..."]}}}``. Read as a plain
    ValidationError, it gives every message by list."""

    def __init__(self, rows: dict[str, dict[int, RowMessages]]) -> None:
        self.rows = rows
        super().__init__(
            {
                name: [
                    message
                    for row in positions.values()
                    for texts in row.values()
                    for message in texts
                ]
                for name, positions in rows.items()
            }
        )


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
    ``reason`` is the record's change reason, kept in each row's history too. Added rows
    are saved only if every one of them is valid (``RowsInvalid``)."""
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
    added = list(added)
    for row in added:
        ensure_row_figure_change_allowed(record=record, row=row, changed_fields=(), reason=reason)
        if isinstance(row, REVIEWED_MODELS):
            _join_review(row, record=record, by=by)
    _ensure_valid(added, record=record)
    for row in added:
        record_author(row, by=by, reason=reason.strip())
        row.save()
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


def _ensure_valid(rows: list[models.Model], *, record: ReviewedModel) -> None:
    positions: dict[str, int] = {}
    invalid: dict[str, dict[int, RowMessages]] = {}
    for row in rows:
        name = _list_name(row, record=record)
        position = positions[name] = positions.get(name, -1) + 1
        try:
            row.full_clean()
        except ValidationError as error:
            invalid.setdefault(name, {})[position] = error.message_dict
    if invalid:
        raise RowsInvalid(invalid)


def _list_name(row: models.Model, *, record: ReviewedModel) -> str:
    """The name of the record's list the row is in: its relation's (an incident's
    ``assets``, ``disruptions``, ``sources``), as the admin's inlines and the API call it."""
    for field in row._meta.concrete_fields:
        relation = field.remote_field
        if (
            field.many_to_one
            and relation is not None
            and isinstance(record, relation.model)
            and getattr(row, field.attname) == record.pk
        ):
            return relation.get_accessor_name() or field.name
    return row._meta.model_name or ""


def _save(row: Any, *, by: AnyUser, reason: str) -> None:
    record_author(row, by=by, reason=reason.strip())
    row.full_clean()
    row.save()
