"""Reading raw streams: whole-file problems, line numbers, laziness, and the dispatcher."""

from __future__ import annotations

import io
import itertools
from collections.abc import Iterator

import pytest

from incidents.ingestion.formats import Format
from incidents.ingestion.parsers import PARSERS, parse
from incidents.ingestion.parsers.csv_reader import iter_csv_rows, read_head
from incidents.ingestion.parsers.json_reader import iter_json_items
from incidents.ingestion.records import FormatError

ACLED_HEADER = (
    "event_id_cnty,event_date,year,time_precision,disorder_type,event_type,sub_event_type,"
    "actor1,assoc_actor_1,inter1,actor2,assoc_actor_2,inter2,interaction,civilian_targeting,"
    "iso,region,country,admin1,admin2,admin3,location,latitude,longitude,geo_precision,source,"
    "source_scale,notes,fatalities,tags,timestamp\n"
)


class GeneratedStream(io.RawIOBase):
    """A file-like object over generated chunks, counting the bytes handed out."""

    def __init__(self, chunks: Iterator[bytes]) -> None:
        super().__init__()
        self._chunks = chunks
        self._pending = b""
        self.bytes_read = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: bytearray | memoryview) -> int:  # type: ignore[override]
        while not self._pending:
            chunk = next(self._chunks, None)
            if chunk is None:
                return 0
            self._pending = chunk
        size = min(len(buffer), len(self._pending))
        buffer[:size] = self._pending[:size]
        self._pending = self._pending[size:]
        self.bytes_read += size
        return size


def acled_line(number: int) -> bytes:
    return (
        f"UKR{number:06d},2023-08-15,2023,1,Political violence,Explosions/Remote violence,"
        "Shelling/artillery/missile attack,Military Forces of Russia (2000-),,8,"
        "Civilians (Ukraine),,7,78,Civilian targeting,804,Europe,Ukraine,Donetsk,"
        f"Kramatorskyi,Kramatorska,Place {number:06d},48.7305,37.5879,1,Illustrative,National,"
        f'"Generated event {number:06d}, shelling.",{number % 4},,1692656054\n'
    ).encode()


def generated_acled(count: int, *, fail_after: int | None = None) -> Iterator[bytes]:
    yield ACLED_HEADER.encode()
    for number in range(1, count + 1):
        if fail_after is not None and number > fail_after:
            raise AssertionError(f"the parser read ahead to generated row {number}")
        yield acled_line(number)


def test_acled_parser_yields_lazily_from_a_50000_row_stream() -> None:
    stream = GeneratedStream(generated_acled(50_000, fail_after=1_000))
    rows = list(itertools.islice(parse(Format.ACLED, stream), 10))  # type: ignore[arg-type]
    assert [row.row_number for row in rows] == list(range(2, 12))
    assert [row.record.external_id for row in rows if row.record] == [
        f"UKR{number:06d}" for number in range(1, 11)
    ]
    # Only the first detection chunk and read buffers, not the 20 MB file.
    assert stream.bytes_read < 200_000


def test_acled_parser_reads_50000_rows_with_bounded_read_ahead() -> None:
    stream = GeneratedStream(generated_acled(50_000))
    line_size = len(acled_line(1))
    count = 0
    for count, row in enumerate(parse("acled", stream), start=1):  # type: ignore[arg-type]  # noqa: B007
        if count % 5_000 == 0:
            consumed = len(ACLED_HEADER) + count * line_size
            assert stream.bytes_read - consumed < 200_000
    assert count == 50_000
    assert row.row_number == 50_001
    assert row.record is not None
    assert row.record.external_id == "UKR050000"


def test_parsers_do_not_read_before_iteration() -> None:
    stream = GeneratedStream(generated_acled(10))
    rows = parse("acled", stream)  # type: ignore[arg-type]
    assert stream.bytes_read == 0
    assert next(rows).row_number == 2


@pytest.mark.parametrize(
    ("payload", "message"),
    [
        (b"", "the file is empty"),
        (b"\xef\xbb\xbf \r\n\r\n", "the file is empty"),
        (b"\x00\x01\x02garbage\x00", "the file is binary data, not text"),
        (b"PK\x03\x04\x14\x00\x06\x00\x08\x00\x00\x00!\x00", "the file is an Excel workbook"),
        ("a,b\n1,2\n".encode("utf-16"), "the file is UTF-16 text; save it as UTF-8"),
        (
            "Область,Загинуло\nЛьвівська,3\n".encode("cp1251"),
            r"the file is not UTF-8 text \(byte 0xce at offset 0\); save it as UTF-8",
        ),
        (b'{"data": []}', "the file looks like JSON, not CSV"),
        (b"<!DOCTYPE html><html>Log in</html>", "the file looks like HTML or XML, not CSV"),
    ],
)
def test_csv_reader_rejects_what_is_not_csv_text(payload: bytes, message: str) -> None:
    with pytest.raises(FormatError, match=f"^{message}"):
        list(iter_csv_rows(io.BytesIO(payload)))


def test_csv_reader_reports_bad_encoding_after_the_detection_chunk() -> None:
    payload = b"a,b\n" + b"x,y\n" * 20_000 + "ї,й\n".encode("cp1251")
    rows = iter_csv_rows(io.BytesIO(payload))
    with pytest.raises(FormatError, match=r"^the file is not UTF-8 text \(near line"):
        list(rows)


def test_csv_reader_numbers_rows_by_the_line_they_start_on() -> None:
    payload = b'\xef\xbb\xbfid,notes\r\n1,"two\r\nlines"\r\n\r\n,\r\n2,plain\r\n'
    assert list(iter_csv_rows(io.BytesIO(payload))) == [
        (1, ["id", "notes"]),
        (2, ["1", "two\r\nlines"]),
        (6, ["2", "plain"]),
    ]


def test_read_head_keeps_the_rest_unread() -> None:
    payload = "".join(f"{number},x\n" for number in range(1, 101)).encode()
    head = read_head(io.BytesIO(payload), size=25)
    assert len(head.rows) == 25
    assert next(head.rows_after(23)) == (25, ["25", "x"])
    assert next(head.rest) == (26, ["26", "x"])


def test_read_head_rejects_a_file_without_rows() -> None:
    with pytest.raises(FormatError, match="^the file has no rows$"):
        read_head(io.BytesIO(b",,\n,,\n"))


def test_json_reader_accepts_an_object_or_a_bare_array() -> None:
    wrapped = b'{"status": 200, "data": [{"a": 1.5}, {"a": "x"}], "count": 2}'
    assert list(iter_json_items(io.BytesIO(wrapped), array_key="data")) == [
        (1, {"a": 1.5}),
        (2, {"a": "x"}),
    ]
    bare = b'\xef\xbb\xbf [{"a": 1}]'
    assert list(iter_json_items(io.BytesIO(bare), array_key="data")) == [(1, {"a": 1})]


@pytest.mark.parametrize(
    ("payload", "message"),
    [
        (
            b"event_id_cnty\nUKR1\n",
            r'^not JSON: expected an object with a "data" array or an array$',
        ),
        (
            b'{"status": 400, "success": false, "error": {}}',
            r'^the JSON object has no "data" array$',
        ),
        (b'{"data": [}', r"^invalid JSON after item 0: "),
    ],
)
def test_json_reader_rejects_whole_file_problems(payload: bytes, message: str) -> None:
    with pytest.raises(FormatError, match=message):
        list(iter_json_items(io.BytesIO(payload), array_key="data"))


def test_json_reader_yields_good_items_before_failing_midway() -> None:
    items = iter_json_items(io.BytesIO(b'[{"a": 1}, {"a": 2}, {"a": '), array_key="data")
    assert next(items) == (1, {"a": 1})
    assert next(items) == (2, {"a": 2})
    with pytest.raises(
        FormatError, match=r"^invalid JSON after item 2: parse error: premature EOF"
    ):
        next(items)


def test_every_format_has_a_parser() -> None:
    assert set(PARSERS) == set(Format)


def test_parse_rejects_unknown_formats_and_options() -> None:
    with pytest.raises(ValueError, match="'xlsx' is not a valid Format"):
        parse("xlsx", io.BytesIO(b""))
    with pytest.raises(TypeError, match="event_types"):
        parse(Format.JCC, io.BytesIO(b""), event_types=["Battles"])
