"""`kaoping progresstemplate --unit CODE --period 2022Q3 -o FILE`: write an entry template."""

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
from kaoping.tracking.services.imports import progress_template_export, reporting_plans


class Command(BaseCommand):
    help = "Write the progress entry workbook of a unit and period, to fill and import."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--unit", required=True, help="the unit's code")
        parser.add_argument("--period", required=True, help="the period, e.g. 2022Q3 or 2022-09")
        parser.add_argument(
            "--plan", default="", help="the plan's code (default: the first with something due)"
        )
        parser.add_argument("-o", "--output", required=True, help="the .xlsx file to write")
        parser.add_argument(
            "--actor", default="", help="act as this user (default: the system itself)"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        with translation.override(settings.LANGUAGE_CODE):
            self._write(options)

    def _write(self, options: dict[str, Any]) -> None:
        actor = None
        if options["actor"]:
            actor = User.objects.filter(username=options["actor"], is_active=True).first()
            if actor is None:
                raise CommandError(
                    _("There is no active user %(name)s.") % {"name": options["actor"]}
                )
        unit = Unit.objects.filter(code=options["unit"]).first()
        if unit is None:
            raise CommandError(
                _("There is no unit with the code %(code)s.") % {"code": options["unit"]}
            )
        try:
            period = Period.parse(options["period"])
            plan = None
            if options["plan"]:
                plan = next(
                    (
                        p
                        for p in reporting_plans(unit=unit, period=period)
                        if p.code == options["plan"]
                    ),
                    None,
                )
                if plan is None:
                    raise CommandError(
                        _(
                            "“%(code)s” is not a published plan of %(year)d that "
                            "applies to “%(unit)s”."
                        )
                        % {"code": options["plan"], "year": period.year, "unit": unit.name}
                    )
            template = progress_template_export(actor=actor, unit=unit, period=period, plan=plan)
        except ApplicationError as exc:
            raise CommandError(str(exc.message)) from exc
        Path(options["output"]).write_bytes(template.data)
        self.stdout.write(
            _(
                "Wrote the %(period)s template of “%(unit)s” (%(rows)d indicators, "
                "plan %(plan)s) to %(path)s."
            )
            % {
                "period": period.label(),
                "unit": unit.name,
                "rows": template.rows,
                "plan": template.plan.code,
                "path": options["output"],
            }
        )
