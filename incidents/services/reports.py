"""A whole report sent from outside the admin: the incident with the assets it damaged,
the service disruptions it caused and the sources that report it, taken all or none."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from django.db import models, transaction

from incidents.models import DamagedAsset, Incident, ServiceDisruption, Source
from incidents.services.records import incident_create
from incidents.services.review import AnyUser, record_submit
from incidents.services.rows import record_rows_save


@transaction.atomic
def incident_report(
    *,
    by: AnyUser,
    data: Mapping[str, Any],
    assets: Iterable[Mapping[str, Any]] = (),
    disruptions: Iterable[Mapping[str, Any]] = (),
    sources: Iterable[Mapping[str, Any]] = (),
    reason: str = "",
) -> Incident:
    """Create the incident, then its rows as the admin saves the rows entered inside a
    report (``record_rows_save``): a disruption takes the report's organisation and review
    state, and every row's history the report's author and reason. An invalid incident or
    row writes nothing (``RowsInvalid`` names the rows by list and position).

    A partner application's report goes straight to review (submitted), its disruptions
    with it; a staff member's stays a draft."""
    incident = incident_create(by=by, data=data, reason=reason)
    rows: list[models.Model] = [
        *(DamagedAsset(incident=incident, **values) for values in assets),
        *(ServiceDisruption(incident=incident, **values) for values in disruptions),
        *(Source(incident=incident, **values) for values in sources),
    ]
    if rows:
        record_rows_save(record=incident, by=by, added=rows, reason=reason)
    if getattr(by, "edits_submissions", False):
        record_submit(record=incident, by=by)
    return incident
