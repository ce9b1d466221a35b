from __future__ import annotations

import pytest

from incidents import services
from tests.factories import GrainDisruptionFactory, IncidentFactory, ServiceDisruptionFactory

pytestmark = pytest.mark.django_db


def test_every_edit_is_recorded_with_who_what_when_and_old_and_new_values(verifier):
    incident = IncidentFactory(submitted=True, organisation=verifier.organisation, killed=1)
    services.record_verify(record=incident, by=verifier)
    services.record_update(
        record=incident, by=verifier, data={"killed": 3}, reason="Hospital confirmed two deaths"
    )

    history = list(incident.history.order_by("history_id"))
    assert [record.history_type for record in history] == ["+", "~", "~"]
    latest, previous = history[-1], history[-2]
    assert latest.history_user == verifier
    assert latest.history_change_reason == "Hospital confirmed two deaths"
    assert previous.history_change_reason == "Verified"
    delta = latest.diff_against(previous)
    assert [(change.field, change.old, change.new) for change in delta.changes] == [
        ("killed", 1, 3)
    ]


@pytest.mark.parametrize("factory", [ServiceDisruptionFactory, GrainDisruptionFactory])
def test_disruptions_keep_history_too(factory, verifier):
    record = factory()
    services.record_submit(record=record, by=verifier)
    assert record.history.count() == 2
    assert record.history.first().status == "submitted"
