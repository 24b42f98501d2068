"""`kaoping sweep [--date YYYY-MM-DD]`: run the daily supervision sweep now.

Recomputes the figures of every published plan of an open cycle, raises alerts, escalates
supervision notices, asks lagging units for explanations and sends reminders, as the daily
job does; `--date` runs it as of another day (for a demonstration or a catch-up).
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from kaoping.core.errors import ApplicationError
from kaoping.tracking.services.supervision import supervision_sweep


class Command(BaseCommand):
    help = (
        "Run the daily supervision sweep now: recompute figures, raise alerts, escalate "
        "supervision notices, request explanations and send reminders (idempotent)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--date", default="", help="as of this day, YYYY-MM-DD (today)")

    def handle(self, *args: Any, **options: Any) -> None:
        with translation.override(settings.LANGUAGE_CODE):
            try:
                day = date.fromisoformat(options["date"]) if options["date"] else None
            except ValueError as exc:
                raise CommandError(
                    _("“%(value)s” is not a date: write YYYY-MM-DD.") % {"value": options["date"]}
                ) from exc
            try:
                summary = supervision_sweep(today=day or timezone.localdate())
            except ApplicationError as exc:
                raise CommandError(str(exc.message)) from exc
            self.stdout.write(
                _(
                    "Swept %(plans)d plans: %(results)d figures, %(alerts)d new alerts "
                    "(%(resolved)d resolved), %(notices)d supervision notices issued or "
                    "upgraded, %(explanations)d explanations requested, %(reminders)d "
                    "reminders, %(notifications)d notifications."
                )
                % summary.as_dict()
            )
