"""The daily outage figures always equal a recomputation from the raw outages, and the
readers built on them (person-days, people without a service day by day) give what the
raw outages give."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from decimal import ROUND_HALF_UP, Decimal
from zoneinfo import ZoneInfo

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from dashboards.selectors import daily_levels, people_without_over_time
from incidents import services
from incidents.figures.outages import rebuild_outage_figures
from incidents.models import OutageDayFigures, ServiceDisruption, VerificationStatus
from incidents.selectors import Period
from incidents.selectors.needs import _person_days
from tests.factories import IncidentFactory, ServiceDisruptionFactory, region

pytestmark = pytest.mark.django_db
KYIV = ZoneInfo("Europe/Kyiv")
COUNTED = ("verified", "submitted")
DAY = dt.timedelta(days=1)


def kyiv(*parts: int, fold: int = 0) -> dt.datetime:
    return dt.datetime(*parts, tzinfo=KYIV, fold=fold)  # type: ignore[misc]


def utc(*parts: int) -> dt.datetime:
    return dt.datetime(*parts, tzinfo=dt.UTC)  # type: ignore[misc]


def kyiv_day(moment: dt.datetime) -> dt.date:
    return moment.astimezone(KYIV).date()


def kyiv_midnight(day: dt.date) -> dt.datetime:
    # In UTC: subtracting two times of the same ZoneInfo would ignore a DST change between.
    return dt.datetime.combine(day, dt.time.min, tzinfo=KYIV).astimezone(dt.UTC)


def seconds_between(since: dt.datetime, until: dt.datetime) -> float:
    return (until.astimezone(dt.UTC) - since.astimezone(dt.UTC)).total_seconds()


def people_of(item: ServiceDisruption) -> int:
    """The people an outage counts, worked out here from its raw fields: the people
    affected, else its households times its region's household size (2.58 persons, the
    national average, when the region has none), rounded half up; else nobody."""
    if item.people_affected is not None:
        return item.people_affected
    if item.households_affected is None:
        return 0
    size = item.region.household_size or Decimal("2.58")
    return int((item.households_affected * size).quantize(Decimal(1), rounding=ROUND_HALF_UP))


SUBMITTED = {"status": "submitted"}
DRAFT = {"status": "draft"}
REJECTED = {"status": "rejected"}


def outage(organisation, **values) -> ServiceDisruption:
    """A verified outage unless told otherwise."""
    values.setdefault("status", "verified")
    if values["status"] == "verified":
        values.setdefault("verified_at", timezone.now())
    if values["status"] == "rejected":
        values.setdefault("rejection_reason", "A duplicate of another report")
    return ServiceDisruptionFactory(organisation=organisation, **values)


def add_outages(organisation, rows: list[tuple]) -> None:
    """One outage per row: service, started_at, restored_at, people and other fields."""
    for service, started_at, restored_at, people, *other in rows:
        fields = other[0] if other else {}
        outage(
            organisation,
            service=service,
            started_at=started_at,
            restored_at=restored_at,
            people_affected=people,
            **fields,
        )


# -- 1. the table ---------------------------------------------------------------------------


def stored() -> dict:
    """The rows as stored. Rows without people count too: the days that have rows bound
    the dashboard's series of people without a service."""
    return {
        (row.region_id, row.service, row.status, row.day): (
            row.started_people,
            row.restored_people,
            row.person_days,
        )
        for row in OutageDayFigures.objects.all()
    }


def recomputed() -> dict:
    """The same rows, from every outage: a row for the Kyiv day each counted outage started
    and was restored, and, for restored outages with people, each day they overlap."""
    sums: dict = {}
    for item in ServiceDisruption.objects.filter(status__in=COUNTED):
        people = people_of(item)

        def add(day: dt.date, index: int, value: float, item=item) -> None:
            key = (item.region_id, item.service, item.status, day)
            sums.setdefault(key, [0, 0, 0.0])[index] += value

        first = kyiv_day(item.started_at)
        add(first, 0, people)
        if item.restored_at is None:
            continue
        last = kyiv_day(item.restored_at)
        add(last, 1, people)
        day = first
        while day <= last and people > 0:
            since = max(item.started_at, kyiv_midnight(day))
            until = min(item.restored_at, kyiv_midnight(day + DAY))
            seconds = seconds_between(since, until)
            if seconds > 0:
                add(day, 2, people * seconds / 86400)
            day += DAY
    return approximately(sums)


def approximately(figures: dict) -> dict:
    return {
        key: (started, restored, pytest.approx(person_days))
        for key, (started, restored, person_days) in figures.items()
    }


def assert_in_step() -> None:
    """The maintained rows equal the recomputation, and a rebuild gives the same rows.
    The maintained rows are put back afterwards, so later steps go on from them."""
    maintained = list(OutageDayFigures.objects.all())
    before = stored()
    assert before == recomputed()
    rebuild_outage_figures()
    assert stored() == approximately(before)
    with transaction.atomic():
        OutageDayFigures.objects.all().delete()
        OutageDayFigures.objects.bulk_create(maintained)


def test_new_outages_are_counted_on_their_kyiv_days(organisation):
    odesa = {"region": region("UA51")}
    add_outages(
        organisation,
        [
            ("water", utc(2023, 8, 15, 4), utc(2023, 8, 15, 10), 1_000),
            ("water", utc(2023, 8, 15, 4), None, 250),  # still out
            # Across Kyiv midnight (21:00 UTC in summer).
            ("electricity", kyiv(2023, 8, 15, 23, 30), kyiv(2023, 8, 16, 0, 45), 4_000),
            # The 16th in Kyiv, still the 15th in UTC.
            ("water", utc(2023, 8, 15, 22, 30), utc(2023, 8, 15, 23), 1_000),
            ("heating", kyiv(2023, 8, 10, 18), kyiv(2023, 8, 14, 6), 12_345, odesa),
            # Restored at midnight exactly: a row on the 18th, with no person-days.
            ("water", kyiv(2023, 8, 17, 12), kyiv(2023, 8, 18), 1_000),
            ("water", kyiv(2023, 8, 19, 9), kyiv(2023, 8, 19, 9), 1_000),  # no time at all
            # People unknown or none: rows on the days they began and ended, with nobody.
            ("telecom", kyiv(2023, 8, 1, 8), kyiv(2023, 8, 3, 8), None),
            ("telecom", kyiv(2023, 8, 5), None, None),
            ("other", kyiv(2023, 8, 6, 8), kyiv(2023, 8, 8, 8), 0),
            ("water", kyiv(2023, 8, 15, 8), kyiv(2023, 8, 17, 20), 333, SUBMITTED),
            ("water", kyiv(2023, 8, 15, 8), None, 9_999, DRAFT),
            ("water", kyiv(2023, 8, 15, 8), kyiv(2023, 8, 16, 8), 9_999, REJECTED),
        ],
    )
    assert_in_step()
    assert not OutageDayFigures.objects.filter(status__in=["draft", "rejected"]).exists()
    electricity = OutageDayFigures.objects.filter(service="electricity").order_by("day")
    assert [(row.day, row.started_people, row.restored_people) for row in electricity] == [
        (dt.date(2023, 8, 15), 4_000, 0),
        (dt.date(2023, 8, 16), 0, 4_000),
    ]
    assert [row.person_days for row in electricity] == [
        pytest.approx(4_000 * 0.5 / 24),
        pytest.approx(4_000 * 0.75 / 24),
    ]
    unknown = OutageDayFigures.objects.filter(service="telecom").order_by("day")
    assert [(row.day, row.started_people, row.person_days) for row in unknown] == [
        (dt.date(2023, 8, 1), 0, 0.0),
        (dt.date(2023, 8, 3), 0, 0.0),
        (dt.date(2023, 8, 5), 0, 0.0),
    ]


def test_outages_across_the_dst_changes(organisation):
    """Kyiv days of 23 hours (2023-03-26) and 25 hours (2023-10-29) count the hours that
    really passed: a day out on 2023-03-26 costs 23/24 of a person-day per person."""
    lviv = region("UA46")
    add_outages(
        organisation,
        [
            ("water", kyiv(2023, 3, 26), kyiv(2023, 3, 27), 2_400),
            ("gas", kyiv(2023, 3, 25, 22), kyiv(2023, 3, 27, 2), 700),
            ("water", kyiv(2023, 10, 29), kyiv(2023, 10, 30), 2_400),
            # From the first 03:30 of 2023-10-29 to the second: one hour.
            ("telecom", kyiv(2023, 10, 29, 3, 30), kyiv(2023, 10, 29, 3, 30, fold=1), 2_400),
            ("gas", kyiv(2023, 10, 28, 12), kyiv(2023, 10, 30, 6), 900),
        ],
    )
    assert_in_step()
    whole_days = {
        row.service: row.person_days
        for row in OutageDayFigures.objects.filter(region=lviv, day=dt.date(2023, 3, 26))
    }
    assert whole_days == {
        "water": pytest.approx(2_400 * 23 / 24),
        "gas": pytest.approx(700 * 23 / 24),
    }
    whole_days = {
        row.service: row.person_days
        for row in OutageDayFigures.objects.filter(region=lviv, day=dt.date(2023, 10, 29))
    }
    assert whole_days == {
        "water": pytest.approx(2_400 * 25 / 24),
        "gas": pytest.approx(900 * 25 / 24),
        "telecom": pytest.approx(2_400 / 24),
    }


def test_edits_move_the_figures(organisation, verifier):
    reason = "The operator corrected the report."
    item = outage(
        organisation,
        started_at=kyiv(2023, 8, 10, 8),
        restored_at=kyiv(2023, 8, 14, 20),
        people_affected=1_000,
    )
    other = outage(organisation, started_at=kyiv(2023, 8, 12, 8), people_affected=50)
    assert_in_step()
    steps = [
        {"restored_at": kyiv(2023, 8, 12, 6)},  # shorter
        {"restored_at": kyiv(2023, 8, 20, 23, 59)},  # longer
        {"started_at": kyiv(2023, 8, 5, 1)},  # began earlier
        {"started_at": kyiv(2023, 8, 15, 12)},  # began later
        {"restored_at": None},  # back out
        {"restored_at": kyiv(2023, 8, 16, 3)},  # restored again
        {"region": region("UA51")},
        {"service": "electricity"},
        {"people_affected": 7_500},
        {"people_affected": None},
        {"people_affected": 0},
        {"people_affected": 20},
        {"started_at": kyiv(2023, 3, 25, 20), "restored_at": kyiv(2023, 3, 26, 23)},
        {
            "region": region("UA46"),
            "started_at": kyiv(2023, 10, 28, 23),
            "restored_at": kyiv(2023, 10, 29, 23),
        },
    ]
    for data in steps:
        item.refresh_from_db()
        services.record_update(record=item, by=verifier, data=data, reason=reason)
        assert_in_step()
    # A plain save of the whole row, as the admin makes it.
    item.refresh_from_db()
    item.restored_at = None
    item.service = "gas"
    item.save()
    assert_in_step()
    other.restored_at = kyiv(2023, 8, 13, 2)
    other.save(update_fields=["restored_at"])
    assert_in_step()


def test_status_changes_add_and_remove_the_figures(organisation, verifier):
    reason = "A duplicate of another report"
    verified = outage(
        organisation, started_at=kyiv(2023, 8, 10, 8), restored_at=kyiv(2023, 8, 12, 20)
    )
    draft = outage(
        organisation,
        status="draft",
        started_at=kyiv(2023, 8, 11, 8),
        restored_at=kyiv(2023, 8, 13, 20),
        people_affected=300,
    )
    unrestored_draft = outage(organisation, status="draft", started_at=kyiv(2023, 8, 11, 9))
    assert_in_step()
    services.record_reject(record=verified, by=verifier, reason=reason)
    assert_in_step()
    assert not OutageDayFigures.objects.exists()
    services.record_submit(record=draft, by=verifier)
    assert_in_step()
    assert set(OutageDayFigures.objects.values_list("status", flat=True)) == {"submitted"}
    services.record_submit(record=unrestored_draft, by=verifier)
    services.record_verify(record=draft, by=verifier)
    assert_in_step()
    services.record_return_to_draft(record=unrestored_draft, by=verifier)
    assert_in_step()
    services.record_return_to_draft(record=verified, by=verifier)
    services.record_submit(record=verified, by=verifier)
    services.record_verify(record=verified, by=verifier)
    assert_in_step()
    services.record_reject(record=draft, by=verifier, reason=reason)
    services.record_reject(record=verified, by=verifier, reason=reason)
    assert_in_step()
    assert not OutageDayFigures.objects.exists()


def test_an_incidents_review_carries_its_outages_figures(organisation, verifier):
    incident = IncidentFactory(organisation=organisation, submitted=True)
    outage(
        organisation,
        status="submitted",
        incident=incident,
        started_at=kyiv(2023, 8, 15, 8),
        restored_at=kyiv(2023, 8, 16, 8),
    )
    services.record_verify(record=incident, by=verifier)
    assert_in_step()
    assert set(OutageDayFigures.objects.values_list("status", flat=True)) == {"verified"}
    services.record_reject(record=incident, by=verifier, reason="Not an attack")
    assert_in_step()
    assert not OutageDayFigures.objects.exists()


def test_deletions_take_the_outages_out(organisation, verifier):
    incident = IncidentFactory(organisation=organisation, verified=True, region=region("UA46"))
    linked = outage(
        organisation,
        incident=incident,
        started_at=kyiv(2023, 8, 15, 8),
        restored_at=kyiv(2023, 8, 18, 8),
    )
    first = outage(organisation, started_at=kyiv(2023, 8, 15, 9), restored_at=kyiv(2023, 8, 17))
    outage(organisation, service="gas", started_at=kyiv(2023, 8, 16, 9))
    outage(organisation, service="gas", started_at=kyiv(2023, 8, 17, 9), people_affected=None)
    assert_in_step()
    before = stored()
    # The incident goes; its outage stays, no longer linked.
    services.record_delete(record=incident, by=verifier)
    linked.refresh_from_db()
    assert linked.incident is None
    assert stored() == before
    assert_in_step()
    services.record_delete(record=first, by=verifier)
    assert_in_step()
    ServiceDisruption.objects.filter(service="gas").delete()
    assert_in_step()
    linked.delete()
    assert_in_step()
    assert not OutageDayFigures.objects.exists()


# -- 2. person-days -------------------------------------------------------------------------


def person_days_reference(period: Period, by_region: bool) -> dict:
    """Each counted outage with people, clipped to [starts_at, ends_at]; one still out (or
    restored after the end) counts up to the end."""
    start, end = period.starts_at, period.ends_at
    sums: dict = {}
    for item in ServiceDisruption.objects.filter(status__in=period.statuses):
        if period.region_id is not None and item.region_id != period.region_id:
            continue
        people = people_of(item)
        if not people:
            continue
        since = item.started_at if start is None else max(item.started_at, start)
        until = end if item.restored_at is None else min(item.restored_at, end)
        seconds = max(0.0, seconds_between(since, until))
        key = (item.region_id, item.service) if by_region else (item.service,)
        sums[key] = sums.get(key, 0.0) + people * seconds / 86400
    return without_zeros(sums)


def without_zeros(sums: dict) -> dict:
    # Readers take a missing service as zero: whether a zero comes back does not matter.
    return {key: value for key, value in sums.items() if abs(value) > 1e-9}


def person_days_read(period: Period, by_region: bool) -> dict:
    by = ["region_id"] if by_region else []
    rows = _person_days(period, by)
    return without_zeros(
        {(*(row[name] for name in by), row["service"]): row["person_days"] for row in rows}
    )


def person_days_mismatches(period: Period) -> list[str]:
    """How ``_person_days`` differs from the reference for ``period`` (by region, then in
    all), as lines naming the period, the key, what was expected and what came back."""
    mismatches = []
    for by_region in (True, False):
        before = timezone.now()
        got = person_days_read(period, by_region)
        after = timezone.now()
        if period.as_of is not None:
            expected, slack = person_days_reference(period, by_region), 0.0
        else:
            # The selector reads the clock itself: allow what it moved by during the call.
            expected = person_days_reference(replace(period, as_of=after), by_region)
            earlier = person_days_reference(replace(period, as_of=before), by_region)
            slack = max((abs(v - earlier.get(k, 0.0)) for k, v in expected.items()), default=0)
        for key in sorted(set(got) | set(expected), key=str):
            value, wanted = got.get(key, 0.0), expected.get(key, 0.0)
            if value != pytest.approx(wanted, rel=1e-6, abs=slack + 1e-6):
                mismatches.append(f"{period}: {key}: expected {wanted!r}, got {value!r}")
    return mismatches


def assert_person_days(periods: list[Period]) -> None:
    mismatches = [line for period in periods for line in person_days_mismatches(period)]
    assert not mismatches, "\n".join(mismatches)


@pytest.fixture
def outages(organisation) -> None:
    """Outages over August 2023, in two regions, of every status."""
    odesa = {"region": region("UA51")}
    add_outages(
        organisation,
        [
            ("water", kyiv(2023, 8, 1, 8), None, 1_000),
            ("water", kyiv(2023, 8, 10, 22), kyiv(2023, 8, 16, 13, 20), 2_000),
            ("electricity", kyiv(2023, 8, 15, 23, 30), kyiv(2023, 8, 16, 0, 45), 40_000),
            ("electricity", kyiv(2023, 8, 16, 6), kyiv(2023, 8, 16, 18), 3_000),
            ("heating", kyiv(2023, 8, 14, 12), kyiv(2023, 8, 25, 12), 12_345, odesa),
            ("water", kyiv(2023, 8, 16, 10), None, 777, odesa),
            ("water", kyiv(2023, 8, 12, 8), kyiv(2023, 8, 19, 8), 333, SUBMITTED),
            ("water", kyiv(2023, 8, 16, 2), None, 44, SUBMITTED),
            ("water", kyiv(2023, 8, 12), None, 9_999, DRAFT),
            ("water", kyiv(2023, 8, 12), kyiv(2023, 8, 20), 9_999, REJECTED),
            ("water", kyiv(2023, 8, 14), None, None),
            ("water", kyiv(2023, 8, 14), kyiv(2023, 8, 20), 0),
        ],
    )


@pytest.fixture
def dst_outages(organisation) -> None:
    """Outages across the DST changes of 2023-03-26 and 2023-10-29 in Kyiv."""
    add_outages(
        organisation,
        [
            ("gas", kyiv(2023, 3, 25, 22), kyiv(2023, 3, 27, 2), 700),
            ("gas", kyiv(2023, 10, 28, 12), kyiv(2023, 10, 30, 6), 900),
            ("water", kyiv(2023, 10, 29), kyiv(2023, 10, 30), 2_400),
            ("heating", kyiv(2023, 10, 28, 18), None, 500, {"region": region("UA51")}),
        ],
    )


def period_cases() -> list[Period]:
    today = timezone.localdate()
    odesa = region("UA51").pk
    return [
        Period(),
        Period(include_submitted=True),
        Period(date_from=dt.date(2023, 8, 15)),
        Period(date_from=dt.date(2023, 8, 15), include_submitted=True),
        Period(date_to=dt.date(2023, 8, 16)),
        Period(date_to=dt.date(2023, 8, 15), include_submitted=True),
        Period(date_from=dt.date(2023, 8, 16), date_to=dt.date(2023, 8, 16)),
        Period(date_from=dt.date(2023, 8, 14), date_to=dt.date(2023, 8, 20)),
        Period(date_from=today),
        Period(date_from=today, include_submitted=True),
        Period(date_from=dt.date(2023, 8, 1), date_to=today + dt.timedelta(days=10)),
        # "now" in the past, while outages were out that were restored later.
        Period(as_of=kyiv(2023, 8, 16, 0, 30)),
        Period(as_of=kyiv(2023, 8, 16, 9, 15), include_submitted=True),
        Period(as_of=kyiv(2023, 8, 16)),  # midnight exactly
        Period(date_from=dt.date(2023, 8, 12), as_of=kyiv(2023, 8, 16, 12)),
        Period(date_from=dt.date(2023, 8, 16), as_of=kyiv(2023, 8, 16, 12)),  # today
        Period(
            date_from=dt.date(2023, 8, 11),
            date_to=dt.date(2023, 8, 14),
            as_of=kyiv(2023, 8, 16, 12),
        ),
        Period(
            date_from=dt.date(2023, 8, 11),
            date_to=dt.date(2023, 8, 20),
            as_of=kyiv(2023, 8, 16, 12),
            include_submitted=True,
        ),
        Period(region_id=odesa),
        Period(region_id=odesa, date_from=dt.date(2023, 8, 15), as_of=kyiv(2023, 8, 20, 7)),
        Period(region_id=region("UA46").pk, include_submitted=True, date_to=dt.date(2023, 8, 16)),
    ]


def dst_period_cases() -> list[Period]:
    """Periods around the DST changes: days of 23 and 25 hours."""
    return [
        Period(),
        Period(date_to=dt.date(2023, 3, 31)),
        Period(date_from=dt.date(2023, 3, 26), date_to=dt.date(2023, 3, 26)),
        Period(date_to=dt.date(2023, 3, 26)),
        Period(as_of=utc(2023, 3, 26, 1, 30)),  # 04:30, just after the change
        Period(date_from=dt.date(2023, 10, 29), date_to=dt.date(2023, 10, 29)),
        Period(as_of=kyiv(2023, 10, 29, 3, 30, fold=1)),  # the second 03:30
        Period(date_from=dt.date(2023, 10, 29), as_of=kyiv(2023, 10, 29, 3, 30)),
        Period(date_from=dt.date(2023, 10, 28), as_of=kyiv(2023, 10, 30, 12)),
        Period(date_from=dt.date(2023, 10, 1), date_to=dt.date(2023, 10, 31)),
    ]


@pytest.mark.usefixtures("outages")
def test_person_days_equal_the_raw_outages_clipped_to_the_period():
    assert_person_days(period_cases())


@pytest.mark.usefixtures("dst_outages")
def test_person_days_across_the_dst_changes():
    assert_person_days(dst_period_cases())


@pytest.mark.usefixtures("outages")
def test_person_days_follow_edits_and_deletions(organisation, verifier):
    periods = period_cases()
    restored = ServiceDisruption.objects.get(people_affected=2_000)
    restored.restored_at = None
    restored.save()
    ServiceDisruption.objects.filter(people_affected=12_345).delete()
    still_out = ServiceDisruption.objects.get(people_affected=777)
    services.record_update(
        record=still_out,
        by=verifier,
        data={"restored_at": kyiv(2023, 8, 17, 4)},
        reason="Restored",
    )
    assert_person_days(periods)


@pytest.mark.usefixtures("outages")
def test_person_days_of_a_period_that_begins_after_its_end_are_none():
    """A period whose start comes after its end (a start in the future, or ``as_of``
    before ``date_from``) holds no time: nothing is counted, and nothing is negative."""
    assert_person_days(
        [
            Period(date_from=timezone.localdate() + dt.timedelta(days=3)),
            Period(date_from=dt.date(2023, 8, 20), as_of=kyiv(2023, 8, 16, 12)),
        ]
    )


# -- 3. people without a service, day by day ------------------------------------------------


def people_without_reference(period: Period, today: dt.date) -> dict:
    """The selector as it was, from the raw outages: people cut off minus people restored
    per Kyiv day, then the level at the end of each day."""
    changes: dict[str, dict[dt.date, int]] = {}
    for item in ServiceDisruption.objects.filter(status__in=period.statuses):
        if period.region_id is not None and item.region_id != period.region_id:
            continue
        day_changes = changes.setdefault(item.service, {})
        people = people_of(item)
        first = kyiv_day(item.started_at)
        day_changes[first] = day_changes.get(first, 0) + people
        if item.restored_at is not None:
            last = kyiv_day(item.restored_at)
            day_changes[last] = day_changes.get(last, 0) - people
    if not changes:
        return {}
    first = min(day for days in changes.values() for day in days)
    last = max(day for days in changes.values() for day in days)
    start = max(period.date_from or first, first)
    still_out = any(sum(days.values()) > 0 for days in changes.values())
    end = period.date_to or (today if still_out else min(today, last + 30 * DAY))
    series = {}
    for service, day_changes in changes.items():
        level = sum(people for day, people in day_changes.items() if day < start)
        points = []
        day = start
        while day <= end:
            level += day_changes.get(day, 0)
            points.append((day, level))
            day += DAY
        series[service] = points
    return series


def assert_people_without(periods: list[Period], days: list[dt.date]) -> None:
    for period in periods:
        for today in days:
            expected = people_without_reference(period, today)
            steps = people_without_over_time(period=period, today=today)
            every_day = {service: list(daily_levels(points)) for service, points in steps.items()}
            assert every_day == expected, (
                period,
                today,
            )


SERIES_PERIODS = [
    Period(),
    Period(include_submitted=True),
    Period(date_from=dt.date(2023, 8, 12)),
    Period(date_to=dt.date(2023, 8, 18)),
    Period(date_from=dt.date(2023, 8, 14), date_to=dt.date(2023, 8, 17), include_submitted=True),
    Period(date_from=dt.date(2023, 3, 1), date_to=dt.date(2023, 3, 31)),
    Period(date_from=dt.date(2023, 10, 28), date_to=dt.date(2023, 10, 31)),
]
SERIES_DAYS = [dt.date(2023, 7, 1), dt.date(2023, 8, 16), dt.date(2023, 11, 20)]


@pytest.mark.usefixtures("outages", "dst_outages")
def test_people_without_day_by_day_equal_the_raw_outages():
    periods = [
        *SERIES_PERIODS,
        Period(region_id=region("UA51").pk),
        Period(region_id=region("UA51").pk, date_from=dt.date(2023, 8, 15)),
        Period(region_id=region("UA46").pk, include_submitted=True),
        Period(region_id=region("UA32").pk),  # no outages
    ]
    assert_people_without(periods, SERIES_DAYS)


@pytest.mark.usefixtures("outages", "dst_outages")
def test_people_without_day_by_day_once_everything_is_restored(organisation):
    # Nothing still out: the series stops a month after the last change (or today).
    for item in ServiceDisruption.objects.filter(restored_at=None):
        item.restored_at = item.started_at + dt.timedelta(days=3, hours=5)
        item.save()
    outage(  # an outage of unknown size may be the last change
        organisation,
        started_at=kyiv(2023, 11, 2, 8),
        restored_at=kyiv(2023, 11, 4, 8),
        people_affected=None,
    )
    assert_people_without(
        SERIES_PERIODS, [*SERIES_DAYS, dt.date(2023, 11, 25), dt.date(2024, 6, 1)]
    )


# -- 4. queries -----------------------------------------------------------------------------


def test_person_days_take_the_same_queries_whatever_the_number_of_outages(
    organisation, django_assert_num_queries
):
    regions = [region("UA46"), region("UA51"), region("UA32")]
    services_ = ["water", "electricity", "heating"]
    period = Period(date_from=dt.date(2023, 8, 5), as_of=kyiv(2023, 8, 20, 12))

    def add(number: int) -> None:
        for index in range(number):
            outage(
                organisation,
                region=regions[index % 3],
                service=services_[index // 3 % 3],
                started_at=kyiv(2023, 8, 1 + index % 18, 8),
                restored_at=None if index % 4 == 0 else kyiv(2023, 8, 2 + index % 18, 20),
                people_affected=100 + index,
            )

    add(3)
    with CaptureQueriesContext(connection) as few:
        _person_days(period, ["region_id"])
    assert len(few) <= 3
    add(27)
    with django_assert_num_queries(len(few)):
        rows = _person_days(period, ["region_id"])
    assert {(row["region_id"], row["service"]) for row in rows} == {
        (place.pk, service) for place in regions for service in services_
    }


def test_deleting_an_instance_changed_in_memory_clears_the_stored_days() -> None:
    outage = ServiceDisruptionFactory(
        status=VerificationStatus.VERIFIED,
        verified_at=timezone.now(),
        started_at=dt.datetime(2023, 8, 15, 10, tzinfo=dt.UTC),
        restored_at=dt.datetime(2023, 8, 17, 10, tzinfo=dt.UTC),
        people_affected=500,
    )
    assert OutageDayFigures.objects.exists()
    stale = ServiceDisruption.objects.get(pk=outage.pk)
    stale.status = VerificationStatus.REJECTED  # changed in memory only, then deleted
    stale.started_at = dt.datetime(2024, 1, 1, tzinfo=dt.UTC)
    stale.delete()
    assert not OutageDayFigures.objects.exists()


@pytest.mark.skipif(connection.vendor != "postgresql", reason="advisory locks")
def test_a_rewrite_holds_its_regions_lock_until_the_transaction_ends() -> None:
    from incidents.figures.outages import refresh_outage_figures
    from incidents.figures.sums import OUTAGE_FIGURES_LOCK

    lviv = region("UA46")
    day = dt.date(2023, 8, 15)
    with transaction.atomic():
        refresh_outage_figures({(lviv.pk, day)})
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT classid, objid FROM pg_locks WHERE locktype = 'advisory' "
                "AND pid = pg_backend_pid()"
            )
            held = set(cursor.fetchall())
    assert (OUTAGE_FIGURES_LOCK, lviv.pk) in held


@pytest.mark.skipif(connection.vendor != "postgresql", reason="a PostgreSQL index")
def test_the_restored_index_carries_what_live_outage_figures_sum() -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexdef FROM pg_indexes WHERE indexname = 'disruption_restored_idx'"
        )
        (definition,) = cursor.fetchone()
    assert definition.endswith(
        "(restored_at) INCLUDE (region_id, service, status, started_at, people_counted, "
        "people_estimated)"
    )


# -- 5. outages given in households ----------------------------------------------------------


def set_household_size(pcode: str, size: str | None) -> None:
    """As the Region admin saves it: the whole row."""
    place = region(pcode)
    place.household_size = None if size is None else Decimal(size)
    place.save()


@pytest.fixture
def household_outages(organisation) -> None:
    """Outages given in households (Lviv, then Odesa), one of them also in people."""
    odesa = {"region": region("UA51")}
    add_outages(
        organisation,
        [
            ("electricity", kyiv(2023, 8, 15, 8), None, None, {"households_affected": 2_000}),
            (
                "electricity",
                kyiv(2023, 8, 14, 20),
                kyiv(2023, 8, 16, 8),
                None,
                {"households_affected": 1_001},
            ),
            ("water", kyiv(2023, 8, 15, 9), None, None, {"households_affected": 300, **odesa}),
            # The people given win over the households.
            ("water", kyiv(2023, 8, 15, 9), None, 700, {"households_affected": 100, **odesa}),
            ("water", kyiv(2023, 8, 15, 9), None, None, {"households_affected": 50, **SUBMITTED}),
        ],
    )


def counted(**households: int) -> list[tuple[int, bool]]:
    return [
        (item.people_counted, item.people_estimated)
        for item in ServiceDisruption.objects.filter(
            households_affected__in=households.values()
        ).order_by("households_affected")
    ]


@pytest.mark.usefixtures("household_outages")
def test_households_count_as_people_through_the_national_household_size():
    assert counted(a=50, b=100, c=300, d=1_001, e=2_000) == [
        (129, True),  # 50 x 2.58 = 129
        (700, False),  # people affected given
        (774, True),  # 300 x 2.58 = 774
        (2_583, True),  # 1,001 x 2.58 = 2,582.58
        (5_160, True),  # 2,000 x 2.58 = 5,160
    ]
    assert_in_step()
    lviv = region("UA46").pk
    started = OutageDayFigures.objects.get(
        region_id=lviv, service="electricity", day=dt.date(2023, 8, 15)
    )
    assert (started.started_people, started.restored_people) == (5_160, 0)
    period = Period(as_of=kyiv(2023, 8, 15, 12))
    assert_person_days([period, Period(date_from=dt.date(2023, 8, 15)), Period()])
    assert_people_without([Period(), Period(include_submitted=True)], SERIES_DAYS)


@pytest.mark.usefixtures("household_outages")
def test_a_regions_own_household_size_rewrites_its_outages_and_their_figures():
    lviv = region("UA46").pk
    set_household_size("UA46", "3.0")
    assert counted(d=1_001, e=2_000) == [(3_003, True), (6_000, True)]
    assert counted(c=300) == [(774, True)]  # Odesa keeps the national size
    assert_in_step()
    started = OutageDayFigures.objects.get(
        region_id=lviv, service="electricity", day=dt.date(2023, 8, 15)
    )
    assert started.started_people == 6_000
    restored = OutageDayFigures.objects.get(
        region_id=lviv, service="electricity", day=dt.date(2023, 8, 16)
    )
    assert restored.restored_people == 3_003
    assert_person_days([Period(), Period(date_from=dt.date(2023, 8, 15))])
    assert_people_without([Period()], SERIES_DAYS)

    set_household_size("UA46", None)  # back to the national figure
    assert counted(d=1_001, e=2_000) == [(2_583, True), (5_160, True)]
    assert_in_step()


@pytest.mark.usefixtures("household_outages")
def test_editing_people_or_households_recounts_the_outage(verifier):
    item = ServiceDisruption.objects.get(households_affected=2_000)
    reason = "The operator gave a head count."
    services.record_update(record=item, by=verifier, data={"people_affected": 4_800}, reason=reason)
    assert counted(e=2_000) == [(4_800, False)]
    assert_in_step()
    item.refresh_from_db()
    data = {"people_affected": None, "households_affected": 1_500}
    services.record_update(record=item, by=verifier, data=data, reason=reason)
    assert counted(e=1_500) == [(3_870, True)]  # 1,500 x 2.58
    assert_in_step()
    item.refresh_from_db()
    services.record_update(record=item, by=verifier, data={"region": region("UA51")}, reason=reason)
    set_household_size("UA51", "2.2")
    assert counted(e=1_500) == [(3_300, True)]
    assert_in_step()


@pytest.mark.usefixtures("household_outages")
def test_a_bulk_review_and_a_rebuild_give_the_same_figures(verifier):
    from django.core.management import call_command

    submitted = list(
        ServiceDisruption.objects.filter(status="submitted").values_list("pk", flat=True)
    )
    result = services.records_verify_bulk(model=ServiceDisruption, ids=submitted, by=verifier)
    assert result.done == tuple(submitted)
    assert_in_step()
    odesa_water = OutageDayFigures.objects.get(
        region=region("UA51"), service="water", status="verified", day=dt.date(2023, 8, 15)
    )
    assert odesa_water.started_people == 774 + 700
    lviv_water = OutageDayFigures.objects.get(
        region=region("UA46"), service="water", status="verified", day=dt.date(2023, 8, 15)
    )
    assert lviv_water.started_people == 129
    maintained = stored()
    call_command("rebuild_figures")
    assert stored() == approximately(maintained)
    odesa = ServiceDisruption.objects.filter(region=region("UA51"))
    result = services.records_reject_bulk(
        model=ServiceDisruption,
        ids=list(odesa.values_list("pk", flat=True)),
        by=verifier,
        reason="Duplicates of the operator's report",
    )
    assert len(result.done) == 2
    assert_in_step()
    assert not OutageDayFigures.objects.filter(region=region("UA51")).exists()
