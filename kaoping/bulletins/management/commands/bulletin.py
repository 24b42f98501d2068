"""`kaoping bulletin --cycle 2022 --period 2022Q3 [--plan CODE] --format docx -o FILE`.

Writes a plan's progress bulletin (进度通报) as Word, PDF or Excel, built from the current
figures exactly as the page's generated draft is, without writing to the database.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from kaoping.bulletins import content
from kaoping.bulletins.documents import FORMATS
from kaoping.bulletins.services import bulletin_period
from kaoping.core.errors import ApplicationError
from kaoping.plans.models import Plan


class Command(BaseCommand):
    help = (
        "Write a plan's progress bulletin at a period as Word (GB/T 9704 layout), PDF or "
        "Excel, from the current figures, without saving anything."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--cycle", type=int, required=True, help="the cycle's year")
        parser.add_argument("--period", required=True, help="a quarter or month: 2022Q3, 2022-10")
        parser.add_argument("--plan", default="", help="the plan's code (if the cycle has many)")
        parser.add_argument("--format", choices=sorted(FORMATS), default="docx")
        parser.add_argument("-o", "--output", required=True, help="the file to write")
        parser.add_argument("--number", default="", help="the document number (发文字号)")

    def handle(self, *args: Any, **options: Any) -> None:
        with translation.override(settings.LANGUAGE_CODE):
            plan = self._plan(options["cycle"], options["plan"])
            try:
                period = bulletin_period(plan, options["period"])
            except ApplicationError as exc:
                raise CommandError(str(exc.message)) from exc
            today = timezone.localdate()
            sections = content.build_sections(plan=plan, period=period, today=today)
            doc = content.document(
                plan=plan,
                period=period,
                sections=sections,
                document_number=options["number"],
                day=today,
            )
            data = FORMATS[options["format"]].render(doc)
            output = Path(options["output"])
            output.write_bytes(data)
            self.stdout.write(
                _("Wrote %(file)s (%(size)d bytes).") % {"file": output, "size": len(data)}
            )

    def _plan(self, year: int, code: str) -> Plan:
        plans = Plan.objects.filter(cycle__year=year).select_related("cycle", "owner")
        if code:
            plans = plans.filter(code=code)
        found = list(plans.order_by("code"))
        if not found:
            raise CommandError(
                _("The %(year)d cycle has no plan with the code %(code)s.")
                % {"year": year, "code": code or "—"}
            )
        if len(found) > 1:
            raise CommandError(
                _("The %(year)d cycle has several plans; choose one with --plan: %(codes)s")
                % {"year": year, "codes": ", ".join(p.code for p in found)}
            )
        return found[0]
