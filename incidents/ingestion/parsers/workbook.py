"""Excel workbooks (xlsx) read as tables, for every tabular format.

HDX, the JCC and Insecurity Insight publish workbooks. A sheet is streamed row by row
(openpyxl's read-only mode), so memory does not grow with the sheet, and its cells become
the text a CSV export of the sheet would hold, so that parsers read both the same way:
whole numbers without ``.0``, decimals without exponents, ``TRUE``/``FALSE``, and dates as
ISO dates. Rows keep the number the sheet shows them under.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import shutil
import tempfile
import zipfile
from collections.abc import Iterator, Sequence
from decimal import Decimal
from typing import Any, BinaryIO

from incidents.ingestion.parsers.streams import ReplayStream
from incidents.ingestion.records import FormatError

ZIP_MAGIC = b"PK\x03\x04"
# A workbook is compressed XML: a few MB can unpack to many GB (a "zip bomb"). A sheet's XML
# is about five times the size of the same table as CSV; beyond this it is refused.
MAX_SHEET_XML_BYTES = 4 * 1024**3
# Rows looked at to find the sheet that holds an HXL hashtag row.
_SHEET_HEAD_ROWS = 25
_QUOTED = re.compile(r'"[^"]*"|\[[^\]]*\]')


class Workbook(io.BufferedReader):
    """An uploaded xlsx file (its bytes, like any payload) and the sheet to read as a table."""

    def __init__(self, raw: BinaryIO, *, sheet: str | None = None) -> None:
        super().__init__(raw)  # type: ignore[arg-type]
        self.sheet = sheet

    def rows(self) -> Iterator[tuple[int, list[str]]]:
        """Non-blank rows of the sheet as text cells, with their row numbers in the sheet."""
        import openpyxl  # only needed for workbooks

        self.seek(0)
        try:
            book = openpyxl.load_workbook(self, read_only=True, data_only=True)
        except (zipfile.BadZipFile, KeyError, OSError, ValueError) as error:
            raise FormatError(
                f"not a readable Excel workbook (xlsx): {error}; it may be cut short"
            ) from None
        try:
            sheet = book[self._sheet_name(book)]
            self._check_size(sheet.title)
            width = 0
            for number, cells in enumerate(sheet.iter_rows(), start=1):
                texts = [cell_text(cell) for cell in cells]
                if any(text.strip() for text in texts):
                    # A sheet stores no empty cells: a row that ends early ends in empty
                    # cells (a workbook cannot be cut inside a row as a CSV file can).
                    width = max(width, len(texts))
                    yield number, texts + [""] * (width - len(texts))
        except (zipfile.BadZipFile, EOFError, OSError) as error:
            raise FormatError(f"the workbook cannot be read to its end: {error}") from None
        finally:
            book.close()

    def _sheet_name(self, book: Any) -> str:
        names: list[str] = book.sheetnames
        if self.sheet:
            if self.sheet not in names:
                raise FormatError(
                    f"the workbook has no sheet '{self.sheet}' (sheets: {', '.join(names)})"
                )
            return self.sheet
        if not names:
            raise FormatError("the workbook has no sheets")
        # Publishers put the tagged table on its own sheet (the JCC's "Data_HXL"): prefer
        # the first sheet with a hashtag row near its top, else the first sheet.
        for name in names:
            head = book[name].iter_rows(max_row=_SHEET_HEAD_ROWS, values_only=True)
            if any(_looks_tagged(row) for row in head):
                return name
        return names[0]

    def _check_size(self, title: str) -> None:
        self.seek(0)
        with zipfile.ZipFile(self) as archive:
            sizes = [
                item.file_size for item in archive.infolist() if "worksheets/" in item.filename
            ]
        if sizes and max(sizes) > MAX_SHEET_XML_BYTES:
            raise FormatError(
                f"sheet '{title}' unpacks to more than {MAX_SHEET_XML_BYTES // 1024**3} GB"
            )


def _looks_tagged(row: Sequence[Any]) -> bool:
    filled = [str(value).strip() for value in row if value is not None and str(value).strip()]
    tagged = sum(1 for value in filled if value.startswith("#") and len(value) > 1)
    return len(filled) > 1 and tagged * 2 > len(filled)


def cell_text(cell: Any) -> str:
    """A cell's value as the text a CSV export of the sheet would hold."""
    value = cell.value
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if value.is_integer():
            return str(int(value))
        return format(Decimal(repr(value)), "f")
    if isinstance(value, dt.datetime):
        return _datetime_text(value, getattr(cell, "number_format", "") or "")
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    return str(value)


def _datetime_text(value: dt.datetime, number_format: str) -> str:
    """A date cell as its date; a date-and-time cell as ISO 8601.

    Workbooks written from another time zone store a date as a serial an hour short: 23:00
    of the day before. A cell formatted as a date (no hours in its format) is rounded to the
    nearest day, which undoes that without moving a true midnight.
    """
    shown = _QUOTED.sub("", number_format.lower())
    if not any(mark in shown for mark in ("h", "s", "am/pm")):
        return (value + dt.timedelta(hours=12)).date().isoformat()
    if value.time() == dt.time(0):
        return value.date().isoformat()
    return value.isoformat(timespec="seconds")


def open_table(stream: BinaryIO, *, sheet: str | None = None) -> BinaryIO:
    """``stream`` as parsers read it: a Workbook when it holds an xlsx file (spooled to disk
    when it cannot seek: the zip directory is at its end), else the same bytes unchanged."""
    head = stream.read(len(ZIP_MAGIC))
    if head != ZIP_MAGIC:
        return io.BufferedReader(ReplayStream(head, stream))
    if _seekable(stream):
        stream.seek(0)
        return Workbook(stream, sheet=sheet)
    # The Workbook owns the spool and closes it with itself.
    spool = tempfile.TemporaryFile()  # noqa: SIM115
    spool.write(head)
    shutil.copyfileobj(stream, spool, 1 << 20)
    spool.seek(0)
    return Workbook(spool, sheet=sheet)


def _seekable(stream: BinaryIO) -> bool:
    try:
        return stream.seekable() and stream.tell() == len(ZIP_MAGIC)
    except (OSError, ValueError, AttributeError):
        return False
