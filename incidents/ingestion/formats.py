"""The ingestion formats, each declared once: its name in the admin, what a file in it
holds, the source its records are named after by default, its parser, the records it
writes and the options it reads.

The models take their choices from here, the parsers their table, the services, the
upload form and the commands the rest. Nothing here imports Django or a parser: the
models import this module, and so does the parser process, which runs without Django. A
parser is named by its dotted path (``incidents.ingestion.parsers`` imports it), the model
its records go to by its label.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any


def gettext_noop(message: str) -> str:
    """Mark ``message`` for the translation catalogue; where it is shown it is translated.
    Django's own marker would bring Django into the parser process."""
    return message


class Format(StrEnum):
    IMPACT_CSV = "impact-csv"
    IMPACT_JSON = "impact-json"
    HXL = "hxl"
    ACLED = "acled"
    JCC = "jcc"
    HXL_BASELINE = "hxl-baseline"


# Every format reads it, before its parser does: which sheet of an Excel workbook to read.
SHEET_OPTION = "sheet"


@dataclass(frozen=True)
class IngestionFormat:
    label: str  # the format's name in the admin, marked for translation
    description: str  # what a file in it holds, for the upload form; marked too
    detected_as: str  # what detection calls a file it recognises as this format
    default_source: str  # the records' external source when neither feed nor run names one
    parser: str  # dotted path of the parser, a generator of ParsedRow
    model: str  # the label of the model its records are written to ("app_label.Model")
    # Run options handed to the parser, each as the parser's keyword argument.
    parser_options: Mapping[str, str] = field(default_factory=dict)
    writer_options: tuple[str, ...] = ()  # run options the writer reads
    # Its external ids are "<source>:<id>" (Impact's own export): a record keeps the key
    # it had on the instance that exported it.
    ids_name_their_source: bool = False

    @property
    def options(self) -> frozenset[str]:
        return frozenset({SHEET_OPTION, *self.parser_options, *self.writer_options})


_PARSERS = "incidents.ingestion.parsers"
_INCIDENT = "incidents.Incident"

FORMATS: dict[Format, IngestionFormat] = {
    Format.IMPACT_CSV: IngestionFormat(
        label=gettext_noop("Impact CSV export"),
        description=gettext_noop(
            "this platform's own CSV export (external_source, external_id, occurred_on, ...)."
        ),
        detected_as="Impact's own CSV export",
        default_source="impact",
        parser=f"{_PARSERS}.impact.parse_impact_csv",
        model=_INCIDENT,
        ids_name_their_source=True,
    ),
    Format.IMPACT_JSON: IngestionFormat(
        label=gettext_noop("Impact JSON export"),
        description=gettext_noop("this platform's own JSON export."),
        detected_as="Impact's own JSON export",
        default_source="impact",
        parser=f"{_PARSERS}.impact.parse_impact_json",
        model=_INCIDENT,
        ids_name_their_source=True,
    ),
    Format.HXL: IngestionFormat(
        label=gettext_noop("HXL-tagged CSV (incidents)"),
        description=gettext_noop(
            "incidents in a table with an HXL hashtag row (#date+occurred, #affected+killed, ...)."
        ),
        detected_as="an HXL table of incidents",
        default_source="hxl",
        parser=f"{_PARSERS}.hxl.parse_hxl_incidents",
        model=_INCIDENT,
    ),
    Format.ACLED: IngestionFormat(
        label=gettext_noop("ACLED export (CSV or API JSON)"),
        description=gettext_noop(
            "ACLED's export or API response (event_id_cnty, event_date, event_type, ...); "
            "events of other types are skipped."
        ),
        detected_as="an ACLED export",
        default_source="acled",
        parser=f"{_PARSERS}.acled.parse_acled",
        model=_INCIDENT,
        parser_options={"acled_event_types": "event_types"},
    ),
    Format.JCC: IngestionFormat(
        label=gettext_noop("JCC grain shipments table (CSV or HXL)"),
        description=gettext_noop(
            "the JCC's grain voyages table, plain or its HXL variant from HDX."
        ),
        detected_as="the JCC's grain voyages table",
        default_source="jcc",
        parser=f"{_PARSERS}.jcc.parse_jcc",
        model="incidents.GrainShipment",
    ),
    Format.HXL_BASELINE: IngestionFormat(
        label=gettext_noop("HXL-tagged needs baseline (people in need by region)"),
        description=gettext_noop(
            "people in need by region, with an HXL hashtag row (#inneed, #affected, ...)."
        ),
        detected_as="an HXL needs table",
        default_source="baseline",
        parser=f"{_PARSERS}.baseline.parse_hxl_baseline",
        model="incidents.NeedsBaseline",
        writer_options=("baseline_year",),
    ),
}

# The options of every format: an option another format reads is not refused.
OPTIONS = frozenset().union(*(declared.options for declared in FORMATS.values()))


def format_of(value: str) -> IngestionFormat:
    """The declaration of the format named ``value``; ValueError when there is none."""
    return FORMATS[Format(value)]


def option_errors(format: str, options: Any) -> list[str]:
    """What is wrong with a feed's or run's format options; empty when they are fine."""
    if not isinstance(options, dict):
        return ["Options must be a JSON object."]
    errors = []
    event_types = options.get("acled_event_types")
    if event_types is not None and not (
        isinstance(event_types, list) and all(isinstance(item, str) for item in event_types)
    ):
        errors.append("acled_event_types must be a list of ACLED event type names.")
    year = options.get("baseline_year")
    if year is not None and not (isinstance(year, int) and 1990 <= year <= 2100):
        errors.append("baseline_year must be a year such as 2023.")
    sheet = options.get(SHEET_OPTION)
    if sheet is not None and not (isinstance(sheet, str) and sheet.strip()):
        errors.append("sheet must be the name of a sheet in the workbook.")
    errors += [f"Unknown option '{name}'." for name in sorted(set(options) - OPTIONS)]
    return errors
