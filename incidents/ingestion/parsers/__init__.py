"""Pure parsers: raw bytes of a supported format in, typed records out.

No ORM and no network. Every parser is a generator over a binary stream: it reads as it
yields, so memory stays flat however large the file, and it raises FormatError (on first
iteration) only when the file as a whole is unreadable; a bad row becomes a ParsedRow with
``error`` set and parsing carries on.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any, BinaryIO

from incidents.ingestion.parsers.acled import parse_acled
from incidents.ingestion.parsers.baseline import parse_hxl_baseline
from incidents.ingestion.parsers.hxl import parse_hxl_incidents
from incidents.ingestion.parsers.impact import parse_impact_csv, parse_impact_json
from incidents.ingestion.parsers.jcc import parse_jcc
from incidents.ingestion.records import Format, ParsedRow

PARSERS: dict[Format, Callable[..., Iterator[ParsedRow]]] = {
    Format.IMPACT_CSV: parse_impact_csv,
    Format.IMPACT_JSON: parse_impact_json,
    Format.HXL: parse_hxl_incidents,
    Format.ACLED: parse_acled,
    Format.JCC: parse_jcc,
    Format.HXL_BASELINE: parse_hxl_baseline,
}


def parse(format: Format | str, stream: BinaryIO, **options: Any) -> Iterator[ParsedRow]:
    """Parse ``stream`` as ``format`` (a Format or its value, e.g. "acled").

    ``options`` go to the format's parser (only ACLED takes one: ``event_types``). An unknown
    format raises ValueError at once; a parser's FormatError comes on first iteration.
    """
    return PARSERS[Format(format)](stream, **options)
