"""`kaoping importprogress FILE`: import a filled progress workbook as drafts (all or nothing)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import translation
from django.utils.translation import gettext as _

from kaoping.core.errors import ApplicationError
from kaoping.core.periods import Period
from kaoping.org.models import Unit, User
from kaoping.tracking.services.imports import (
    ImportResult,
    ProgressImportError,
    max_workbook_bytes,
    progress_import,
)


def summary(result: ImportResult) -> str:
    """One line saying what an import did, in the active language."""
    if result.already_imported:
        return _(
            "This workbook was already imported for “%(unit)s”, %(period)s; nothing changed."
        ) % {"unit": result.unit.name, "period": result.period.label()}
    return _(
        "Imported for “%(unit)s”, %(period)s: %(created)d reports created, %(updated)d "
        "updated, %(unchanged)d unchanged, %(blank)d rows left empty."
    ) % {
        "unit": result.unit.name,
        "period": result.period.label(),
        "created": result.created,
        "updated": result.updated,
        "unchanged": result.unchanged,
        "blank": result.blank,
    }


class Command(BaseCommand):
    help = (
        "Import a filled progress entry workbook (.xlsx) as draft reports; unit and period "
        "default to the workbook's header. Problems are listed one per line."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="the filled workbook (.xlsx)")
        parser.add_argument("--unit", default="", help="the unit's code (default: the header's)")
        parser.add_argument(
            "--period",
            default="",
            help="the period, e.g. 2022Q3 or 2022-09 (default: the header's)",
        )
        parser.add_argument(
            "--actor", default="", help="act as this user (default: the system itself)"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        with translation.override(settings.LANGUAGE_CODE):
            self._import(options)

    def _import(self, options: dict[str, Any]) -> None:
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(_("There is no file %(path)s.") % {"path": path})
        actor = unit = period = None
        if options["actor"]:
            actor = User.objects.filter(username=options["actor"], is_active=True).first()
            if actor is None:
                raise CommandError(
                    _("There is no active user %(name)s.") % {"name": options["actor"]}
                )
        if options["unit"]:
            unit = Unit.objects.filter(code=options["unit"]).first()
            if unit is None:
                raise CommandError(
                    _("There is no unit with the code %(code)s.") % {"code": options["unit"]}
                )
        try:
            if options["period"]:
                period = Period.parse(options["period"])
            with path.open("rb") as handle:  # never more than one byte over the limit
                data = handle.read(max_workbook_bytes() + 1)
            result = progress_import(
                actor=actor, data=data, filename=path.name, unit=unit, period=period
            )
        except ProgressImportError as exc:
            for problem in exc.problems:
                self.stderr.write(str(problem))
            raise CommandError(str(exc.message)) from exc
        except ApplicationError as exc:
            raise CommandError(str(exc.message)) from exc
        self.stdout.write(summary(result))
        self.stdout.write(_("File SHA-256: %(sha)s") % {"sha": result.sha256})
