from __future__ import annotations

import pytest

from incidents.ingestion.gazetteer import Match, NameIndex, Place
from incidents.ingestion.services import port_index, region_index
from incidents.models import Port, Region


def test_a_name_shared_by_two_places_matches_neither():
    index = NameIndex([Place(1, ("A1",), ("Novoselivka",)), Place(2, ("A2",), ("Novoselivka",))])
    assert index.resolve("Novoselivka").match == Match.UNKNOWN
    assert index.resolve("a2").id == 2


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("reference", "pcode"),
    [
        ("UA46", "UA46"),
        ("ua-46", "UA46"),
        ("Lvivska", "UA46"),
        ("Lviv Oblast", "UA46"),
        ("lviv oblast", "UA46"),
        ("Lvivska oblast", "UA46"),
        ("Львівська", "UA46"),
        ("Львівська область", "UA46"),
        ("Odessa", "UA51"),
        ("Zaporizhzhia", "UA23"),
        ("Zaporizhia Oblast", "UA23"),
        ("Kirovograd", "UA35"),
        ("Mykolaiv", "UA48"),
        ("Nikolaev", "UA48"),
        ("Kyiv", "UA80"),
        ("Kyiv Oblast", "UA32"),
        ("UA-30", "UA80"),
        ("UA-09", "UA44"),
        ("UA73", "UA73"),
        ("Crimea", "UA01"),
        ("Khmelnytskyi", "UA68"),
        ("  Ivano-Frankivsk  ", "UA26"),
    ],
)
def test_regions_resolve_by_code_and_any_spelling(reference, pcode):
    resolution = region_index().resolve(reference)
    assert resolution.match == Match.FOUND
    assert Region.objects.get(pk=resolution.id).pcode == pcode


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("reference", "match"),
    [("Black Sea", Match.NOT_A_REGION), ("Atlantis", Match.UNKNOWN), ("", Match.EMPTY)],
)
def test_non_regions_and_unknown_names(reference, match):
    assert region_index().resolve(reference).match == match


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("reference", "name"),
    [("Yuzhny", "Pivdennyi"), ("Odessa", "Odesa"), ("UAILK", "Chornomorsk"), ("Izmail", "Izmail")],
)
def test_ports_resolve_by_name_alias_and_locode(reference, name):
    assert Port.objects.get(pk=port_index().resolve(reference).id).name == name
