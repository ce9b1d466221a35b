"""Pure parsers: raw bytes of a supported format in, typed records out.

No ORM and no network. Every parser is a generator over a binary stream: it reads as it
yields, so memory stays flat however large the file. It raises FormatError when the file as
a whole is unreadable: on first iteration for a wrong format or missing columns, and later
only from the readers, when the file turns out unreadable or cut short further on (which
``check_whole`` finds before anything is written). A bad row becomes a ParsedRow with
``error`` set and parsing carries on.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Iterator
from typing import Any, BinaryIO

from incidents.ingestion.parsers.acled import parse_acled
from incidents.ingestion.parsers.baseline import parse_hxl_baseline
from incidents.ingestion.parsers.csv_reader import iter_csv_rows
from incidents.ingestion.parsers.hxl import parse_hxl_incidents
from incidents.ingestion.parsers.impact import parse_impact_csv, parse_impact_json
from incidents.ingestion.parsers.jcc import parse_jcc
from incidents.ingestion.parsers.json_reader import check_json
from incidents.ingestion.parsers.streams import peek
from incidents.ingestion.parsers.workbook import Workbook, open_table
from incidents.ingestion.records import Format, ParsedRow

PARSERS: dict[Format, Callable[..., Iterator[ParsedRow]]] = {
    Format.IMPACT_CSV: parse_impact_csv,
    Format.IMPACT_JSON: parse_impact_json,
    Format.HXL: parse_hxl_incidents,
    Format.ACLED: parse_acled,
    Format.JCC: parse_jcc,
    Format.HXL_BASELINE: parse_hxl_baseline,
}


def parse(
    format: Format | str, stream: BinaryIO, *, sheet: str | None = None, **options: Any
) -> Iterator[ParsedRow]:
    """Parse ``stream`` as ``format`` (a Format or its value, e.g. "acled").

    A tabular format reads CSV or an xlsx workbook (``sheet`` names the sheet; by default
    the first with an HXL hashtag row, else the first). Other ``options`` go to the
    format's parser (only ACLED takes one: ``event_types``). An unknown format raises
    ValueError at once; a parser's FormatError comes on first iteration.
    """
    parser = PARSERS[Format(format)]
    # Options are checked now (an unknown one is a TypeError), the stream read only when
    # the first row is asked for.
    inspect.signature(parser).bind(stream, **options)
    return _parsed(parser, stream, sheet, options)


def _parsed(
    parser: Callable[..., Iterator[ParsedRow]],
    stream: BinaryIO,
    sheet: str | None,
    options: dict[str, Any],
) -> Iterator[ParsedRow]:
    yield from parser(open_table(stream, sheet=sheet), **options)


def check_whole(stream: BinaryIO, *, sheet: str | None = None) -> None:
    """Read the whole payload at the level of its syntax (CSV cells, JSON tokens, workbook
    rows) and raise FormatError where it is unreadable or cut short.

    Ingestion calls this before it writes anything, so that a payload that fails as a
    whole changes nothing: the parsers only raise FormatError mid-file from these readers.
    Ten times cheaper than parsing: no records are built.
    """
    table = open_table(stream, sheet=sheet)
    if isinstance(table, Workbook):
        for _ in iter_csv_rows(table):
            pass
        return
    peeked = peek(table)
    if peeked.first_character in ("{", "["):
        check_json(peeked.stream)
        return
    for _ in iter_csv_rows(peeked.stream):
        pass
