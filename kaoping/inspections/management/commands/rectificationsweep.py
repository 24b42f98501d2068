"""`kaoping rectificationsweep [--date YYYY-MM-DD]`: escalate overdue rectifications now.

Raises an alert for every rectification past its deadline and escalates it blue → yellow →
red by the days overdue, notifying each level once, as the daily job does; `--date` runs it
as of another day (for a demonstration or a catch-up).
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from kaoping.inspections.services import rectification_escalate_overdue


class Command(BaseCommand):
    help = "Escalate overdue rectifications now and notify who answers for them (idempotent)."

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
            summary = rectification_escalate_overdue(today=day or timezone.localdate())
            self.stdout.write(
                _(
                    "%(overdue)d rectifications overdue: %(alerts)d new alerts, %(escalated)d "
                    "escalated, %(notifications)d notifications."
                )
                % summary
            )
