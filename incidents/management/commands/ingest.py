from __future__ import annotations

import contextlib
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from tqdm import tqdm

from accounts.models import Organisation
from incidents.ingestion import services
from incidents.ingestion.formats import FORMATS, Format
from incidents.ingestion.sources import SourceError
from incidents.models import IngestionRun


class Command(BaseCommand):
    help = (
        "Ingest a file or an http(s) URL in one of the supported formats (CSV, or an xlsx "
        "workbook for every tabular format), the same way a feed does, and print "
        "created=N updated=N unchanged=N rejected=N."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("location", metavar="PATH_OR_URL")
        parser.add_argument("--format", required=True, choices=[f.value for f in Format])
        defaults = ", ".join(dict.fromkeys(each.default_source for each in FORMATS.values()))
        parser.add_argument(
            "--source",
            default="",
            help=f"External source name for the records' keys (default by format: {defaults}).",
        )
        parser.add_argument(
            "--status",
            default="submitted",
            choices=["submitted", "verified"],
            help="Status of new records (default: submitted, awaiting review).",
        )
        parser.add_argument("--organisation", default="", help="Slug of the organisation.")
        parser.add_argument(
            "--acled-event-types",
            default="",
            help="Comma-separated ACLED event types to import instead of the default "
            "'Explosions/Remote violence' and 'Violence against civilians'.",
        )
        parser.add_argument(
            "--sheet",
            default="",
            help="For an Excel workbook: the sheet to read (default: the first sheet with an "
            "HXL hashtag row near its top, else the first sheet).",
        )
        parser.add_argument(
            "--baseline-year",
            type=int,
            default=None,
            help="For hxl-baseline: the year the assessment's figures describe, e.g. 2023.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        organisation = None
        if options["organisation"]:
            organisation = Organisation.objects.filter(slug=options["organisation"]).first()
            if organisation is None:
                raise CommandError(f"No organisation with slug '{options['organisation']}'.")
        event_types = [t.strip() for t in options["acled_event_types"].split(",") if t.strip()]
        format_options: dict[str, Any] = {}
        if event_types:
            format_options["acled_event_types"] = event_types
        if options["sheet"]:
            format_options["sheet"] = options["sheet"]
        if options["baseline_year"]:
            format_options["baseline_year"] = options["baseline_year"]
        try:
            run = services.ingestion_run_create(
                location=options["location"],
                format=options["format"],
                trigger=IngestionRun.Trigger.COMMAND,
                external_source=options["source"],
                options=format_options,
                record_status=options["status"],
                organisation=organisation,
            )
        except ValidationError as error:
            raise CommandError("; ".join(error.messages)) from error
        show_bar = options["verbosity"] > 0
        with tqdm(unit=" rows", disable=not show_bar, file=self.stderr._out) as bar:
            try:
                run = services.ingestion_run_execute(run_id=run.pk, progress=bar.update)
            except SourceError as error:
                services.ingestion_run_fail(run_id=run.pk, error=str(error))
                raise CommandError(str(error)) from error
            except Exception as error:
                # Nobody retries a command: a run left "running" (the cache or the
                # database went away) would wait for a sweeper. It fails with the reason;
                # what it committed stays and a new run of the same file completes it.
                reason = f"{type(error).__name__}: {error}"
                with contextlib.suppress(Exception):
                    services.ingestion_run_fail(run_id=run.pk, error=reason)
                raise CommandError(f"Ingestion failed: {reason}") from error
        if run.status == IngestionRun.Status.FAILED:
            raise CommandError(f"Ingestion failed: {run.error}")
        self.stdout.write(run.summary)
        if run.rejected:
            self.stdout.write(
                f"Rejected rows are listed in the admin under ingestion run {run.public_id}."
            )
