"""Streaming table reading: rows come out one at a time, with the line a person finds them on.

A table is a UTF-8 CSV file or a sheet of an Excel workbook (see ``workbook``); parsers read
both through ``iter_csv_rows`` and never see the difference.

A file cut short must never pass for a complete one (a truncated number would replace a
real figure), so the reader refuses, as a whole, a file that ends inside a quoted cell,
inside a UTF-8 character, in a row shorter than the rows before it, or inside an unquoted
value with no line break after it. A row-level width mismatch elsewhere in the file is the
parser's to refuse with its row number (``width_problem``).
"""

from __future__ import annotations

import csv
import io
import itertools
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import BinaryIO

from incidents.ingestion.parsers.streams import peek
from incidents.ingestion.parsers.workbook import Workbook
from incidents.ingestion.records import FormatError

# (line number where the row starts, cells)
CsvRow = tuple[int, list[str]]

# How many rows may come before the data: title rows, the header and an HXL hashtag row.
HEAD_ROWS = 25

_LINE_BREAKS = ("\n", "\r")

# Python's csv module refuses a cell over 131,072 characters, which failed a whole file
# for one long description. A cell may hold up to this many characters; only a larger one
# (or a quote never closed in a file this large) makes the file unreadable.
MAX_CELL_CHARACTERS = 16 * 1024 * 1024
csv.field_size_limit(MAX_CELL_CHARACTERS)


def iter_csv_rows(stream: BinaryIO) -> Iterator[CsvRow]:
    """Non-blank rows of a UTF-8 CSV file or of a workbook's sheet; raises FormatError when
    the input is not a readable table or looks cut short."""
    if isinstance(stream, Workbook):
        yield from stream.rows()
        return
    peeked = peek(stream)
    if peeked.first_character in ("{", "["):
        raise FormatError("the file looks like JSON, not CSV")
    if peeked.first_character == "<":
        raise FormatError("the file looks like HTML or XML, not CSV")
    text = io.TextIOWrapper(peeked.stream, encoding="utf-8-sig", newline="")
    lines = _LastLine(text)
    # strict: a file that ends inside a quoted cell is an error, not a short last value.
    reader = csv.reader(lines, strict=True)
    widths = _Widths()
    try:
        while True:
            # line_num counts physical lines read so far, so a quoted cell that spans lines
            # still leaves the row numbered where it starts.
            line_number = reader.line_num + 1
            cells = next(reader, None)
            if cells is None:
                break
            if any(cell.strip() for cell in cells):
                widths.see(line_number, cells)
                yield line_number, cells
    except UnicodeDecodeError as error:
        if error.reason == "unexpected end of data":
            raise FormatError(
                "the file ends inside a character (a UTF-8 character is cut in two): it "
                "looks cut short"
            ) from None
        raise FormatError(
            f"the file is not UTF-8 text (near line {reader.line_num + 1}: {error.reason}); "
            "save it as UTF-8"
        ) from None
    except csv.Error as error:
        ending = " (the file ends inside a quoted cell: it looks cut short)"
        cut = "unexpected end of data" in str(error)
        raise FormatError(
            f"not a readable CSV file (line {reader.line_num}: {error})" + (ending if cut else "")
        ) from None
    _check_ending(lines.last, widths)


class _LastLine:
    """The text's physical lines, remembering the last one read."""

    def __init__(self, lines: Iterable[str]) -> None:
        self._lines = iter(lines)
        self.last = ""

    def __iter__(self) -> Iterator[str]:
        return self

    def __next__(self) -> str:
        self.last = next(self._lines)
        return self.last


@dataclass
class _Widths:
    """Cell counts: the widest of the first rows (where the header is) and the last two rows."""

    head: int = 0
    seen: int = 0
    previous: int = 0
    last: int = 0
    last_line: int = 0

    def see(self, line_number: int, cells: Sequence[str]) -> None:
        if self.seen < HEAD_ROWS:
            self.head = max(self.head, len(cells))
        self.seen += 1
        self.previous, self.last, self.last_line = self.last, len(cells), line_number


def _check_ending(last_line: str, widths: _Widths) -> None:
    """Refuse a file whose end shows it was cut: a short last row, or a last value that the
    end of the file may have cut (no line break after it, not quoted, not empty)."""
    if widths.seen > 1 and widths.last < min(widths.previous, widths.head):
        raise FormatError(
            f"the file ends in a short row: line {widths.last_line} has {widths.last} cells, "
            f"the rows before it {widths.previous}; it looks cut short"
        )
    if widths.seen and last_line and not last_line.endswith(_LINE_BREAKS):
        ending = last_line.rstrip(" \t")
        if ending and not ending.endswith(('"', ",")):
            raise FormatError(
                f"the file ends inside a value (line {widths.last_line} has no line break "
                "after it and its last value is not quoted): it looks cut short; if it is "
                "complete, end it with a line break"
            )


def width_problem(names: Sequence[str], cells: Sequence[str]) -> str:
    """Why a row cannot be taken whole: it has fewer cells than its header (a cell would be
    read as empty), or more that hold values (they belong to no column). "" when it fits.
    Empty cells beyond the header (spreadsheets pad rows) are harmless."""
    if len(cells) < len(names):
        return f"the row has {len(cells)} cells, the header {len(names)}"
    if any(cell.strip() for cell in cells[len(names) :]):
        return f"the row has {len(cells)} cells, the header {len(names)}: values beyond it"
    return ""


@dataclass
class CsvHead:
    """The first rows of a file, read for detection, and an iterator over the rest."""

    rows: list[CsvRow]
    rest: Iterator[CsvRow]

    def rows_after(self, index: int) -> Iterator[CsvRow]:
        """All rows after ``rows[index]``, the head's and then the rest of the file's."""
        return itertools.chain(self.rows[index + 1 :], self.rest)


def read_head(stream: BinaryIO, *, size: int = HEAD_ROWS) -> CsvHead:
    """Read the first ``size`` non-blank rows (enough to find a header and hashtag row)."""
    rows = iter_csv_rows(stream)
    head = list(itertools.islice(rows, size))
    if not head:
        raise FormatError("the file has no rows")
    return CsvHead(rows=head, rest=rows)


def column_names(header: Sequence[str], fallbacks: Sequence[str] = ()) -> list[str]:
    """Unique keys for ``raw``: the header text, else the fallback (a hashtag), else a number."""
    names: list[str] = []
    for index, cell in enumerate(header):
        name = cell.strip() or (fallbacks[index].strip() if index < len(fallbacks) else "")
        name = name or f"column {index + 1}"
        if name in names:
            name = f"{name} (column {index + 1})"
        names.append(name)
    return names


def read_header(
    rows: Iterator[CsvRow], *, required: Sequence[str], publisher: str
) -> tuple[list[str], list[str]]:
    """The first row's column names, for ``raw``, and the same in lower case, for looking
    values up; raises FormatError when there is no row or a ``required`` (lower-case)
    column is missing: ``publisher`` says whose columns they are."""
    header = next(rows, None)
    if header is None:
        raise FormatError("the file has no header row")
    names = column_names(header[1])
    keys = [name.lower() for name in names]
    missing = [column for column in required if column not in keys]
    if missing:
        raise FormatError(f"missing {publisher} column(s): {', '.join(missing)}")
    return names, keys


def row_as_dict(names: Sequence[str], cells: Sequence[str]) -> dict[str, str]:
    """The row as read, keyed by column name; short rows are padded, extra cells numbered."""
    padded = list(cells) + [""] * (len(names) - len(cells))
    keys = list(names) + [f"column {index + 1}" for index in range(len(names), len(padded))]
    return dict(zip(keys, padded, strict=True))


def normalise_header(name: str) -> str:
    """Header text as compared with expected names: case and all spaces ignored."""
    return "".join(name.split()).lower()
