"""Changelist filters for fed records: by the ingestion run that wrote them, by source."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.contrib.admin.options import IncorrectLookupParameters
from django.db.models import Q, QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from incidents.models import GrainShipment, IngestionRun
from incidents.selectors import ingestion_runs

RECENT_RUNS_SHOWN = 5
NO_SOURCE = "-"


class IngestionRunFilter(admin.SimpleListFilter):
    """``?ingestion_run=<id>``: what the run created or changed; ``<id>:created``,
    ``<id>:changed`` or ``<id>:last`` (still last written by it) narrow it down.

    The sidebar lists the chosen run and the latest few, never every run: a feed runs
    thousands of times. Any run is reached from its own page.
    """

    title = _("ingestion run")
    parameter_name = "ingestion_run"

    def _selected(self) -> tuple[IngestionRun | None, str]:
        value = self.value()
        if not value:
            return None, ""
        run_id, _separator, change = value.partition(":")
        if not run_id.isdigit() or change not in ("", *ingestion_runs.RECORD_CHANGES):
            raise IncorrectLookupParameters(f"Not a run: {value!r}")
        run = IngestionRun.objects.filter(pk=int(run_id)).first()
        if run is None:
            raise IncorrectLookupParameters(f"No run {run_id}")
        return run, change

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, Any]]:
        run, _change = self._selected()
        if run is not None:
            label = ingestion_runs.run_label(run)
            return [
                (str(run.pk), _("%(run)s: created or changed") % {"run": label}),
                (f"{run.pk}:created", _("↳ created by it")),
                (f"{run.pk}:changed", _("↳ changed by it")),
                (f"{run.pk}:last", _("↳ still last written by it")),
            ]
        recent = ingestion_runs.recent_runs_of(model_admin.model, limit=RECENT_RUNS_SHOWN)
        return [(str(recent_run.pk), ingestion_runs.run_label(recent_run)) for recent_run in recent]

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        run, change = self._selected()
        if run is None:
            return queryset
        return ingestion_runs.records_written_by_run(queryset, run=run, change=change)


class SourceFilter(admin.SimpleListFilter):
    """The source a record came from (its ``external_source``); a grain cargo line is found
    under every source that reported it."""

    title = _("source")
    parameter_name = "source"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, Any]]:
        sources = ingestion_runs.sources_of(model_admin.model)
        choices: list[tuple[str, Any]] = [(source, source) for source in sources if source]
        if "" in sources:
            choices.append((NO_SOURCE, _("none (entered here)")))
        return choices

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        value = self.value()
        if value is None:
            return queryset
        if value == NO_SOURCE:
            return queryset.filter(external_source="")
        condition = Q(external_source=value)
        if queryset.model is GrainShipment:
            condition |= Q(reported__has_key=value)
        return queryset.filter(condition)
