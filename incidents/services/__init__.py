"""Writes to the domain, by subdomain: the review gate one record at a time (``review``)
and for sets of records (``bulk_review``); creating and editing reports (``records``).
Callers use them through this package: ``services.record_verify(...)``."""

from incidents.services.bulk_review import (
    BulkReviewResult,
    records_reject_bulk,
    records_return_to_draft_bulk,
    records_submit_bulk,
    records_verify_bulk,
)
from incidents.services.records import (
    changed_figures,
    ensure_figure_change_allowed,
    incident_create,
    incident_report,
    mark_curated,
    record_delete,
    record_prepare_new,
    record_update,
)
from incidents.services.review import (
    TRANSITIONS,
    AnyUser,
    ReviewedModel,
    can_edit_record,
    can_review_record,
    invalid_transition_message,
    may_apply,
    record_reject,
    record_return_to_draft,
    record_submit,
    record_verify,
    refusal_message,
    user_sees_all_organisations,
)

__all__ = [
    "TRANSITIONS",
    "AnyUser",
    "BulkReviewResult",
    "ReviewedModel",
    "can_edit_record",
    "can_review_record",
    "changed_figures",
    "ensure_figure_change_allowed",
    "incident_create",
    "incident_report",
    "invalid_transition_message",
    "mark_curated",
    "may_apply",
    "record_delete",
    "record_prepare_new",
    "record_reject",
    "record_return_to_draft",
    "record_submit",
    "record_update",
    "record_verify",
    "records_reject_bulk",
    "records_return_to_draft_bulk",
    "records_submit_bulk",
    "records_verify_bulk",
    "refusal_message",
    "user_sees_all_organisations",
]
