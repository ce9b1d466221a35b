"""Staff admin for events: the possible-duplicates queue a Verifier works, the events with
their reports, and the reliability grades of feeds. Every decision goes through
``incidents.services.events``."""

from __future__ import annotations

from functools import partial
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from incidents.models import Event, Incident, SourceReliability
from incidents.selectors.events import match_queue
from incidents.services.events import (
    VERIFY,
    event_choose_figure,
    report_link,
    report_mark_distinct,
    report_split,
)

SHOWN = 100  # waiting reports on the queue's page, the longest waiting first


def _posted_id(request: HttpRequest, name: str) -> int:
    """A record id posted by a decision form; 0 (no record) for anything else."""
    value = request.POST.get(name, "")
    return int(value) if value.isdigit() else 0


class DecisionForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason"),
        required=False,
        max_length=500,
        widget=forms.TextInput(attrs={"size": 60}),
        help_text=_("Written to the history of the reports."),
    )


def duplicates_view(model_admin: admin.ModelAdmin, request: HttpRequest) -> HttpResponse:
    """The possible-duplicates queue: each waiting report beside its candidates, oldest
    first; a Verifier links it to one of them or says it is a different attack."""
    if not request.user.has_perm(VERIFY):
        raise PermissionDenied
    if request.method == "POST":
        return _decide(request)
    entries = [
        {"report": report, "candidates": list(report.match_candidates.all())}
        for report in match_queue()[:SHOWN]
    ]
    context = {
        **model_admin.admin_site.each_context(request),
        "opts": Incident._meta,
        "title": _("Possible duplicates"),
        "entries": entries,
        "waiting": match_queue().count(),
        "form": DecisionForm(),
    }
    return TemplateResponse(request, "admin/incidents/incident/duplicates.html", context)


def _decide(request: HttpRequest) -> HttpResponse:
    report = get_object_or_404(Incident, pk=_posted_id(request, "report"))
    form = DecisionForm(request.POST)
    reason = form.cleaned_data["reason"] if form.is_valid() else ""
    try:
        if request.POST.get("decision") == "same":
            other = get_object_or_404(Incident, pk=_posted_id(request, "candidate"))
            report_link(report=report, to=other, by=request.user, reason=reason)
            messages.success(request, _("Linked: %(report)s") % {"report": report})
        elif request.POST.get("decision") == "different":
            report_mark_distinct(report=report, by=request.user, reason=reason)
            kept = _("Kept as a different attack: %(report)s") % {"report": report}
            messages.success(request, kept)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    return HttpResponseRedirect(reverse("admin:incidents_incident_duplicates"))


REPORT_COLUMNS = (
    "link",
    "status",
    "source",
    "occurred_on",
    "settlement",
    "killed",
    "injured",
    "children_killed",
    "children_injured",
)


class ReportInline(admin.TabularInline):
    model = Incident
    fk_name = "event"
    verbose_name = _("report")
    verbose_name_plural = _("reports")
    fields = REPORT_COLUMNS
    readonly_fields = REPORT_COLUMNS
    extra = 0
    can_delete = False
    show_change_link = False

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return super().get_queryset(request).select_related("organisation", "region")

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @admin.display(description=_("report"))
    def link(self, report: Incident) -> str:
        url = reverse("admin:incidents_incident_change", args=[report.pk])
        return format_html('<a href="{}">{}</a>', url, report.pk)

    @admin.display(description=_("source"))
    def source(self, report: Incident) -> str:
        return report.external_source or (report.organisation.name if report.organisation else "")


def decision_view(
    model_admin: admin.ModelAdmin, request: HttpRequest, object_id: str
) -> HttpResponse:
    """A Verifier's decision on an event's page: which report one of its figures comes
    from ("choose"), or a report taken out of it ("split")."""
    event = get_object_or_404(Event, pk=object_id if object_id.isdigit() else 0)
    if request.method == "POST":
        report = Incident.objects.filter(pk=_posted_id(request, "report"), event=event).first()
        reason = request.POST.get("reason", "")
        try:
            if report is None:
                raise ValidationError(_("Choose one of the event's reports."))
            if request.POST.get("decision") == "split":
                report_split(report=report, by=request.user, reason=reason)
                messages.success(request, _("The report now stands on its own."))
            else:
                name = request.POST.get("name", "")
                event_choose_figure(
                    event=event, name=name, report=report, by=request.user, reason=reason
                )
                messages.success(request, _("The published figure now comes from that report."))
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
    return HttpResponseRedirect(reverse("admin:incidents_event_change", args=[event.pk]))


@admin.register(Event)
class EventAdmin(SimpleHistoryAdmin):
    inlines = [ReportInline]
    list_display = ["__str__", "lead", "reports", "killed", "injured", "merged_into", "updated_at"]
    list_select_related = ["lead__region", "merged_into"]
    search_fields = ["=public_id", "lead__settlement"]
    readonly_fields = [
        "public_id",
        "lead",
        "killed",
        "injured",
        "children_killed",
        "children_injured",
        "spread",
        "merged_into",
    ]
    fields = readonly_fields

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return super().get_queryset(request).annotate(report_count=Count("reports"))

    def get_urls(self) -> list[URLPattern]:
        view = self.admin_site.admin_view(partial(decision_view, self))
        return [
            path("<path:object_id>/decide/", view, name="incidents_event_decide"),
            *super().get_urls(),
        ]

    def change_view(
        self,
        request: HttpRequest,
        object_id: str,
        form_url: str = "",
        extra_context: dict[str, Any] | None = None,
    ) -> HttpResponse:
        decides = request.user.has_perm(VERIFY)
        reports = Incident.objects.filter(event_id=object_id).order_by("pk") if decides else []
        figures = [
            (name, getattr(Event._meta.get_field(name), "verbose_name", name))
            for name in Event.FIGURE_FIELDS
        ]
        context = {"decides": decides, "event_reports": reports, "event_figures": figures}
        return super().change_view(
            request, object_id, form_url, {**(extra_context or {}), **context}
        )

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # events form as reports are linked

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # a Verifier links, splits and merges reports instead

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # Deleting would leave no history or tombstone; taking reports out does.
        return False

    @admin.display(description=_("reports"), ordering="report_count")
    def reports(self, event: Event) -> int:
        return int(getattr(event, "report_count", 0))

    @admin.display(description=_("spread between sources"))
    def spread(self, event: Event) -> str:
        parts = []
        for name in Event.FIGURE_FIELDS:
            low, high, count = event.ranges.get(name, [0, 0, 0])
            label = getattr(Event._meta.get_field(name), "verbose_name", name)
            parts.append(f"{label}: {low}-{high} ({count})" if low != high else f"{label}: {low}")
        return "; ".join(parts)


@admin.register(SourceReliability)
class SourceReliabilityAdmin(admin.ModelAdmin):
    list_display = ["external_source", "grade", "updated_at"]
    search_fields = ["external_source"]
