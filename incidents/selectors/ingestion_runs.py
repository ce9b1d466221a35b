"""Reads for an ingestion run's pages: its refused rows, its skipped rows by reason, and
the records it created and changed."""

from __future__ import annotations

import datetime as dt
import json
import re
from dataclasses import dataclass
from typing import Any, Literal

from django.apps import apps
from django.core.paginator import Page, Paginator
from django.db.models import Count, F, Model, Q, QuerySet
from django.db.models.expressions import Window
from django.db.models.functions import RowNumber
from django.utils import timezone

from incidents.ingestion.formats import FORMATS, format_of
from incidents.models import GrainShipment, IngestionIssue, IngestionRun

ISSUES_PER_PAGE = 50
SKIP_REASONS_SHOWN = 20
FIRST_ROWS_SHOWN = 5
# History rows are looked for between the run's creation and its end, give or take the
# clocks of the machines that wrote them.
_CLOCK_MARGIN = dt.timedelta(minutes=10)
# "<field>: <message>", where the field is a column or a field name, never a sentence.
_FIELD_REASON = re.compile(r"^(?P<field>[\w#+.][\w#+. ]{0,63}): (?P<message>.+)$", re.DOTALL)
_QUOTED = re.compile(r"'(?P<value>.*)'", re.DOTALL)
# Prefixes of reasons that name where the error came from, not a column.
_NOT_FIELDS = {"database"}

RecordChange = Literal["created", "changed", "last"]
RECORD_CHANGES: tuple[RecordChange, ...] = ("created", "changed", "last")


@dataclass(frozen=True)
class ReasonParts:
    """A parser's reason taken apart: the field it names, the value it quotes."""

    field: str
    value: str | None
    message: str


@dataclass(frozen=True)
class IssueRow:
    row_number: int
    level: str
    level_label: str
    column: str  # the column the reason is about, or the field it names
    value: str | None
    message: str  # the reason without the field it names
    reason: str
    values: list[tuple[str, str, bool]]  # column, cell as read, whether the reason names it


@dataclass(frozen=True)
class SkippedGroup:
    reason: str
    count: int
    first_rows: list[int]


@dataclass(frozen=True)
class SkippedRows:
    total: int
    groups: list[SkippedGroup]  # the most frequent reasons


@dataclass(frozen=True)
class WrittenRecords:
    """The records of one kind a run created and changed, and those it last wrote."""

    model: type[Model]
    created: int
    changed: int
    last: int


def reason_parts(reason: str) -> ReasonParts:
    """Split "departure port: 'X' is not a known port" into the field, 'X' and the rest."""
    field, message = "", reason
    if (match := _FIELD_REASON.match(reason)) and match["field"] not in _NOT_FIELDS:
        field, message = match["field"], match["message"]
    quoted = _QUOTED.search(message)
    return ReasonParts(field=field, value=quoted["value"] if quoted else None, message=message)


def _cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False)


def _simple(text: str) -> str:
    return re.sub(r"[\s_]+", " ", text).strip().casefold()


def _named_column(parts: ReasonParts, cells: list[tuple[str, str]]) -> str | None:
    """The column the reason is about: the one holding the value it quotes (a parser's
    field is not always the column's name: ACLED's region is read from admin1), else the
    one named like its field."""
    by_name = [
        column for column, _ in cells if parts.field and _simple(column) == _simple(parts.field)
    ]
    if parts.value is not None:
        holding = [column for column, text in cells if text.strip() == parts.value.strip()]
        if named_and_holding := [column for column in holding if column in by_name]:
            return named_and_holding[0]
        if len(holding) == 1:
            return holding[0]
    return by_name[0] if by_name else None


def issue_row(issue: IngestionIssue) -> IssueRow:
    parts = reason_parts(issue.reason)
    raw = issue.raw if isinstance(issue.raw, dict) else {"value": issue.raw}
    cells = [(str(column), _cell_text(cell)) for column, cell in raw.items()]
    named = _named_column(parts, cells)
    return IssueRow(
        row_number=issue.row_number,
        level=issue.level,
        level_label=str(issue.get_level_display()),
        column=named or parts.field,
        value=parts.value,
        message=parts.message,
        reason=issue.reason,
        values=[(column, text, column == named) for column, text in cells],
    )


def run_issue_page(*, run: IngestionRun, page_number: Any) -> tuple[Page, list[IssueRow]]:
    """One page of the rows the run refused or kept with a warning, in row order."""
    issues = (
        IngestionIssue.objects.filter(run=run)
        .exclude(level=IngestionIssue.Level.SKIPPED)
        .order_by("row_number", "id")
    )
    page = Paginator(issues, ISSUES_PER_PAGE).get_page(page_number)
    return page, [issue_row(issue) for issue in page.object_list]


def run_skipped_rows(*, run: IngestionRun) -> SkippedRows:
    """The run's skipped rows by reason, most frequent first, with their first rows."""
    skipped = IngestionIssue.objects.filter(run=run, level=IngestionIssue.Level.SKIPPED)
    counts = list(skipped.values("reason").annotate(count=Count("id")).order_by("-count", "reason"))
    if not counts:
        return SkippedRows(total=0, groups=[])
    shown = counts[:SKIP_REASONS_SHOWN]
    ranked = (
        skipped.filter(reason__in=[group["reason"] for group in shown])
        .annotate(rank=Window(RowNumber(), partition_by=[F("reason")], order_by=[F("row_number")]))
        .filter(rank__lte=FIRST_ROWS_SHOWN)
        .values_list("reason", "row_number")
    )
    first_rows: dict[str, list[int]] = {}
    for reason, row_number in ranked:
        first_rows.setdefault(reason, []).append(row_number)
    groups = [
        SkippedGroup(
            reason=group["reason"],
            count=group["count"],
            first_rows=sorted(first_rows.get(group["reason"], [])),
        )
        for group in shown
    ]
    return SkippedRows(total=sum(group["count"] for group in counts), groups=groups)


def model_of_format(format: str) -> type[Model]:
    """The kind of record a run of this format writes."""
    return apps.get_model(format_of(format).model)


def formats_of_model(model: type[Model]) -> list[str]:
    label = model._meta.label
    return [format.value for format, declared in FORMATS.items() if declared.model == label]


def run_label(run: IngestionRun) -> str:
    """A run as a person tells it from others: what it read and when."""
    name = run.location.rstrip("/").rsplit("/", 1)[-1] or run.location
    return f"{name}, {timezone.localtime(run.created_at):%Y-%m-%d %H:%M}"


def recent_runs_of(model: type[Model], *, limit: int) -> list[IngestionRun]:
    """The latest runs that wrote records of this kind."""
    runs = IngestionRun.objects.filter(format__in=formats_of_model(model))
    return list(runs.filter(Q(created__gt=0) | Q(updated__gt=0))[:limit])


def sources_of(model: type[Model]) -> list[str]:
    """The sources records of this kind came from ("" for records entered here)."""
    stored = model._default_manager.order_by("external_source").values_list(
        "external_source", flat=True
    )
    sources = set(stored.distinct())
    if model is GrainShipment:
        # A cargo line names its first source; the others are in what each reported.
        runs = IngestionRun.objects.filter(format__in=formats_of_model(model))
        sources |= set(runs.order_by().values_list("external_source", flat=True).distinct())
    return sorted(sources)


def _history_of_run(model: type[Model], run: IngestionRun) -> QuerySet:
    """The history rows the run wrote, found by their date (indexed) first."""
    history: Any = model.history.model  # type: ignore[attr-defined]
    rows = history.objects.filter(
        history_date__gte=run.created_at - _CLOCK_MARGIN,
        last_ingestion_run_id=run.pk,
        history_change_reason__startswith=f"Ingested by run {run.public_id}",
    )
    if run.finished_at is not None:
        rows = rows.filter(history_date__lte=run.finished_at + _CLOCK_MARGIN)
    return rows


def records_written_by_run(queryset: QuerySet, *, run: IngestionRun, change: str) -> QuerySet:
    """The records of ``queryset`` the run created or changed, or last wrote."""
    if change == "last":
        return queryset.filter(last_ingestion_run=run)
    types = {"created": ["+"], "changed": ["~"]}.get(change, ["+", "~"])
    ids = _history_of_run(queryset.model, run).filter(history_type__in=types).values("id")
    return queryset.filter(pk__in=ids)


def run_written_records(*, run: IngestionRun) -> WrittenRecords:
    model = model_of_format(run.format)
    counts = _history_of_run(model, run).aggregate(
        created=Count("id", distinct=True, filter=Q(history_type="+")),
        changed=Count("id", distinct=True, filter=Q(history_type="~")),
    )
    last = model._default_manager.filter(last_ingestion_run=run).count()
    return WrittenRecords(
        model=model, created=counts["created"], changed=counts["changed"], last=last
    )
