"""Review at the scale of a feed: a set of records of one model through one review action.

The result is what taking each record through ``record_verify`` (``record_reject``, ...)
one by one gives: the same rules, statuses, review fields, history rows, tombstones,
cascade to an incident's service disruptions and summed figures. It costs a constant
number of statements per set instead of a dozen per record: one read of the set, one
UPDATE per status the records leave from, one INSERT ... SELECT of their history rows,
one insert of their tombstones, the figures moved once and the cache invalidated once.
Records the user may not take through the action are refused, and records whose status
the action does not leave from are counted as such: both are reported and left as they
are.

Unlike one record at a time, the records are not validated again (``full_clean``): only
their review fields change, and the database's constraints hold those.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, cast

from django.core.exceptions import ValidationError
from django.db import connection, models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from incidents.figures.cache import figures_changed
from incidents.figures.incidents import move_incidents
from incidents.figures.outages import move_outages
from incidents.models import (
    GrainDisruption,
    Incident,
    ServiceDisruption,
    Tombstone,
    VerificationStatus,
)
from incidents.services.events import reports_match_in_review
from incidents.services.review import (
    TRANSITIONS,
    AnyUser,
    change_reason,
    may_apply,
    review_reason,
    review_values,
)
from incidents.sql import chunks, column_among, ids_condition

ReviewedModelType = type[Incident] | type[ServiceDisruption] | type[GrainDisruption]
BATCH = 10_000  # ids per statement: well under SQLite's limit of bound parameters


@dataclass(frozen=True)
class BulkReviewResult:
    """What a set-based review did to the records it was given (by id)."""

    action: str
    done: tuple[int, ...] = ()
    refused: tuple[int, ...] = ()  # the user may not take these through the action
    invalid: tuple[tuple[int, str], ...] = ()  # (id, status) the action does not leave
    missing: tuple[int, ...] = ()  # no such record
    cascaded: int = 0  # service disruptions taken along with their incidents

    def __add__(self, other: BulkReviewResult) -> BulkReviewResult:
        return BulkReviewResult(
            action=self.action,
            done=self.done + other.done,
            refused=self.refused + other.refused,
            invalid=self.invalid + other.invalid,
            missing=self.missing + other.missing,
            cascaded=self.cascaded + other.cascaded,
        )


def records_submit_bulk(
    *, model: ReviewedModelType, ids: Iterable[int], by: AnyUser
) -> BulkReviewResult:
    return _review_set(model, ids, "submit", by=by)


def records_verify_bulk(
    *, model: ReviewedModelType, ids: Iterable[int], by: AnyUser | None = None, reason: str = ""
) -> BulkReviewResult:
    """Verify the submitted records of ``ids``, with their incidents' service disruptions.

    ``by=None`` is a trusted feed, not a person: no permission is checked and nobody is
    recorded as the verifier. ``reason`` is what the history says (default "Verified").
    """
    return _review_set(model, ids, "verify", by=by, history_reason=reason)


def records_reject_bulk(
    *, model: ReviewedModelType, ids: Iterable[int], by: AnyUser, reason: str
) -> BulkReviewResult:
    """Reject these records: published ones leave a tombstone, as one at a time."""
    if not reason.strip():
        raise ValidationError({"rejection_reason": _("Say why the record is rejected.")})
    return _review_set(model, ids, "reject", by=by, rejection_reason=reason)


def records_return_to_draft_bulk(
    *, model: ReviewedModelType, ids: Iterable[int], by: AnyUser
) -> BulkReviewResult:
    return _review_set(model, ids, "return_to_draft", by=by)


@transaction.atomic
def _review_set(
    model: ReviewedModelType,
    ids: Iterable[int],
    action: str,
    *,
    by: AnyUser | None,
    history_reason: str = "",
    rejection_reason: str = "",
) -> BulkReviewResult:
    wanted = sorted({int(pk) for pk in ids})
    found: dict[int, tuple[int | None, str]] = {}
    for chunk in chunks(wanted, BATCH):
        rows = model._default_manager.filter(column_among(model, "id", chunk))
        found.update(
            (pk, (org, status))
            for pk, org, status in rows.values_list("pk", "organisation_id", "status")
        )
    permitted = _permitted(model, action, by, set(found.values()))
    refused: list[int] = []
    invalid: list[tuple[int, str]] = []
    leaving: dict[str, list[int]] = {}
    for pk, (organisation_id, status) in found.items():
        if (organisation_id, status) not in permitted:
            refused.append(pk)
        elif status not in TRANSITIONS[action]:
            invalid.append((pk, status))
        else:
            leaving.setdefault(status, []).append(pk)
    reason = history_reason or review_reason(action=action, rejection_reason=rejection_reason)
    step = _Step(action, by, change_reason(by=by, reason=reason), rejection_reason)
    moved, cascaded = step.apply(model, leaving)
    done = sorted(pk for pks in moved.values() for pk in pks)
    if gone := {pk for pks in leaving.values() for pk in pks} - set(done):
        # Changed by someone else since they were read: say what they are now.
        now_rows = model._default_manager.filter(pk__in=gone).values_list("pk", "status")
        invalid += list(now_rows)
    if done:
        figures_changed()
    return BulkReviewResult(
        action=action,
        done=tuple(done),
        refused=tuple(sorted(refused)),
        invalid=tuple(sorted(invalid)),
        missing=tuple(pk for pk in wanted if pk not in found),
        cascaded=cascaded,
    )


def _permitted(
    model: ReviewedModelType, action: str, by: AnyUser | None, pairs: set[tuple[int | None, str]]
) -> set[tuple[int | None, str]]:
    """The (organisation, status) pairs whose records ``by`` may take through ``action``:
    the rules look at nothing else of a record, so each pair is asked once."""
    if by is None:
        return pairs
    return {
        (organisation_id, status)
        for organisation_id, status in pairs
        if may_apply(
            action=action, user=by, record=model(organisation_id=organisation_id, status=status)
        )
    }


@dataclass(frozen=True)
class _Step:
    """One review action as it is written to a set of rows of any reviewed model."""

    action: str
    by: AnyUser | None
    reason: str | None  # the history's
    rejection_reason: str

    def apply(
        self, model: ReviewedModelType, leaving: dict[str, list[int]]
    ) -> tuple[dict[str, list[int]], int]:
        """Move the rows of ``leaving`` (status -> ids), then an incident's own service
        disruptions; return the ids moved by the status they left, and how many
        disruptions went along."""
        if not leaving:
            return {}, 0
        values = review_values(
            action=self.action, by=self.by, rejection_reason=self.rejection_reason
        )
        now = timezone.now()
        moved = {
            status: _update(model, ids, status, {**values, "updated_at": now})
            for status, ids in sorted(leaving.items())
        }
        ids = [pk for pks in moved.values() for pk in pks]
        if not ids:
            return moved, 0
        user_id = self.by.pk if isinstance(self.by, User) else None
        _record_history(model, ids, reason=self.reason, user_id=user_id, now=now)
        if self.action == "reject":
            _leave_tombstones(model, moved.get(VerificationStatus.VERIFIED, []))
        if model is Incident:
            move_incidents(moved, str(values["status"]))
            if self.action == "submit":
                # Reports entering review may repeat one already counted, as one at a
                # time (``incidents.services.review``).
                reports_match_in_review(moved, str(values["status"]), by=self.by)
        elif model is ServiceDisruption:
            move_outages(moved, str(values["status"]))
        if model is not Incident:
            return moved, 0
        disruptions: dict[str, list[int]] = {}
        for chunk in chunks(ids, BATCH):
            rows = ServiceDisruption.objects.filter(
                incident_id__in=chunk, status__in=TRANSITIONS[self.action]
            ).values_list("pk", "status")
            for pk, status in rows:
                disruptions.setdefault(status, []).append(pk)
        taken, _ = self.apply(ServiceDisruption, disruptions)
        return moved, sum(len(pks) for pks in taken.values())


def _quote(name: str | None) -> str:
    return connection.ops.quote_name(name or "")


def _pk_column(model: type[models.Model]) -> str:
    return str(model._meta.pk.column)


def _update(
    model: ReviewedModelType, ids: list[int], status: str, values: dict[str, Any]
) -> list[int]:
    """Write ``values`` to the rows of ``ids`` still in ``status``; return their ids."""
    assignments, params = [], []
    for name, value in values.items():
        field = model._meta.get_field(name)
        if isinstance(value, models.Model):
            value = value.pk
        assignments.append(f"{_quote(cast(Any, field).column)} = %s")
        params.append(cast(Any, field).get_db_prep_save(value, connection))
    moved: list[int] = []
    for chunk in chunks(ids, BATCH):
        condition, ids_params = ids_condition(_quote(_pk_column(model)), chunk)
        sql = (
            f"UPDATE {_quote(model._meta.db_table)} SET {', '.join(assignments)} "
            f"WHERE {condition} AND {_quote('status')} = %s RETURNING {_quote(_pk_column(model))}"
        )
        with connection.cursor() as cursor:
            cursor.execute(sql, [*params, *ids_params, status])
            moved += [pk for (pk,) in cursor.fetchall()]
    return moved


def _record_history(
    model: ReviewedModelType,
    ids: list[int],
    *,
    reason: str | None,
    user_id: int | None,
    now: dt.datetime,
) -> None:
    """Copy the rows just written into their history table in one statement, as
    simple_history would have recorded each save (it records nothing for an UPDATE of a
    set of rows, and its bulk helpers build every history row in Python)."""
    history = cast(Any, model).history.model
    copied = [
        field.column
        for field in history._meta.concrete_fields
        if not field.name.startswith("history_")
    ]
    columns = ", ".join(_quote(column) for column in copied)
    when = connection.ops.adapt_datetimefield_value(now)
    for chunk in chunks(ids, BATCH):
        condition, params = ids_condition(_quote(_pk_column(model)), chunk)
        sql = (
            f"INSERT INTO {_quote(history._meta.db_table)} "
            f"({columns}, history_date, history_change_reason, history_type, history_user_id) "
            f"SELECT {columns}, %s, %s, %s, %s "
            f"FROM {_quote(model._meta.db_table)} WHERE {condition}"
        )
        with connection.cursor() as cursor:
            cursor.execute(sql, [when, reason, "~", user_id, *params])


def _leave_tombstones(model: ReviewedModelType, ids: list[int]) -> None:
    """Partners' copies of published records must learn that they are withdrawn."""
    tombstones = []
    for chunk in chunks(ids, BATCH):
        rows = model._default_manager.filter(column_among(model, "id", chunk))
        tombstones += [
            Tombstone(
                record_type=model._meta.model_name or "",
                public_id=public_id,
                reason=Tombstone.Reason.WITHDRAWN,
                was_published=True,
                organisation_id=organisation_id,
            )
            for public_id, organisation_id in rows.values_list("public_id", "organisation_id")
        ]
    Tombstone.objects.bulk_create(tombstones, batch_size=1000)
