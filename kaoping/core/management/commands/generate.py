"""`kaoping generate --counties N --seed S`: a synthetic province in an empty database."""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from kaoping.core.errors import ApplicationError
from kaoping.demo.generate import generate_province


class Command(BaseCommand):
    help = (
        "Generate a synthetic province (counties, towns, departments, accounts, plans, reports, "
        "findings, surveys) into an empty database; the same seed gives the same data."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--counties", type=int, required=True)
        parser.add_argument("--seed", type=int, default=0)
        parser.add_argument("--towns", type=int, default=20, help="towns per county")
        parser.add_argument("--departments", type=int, default=40, help="departments per county")
        parser.add_argument("--cycle", type=int, default=2022, help="the year of the cycle")
        parser.add_argument("--json", action="store_true", help="print the summary as JSON")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            summary = generate_province(
                counties=options["counties"],
                seed=options["seed"],
                towns=options["towns"],
                departments=options["departments"],
                cycle=options["cycle"],
            )
        except ApplicationError as exc:
            raise CommandError(str(exc.message)) from exc
        if options["json"]:
            self.stdout.write(json.dumps(summary.as_dict(), ensure_ascii=False, indent=2))
            return
        self.stdout.write(
            _("Generated %(n)d counties (seed %(seed)d): %(rows)d rows in %(s).1f s.")
            % {
                "n": summary.counties,
                "seed": summary.seed,
                "rows": sum(summary.counts.values()),
                "s": summary.seconds,
            }
        )
        for name, count in summary.counts.items():
            self.stdout.write(f"  {name:<20} {count:>10}")
        for name, seconds in summary.steps.items():
            self.stdout.write(f"  {name:<20} {seconds:>9.2f} s")
        self.stdout.write(
            _("Every account's password: %(password)s (office of county 1: %(user)s)")
            % {"password": summary.password, "user": "c001_office"}
        )
        self.stdout.write(_("Figures checksum: %(sum)s") % {"sum": summary.checksum})
