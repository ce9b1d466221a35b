"""What an ingestion run's admin page shows beyond its fields: how far it has got, the
records it wrote, its refused and skipped rows."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.html import format_html, format_html_join
from django.utils.http import urlencode
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from incidents.admin.run_filters import IngestionRunFilter, SourceFilter
from incidents.models import IngestionIssue, IngestionRun
from incidents.selectors import ingestion_runs

REFRESH_SECONDS = 5
ISSUES_PAGE_PARAMETER = "issues_page"
WORKING = (IngestionRun.Status.QUEUED, IngestionRun.Status.RUNNING)

COUNTERS = [
    ("rows_seen", _("rows read")),
    ("created", _("created")),
    ("updated", _("changed")),
    ("unchanged", _("unchanged")),
    ("rejected", _("refused")),
    ("skipped", _("skipped")),
    ("warnings", _("warnings")),
    ("published", _("published")),
]


def is_working(run: IngestionRun) -> bool:
    return run.status in WORKING


def issues_url(run: IngestionRun, **filters: str) -> str:
    query = urlencode({"run__id__exact": str(run.pk), **filters})
    return reverse("admin:incidents_ingestionissue_changelist") + f"?{query}"


def progress_html(run: IngestionRun) -> str:
    """The run's counters, and while it works, what it is doing."""
    counters = format_html_join(
        "",
        '<li><span class="run-count">{}</span> {}</li>',
        (
            (number_format(getattr(run, name), force_grouping=True), label)
            for name, label in COUNTERS
            if name != "published" or run.published
        ),
    )
    note = ""
    if run.status == IngestionRun.Status.QUEUED:
        note = gettext("Waiting for a worker to start it. This page refreshes itself.")
    elif run.status == IngestionRun.Status.RUNNING:
        moved = run.heartbeat_at or run.started_at
        note = gettext(
            "Reading the file; last progress at %(time)s. This page refreshes itself."
        ) % {"time": f"{timezone.localtime(moved):%H:%M:%S}" if moved else "-"}
    elif run.status == IngestionRun.Status.FAILED and run.rows_seen == 0:
        note = gettext(
            "Nothing was written: a payload that fails as a whole changes no record. Fix the "
            "file as the error says and upload it again."
        )
    elif run.status == IngestionRun.Status.FAILED:
        note = gettext(
            "The run stopped after %(rows)s rows; what it wrote until then stays. A new run "
            "of the same file completes it (rows already written count as unchanged)."
        ) % {"rows": number_format(run.rows_seen, force_grouping=True)}
    elif run.rows_per_second:
        note = gettext("%(seconds)s s, %(rate)s rows a second.") % {
            "seconds": number_format(run.seconds, 1),
            "rate": number_format(run.rows_per_second, 0, force_grouping=True),
        }
    return format_html('<ul class="run-counters">{}</ul><p class="run-note">{}</p>', counters, note)


def _changelist(model: Any, query: dict[str, str]) -> str:
    opts = model._meta
    return reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist") + "?" + urlencode(query)


def written_records_html(run: IngestionRun) -> str:
    """Counts of the records the run created and changed, each a link to them."""
    written = ingestion_runs.run_written_records(run=run)
    parameter = IngestionRunFilter.parameter_name
    items = [
        (written.created, _("created"), f"{run.pk}:created"),
        (written.changed, _("changed"), f"{run.pk}:changed"),
        (written.last, _("still last written by this run"), f"{run.pk}:last"),
    ]
    links = format_html_join(
        ", ",
        "{}",
        (
            (
                format_html(
                    '<a href="{}">{} {}</a>',
                    _changelist(written.model, {parameter: value}),
                    number_format(count, force_grouping=True),
                    label,
                )
                if count
                else format_html("0 {}", label),
            )
            for count, label, value in items
        ),
    )
    source = _changelist(written.model, {SourceFilter.parameter_name: run.external_source})
    return format_html(
        '{}: {} · <a href="{}">{}</a>',
        str(written.model._meta.verbose_name_plural).capitalize(),
        links,
        source,
        _("all from source “%(source)s”") % {"source": run.external_source},
    )


def values_html(row: ingestion_runs.IssueRow) -> str:
    """The row's cells as read, the one its reason names marked."""
    return render_to_string("admin/incidents/ingestionrun/values_as_read.html", {"row": row})


def page_context(request: HttpRequest, run: IngestionRun) -> dict[str, Any]:
    """The run page's tables: a page of refused and flagged rows, skipped rows by reason."""
    page, rows = ingestion_runs.run_issue_page(
        run=run, page_number=request.GET.get(ISSUES_PAGE_PARAMETER)
    )
    return {
        "refresh_seconds": REFRESH_SECONDS if is_working(run) else None,
        "issue_page": page,
        "issue_rows": rows,
        "issues_page_parameter": ISSUES_PAGE_PARAMETER,
        "skipped_rows": ingestion_runs.run_skipped_rows(run=run),
        "skipped_url": issues_url(run, level__exact=IngestionIssue.Level.SKIPPED),
        "issues_url": issues_url(run),
    }
