"""Admin for feeds and ingestion runs: configure, start, upload, and see what was refused."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import URLPattern, path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from incidents import services as record_services
from incidents.admin import run_page
from incidents.admin.review import HTTPS_URL_FIELDS
from incidents.admin.upload_form import UploadForm
from incidents.ingestion import services
from incidents.ingestion.parsers.detect import Detection
from incidents.models import Feed, IngestionIssue, IngestionRun
from incidents.selectors import ingestion_runs
from incidents.tasks import ingestion_run_execute_task, run_verification_execute_task


@admin.register(Feed)
class FeedAdmin(admin.ModelAdmin):
    list_display = [
        "name",
        "format",
        "schedule_minutes",
        "is_enabled",
        "organisation",
        "next_run_at",
        "alert_flag",
    ]
    list_filter = ["format", "is_enabled", "schedule_minutes"]
    search_fields = ["name", "slug", "url"]
    prepopulated_fields = {"slug": ["name"]}
    readonly_fields = ["next_run_at", "alert"]
    actions = ["ingest_now"]
    formfield_overrides = HTTPS_URL_FIELDS

    @admin.display(description=_("alert"))
    def alert_flag(self, feed: Feed) -> str:
        return (
            format_html('<strong class="errornote">⚠ {}</strong>', feed.alert) if feed.alert else ""
        )

    @admin.action(description=_("Ingest now"), permissions=["change"])
    def ingest_now(self, request: HttpRequest, queryset: QuerySet[Feed]) -> None:
        for feed in queryset:
            try:
                run = services.ingestion_run_for_feed(
                    feed=feed, trigger=IngestionRun.Trigger.MANUAL, by=request.user
                )
            except ValidationError as error:
                self.message_user(request, f"{feed}: {'; '.join(error.messages)}", messages.ERROR)
                continue
            ingestion_run_execute_task.delay_on_commit(run.pk)
            self.message_user(request, f"{feed}: ingestion queued.", messages.SUCCESS)


@admin.register(IngestionRun)
class IngestionRunAdmin(admin.ModelAdmin):
    list_display = [
        "created_at",
        "name",
        "feed",
        "format",
        "status",
        "rows_seen",
        "created",
        "updated",
        "unchanged",
        "rejected",
        "skipped",
        "warnings",
        "rows_per_second",
    ]
    list_filter = ["status", "format", "trigger", "feed"]
    list_select_related = ["feed"]
    search_fields = ["location", "error", "=public_id"]
    date_hierarchy = "created_at"
    fieldsets = [
        (None, {"fields": ["status", "progress", "error", "written_records", "review_progress"]}),
        (
            _("What was read"),
            {
                "fields": [
                    "location",
                    "payload",
                    ("format", "options"),
                    ("feed", "external_source"),
                    ("record_status", "organisation"),
                ]
            },
        ),
        (
            _("When and by whom"),
            {
                "fields": [
                    ("trigger", "triggered_by"),
                    ("created_at", "started_at"),
                    ("heartbeat_at", "finished_at"),
                    ("attempts", "public_id"),
                ]
            },
        ),
    ]
    readonly_fields = [
        "public_id",
        "feed",
        "format",
        "options",
        "external_source",
        "location",
        "payload",
        "record_status",
        "organisation",
        "trigger",
        "triggered_by",
        "status",
        "progress",
        "error",
        "attempts",
        "created_at",
        "started_at",
        "heartbeat_at",
        "finished_at",
        "written_records",
        "review_progress",
    ]
    change_form_template = "admin/incidents/ingestionrun/change_form.html"

    def get_form(
        self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any
    ) -> Any:
        if obj is None:
            kwargs["form"] = UploadForm
        return super().get_form(request, obj, change, **kwargs)

    def get_fieldsets(self, request: HttpRequest, obj: Any = None) -> Any:
        if obj is None:
            fields = ["file", "format", "sheet", "feed", "external_source", "record_status"]
            return [(None, {"fields": [*fields, "organisation"]})]
        if not obj.error:
            first = [name for name in self.fieldsets[0][1]["fields"] if name != "error"]
            return [(None, {"fields": first}), *self.fieldsets[1:]]
        return self.fieldsets

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        return self.readonly_fields if obj is not None else []

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        upload = form.cleaned_data["file"]
        run = services.ingestion_run_create(
            location=upload.name,
            format=form.cleaned_data["format"],
            trigger=IngestionRun.Trigger.UPLOAD,
            feed=form.cleaned_data["feed"],
            external_source=form.cleaned_data["external_source"],
            options=form.options,
            record_status=form.cleaned_data["record_status"],
            organisation=form.cleaned_data["organisation"],
            by=request.user,
            upload=upload,
        )
        ingestion_run_execute_task.delay_on_commit(run.pk)
        obj.pk, obj.public_id = run.pk, run.public_id
        self._report_uploaded(request, run, form.detection)

    def _report_uploaded(
        self, request: HttpRequest, run: IngestionRun, detection: Detection | None
    ) -> None:
        url = reverse("admin:incidents_ingestionrun_change", args=[run.pk])
        message = format_html(
            gettext(
                "“{name}” is uploaded and queued: a worker will ingest it as {format} shortly. "
                '{recognised}<a href="{url}">The run\'s page</a> shows how far it has got, '
                "the rows it refused and the records it wrote."
            ),
            name=run.location,
            format=run.get_format_display(),
            recognised=f"{detection.reason} " if detection is not None else "",
            url=url,
        )
        self.message_user(request, message, messages.SUCCESS)

    def response_add(
        self, request: HttpRequest, obj: Any, post_url_continue: str | None = None
    ) -> HttpResponse:
        # The message was given by save_model: the default one would name the empty form
        # instance ("from  (Queued)").
        if "_addanother" in request.POST:
            return HttpResponseRedirect(request.path)
        return HttpResponseRedirect(reverse("admin:incidents_ingestionrun_change", args=[obj.pk]))

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return bool(request.user.is_superuser)

    @admin.display(description=_("file or URL"), ordering="location")
    def name(self, run: IngestionRun) -> str:
        return ingestion_runs.run_label(run).rsplit(", ", 1)[0]

    @admin.display(description=_("progress"))
    def progress(self, run: IngestionRun) -> str:
        return run_page.progress_html(run)

    @admin.display(description=_("records"))
    def written_records(self, run: IngestionRun) -> str:
        return run_page.written_records_html(run)

    @admin.display(description=_("review"))
    def review_progress(self, run: IngestionRun) -> str:
        waiting = record_services.run_records_awaiting_review(run=run)
        text = ngettext(
            "%(count)d record this run wrote waits for review.",
            "%(count)d records this run wrote wait for review.",
            waiting,
        ) % {"count": waiting}
        latest = record_services.run_verification_latest(run=run)
        if latest is None:
            return text
        progress = _(
            "Verification in the background (%(status)s): %(verified)d of %(total)d "
            "verified, %(cascaded)d service disruptions with them, %(refused)d left as "
            "they were."
        ) % {
            "status": latest.get_status_display().lower(),
            "verified": latest.verified,
            "total": latest.total,
            "cascaded": latest.cascaded,
            "refused": latest.refused,
        }
        return format_html("{}<br>{} {}", text, progress, latest.error)

    def change_view(
        self,
        request: HttpRequest,
        object_id: str,
        form_url: str = "",
        extra_context: dict[str, Any] | None = None,
    ) -> HttpResponse:
        run = self.get_object(request, unquote(object_id))
        context = dict(extra_context or {})
        if run is not None:
            latest = record_services.run_verification_latest(run=run)
            context["is_verifying"] = latest is not None and not latest.is_finished
            context["can_verify_records"] = (
                record_services.can_verify_run_records(user=request.user)
                and not context["is_verifying"]
                and record_services.run_records_awaiting_review(run=run) > 0
            )
            context.update(run_page.page_context(request, run))
        return super().change_view(request, object_id, form_url, context)

    def get_urls(self) -> list[URLPattern]:
        verify = self.admin_site.admin_view(require_POST(self.verify_records_view))
        return [
            path(
                "<path:object_id>/verify-records/",
                verify,
                name="incidents_ingestionrun_verify_records",
            ),
            *super().get_urls(),
        ]

    def verify_records_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        """Verify the run's submitted records: in this request if there are few, else by
        a worker, whose progress the run's page shows."""
        run = self.get_object(request, unquote(object_id))
        if run is None or not self.has_view_permission(request, run):
            raise Http404
        if not record_services.can_verify_run_records(user=request.user):
            raise PermissionDenied
        waiting = record_services.run_records_awaiting_review(run=run)
        if waiting > record_services.IN_REQUEST_LIMIT:
            self._verify_in_background(request, run, waiting)
        else:
            result = record_services.run_records_verify(run=run, by=request.user)
            self._report_verified(request, result)
        url = reverse("admin:incidents_ingestionrun_change", args=[run.pk])
        return HttpResponseRedirect(url)

    def _verify_in_background(self, request: HttpRequest, run: IngestionRun, waiting: int) -> None:
        try:
            verification = record_services.run_verification_start(run=run, by=request.user)
        except ValidationError as error:
            self.message_user(request, "; ".join(error.messages), messages.WARNING)
            return
        run_verification_execute_task.delay_on_commit(verification.pk)
        message = ngettext(
            "%(count)d record is being verified in the background; this page shows how "
            "far it has got.",
            "%(count)d records are being verified in the background; this page shows how "
            "far it has got.",
            waiting,
        )
        self.message_user(request, message % {"count": waiting}, messages.SUCCESS)

    def _report_verified(self, request: HttpRequest, result: Any) -> None:
        message = ngettext(
            "%(count)d record verified", "%(count)d records verified", len(result.done)
        ) % {"count": len(result.done)}
        if result.cascaded:
            message += ngettext(
                ", with %(count)d service disruption of theirs",
                ", with %(count)d service disruptions of theirs",
                result.cascaded,
            ) % {"count": result.cascaded}
        level = messages.SUCCESS
        if unchanged := len(result.refused) + len(result.invalid):
            level = messages.WARNING
            message += ngettext(
                "; %(count)d record was left as it was",
                "; %(count)d records were left as they were",
                unchanged,
            ) % {"count": unchanged}
        self.message_user(request, f"{message}.", level)


@admin.register(IngestionIssue)
class IngestionIssueAdmin(admin.ModelAdmin):
    list_display = ["row_number", "level", "reason", "values_as_read", "run_link"]
    list_filter = ["level", "run__feed"]
    list_select_related = ["run", "run__feed"]
    search_fields = ["reason"]
    fields = ["run", "row_number", "level", "reason", "values_as_read"]
    readonly_fields = ["run", "row_number", "level", "reason", "values_as_read"]

    @admin.display(description=_("run"), ordering="run")
    def run_link(self, issue: IngestionIssue) -> str:
        url = reverse("admin:incidents_ingestionrun_change", args=[issue.run_id])
        return format_html('<a href="{}">{}</a>', url, ingestion_runs.run_label(issue.run))

    @admin.display(description=_("values as read"))
    def values_as_read(self, issue: IngestionIssue) -> str:
        return run_page.values_html(ingestion_runs.issue_row(issue))

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
