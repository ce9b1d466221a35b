"""Pure parsers: raw bytes of a supported format in, typed records out.

No ORM and no network. Every parser is a generator over a binary stream: it reads as it
yields, so memory stays flat however large the file. It raises FormatError when the file as
a whole is unreadable: on first iteration for a wrong format or missing columns, and later
only from the readers, when the file turns out unreadable or cut short further on (which
``check_whole`` finds before anything is written). A bad row becomes a ParsedRow with
``error`` set and parsing carries on.
"""

from __future__ import annotations

import importlib
import inspect
from collections.abc import Callable, Iterator
from typing import Any, BinaryIO, cast

from incidents.ingestion.formats import FORMATS, Format
from incidents.ingestion.parsers.csv_reader import iter_csv_rows
from incidents.ingestion.parsers.json_reader import check_json
from incidents.ingestion.parsers.streams import peek
from incidents.ingestion.parsers.workbook import Workbook, open_table
from incidents.ingestion.records import ParsedRow

Parser = Callable[..., Iterator[ParsedRow]]


def _imported(path: str) -> Parser:
    module, _, name = path.rpartition(".")
    return cast(Parser, getattr(importlib.import_module(module), name))


PARSERS: dict[Format, Parser] = {
    format: _imported(declared.parser) for format, declared in FORMATS.items()
}


def parse(
    format: Format | str, stream: BinaryIO, *, sheet: str | None = None, **options: Any
) -> Iterator[ParsedRow]:
    """Parse ``stream`` as ``format`` (a Format or its value, e.g. "acled").

    A tabular format reads CSV or an xlsx workbook (``sheet`` names the sheet; by default
    the first with an HXL hashtag row, else the first). Other ``options`` go to the
    format's parser (only ACLED takes one, ``event_types``: FORMATS says which run option
    it comes from). An unknown format raises
    ValueError at once; a parser's FormatError comes on first iteration.
    """
    parser = PARSERS[Format(format)]
    # Options are checked now (an unknown one is a TypeError), the stream read only when
    # the first row is asked for.
    inspect.signature(parser).bind(stream, **options)
    return _parsed(parser, stream, sheet, options)


def _parsed(
    parser: Parser,
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
