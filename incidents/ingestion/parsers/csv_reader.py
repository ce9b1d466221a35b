"""Streaming CSV reading: rows come out one at a time, with the line a person finds them on."""

from __future__ import annotations

import csv
import io
import itertools
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import BinaryIO

from incidents.ingestion.parsers.streams import peek
from incidents.ingestion.records import FormatError

# (line number where the row starts, cells)
CsvRow = tuple[int, list[str]]

# How many rows may come before the data: title rows, the header and an HXL hashtag row.
HEAD_ROWS = 25


def iter_csv_rows(stream: BinaryIO) -> Iterator[CsvRow]:
    """Non-blank rows of a UTF-8 CSV file; raises FormatError when the input is not CSV text."""
    peeked = peek(stream)
    if peeked.first_character in ("{", "["):
        raise FormatError("the file looks like JSON, not CSV")
    if peeked.first_character == "<":
        raise FormatError("the file looks like HTML or XML, not CSV")
    text = io.TextIOWrapper(peeked.stream, encoding="utf-8-sig", newline="")
    reader = csv.reader(text)
    try:
        while True:
            # line_num counts physical lines read so far, so a quoted cell that spans lines
            # still leaves the row numbered where it starts.
            line_number = reader.line_num + 1
            cells = next(reader, None)
            if cells is None:
                return
            if any(cell.strip() for cell in cells):
                yield line_number, cells
    except UnicodeDecodeError as error:
        raise FormatError(
            f"the file is not UTF-8 text (near line {reader.line_num + 1}: {error.reason}); "
            "save it as UTF-8"
        ) from None
    except csv.Error as error:
        raise FormatError(f"not a readable CSV file (line {reader.line_num}: {error})") from None


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


def row_as_dict(names: Sequence[str], cells: Sequence[str]) -> dict[str, str]:
    """The row as read, keyed by column name; short rows are padded, extra cells numbered."""
    padded = list(cells) + [""] * (len(names) - len(cells))
    keys = list(names) + [f"column {index + 1}" for index in range(len(names), len(padded))]
    return dict(zip(keys, padded, strict=True))


def normalise_header(name: str) -> str:
    """Header text as compared with expected names: case and all spaces ignored."""
    return "".join(name.split()).lower()
