"""`kaoping holidays --year 2022 [--year 2023 …]`: load the official working calendar.

The same service as the working-calendar page's button, run from the server: it fills
tracking.Holiday from the chinese-calendar package for the years it knows and says which
years it does not know (those the office enters by hand). Audited as the system.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from kaoping.tracking.services import tasks as services
from kaoping.tracking.task_selectors import holidays_in_year


class Command(BaseCommand):
    help = "Load public holidays and make-up working days of a year into the working calendar."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--year",
            type=int,
            action="append",
            required=True,
            help="The year to load (repeat for several years).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        for year in options["year"]:
            if not 2000 <= year <= 2200:
                raise CommandError(f"{year}: give a year between 2000 and 2200.")
            loaded = services.holidays_seed_official(actor=None, year=year)
            if not loaded:
                self.stdout.write(
                    self.style.WARNING(
                        f"{year}: chinese-calendar has no data for this year; enter its holidays "
                        "and make-up working days on the working calendar page."
                    )
                )
                continue
            days = list(holidays_in_year(year=year))
            off = [h for h in days if not h.is_working_day]
            worked = [h for h in days if h.is_working_day]
            self.stdout.write(
                self.style.SUCCESS(
                    f"{year}: loaded {loaded} official days ({len(off)} days off on weekdays, "
                    f"{len(worked)} weekend days worked in the calendar now)."
                )
            )
            for holiday in days:
                kind = "worked" if holiday.is_working_day else "off"
                self.stdout.write(
                    f"  {holiday.day.isoformat()} {kind:6} {holiday.name} [{holiday.source}]"
                )
