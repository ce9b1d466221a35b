"""What a partner may send: a report whole (the incident, its damaged assets, the service
disruptions it caused, its sources), and the incident's own fields to correct it.

Every key is one the input takes, or a 400 naming it: a misspelt field (``injuredd``) or
one the API sets itself is never silently dropped, at the top level or inside a row.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from django.core.validators import MaxLengthValidator
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from incidents.api.serializers import RegionCodeField
from incidents.columns import ASSET_FIELDS, DISRUPTION_FIELDS, INCIDENT_FACTS, SOURCE_FIELDS
from incidents.limits import MAX_COUNT
from incidents.models import DamagedAsset, Incident, ServiceDisruption, Source

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

# Rows of one list in a report. Many damaged buildings are one row with a count; the
# bound keeps one request's writes (each row validated, saved and kept in history) small.
MAX_ROWS = 100
ROW_LISTS = ("assets", "disruptions", "sources")
# Fields of a reviewed record that the output shows or the review sets, never an input:
# sending one is an error of its own, so nobody believes they set it.
REVIEW_SET = frozenset({"id", "status", "organisation", "verified_by", "verified_at", "created_by"})


def review_set_messages() -> dict[str, Any]:
    return dict.fromkeys(REVIEW_SET, _("This field is set by the review process."))


class StrictInputSerializer(serializers.ModelSerializer):
    """Refuses every key it does not take, each named with "Unknown field." or with the
    message ``refused_messages`` gives it, together with the other fields' errors."""

    def refused_messages(self) -> dict[str, Any]:
        return {}

    def to_internal_value(self, data: Any) -> Any:
        refused = self._refused(data)
        try:
            value = super().to_internal_value(data)
        except serializers.ValidationError as error:
            if refused and isinstance(error.detail, Mapping):
                raise serializers.ValidationError({**error.detail, **refused}) from error
            raise
        if refused:
            raise serializers.ValidationError(refused)
        return value

    def _refused(self, data: Any) -> dict[str, list[Any]]:
        if not isinstance(data, Mapping):
            return {}  # DRF's own error: not an object
        taken = {name for name, field in self.fields.items() if not field.read_only}
        messages = self.refused_messages()
        return {
            str(name): [messages.get(name, _("Unknown field."))]
            for name in data
            if name not in taken
        }


class SourceInputSerializer(StrictInputSerializer):
    class Meta:
        model = Source
        fields = list(SOURCE_FIELDS)


class DamagedAssetInputSerializer(StrictInputSerializer):
    class Meta:
        model = DamagedAsset
        fields = list(ASSET_FIELDS)
        # The table's rule (damagedasset_count_positive), as a message about the field.
        extra_kwargs = {"count": {"min_value": 1}}


class ServiceDisruptionInputSerializer(StrictInputSerializer):
    """A service the incident knocked out. Its organisation and review state are the
    report's."""

    region = RegionCodeField()

    class Meta:
        model = ServiceDisruption
        fields = [*DISRUPTION_FIELDS, "description"]
        # As every count the API takes: PostgreSQL's integer, on every database.
        extra_kwargs = {
            "people_affected": {"max_value": MAX_COUNT},
            "households_affected": {"max_value": MAX_COUNT},
        }

    def refused_messages(self) -> dict[str, Any]:
        return review_set_messages()


def row_list(
    child: serializers.Serializer, help_text: StrOrPromise
) -> serializers.ListSerializer[Any]:
    """One list of a report's rows, at most ``MAX_ROWS``."""
    return serializers.ListSerializer(
        child=child,
        required=False,
        max_length=MAX_ROWS,
        # Never reached (max_length refuses first, with a message about elements): it
        # gives the schema its maxItems, which drf-spectacular reads from validators only.
        validators=[MaxLengthValidator(MAX_ROWS)],
        help_text=help_text,
    )


class IncidentChangeInputSerializer(StrictInputSerializer):
    """A report's own fields, as a correction (PUT, PATCH) sends them (status,
    organisation and review fields are not among them). Rows are sent with the report,
    not edited."""

    region = RegionCodeField(required=False, allow_null=True)
    # Kept in the record's history, not on the record. As in the admin, changing a
    # verified report's figures needs one.
    change_reason = serializers.CharField(
        write_only=True,
        required=False,
        allow_blank=True,
        max_length=500,  # a bound on what a partner writes into the history
        help_text=_(
            "Why the report is entered or changed, for its history; required to change the "
            "figures of a verified report."
        ),
    )

    class Meta:
        model = Incident
        fields = [*INCIDENT_FACTS, "change_reason"]

    def refused_messages(self) -> dict[str, Any]:
        not_edited = _(
            "Damaged assets, disruptions and sources are sent with the report, not edited."
        )
        return {**dict.fromkeys(ROW_LISTS, not_edited), **review_set_messages()}


class IncidentInputSerializer(IncidentChangeInputSerializer):
    """A new report (POST): its own fields and its rows, all taken or none."""

    assets = row_list(DamagedAssetInputSerializer(), _("What the incident damaged or destroyed."))
    disruptions = row_list(
        ServiceDisruptionInputSerializer(),
        _(
            "Services the incident knocked out, reviewed with the report (its organisation "
            "and status)."
        ),
    )
    sources = row_list(SourceInputSerializer(), _("Publications that report the incident."))

    class Meta(IncidentChangeInputSerializer.Meta):
        fields = [*INCIDENT_FACTS, *ROW_LISTS, "change_reason"]
