"""Records carry dates from 2014-01-01 to today in Kyiv plus a day: model validation (so the
admin) refuses others with a field error, and the database refuses any before 2014 even
from code that skips validation."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from incidents.limits import EARLIEST_DATE, latest_date
from incidents.models import Incident, ServiceDisruption
from tests.factories import (
    AttackWaveFactory,
    GrainDisruptionFactory,
    GrainShipmentFactory,
    IncidentFactory,
    ServiceDisruptionFactory,
    SourceFactory,
)
from tests.incidents.test_admin import admin_url, disruption_data, incident_data

pytestmark = pytest.mark.django_db

BEFORE = dt.datetime(2013, 12, 31, 21, 59, tzinfo=dt.UTC)  # 23:59 in Kyiv
DATED = [
    (IncidentFactory, "occurred_on", dt.date(2013, 12, 31)),
    (ServiceDisruptionFactory, "started_at", BEFORE),
    (GrainDisruptionFactory, "started_on", dt.date(2013, 12, 31)),
    (GrainShipmentFactory, "departed_on", dt.date(2013, 12, 31)),
    (AttackWaveFactory, "started_at", BEFORE),
]


def message() -> str:
    last = latest_date().isoformat()
    return f"Dates from 2014-01-01 to {last} are accepted (today in Kyiv plus a day)."


@pytest.mark.parametrize(("factory", "field", "value"), DATED)
def test_dates_before_2014_are_refused_by_the_database(factory, field, value):
    record = factory()
    rows = type(record).objects.filter(pk=record.pk)
    before = list(rows.values())
    with pytest.raises(IntegrityError), transaction.atomic():
        rows.update(**{field: value})
    assert list(rows.values()) == before


@pytest.mark.parametrize(
    ("factory", "field"),
    [
        (IncidentFactory, "occurred_on"),
        (IncidentFactory, "occurred_at"),
        (ServiceDisruptionFactory, "started_at"),
        (ServiceDisruptionFactory, "restored_at"),
        (GrainDisruptionFactory, "started_on"),
        (GrainDisruptionFactory, "ended_on"),
        (GrainShipmentFactory, "departed_on"),
        (AttackWaveFactory, "started_at"),
        (AttackWaveFactory, "ended_at"),
        (SourceFactory, "published_on"),
    ],
)
@pytest.mark.parametrize("when", ["before", "after"])
def test_every_date_field_is_validated_against_the_bounds(factory, field, when):
    record = factory()
    is_moment = field.endswith("_at")
    day = EARLIEST_DATE - dt.timedelta(days=1) if when == "before" else latest_date()
    if when == "after":
        day += dt.timedelta(days=1)
    value = dt.datetime.combine(day, dt.time(12), tzinfo=dt.UTC) if is_moment else day
    setattr(record, field, value)
    with pytest.raises(ValidationError) as refused:
        record.full_clean(exclude=[name for name in ("occurred_at",) if name != field])
    assert refused.value.message_dict[field][0] == message()


def test_the_admin_names_the_field_and_keeps_nothing(client, reporter, organisation):
    incident = IncidentFactory(organisation=organisation)
    client.force_login(reporter)
    blank = IncidentFactory.build(organisation=None)

    added = client.post(
        admin_url("incident", "add"), incident_data(blank, occurred_on="9999-12-31")
    )
    changed = client.post(
        admin_url("incident", "change", incident.pk),
        incident_data(incident, occurred_on="0001-01-01"),
    )
    outage = client.post(
        admin_url("servicedisruption", "add"),
        disruption_data(started_at_0="9999-12-31", started_at_1="23:00:00"),
    )

    for response, field in (
        (added, "occurred_on"),
        (changed, "occurred_on"),
        (outage, "started_at"),
    ):
        assert response.status_code == 200
        assert response.context["adminform"].form.errors[field] == [message()]
    incident.refresh_from_db()
    assert (Incident.objects.count(), incident.occurred_on) == (1, dt.date(2023, 8, 15))
    assert not ServiceDisruption.objects.exists()
