"""Needs baselines (format ``hxl-baseline``): the parser on small inline HXL tables, the
people-count coercion, then the ingestion service and the ``ingest`` command on the
HNO 2023 table and on files written for one case each."""

from __future__ import annotations

import io
import re
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.db.models import Sum

from incidents.ingestion import services
from incidents.ingestion.parsers import parse
from incidents.ingestion.parsers.baseline import parse_hxl_baseline
from incidents.ingestion.parsers.values import parse_optional_people
from incidents.ingestion.records import BaselineRecord, FormatError, ParsedRow
from incidents.models import IngestionRun, NeedsBaseline
from tests.factories import region
from tests.incidents.ingestion.payloads import SHARED_DATA

HNO_FILE = SHARED_DATA / "ukr_hno2023_affected_and_pin_by_oblast.hxl.csv"
HEADER = "Oblast,P-code,Population,Affected,In need"
TAGS = "#adm1+name,#adm1+code,#population,#affected,#inneed"
SUMMARY = re.compile(
    r"created=(\d+) updated=(\d+) unchanged=(\d+) rejected=(\d+) skipped=(\d+) warnings=(\d+)"
    r" rows/s=\d+"
)
CURATED_REASON = "edited by staff after ingestion; the feed does not overwrite it"


def hxl_bytes(*lines: str) -> bytes:
    return ("\n".join(lines) + "\n").encode("utf-8")


def parse_lines(*lines: str) -> list[ParsedRow]:
    return list(parse_hxl_baseline(io.BytesIO(hxl_bytes(*lines))))


def baseline(row: ParsedRow) -> BaselineRecord:
    assert isinstance(row.record, BaselineRecord), row
    return row.record


def figures(row: ParsedRow) -> tuple[str, int | None, int | None, int | None]:
    record = baseline(row)
    return (record.region_ref, record.population, record.people_affected, record.people_in_need)


def skip_without_hno_file() -> None:
    if not HNO_FILE.exists():
        pytest.skip(f"{HNO_FILE} is not available")


# -- parse_optional_people ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", None),
        ("   ", None),
        ("0", 0),
        ("12", 12),
        (" 12 ", 12),
        ("66,564", 66564),
        ("1 234 567", 1234567),
        ("1\u00a0234", 1234),
        ("3.0", 3),
        ("1502897.0112697701", 1502897),
        ("1806131.6", 1806132),
        ("0.5", 1),
        ("2.5", 3),  # half-up, not to even
        ("742596.5", 742597),
        ("1.49", 1),
        (" 7.5 ", 8),
        ("1e3", 1000),
    ],
)
def test_parse_optional_people_rounds_estimates_half_up(text: str, expected: int | None) -> None:
    assert parse_optional_people("people_in_need", text) == expected


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("-5", "people_in_need: '-5' is negative"),
        ("-0.4", "people_in_need: '-0.4' is negative"),
        (" - 3", "people_in_need: '- 3' is negative"),
        ("\u22123", "people_in_need: '\u22123' is negative"),
        ("n/a", "people_in_need: 'n/a' is not a number"),
        ("two", "people_in_need: 'two' is not a number"),
        ("1,5", "people_in_need: '1,5' is not a number"),
        ("12,34,567", "people_in_need: '12,34,567' is not a number"),
        ("NaN", "people_in_need: 'NaN' is not a number"),
        ("Infinity", "people_in_need: 'Infinity' is not a number"),
    ],
)
def test_parse_optional_people_rejects_with_field_name(text: str, message: str) -> None:
    with pytest.raises(ValueError, match=f"^{re.escape(message)}$"):
        parse_optional_people("people_in_need", text)


# -- parser -----------------------------------------------------------------------------------


def test_a_full_row_becomes_a_record_with_its_line_number_and_raw_values() -> None:
    rows = parse_lines(HEADER, TAGS, "Lvivska,UA46,2440922,713977,604618")

    assert len(rows) == 1
    row = rows[0]
    assert row.row_number == 3
    assert row.record == BaselineRecord(
        region_ref="UA46", population=2440922, people_affected=713977, people_in_need=604618
    )
    assert (row.error, row.skip_reason, row.warnings) == ("", "", ())
    assert row.raw == {
        "Oblast": "Lvivska",
        "P-code": "UA46",
        "Population": "2440922",
        "Affected": "713977",
        "In need": "604618",
    }


def test_parse_dispatches_the_hxl_baseline_format() -> None:
    stream = io.BytesIO(hxl_bytes(HEADER, TAGS, "Odeska,UA51,2059594,814888,635672"))
    rows = list(parse("hxl-baseline", stream))
    assert [figures(row) for row in rows] == [("UA51", 2059594, 814888, 635672)]


@pytest.mark.parametrize(
    ("tags", "cells", "expected"),
    [
        # OCHA Ukraine writes #admin1 and spaces between attributes.
        ("#admin1 +code,#inneed", "UA46,604618", ("UA46", None, None, 604618)),
        ("#ADM1+CODE,#INNEED", "UA46,604618", ("UA46", None, None, 604618)),
        # A name alone identifies the region.
        ("#adm1+name,#inneed", "Lvivska,604618", ("Lvivska", None, None, 604618)),
        ("#adm1+name+uk,#inneed", "Львівська,604618", ("Львівська", None, None, 604618)),
        # Of two name columns the one that is not Ukrainian is taken.
        (
            "#admin1 +name +uk,#admin1 +name +en,#inneed",
            "Львівська,Lvivska,604618",
            ("Lvivska", None, None, 604618),
        ),
        # The code wins over the name whatever the column order.
        (
            "#adm1+name,#adm1+code,#inneed",
            "Lviv Oblast,UA46,604618",
            ("UA46", None, None, 604618),
        ),
        # #inneed with #affected and #population, in any order.
        (
            "#inneed,#affected,#population,#adm1+code",
            "604618,713977,2440922,UA46",
            ("UA46", 2440922, 713977, 604618),
        ),
        # The intersectoral figure, not a sector's.
        (
            "#adm1+code,#inneed+sector+wash,#inneed,#affected+killed,#affected",
            "UA46,10,604618,3,713977",
            ("UA46", None, 713977, 604618),
        ),
    ],
)
def test_columns_are_found_by_tag_variants(
    tags: str, cells: str, expected: tuple[Any, ...]
) -> None:
    rows = parse_lines(tags, cells)
    assert [row.row_number for row in rows] == [2]
    assert figures(rows[0]) == expected


def test_an_empty_code_falls_back_to_the_name() -> None:
    rows = parse_lines(HEADER, TAGS, "Odeska,,2059594,814888,635672")
    assert figures(rows[0]) == ("Odeska", 2059594, 814888, 635672)


def test_region_names_with_stray_spaces_are_collapsed() -> None:
    rows = parse_lines("#adm1+name,#inneed", "  Ivano-Frankivska   oblast ,10")
    assert baseline(rows[0]).region_ref == "Ivano-Frankivska oblast"


def test_decimal_estimates_round_half_up_to_whole_people() -> None:
    rows = parse_lines(
        HEADER,
        TAGS,
        "Vinnytska,UA05,1502897.0112697701,742596.38240983349,544177.72029792285",
        "Kyiv,UA80,2121308,1806131.6,1329511.4501253357",
        "Halves,UA46,0.5,2.5,742596.5",
        "Below half,UA51,1.49,10.4999,7.0",
    )
    assert [figures(row) for row in rows] == [
        ("UA05", 1502897, 742596, 544178),
        ("UA80", 2121308, 1806132, 1329511),
        ("UA46", 1, 3, 742597),
        ("UA51", 1, 10, 7),
    ]
    assert all(row.warnings == () for row in rows)


def test_thousands_separators_are_read() -> None:
    rows = parse_lines(
        HEADER,
        TAGS,
        'Lvivska,UA46,"2,440,922","713,977","604,618"',
        "Odeska,UA51,2 059 594,814\u00a0888,635\u202f672",
    )
    assert [figures(row) for row in rows] == [
        ("UA46", 2440922, 713977, 604618),
        ("UA51", 2059594, 814888, 635672),
    ]


def test_empty_cells_are_not_given_and_a_short_row_is_refused() -> None:
    rows = parse_lines(HEADER, TAGS, "Lvivska,UA46,,,", "Odeska,UA51,2059594", "Kyivska,UA32,1,2,3")
    assert figures(rows[0]) == ("UA46", None, None, None)
    # A missing cell is not an empty one: the row is refused, never read as "not given".
    assert rows[1].record is None
    assert rows[1].error == "the row has 3 cells, the header 5"
    assert rows[1].raw == {
        "Oblast": "Odeska",
        "P-code": "UA51",
        "Population": "2059594",
        "Affected": "",
        "In need": "",
    }
    assert figures(rows[2]) == ("UA32", 1, 2, 3)


def test_a_table_that_ends_in_a_short_row_is_refused_as_cut_short() -> None:
    with pytest.raises(FormatError, match="ends in a short row: line 4 has 3 cells"):
        parse_lines(HEADER, TAGS, "Lvivska,UA46,,,", "Odeska,UA51,2059594")


def test_a_row_of_zeros_is_read_as_not_assessed_with_a_warning() -> None:
    rows = parse_lines(HEADER, TAGS, "Sevastopol,UA85,0,0,0", "Lvivska,UA46,0.4,5,6")
    sevastopol = baseline(rows[0])
    assert (sevastopol.population, sevastopol.people_affected, sevastopol.people_in_need) == (
        None,
        None,
        None,
    )
    assert rows[0].warnings == ("all figures 0: read as not assessed",)
    # 0.4 rounds to 0: a population of 0 is no population, but the other figures stand.
    assert baseline(rows[1]).population is None
    assert rows[1].warnings == ("population: 0 read as not given",)
    assert (baseline(rows[1]).people_affected, baseline(rows[1]).people_in_need) == (5, 6)


def test_people_in_need_may_exceed_people_affected() -> None:
    rows = parse_lines(HEADER, TAGS, "Donetska,UA14,3207607.40385682,2519848.76,2569405.0088")
    assert figures(rows[0]) == ("UA14", 3207607, 2519849, 2569405)
    assert (rows[0].error, rows[0].warnings) == ("", ())


def test_bad_values_reject_their_row_and_the_other_rows_still_parse() -> None:
    rows = parse_lines(
        HEADER,
        TAGS,
        "Lvivska,UA46,2440922,-5,604618",
        "Odeska,UA51,2059594,814888,n/a",
        "Kyiv,UA80,2121308,1806132,1329511",
        "Kharkivska,UA63,12abc,1791421,1649708",
        "Sumska,UA59,-1,849531,x",
        "Poltavska,UA53,1314761,704652,\u2212461861",
        "Volynska,UA07,1053028,316456,282378",
    )

    assert [(row.row_number, row.error) for row in rows] == [
        (3, "people_affected: '-5' is negative"),
        (4, "people_in_need: 'n/a' is not a number"),
        (5, ""),
        (6, "population: '12abc' is not a number"),
        # The first bad figure in the order population, affected, in need is named.
        (7, "population: '-1' is negative"),
        (8, "people_in_need: '\u2212461861' is negative"),
        (9, ""),
    ]
    assert [row.record is None for row in rows] == [True, True, False, True, True, True, False]
    assert [figures(rows[2]), figures(rows[6])] == [
        ("UA80", 2121308, 1806132, 1329511),
        ("UA07", 1053028, 316456, 282378),
    ]
    assert rows[0].raw["Affected"] == "-5"
    assert rows[1].raw["In need"] == "n/a"


def test_a_row_without_region_is_an_error() -> None:
    rows = parse_lines(
        HEADER,
        TAGS,
        ",,2440922,713977,604618",
        "  ,   ,1,2,3",
        "Odeska,UA51,2059594,814888,635672",
    )
    assert [(row.row_number, row.error) for row in rows] == [
        (3, "region: empty"),
        (4, "region: empty"),
        (5, ""),
    ]
    assert rows[0].record is None
    assert figures(rows[2]) == ("UA51", 2059594, 814888, 635672)


@pytest.mark.parametrize(
    ("tags", "message"),
    [
        (
            "#adm1+code,#affected,#population",
            "missing HXL column(s): #inneed (tags found: #adm1+code, #affected, #population)",
        ),
        (
            "#adm1+pcode,#inneed",
            "missing HXL column(s): #adm1+code (tags found: #adm1+pcode, #inneed)",
        ),
        (
            "#country+code,#population,#affected",
            "missing HXL column(s): #adm1+code, #inneed "
            "(tags found: #country+code, #population, #affected)",
        ),
        # Second-level units are not regions.
        (
            "#adm2+code,#inneed",
            "missing HXL column(s): #adm1+code (tags found: #adm2+code, #inneed)",
        ),
    ],
)
def test_missing_required_tags_fail_the_whole_file(tags: str, message: str) -> None:
    stream = io.BytesIO(hxl_bytes(tags, "UA46,1,2"))
    rows = parse_hxl_baseline(stream)  # a generator: nothing is read yet
    with pytest.raises(FormatError) as error:
        list(rows)
    assert str(error.value) == message


def test_a_file_without_a_hashtag_row_fails_with_an_example() -> None:
    with pytest.raises(FormatError) as error:
        parse_lines(HEADER, "Lvivska,UA46,2440922,713977,604618")
    assert str(error.value) == (
        "no HXL hashtag row (a row of tags like #adm1+code, #inneed) in the first 25 rows"
    )


def test_real_hno_file_parses_every_oblast() -> None:
    skip_without_hno_file()
    with HNO_FILE.open("rb") as stream:
        rows = list(parse_hxl_baseline(stream))

    assert len(rows) == 27
    assert [row.row_number for row in rows] == list(range(3, 30))
    assert all(row.error == "" and row.record is not None for row in rows)
    records = [baseline(row) for row in rows]
    assert sum(record.people_in_need or 0 for record in records) == 17_569_675
    assert sum(record.people_affected or 0 for record in records) == 21_328_027
    assert sum(record.population or 0 for record in records) == 35_630_444
    assert [(row.row_number, row.warnings) for row in rows if row.warnings] == [
        (3, ("all figures 0: read as not assessed",)),
        (29, ("all figures 0: read as not assessed",)),
    ]
    assert figures(rows[1]) == ("UA05", 1502897, 742596, 544178)
    assert rows[1].raw["Oblast [EN]"] == "Vinnytska"
    assert rows[1].raw["Population Estimate"] == "1502897.0112697701"
    more_in_need = [
        (row.row_number, baseline(row).region_ref)
        for row in rows
        if (baseline(row).people_in_need or 0) > (baseline(row).people_affected or 0)
    ]
    assert more_in_need == [(7, "UA14"), (24, "UA68")]


# -- ingestion service ------------------------------------------------------------------------


@pytest.fixture
def _media(settings, tmp_path: Path) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"


def ingest(
    location: Path | str, *, external_source: str = "hno-2023", **kwargs: Any
) -> IngestionRun:
    run = services.ingestion_run_create(
        location=str(location),
        format="hxl-baseline",
        trigger="command",
        external_source=external_source,
        **kwargs,
    )
    return services.ingestion_run_execute(run_id=run.pk)


def write(tmp_path: Path, name: str, *rows: str) -> Path:
    path = tmp_path / name
    path.write_bytes(hxl_bytes(HEADER, TAGS, *rows))
    return path


def counts(run: IngestionRun) -> tuple[int, ...]:
    return (run.created, run.updated, run.unchanged, run.rejected, run.skipped, run.warnings)


def issues(run: IngestionRun) -> list[tuple[int, str, str]]:
    return list(run.issues.order_by("row_number").values_list("row_number", "level", "reason"))


def stored(pcode: str, source: str = "hno-2023") -> NeedsBaseline:
    return NeedsBaseline.objects.get(region__pcode=pcode, external_source=source)


def stored_figures(pcode: str, source: str = "hno-2023") -> tuple[Any, ...]:
    found = stored(pcode, source)
    return (found.reference_year, found.population, found.people_affected, found.people_in_need)


@pytest.mark.django_db
@pytest.mark.usefixtures("_media")
class TestIngestion:
    def test_the_hno_2023_table_goes_in_with_the_published_totals(self) -> None:
        skip_without_hno_file()
        run = ingest(HNO_FILE, options={"baseline_year": 2023})

        assert (run.status, run.error) == ("succeeded", "")
        assert run.rows_seen == 27
        assert counts(run) == (27, 0, 0, 0, 0, 2)
        baselines = NeedsBaseline.objects.all()
        assert baselines.count() == 27
        assert baselines.values("region").distinct().count() == 27
        assert baselines.aggregate(
            population=Sum("population"),
            affected=Sum("people_affected"),
            in_need=Sum("people_in_need"),
        ) == {"population": 35_630_444, "affected": 21_328_027, "in_need": 17_569_675}
        assert set(baselines.values_list("external_source", "reference_year")) == {
            ("hno-2023", 2023)
        }
        assert set(baselines.values_list("last_ingestion_run", "is_curated")) == {(run.pk, False)}
        assert issues(run) == [
            (3, "warning", "all figures 0: read as not assessed"),
            (29, "warning", "all figures 0: read as not assessed"),
        ]
        assert run.issues.get(row_number=29).raw["Oblast PCode"] == "UA85"
        assert sorted(
            baselines.filter(population=None).values_list("region__pcode", flat=True)
        ) == ["UA01", "UA85"]
        assert stored_figures("UA46") == (2023, 2440922, 713977, 604618)
        assert stored_figures("UA80") == (2023, 2121308, 1806132, 1329511)
        # More in need than affected in Donetska and Khmelnytska, and accepted as given.
        assert stored_figures("UA14") == (2023, 3207607, 2519849, 2569405)
        assert stored_figures("UA68") == (2023, 1070877, 400265, 402114)
        history = NeedsBaseline.history.all()
        assert history.count() == 27
        assert set(history.values_list("history_type", "history_change_reason")) == {
            ("+", f"Ingested by run {run.public_id}")
        }

    def test_ingesting_the_hno_table_again_changes_nothing(self) -> None:
        skip_without_hno_file()
        ingest(HNO_FILE, options={"baseline_year": 2023})
        before = list(NeedsBaseline.objects.order_by("pk").values())
        history = NeedsBaseline.history.count()

        again = ingest(HNO_FILE, options={"baseline_year": 2023})

        assert again.status == "succeeded"
        assert counts(again) == (0, 0, 27, 0, 0, 2)
        assert list(NeedsBaseline.objects.order_by("pk").values()) == before
        assert NeedsBaseline.history.count() == history == 27

    def test_a_changed_figure_updates_the_row_and_writes_one_history_row(
        self, tmp_path: Path
    ) -> None:
        first = write(
            tmp_path, "first.csv", "Lvivska,UA46,2440922,713977,604618", "Odeska,UA51,1,2,3"
        )
        ingest(first, options={"baseline_year": 2023})
        original = stored("UA46")
        assert NeedsBaseline.history.count() == 2

        second = write(
            tmp_path, "second.csv", "Lvivska,UA46,2440922,713977,650000.4", "Odeska,UA51,1,2,3"
        )
        run = ingest(second, options={"baseline_year": 2023})

        assert counts(run) == (0, 1, 1, 0, 0, 0)
        updated = stored("UA46")
        assert updated.pk == original.pk
        assert stored_figures("UA46") == (2023, 2440922, 713977, 650000)
        assert updated.last_ingestion_run == run
        assert updated.updated_at > original.updated_at
        assert NeedsBaseline.history.count() == 3
        assert updated.history.count() == 2
        latest = updated.history.latest()
        assert (latest.history_type, latest.history_change_reason) == (
            "~",
            f"Ingested by run {run.public_id}",
        )
        changes = latest.diff_against(latest.prev_record).changes
        assert [(c.field, c.old, c.new) for c in changes if c.field.startswith("people")] == [
            ("people_in_need", 604618, 650000)
        ]
        assert stored("UA51").last_ingestion_run != run

    def test_a_new_reference_year_counts_as_a_change(self, tmp_path: Path) -> None:
        payload = write(tmp_path, "hno.csv", "Lvivska,UA46,2440922,713977,604618")
        ingest(payload, options={"baseline_year": 2023})

        with pytest.raises(ValidationError):
            ingest(payload, options={"baseline_year": "2024"})  # a text, not a year
        run = ingest(payload, options={"baseline_year": 2024})

        assert counts(run) == (0, 1, 0, 0, 0, 0)
        assert stored_figures("UA46") == (2024, 2440922, 713977, 604618)

    def test_without_a_baseline_year_the_reference_year_stays_empty(self, tmp_path: Path) -> None:
        run = ingest(write(tmp_path, "hno.csv", "Lvivska,UA46,1,2,3"), external_source="")

        assert (run.external_source, counts(run)) == ("baseline", (1, 0, 0, 0, 0, 0))
        assert stored_figures("UA46", "baseline") == (None, 1, 2, 3)

    def test_a_row_edited_by_staff_is_skipped_with_a_warning(self, tmp_path: Path) -> None:
        ingest(write(tmp_path, "first.csv", "Lvivska,UA46,2440922,713977,604618"))
        NeedsBaseline.objects.filter(region__pcode="UA46").update(
            people_in_need=600000, is_curated=True
        )
        history = NeedsBaseline.history.count()

        run = ingest(
            write(tmp_path, "second.csv", "Lvivska,UA46,2440922,713977,1", "Odeska,UA51,1,2,3")
        )

        assert counts(run) == (1, 0, 0, 0, 1, 1)
        assert issues(run) == [(3, "warning", CURATED_REASON)]
        assert run.issues.get().raw["In need"] == "1"
        kept = stored("UA46")
        assert (kept.people_in_need, kept.is_curated) == (600000, True)
        assert kept.last_ingestion_run != run
        assert NeedsBaseline.history.count() == history + 1  # Odeska only

    def test_an_unknown_region_is_rejected_and_the_good_rows_go_in(self, tmp_path: Path) -> None:
        payload = write(
            tmp_path,
            "hno.csv",
            "Lvivska,UA46,2440922,713977,604618",
            "Atlantis,,100,50,25",
            "Black Sea,,1,1,1",
            "Odeska,UA51,2059594,814888,635672",
        )
        run = ingest(payload, options={"baseline_year": 2023})

        assert run.status == "succeeded"
        assert counts(run) == (2, 0, 0, 2, 0, 0)
        assert issues(run) == [
            (4, "rejected", "region: 'Atlantis' is not a known region"),
            (5, "rejected", "region: 'Black Sea' is not a known region"),
        ]
        assert run.issues.get(row_number=4).raw == {
            "Oblast": "Atlantis",
            "P-code": "",
            "Population": "100",
            "Affected": "50",
            "In need": "25",
        }
        assert sorted(NeedsBaseline.objects.values_list("region__pcode", flat=True)) == [
            "UA46",
            "UA51",
        ]
        assert stored_figures("UA51") == (2023, 2059594, 814888, 635672)

    def test_rows_the_parser_refused_are_listed_with_their_reason(self, tmp_path: Path) -> None:
        payload = write(tmp_path, "hno.csv", "Lvivska,UA46,1,-2,3", ",,1,2,3", "Odeska,UA51,1,2,3")
        run = ingest(payload)

        assert counts(run) == (1, 0, 0, 2, 0, 0)
        assert issues(run) == [
            (3, "rejected", "people_affected: '-2' is negative"),
            (4, "rejected", "region: empty"),
        ]
        assert list(NeedsBaseline.objects.values_list("region__pcode", flat=True)) == ["UA51"]

    def test_regions_resolve_by_name_and_the_last_row_for_a_region_wins(
        self, tmp_path: Path
    ) -> None:
        path = tmp_path / "names.csv"
        path.write_bytes(
            hxl_bytes(
                "#adm1+name,#inneed",
                "Lvivska,100",
                "Lviv Oblast,200",
                "Odessa,300",
                "UA-30,400",
            )
        )
        run = ingest(path)

        assert counts(run) == (3, 0, 0, 0, 1, 1)
        assert issues(run) == [(2, "warning", "superseded by row 3 with the same id")]
        assert dict(NeedsBaseline.objects.values_list("region__pcode", "people_in_need")) == {
            "UA46": 200,
            "UA51": 300,
            "UA80": 400,
        }

    def test_a_second_assessment_coexists_with_the_first(self, tmp_path: Path) -> None:
        ingest(
            write(tmp_path, "2023.csv", "Lvivska,UA46,2440922,713977,604618"),
            options={"baseline_year": 2023},
        )
        run = ingest(
            write(tmp_path, "2024.csv", "Lvivska,UA46,2400000,500000,450000"),
            external_source="hno-2024",
            options={"baseline_year": 2024},
        )

        assert counts(run) == (1, 0, 0, 0, 0, 0)
        assert stored_figures("UA46", "hno-2023") == (2023, 2440922, 713977, 604618)
        assert stored_figures("UA46", "hno-2024") == (2024, 2400000, 500000, 450000)
        lviv = region("UA46")
        assert [
            (b.external_source, b.reference_year) for b in NeedsBaseline.objects.filter(region=lviv)
        ] == [("hno-2024", 2024), ("hno-2023", 2023)]

        again = ingest(
            write(tmp_path, "2023-again.csv", "Lvivska,UA46,2440922,713977,604618"),
            options={"baseline_year": 2023},
        )
        assert counts(again) == (0, 0, 1, 0, 0, 0)
        assert NeedsBaseline.objects.count() == 2

    def test_a_file_of_another_kind_fails_the_run(self) -> None:
        acled = Path(__file__).resolve().parents[2] / "payloads" / "acled_export.csv"
        run = ingest(acled)

        assert run.status == "failed"
        assert run.error == (
            "no HXL hashtag row (a row of tags like #adm1+code, #inneed) in the first 25 rows"
        )
        assert not NeedsBaseline.objects.exists()


# -- ingest command ---------------------------------------------------------------------------


def run_command(*args: str) -> list[str]:
    out, err = StringIO(), StringIO()
    call_command("ingest", *args, verbosity=0, stdout=out, stderr=err)
    assert err.getvalue() == ""
    return out.getvalue().splitlines()


def summary_counts(line: str) -> tuple[int, ...]:
    match = SUMMARY.fullmatch(line)
    assert match, line
    return tuple(int(group) for group in match.groups())


@pytest.mark.django_db
@pytest.mark.usefixtures("_media")
class TestIngestCommand:
    def test_ingest_hxl_baseline_with_a_source_and_a_year(self, tmp_path: Path) -> None:
        payload = write(
            tmp_path, "hno.csv", "Lvivska,UA46,2440922,713977,604618", "Atlantis,,1,2,3"
        )

        lines = run_command(
            str(payload),
            "--format",
            "hxl-baseline",
            "--source",
            "hno-2023",
            "--baseline-year",
            "2023",
        )

        run = IngestionRun.objects.get()
        assert len(lines) == 2
        assert lines[0] == run.summary
        assert summary_counts(lines[0]) == (1, 0, 0, 1, 0, 0)
        assert lines[1] == (
            f"Rejected rows are listed in the admin under ingestion run {run.public_id}."
        )
        assert (run.format, run.external_source, run.options, run.status, run.trigger) == (
            "hxl-baseline",
            "hno-2023",
            {"baseline_year": 2023},
            "succeeded",
            "command",
        )
        assert stored_figures("UA46") == (2023, 2440922, 713977, 604618)
        assert stored("UA46").last_ingestion_run == run

    def test_ingest_the_hno_table_by_command(self) -> None:
        skip_without_hno_file()
        args = [str(HNO_FILE), "--format=hxl-baseline", "--source=hno-2023", "--baseline-year=2023"]

        lines = run_command(*args)

        assert lines == [IngestionRun.objects.get().summary]
        assert summary_counts(lines[0]) == (27, 0, 0, 0, 0, 2)
        assert NeedsBaseline.objects.filter(reference_year=2023).count() == 27
        assert NeedsBaseline.objects.aggregate(total=Sum("people_in_need")) == {"total": 17_569_675}
        assert summary_counts(run_command(*args)[0]) == (0, 0, 27, 0, 0, 2)

    def test_without_baseline_year_no_year_is_recorded(self, tmp_path: Path) -> None:
        payload = write(tmp_path, "hno.csv", "Odeska,UA51,2059594,814888,635672")

        lines = run_command(str(payload), "--format", "hxl-baseline")

        run = IngestionRun.objects.get()
        assert summary_counts(lines[0]) == (1, 0, 0, 0, 0, 0)
        assert (run.external_source, run.options) == ("baseline", {})
        assert stored_figures("UA51", "baseline") == (None, 2059594, 814888, 635672)


def test_implausibly_large_figures_are_row_errors_not_crashes() -> None:
    rows = parse_lines(
        HEADER, TAGS, "Lvivska,UA46,1e30,5,6", "Odeska,UA51,1,2,3000000000", "Kyivska,UA32,1,2,3"
    )
    assert [row.error for row in rows] == [
        "population: '1e30' is more than 1,000,000,000 people",
        "people_in_need: '3000000000' is more than 1,000,000,000 people",
        "",
    ]


def test_a_table_of_sector_figures_is_not_read_as_overall_need() -> None:
    with pytest.raises(FormatError) as error:
        parse_lines(
            "Oblast,P-code,Killed,WASH in need",
            "#adm1+name,#adm1+code,#affected+killed,#inneed+sector+wash",
            "Lvivska,UA46,3,5000",
        )
    assert str(error.value).startswith("missing HXL column(s): #inneed (tags found:")


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"baseline_year": "2023"}, "baseline_year must be a year such as 2023."),
        ({"baseline_year": 99999}, "baseline_year must be a year such as 2023."),
        ({"year": 2023}, "Unknown option 'year'."),
    ],
)
def test_bad_options_are_refused_before_a_run_starts(tmp_path: Path, options, message) -> None:
    with pytest.raises(ValidationError) as error:
        ingest(write(tmp_path, "hno.csv", "Lvivska,UA46,1,2,3"), options=options)
    assert error.value.message_dict == {"options": [message]}
    assert not IngestionRun.objects.exists()
