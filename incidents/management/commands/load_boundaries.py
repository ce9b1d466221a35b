from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from incidents.boundaries import GEOBOUNDARIES_ATTRIBUTION, boundaries_load


class Command(BaseCommand):
    help = (
        "Attach region boundaries from an OCHA COD-AB or geoBoundaries ADM1 GeoJSON file, "
        "matched by P-code or ISO 3166-2 code."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", metavar="FILE.geojson")
        parser.add_argument(
            "--source",
            default=GEOBOUNDARIES_ATTRIBUTION,
            help="Attribution shown with the map (default: the geoBoundaries/OSM line).",
        )

    def handle(self, *args: Any, file: str, source: str, **options: Any) -> None:
        try:
            with open(file, "rb") as stream:
                result = boundaries_load(stream=stream, source=source)
        except OSError as error:
            raise CommandError(f"{file}: {error.strerror}") from error
        except ValidationError as error:
            raise CommandError("; ".join(error.messages)) from error
        self.stdout.write(f"Boundaries loaded for {len(result.matched)} regions.")
        if result.unmatched:
            self.stdout.write(f"Not matched: {', '.join(result.unmatched)}")
        if result.missing:
            self.stdout.write(f"Regions still without a boundary: {', '.join(result.missing)}")
