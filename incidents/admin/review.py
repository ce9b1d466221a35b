"""Admin plumbing shared by every reviewed record: scoping, the review actions and the
reason asked for when a verified figure changes. All rules are the services' rules."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from simple_history.admin import SimpleHistoryAdmin

from incidents import selectors, services
from incidents.models import DamagedAsset, Incident

REVIEW_FIELDS = ["status", "verified_by", "verified_at", "rejection_reason"]
CHANGE_REASON_FIELD = "change_reason"
UNCHANGED_SHOWN = 10  # records left unchanged by an action, named one by one
REJECTED_LISTED = 50  # records listed on the confirmation page
BULK_ACTIONS: dict[str, Any] = {
    "submit": services.records_submit_bulk,
    "verify": services.records_verify_bulk,
    "reject": services.records_reject_bulk,
    "return_to_draft": services.records_return_to_draft_bulk,
}


# Links typed without a scheme are taken as https (Django 6's default, stated now).
HTTPS_URL_FIELDS: dict[type[models.Field], dict[str, Any]] = {
    models.URLField: {"assume_scheme": "https"}
}


class ScopedHistoryAdmin(SimpleHistoryAdmin):
    """History pages show only records the user may see, and never write.

    simple_history's version page saves whatever is posted to it, checking only the
    model-wide permission; restoring an old version would also bypass the review rules
    in ``incidents.services`` (status, figures changed without a reason). So the history
    of a record is readable exactly when the record is, and reverting is off.
    """

    formfield_overrides = HTTPS_URL_FIELDS

    def _ensure_visible(self, request: HttpRequest, object_id: str) -> None:
        if not self.get_queryset(request).filter(pk=unquote(object_id)).exists():
            raise Http404

    def history_view(
        self, request: HttpRequest, object_id: str, extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        self._ensure_visible(request, object_id)
        return super().history_view(request, object_id, extra_context)

    def history_form_view(
        self,
        request: HttpRequest,
        object_id: str,
        version_id: str,
        extra_context: dict[str, Any] | None = None,
    ) -> HttpResponse:
        self._ensure_visible(request, object_id)
        if request.method not in ("GET", "HEAD"):
            raise PermissionDenied
        return super().history_form_view(request, object_id, version_id, extra_context)


class ReviewedRecordForm(forms.ModelForm):
    change_reason = forms.CharField(
        label=_("Reason for the change"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Required when a figure of a verified record changes; kept in the history."),
    )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if self.instance.pk:
            services.ensure_figure_change_allowed(
                record=self.instance,
                changed_fields=self.changed_data,
                reason=cleaned.get(CHANGE_REASON_FIELD, ""),
            )
        return cleaned


class FigureChangeFormSet(forms.BaseInlineFormSet):
    """Inline rows (damaged assets, disruptions) of a verified record are figures too."""

    def clean(self) -> None:
        super().clean()
        reason = self.data.get(CHANGE_REASON_FIELD, "")
        for form in self.forms:
            if form.has_changed():
                services.ensure_row_figure_change_allowed(
                    record=self.instance,
                    row=form.instance,
                    changed_fields=form.changed_data,
                    reason=reason,
                )


def changed_model_fields(form: forms.ModelForm) -> list[str]:
    """The model fields a form changed, not its own extra fields (the change reason)."""
    names = {field.name for field in form.instance._meta.concrete_fields}
    return [name for name in form.changed_data if name in names]


class ReviewedRecordAdmin(ScopedHistoryAdmin):
    form = ReviewedRecordForm
    actions = ["submit_selected", "verify_selected", "reject_selected", "return_selected"]
    list_select_related = ["organisation"]

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return selectors.records_in_workspace(
            user=request.user, queryset=super().get_queryset(request)
        )

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        readonly = [*super().get_readonly_fields(request, obj), *REVIEW_FIELDS, "created_by"]
        if not services.user_sees_all_organisations(request.user):
            readonly.append("organisation")
        return readonly

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        # A record may only point at an incident its author can see.
        if db_field.name == "incident":
            kwargs["queryset"] = selectors.records_in_workspace(
                user=request.user, queryset=Incident.objects.all()
            )
        elif db_field.name == "asset":
            kwargs["queryset"] = selectors.records_in_workspace(
                user=request.user,
                queryset=DamagedAsset.objects.all(),
                organisation_path="incident__organisation",
            )
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        if obj is None:
            return super().has_change_permission(request)
        return services.can_edit_record(user=request.user, record=obj)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        if not super().has_delete_permission(request, obj):
            return False
        return obj is None or services.can_edit_record(user=request.user, record=obj)

    def save_model(
        self, request: HttpRequest, obj: Any, form: forms.ModelForm, change: bool
    ) -> None:
        reason = form.cleaned_data.get(CHANGE_REASON_FIELD, "")
        if change:
            services.record_save_changes(
                record=obj,
                by=request.user,
                changed_fields=changed_model_fields(form),
                reason=reason,
            )
        else:
            services.record_create(record=obj, by=request.user, reason=reason)

    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        services.record_delete(record=obj, by=request.user)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet) -> None:
        for record in queryset:
            services.record_delete(record=record, by=request.user)

    def save_formset(self, request: HttpRequest, form: Any, formset: Any, change: bool) -> None:
        formset.save(commit=False)
        services.record_rows_save(
            record=form.instance,
            by=request.user,
            added=formset.new_objects,
            changed=formset.changed_objects,
            deleted=formset.deleted_objects,
            reason=form.cleaned_data.get(CHANGE_REASON_FIELD, ""),
        )
        formset.save_m2m()

    def _apply(self, request: HttpRequest, queryset: QuerySet, action: str, **kwargs: Any) -> int:
        """Take the selected records through a review action as one set; say which were
        left as they were, and why."""
        ids = list(queryset.values_list("pk", flat=True))
        try:
            result = BULK_ACTIONS[action](model=self.model, ids=ids, by=request.user, **kwargs)
        except ValidationError as error:
            self.message_user(request, "; ".join(error.messages), level=messages.ERROR)
            return 0
        unchanged = [(pk, services.refusal_message(action)) for pk in result.refused]
        unchanged += [
            (pk, services.invalid_transition_message(status=status, action=action))
            for pk, status in result.invalid
        ]
        shown = unchanged[:UNCHANGED_SHOWN]
        names = {
            record.pk: str(record) for record in queryset.filter(pk__in=[pk for pk, _ in shown])
        }
        for pk, text in shown:
            self.message_user(request, f"{names.get(pk, pk)}: {text}", level=messages.ERROR)
        if more := len(unchanged) - len(shown):
            message = ngettext(
                "%(count)d more record was left as it was.",
                "%(count)d more records were left as they were.",
                more,
            )
            self.message_user(request, message % {"count": more}, level=messages.ERROR)
        return len(result.done)

    def _report(self, request: HttpRequest, done: int, verb: str) -> None:
        if done:
            message = ngettext("%(count)d record %(verb)s.", "%(count)d records %(verb)s.", done)
            self.message_user(request, message % {"count": done, "verb": verb}, messages.SUCCESS)

    @admin.action(description=_("Submit selected for review"))
    def submit_selected(self, request: HttpRequest, queryset: QuerySet) -> None:
        self._report(request, self._apply(request, queryset, "submit"), "submitted")

    @admin.action(description=_("Verify selected"))
    def verify_selected(self, request: HttpRequest, queryset: QuerySet) -> None:
        self._report(request, self._apply(request, queryset, "verify"), "verified")

    @admin.action(description=_("Return selected to draft"))
    def return_selected(self, request: HttpRequest, queryset: QuerySet) -> None:
        done = self._apply(request, queryset, "return_to_draft")
        self._report(request, done, "returned to draft")

    @admin.action(description=_("Reject selected…"))
    def reject_selected(self, request: HttpRequest, queryset: QuerySet) -> HttpResponse | None:
        form = RejectForm(request.POST if "confirm" in request.POST else None)
        if form.is_valid():
            reason = form.cleaned_data["reason"]
            done = self._apply(request, queryset, "reject", reason=reason)
            self._report(request, done, "rejected")
            return None
        # "Select all" posts no ids: the confirmation carries the choice on instead of
        # thousands of them (more fields than a request may have).
        select_across = request.POST.get("select_across") == "1"
        context = {
            **self.admin_site.each_context(request),
            "title": _("Reject records"),
            "form": form,
            "queryset": queryset[:REJECTED_LISTED],
            "count": queryset.count(),
            "select_across": select_across,
            "selected": [] if select_across else request.POST.getlist(helpers.ACTION_CHECKBOX_NAME),
            "opts": self.model._meta,
            "action_name": "reject_selected",
            "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
        }
        return TemplateResponse(request, "admin/incidents/reject_confirmation.html", context)

    def get_actions(self, request: HttpRequest) -> dict[str, Any]:
        actions = super().get_actions(request)
        verify_permission = f"{self.opts.app_label}.verify_{self.opts.model_name}"
        if not request.user.has_perm(verify_permission):
            for name in ("verify_selected", "reject_selected"):
                actions.pop(name, None)
        return actions


class RejectForm(forms.Form):
    reason = forms.CharField(
        label=_("Why are these records rejected?"), widget=forms.Textarea(attrs={"rows": 3})
    )
