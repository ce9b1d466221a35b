"""Parsing in a process of its own gives what parsing here gives, errors included, and
leaves no process or thread behind however the reading ends."""

from __future__ import annotations

import io
import pickle
import subprocess
import sys
import tempfile
import threading
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path
from typing import Any

import pytest

from incidents.ingestion import parse_process, services
from incidents.ingestion.parse_process import ParserProcessError, batches, batches_in_child
from incidents.ingestion.records import FormatError, ParsedRow
from incidents.models import Incident, IngestionIssue, IngestionRun
from tests.incidents.ingestion.acled_rows import write_acled_csv

PAYLOADS = Path(__file__).resolve().parents[2] / "payloads"
NO_OPTIONS: dict[str, Any] = {"options": {}, "start": 0, "size": 100}

CASES = [
    ("impact-csv", "impact_incidents.csv", {}),
    ("impact-json", "impact_incidents.json", {}),
    ("acled", "acled_export.csv", {}),
    ("acled", "acled_export.csv", {"event_types": ["Battles", "Explosions/Remote violence"]}),
    ("acled", "acled_api.json", {}),
    ("hxl", "incidents.hxl.csv", {}),
    ("jcc", "jcc_shipments.csv", {}),
]


def both_ways(format: str, payload: bytes, **arguments: Any) -> tuple[list, list]:
    here = list(batches(format, io.BytesIO(payload), **arguments))
    with closing(batches_in_child(format, io.BytesIO(payload), **arguments)) as child:
        there = list(child)
    return here, there


@pytest.fixture
def children(monkeypatch) -> list[subprocess.Popen[bytes]]:
    """The parser processes the test starts."""
    started: list[subprocess.Popen[bytes]] = []
    popen = subprocess.Popen

    def recording(*args: Any, **kwargs: Any) -> subprocess.Popen[bytes]:
        child = popen(*args, **kwargs)
        started.append(child)
        return child

    monkeypatch.setattr(parse_process.subprocess, "Popen", recording)
    return started


def feeders() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name == "ingestion-payload" and t.is_alive()]


@pytest.mark.parametrize(("format", "name", "options"), CASES)
@pytest.mark.parametrize(("start", "size"), [(0, 1000), (0, 3), (2, 2)])
def test_the_child_gives_the_batches_parsing_here_gives(format, name, options, start, size):
    payload = (PAYLOADS / name).read_bytes()
    here, there = both_ways(format, payload, options=options, start=start, size=size)
    assert there == here
    assert here
    assert all(isinstance(row, ParsedRow) for batch in here for row in batch)
    assert [len(batch) for batch in here][:-1] == [size] * (len(here) - 1)


def test_refused_rows_keep_their_row_number_reason_and_raw_values():
    payload = (PAYLOADS / "acled_export.csv").read_bytes()
    here, there = both_ways("acled", payload, options={}, start=0, size=100)
    refused = [row for row in there[0] if row.error]
    assert refused
    assert [(r.row_number, r.error, r.raw) for r in refused] == [
        (r.row_number, r.error, r.raw) for r in here[0] if r.error
    ]


@pytest.mark.parametrize(
    "payload",
    [b"", b'{"incidents": []}', b"<html></html>", b"\xff\xfe\x00b\x00i\x00n", b"a,b\n1,2\n"],
)
def test_a_payload_that_is_not_the_format_raises_the_same_format_error(payload):
    with pytest.raises(FormatError) as here:
        list(batches("acled", io.BytesIO(payload), options={}, start=0, size=10))
    with pytest.raises(FormatError) as there:
        list(batches_in_child("acled", io.BytesIO(payload), options={}, start=0, size=10))
    assert str(there.value) == str(here.value)


def test_a_parser_that_breaks_is_reported_with_its_traceback(children):
    with pytest.raises(ParserProcessError, match="ValueError") as raised:
        list(batches_in_child("no-such-format", io.BytesIO(b"a,b\n"), options={}, start=0, size=1))
    assert "Traceback" in str(raised.value)
    assert children[0].returncode is not None


def test_a_child_that_dies_is_reported_and_leaves_nothing_behind(tmp_path, children):
    payload = write_acled_csv(tmp_path / "acled.csv", 5000).read_bytes()
    with closing(
        batches_in_child("acled", io.BytesIO(payload), options={}, start=0, size=10)
    ) as received:
        assert len(next(received)) == 10
        children[0].kill()
        with pytest.raises(ParserProcessError, match="ended early"):
            list(received)
    assert children[0].returncode is not None
    assert not feeders()


def test_stopping_early_ends_the_child_and_its_feeder(tmp_path, children):
    payload = write_acled_csv(tmp_path / "acled.csv", 5000).read_bytes()
    with closing(batches_in_child("acled", io.BytesIO(payload), options={}, start=0, size=10)) as b:
        assert len(next(b)) == 10
        assert children[0].poll() is None  # still parsing: the rest is waiting to be read
    assert children[0].returncode is not None
    assert not feeders()


def test_a_writer_that_fails_ends_the_child(tmp_path, children):
    def write_all(received: Iterator[list[ParsedRow]]) -> None:
        for _ in received:
            raise RuntimeError("the writer failed")

    payload = write_acled_csv(tmp_path / "acled.csv", 5000).read_bytes()
    received = batches_in_child("acled", io.BytesIO(payload), options={}, start=0, size=10)
    with closing(received), pytest.raises(RuntimeError, match="the writer failed"):
        write_all(received)
    assert children[0].returncode is not None
    assert not feeders()


# -- the service picks the process by the payload's size ---------------------------------------


@pytest.fixture
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def ingest(location: Path, format: str = "acled") -> IngestionRun:
    run = services.ingestion_run_create(location=str(location), format=format, trigger="command")
    return services.ingestion_run_execute(run_id=run.pk)


def outcome(run: IngestionRun) -> tuple:
    issues = IngestionIssue.objects.filter(run=run).order_by("row_number", "level")
    return (
        run.status,
        run.error,
        run.rows_seen,
        run.created,
        run.rejected,
        run.skipped,
        run.warnings,
        list(issues.values_list("row_number", "level", "reason", "raw")),
    )


@pytest.mark.django_db
@pytest.mark.usefixtures("_media")
def test_a_run_parsed_in_a_child_ends_as_one_parsed_here(settings, children):
    settings.INGESTION_PARSER_PROCESS_BYTES = 10**12
    here = outcome(ingest(PAYLOADS / "acled_export.csv"))
    assert not children
    IngestionRun.objects.all().delete()
    Incident.objects.all().delete()

    settings.INGESTION_PARSER_PROCESS_BYTES = 0
    there = ingest(PAYLOADS / "acled_export.csv")
    assert len(children) == 1
    assert outcome(there) == here
    assert here[:7] == ("succeeded", "", 17, 11, 4, 2, 1)


@pytest.mark.django_db
@pytest.mark.usefixtures("_media")
def test_a_resumed_run_parsed_in_a_child_starts_after_the_rows_it_wrote(
    settings, tmp_path, children
):
    settings.INGESTION_PARSER_PROCESS_BYTES = 0
    settings.INGESTION_BATCH_SIZE = 7
    payload = write_acled_csv(tmp_path / "acled.csv", 30)
    run = services.ingestion_run_create(location=str(payload), format="acled", trigger="command")
    # As if a worker had written the first 14 rows (two batches) and died.
    IngestionRun.objects.filter(pk=run.pk).update(rows_seen=14)
    run = services.ingestion_run_execute(run_id=run.pk)
    assert (run.status, run.rows_seen, run.created) == ("succeeded", 30, 16)
    assert sorted(Incident.objects.values_list("external_id", flat=True)) == sorted(
        f"UKR{number:06d}" for number in range(15, 31)
    )


@pytest.mark.django_db
@pytest.mark.usefixtures("_media")
def test_a_file_in_another_format_fails_the_run_in_the_child_as_here(settings, tmp_path):
    payload = tmp_path / "not-acled.csv"
    payload.write_text("a,b\n1,2\n")
    settings.INGESTION_PARSER_PROCESS_BYTES = 10**12
    here = ingest(payload)
    settings.INGESTION_PARSER_PROCESS_BYTES = 0
    there = ingest(payload)
    assert (there.status, there.rows_seen) == ("failed", 0)
    assert there.error == here.error
    assert "ACLED" in there.error


@pytest.mark.parametrize("cut", [1, 20, -5])
def test_a_message_cut_short_is_reported_as_an_early_end(tmp_path, cut):
    """A child killed while writing leaves part of a message in the pipe."""
    rows = next(batches("acled", (PAYLOADS / "acled_export.csv").open("rb"), **NO_OPTIONS))
    whole = pickle.dumps(("batch", rows), protocol=pickle.HIGHEST_PROTOCOL)
    ended = subprocess.Popen([sys.executable, "-c", "raise SystemExit(9)"])
    ended.wait()
    with tempfile.TemporaryFile() as errors:
        received = parse_process._received(io.BytesIO(whole + whole[:cut]), ended, errors)
        assert next(received) == rows
        with pytest.raises(ParserProcessError, match=r"ended early \(exit code 9\)"):
            next(received)
