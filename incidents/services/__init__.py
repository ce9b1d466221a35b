"""Writes to the domain, by subdomain: the review gate one record at a time (``review``),
for sets of records (``bulk_review``) and for what an ingestion run wrote (``run_review``);
creating and editing records (``records``), the rows entered inside them (``rows``) and
whole reports sent from outside the admin (``reports``). Callers use them through this
package: ``services.record_verify(...)``.

Every screen changes records through these functions, the admin, the API and management
commands alike (feeds load theirs in bulk through ``incidents.ingestion``), so the review
rules, the history and the figures never depend on the screen a change comes from."""

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
    mark_curated,
    needs_baseline_save,
    record_create,
    record_delete,
    record_prepare_new,
    record_save_changes,
    record_update,
)
from incidents.services.reports import incident_report
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
from incidents.services.rows import (
    RowsInvalid,
    ensure_row_figure_change_allowed,
    record_rows_save,
)
from incidents.services.run_review import (
    IN_REQUEST_LIMIT,
    can_verify_run_records,
    run_records_awaiting_review,
    run_records_verify,
    run_verification_execute,
    run_verification_latest,
    run_verification_start,
)

__all__ = [
    "IN_REQUEST_LIMIT",
    "TRANSITIONS",
    "AnyUser",
    "BulkReviewResult",
    "ReviewedModel",
    "RowsInvalid",
    "can_edit_record",
    "can_review_record",
    "can_verify_run_records",
    "changed_figures",
    "ensure_figure_change_allowed",
    "ensure_row_figure_change_allowed",
    "incident_create",
    "incident_report",
    "invalid_transition_message",
    "mark_curated",
    "may_apply",
    "needs_baseline_save",
    "record_create",
    "record_delete",
    "record_prepare_new",
    "record_reject",
    "record_return_to_draft",
    "record_rows_save",
    "record_save_changes",
    "record_submit",
    "record_update",
    "record_verify",
    "records_reject_bulk",
    "records_return_to_draft_bulk",
    "records_submit_bulk",
    "records_verify_bulk",
    "refusal_message",
    "run_records_awaiting_review",
    "run_records_verify",
    "run_verification_execute",
    "run_verification_latest",
    "run_verification_start",
    "user_sees_all_organisations",
]
