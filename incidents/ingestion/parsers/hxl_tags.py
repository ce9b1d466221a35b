"""Finding the HXL hashtag row and matching columns by tag, as tolerant readers of HXL do.

Real files write ``#adm1 +name``, ``#ADM1+NAME``, ``#admin1+name+en`` or ``#adm1+en+name`` for
the same thing, and carry columns we do not use. A column matches a pattern when it has the
pattern's tag and at least its attributes, in any order, and none of its excluded attributes.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import BinaryIO

from incidents.ingestion.parsers.csv_reader import (
    HEAD_ROWS,
    CsvHead,
    CsvRow,
    column_names,
    read_head,
    row_as_dict,
    width_problem,
)
from incidents.ingestion.records import FormatError, ParsedRow, Record

_NAME = re.compile(r"[a-z][a-z0-9_]*")
# Some publishers (OCHA Ukraine among them) write #admin1 for the core tag #adm1.
_ADMIN_ALIAS = re.compile(r"admin(\d)")
_PATTERN = re.compile(r"#([a-z][a-z0-9_]*)((?:[+-][a-z][a-z0-9_]*)*)")
_EXCLUSION = re.compile(r"-[a-z][a-z0-9_]*")
_PATTERN_PART = re.compile(r"([+-])([a-z][a-z0-9_]*)")


@dataclass(frozen=True)
class HxlTag:
    name: str
    attributes: frozenset[str] = frozenset()

    def __str__(self) -> str:
        return "#" + "+".join([self.name, *sorted(self.attributes)])


def parse_hashtag(cell: str) -> HxlTag | None:
    """The tag in a hashtag-row cell, or None when the cell holds no valid hashtag."""
    text = "".join(cell.split()).lower()
    if not text.startswith("#"):
        return None
    name, *attributes = text[1:].split("+")
    name = _canonical_name(name)
    if not _NAME.fullmatch(name) or not all(_NAME.fullmatch(part) for part in attributes):
        return None
    return HxlTag(name=name, attributes=frozenset(attributes))


def _canonical_name(name: str) -> str:
    alias = _ADMIN_ALIAS.fullmatch(name)
    return f"adm{alias[1]}" if alias else name


@dataclass(frozen=True)
class TagPattern:
    """``#affected+killed-children``: tag, required attributes and excluded attributes."""

    tag: HxlTag
    excluded: frozenset[str] = frozenset()

    @classmethod
    def parse(cls, text: str) -> TagPattern:
        match = _PATTERN.fullmatch("".join(text.split()).lower())
        if match is None:
            raise ValueError(f"not an HXL tag pattern: {text!r}")
        name = _canonical_name(match[1])
        parts = _PATTERN_PART.findall(match[2])
        required = frozenset(part for sign, part in parts if sign == "+")
        excluded = frozenset(part for sign, part in parts if sign == "-")
        return cls(tag=HxlTag(name=name, attributes=required), excluded=excluded)

    def matches(self, tag: HxlTag | None) -> bool:
        return (
            tag is not None
            and tag.name == self.tag.name
            and self.tag.attributes <= tag.attributes
            and not self.excluded & tag.attributes
        )


def find_column(tags: Sequence[HxlTag | None], *patterns: str) -> int | None:
    """Index of the first column matching a pattern, trying the patterns in order.

    Among several matching columns the one with the fewest extra attributes wins, so
    ``#date`` prefers a plain ``#date`` column to ``#date+start``; then the leftmost.
    """
    for text in patterns:
        pattern = TagPattern.parse(text)
        candidates = [
            (len(tag.attributes - pattern.tag.attributes), index)
            for index, tag in enumerate(tags)
            if tag is not None and pattern.matches(tag)
        ]
        if candidates:
            return min(candidates)[1]
    return None


def is_hashtag_row(cells: Sequence[str]) -> bool:
    """Most non-empty cells hold hashtags (a JCC header's lone ``#`` column does not count)."""
    filled = [cell for cell in cells if cell.strip()]
    tagged = sum(1 for cell in filled if parse_hashtag(cell) is not None)
    return tagged * 2 > len(filled)


@dataclass
class HxlTable:
    """An HXL-tagged CSV: the tag of each column, names for ``raw``, and the data rows."""

    tags: list[HxlTag | None]
    names: list[str]
    rows: Iterator[CsvRow]

    def column(self, *patterns: str) -> int | None:
        return find_column(self.tags, *patterns)

    def raw(self, cells: Sequence[str]) -> dict[str, str]:
        return row_as_dict(self.names, cells)

    def describe_tags(self) -> str:
        return ", ".join(str(tag) for tag in self.tags if tag is not None) or "none"


def find_hxl_table(head: CsvHead) -> HxlTable | None:
    """The table under the first hashtag row among the head rows, or None when there is none.

    The row above the hashtag row, when there is one, is the human-readable header; its
    texts name the columns in ``raw`` because that is what a person sees in the file.
    """
    for index, (_, cells) in enumerate(head.rows):
        if is_hashtag_row(cells):
            header = head.rows[index - 1][1] if index > 0 else []
            width = max(len(header), len(cells))
            padded_header = list(header) + [""] * (width - len(header))
            return HxlTable(
                tags=[parse_hashtag(cell) for cell in cells],
                names=column_names(padded_header, cells),
                rows=head.rows_after(index),
            )
    return None


def read_hxl_table(stream: BinaryIO, *, example_tags: str) -> HxlTable:
    """The HXL table in ``stream``; FormatError when no hashtag row is near the top."""
    table = find_hxl_table(read_head(stream))
    if table is None:
        raise FormatError(
            f"no HXL hashtag row (a row of tags like {example_tags}) in the first {HEAD_ROWS} rows"
        )
    return table


def locate_columns(
    table: HxlTable,
    required: dict[str, tuple[str, ...]],
    optional: dict[str, tuple[str, ...]],
) -> dict[str, int | None]:
    """Column index per field (None: not in the file); FormatError naming missing required tags.

    A required field may be satisfied by any of its patterns; the first is the one named,
    without its exclusions (``#inneed-sector`` is named ``#inneed``).
    """
    columns = {field: table.column(*patterns) for field, patterns in required.items()}
    missing = [
        _EXCLUSION.sub("", required[field][0]) for field, index in columns.items() if index is None
    ]
    if missing:
        raise FormatError(
            f"missing HXL column(s): {', '.join(missing)} (tags found: {table.describe_tags()})"
        )
    columns.update((field, table.column(*patterns)) for field, patterns in optional.items())
    return columns


def parsed_rows(
    table: HxlTable,
    build: Callable[[Sequence[str]], tuple[Record, tuple[str, ...]]],
) -> Iterator[ParsedRow]:
    """One ParsedRow per data row: ``build`` makes the record and its warnings from the
    row's cells, or raises ValueError with the reason the row is refused."""
    for line_number, cells in table.rows:
        raw = table.raw(cells)
        if problem := width_problem(table.names, cells):
            yield ParsedRow(row_number=line_number, raw=raw, error=problem)
            continue
        try:
            record, warnings = build(cells)
        except ValueError as error:
            yield ParsedRow(row_number=line_number, raw=raw, error=str(error))
        else:
            yield ParsedRow(row_number=line_number, raw=raw, record=record, warnings=warnings)


def cell(cells: Sequence[str], index: int | None) -> str:
    """The cell at ``index``; "" for a column the file does not have or a short row."""
    if index is None or index >= len(cells):
        return ""
    return cells[index]
