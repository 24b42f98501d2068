"""`kaoping importplan FILE`: load a plan from a YAML or Excel plan file (all or nothing)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from kaoping.core.errors import ApplicationError
from kaoping.org.models import User
from kaoping.plans.importing import (
    FORMATS,
    PlanFileError,
    database_problems,
    max_plan_file_bytes,
    parse_plan_file,
    plan_import,
)
from kaoping.plans.planfile import Loc, Problem, sorted_problems
from kaoping.plans.planxlsx import SHEET_ORDER


def change_labels() -> dict[str, str]:
    """What the counted changes of an import are called, in the user's language."""
    return {
        "plan.updated": _("plan settings updated"),
        "groups.created": _("groups created"),
        "groups.updated": _("groups updated"),
        "groups.deleted": _("groups removed"),
        "indicators.created": _("indicators created"),
        "indicators.updated": _("indicators updated"),
        "indicators.deleted": _("indicators removed"),
        "unit_targets.created": _("unit targets created"),
        "unit_targets.updated": _("unit targets updated"),
        "unit_targets.deleted": _("unit targets removed"),
        "assignments.created": _("assignments created"),
        "assignments.updated": _("assignments updated"),
        "assignments.deleted": _("assignments removed"),
    }


class Command(BaseCommand):
    help = "Import a plan from a plan file (.yaml or .xlsx); see docs/plan-format.md."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="the plan file (.yaml, .yml or .xlsx)")
        parser.add_argument(
            "--format", choices=FORMATS, help="the file's format (default: from its extension)"
        )
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="check everything and report what would change; write nothing",
        )
        parser.add_argument(
            "--user", default="", help="act as this user (default: the system itself)"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        path = Path(options["file"])
        actor = None
        if options["user"]:
            actor = User.objects.filter(username=options["user"], is_active=True).first()
            if actor is None:
                raise CommandError(
                    _("There is no active user %(name)s.") % {"name": options["user"]}
                )
        try:
            limit = max_plan_file_bytes()
            if not path.is_file():
                raise CommandError(_("There is no file %(path)s.") % {"path": path})
            size = path.stat().st_size
            if size > limit:
                self._fail(
                    [
                        Problem.at(
                            Loc(),
                            _("The file is too large: %(size)d bytes, the limit is %(max)d.")
                            % {"size": size, "max": limit},
                        )
                    ]
                )
            parsed = parse_plan_file(
                data=path.read_bytes(), filename=path.name, fmt=options["format"], max_bytes=limit
            )
            if parsed.problems:
                # Report the database's objections too, so one run lists every problem.
                extra = database_problems(document=parsed.document) if parsed.document else []
                self._fail(sorted_problems([*parsed.problems, *extra], SHEET_ORDER))
            assert parsed.document is not None
            result = plan_import(actor=actor, document=parsed.document, dry_run=options["dry_run"])
        except PlanFileError as exc:
            self._fail(exc.problems)
        except ApplicationError as exc:
            raise CommandError(str(exc.message)) from exc
        if not result.changed:
            head = _("The plan “%(plan)s” already matches the file; nothing changed.")
        elif result.dry_run:
            head = _("Dry run: nothing was written. Importing would do this to “%(plan)s”:")
        elif result.created:
            head = _("Created the plan “%(plan)s”:")
        else:
            head = _("Updated the plan “%(plan)s”:")
        self.stdout.write(head % {"plan": result.plan.name})
        labels = change_labels()
        for key, count in sorted(result.changes.items()):
            if count:
                self.stdout.write(f"  {labels.get(key, key)}: {count}")
        self.stdout.write(_("File SHA-256: %(sha)s") % {"sha": result.sha256})

    def _fail(self, problems: list[Problem]) -> None:
        for problem in problems:
            self.stderr.write(str(problem))
        raise CommandError(
            _("The plan file has %(n)d problem(s); nothing was imported.") % {"n": len(problems)}
        )
