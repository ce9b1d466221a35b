from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from incidents.demo import demo_add_synthetic, demo_load


class Command(BaseCommand):
    help = (
        "Load real attacks of summer 2023 as verified demo data (idempotent). "
        "--synthetic N adds N clearly marked synthetic incidents for load testing."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--synthetic",
            type=int,
            default=0,
            metavar="N",
            help="Also add N synthetic incidents (marked as such) for load testing.",
        )

    def handle(self, *args: Any, synthetic: int, **options: Any) -> None:
        if synthetic < 0:
            raise CommandError("--synthetic must be zero or more.")
        result = demo_load()
        self.stdout.write(f"Demo data: {result}")
        if synthetic:
            added = demo_add_synthetic(count=synthetic)
            self.stdout.write(f"Synthetic incidents added: {added}")
