from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from incidents.exports import impact_csv_lines, impact_json_chunks, incident_export_rows
from incidents.ingestion.formats import Format
from incidents.models import Incident

EXPORT_FORMATS = (Format.IMPACT_CSV.value, Format.IMPACT_JSON.value)  # what ingestion reads back


class Command(BaseCommand):
    help = (
        "Write incidents in Impact's export format (impact-csv or impact-json), which the "
        "ingest command reads back on another instance."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--format", choices=EXPORT_FORMATS, default=Format.IMPACT_CSV.value)
        parser.add_argument("--output", default="-", help="File to write; - for standard output.")
        parser.add_argument(
            "--all-statuses",
            action="store_true",
            help="Include drafts, submitted and rejected incidents (default: verified only).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        incidents = Incident.objects.order_by("id")
        if not options["all_statuses"]:
            incidents = incidents.published()
        rows = incident_export_rows(incidents)
        chunks = (
            impact_csv_lines(rows)
            if options["format"] == Format.IMPACT_CSV
            else impact_json_chunks(rows)
        )
        if options["output"] == "-":
            for chunk in chunks:
                self.stdout.write(chunk, ending="")
            return
        newline = "" if options["format"] == Format.IMPACT_CSV else None
        with open(options["output"], "w", encoding="utf-8", newline=newline) as handle:
            for chunk in chunks:
                handle.write(chunk)
