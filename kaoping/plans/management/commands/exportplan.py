"""`kaoping exportplan --cycle YEAR -o FILE`: write a plan as a YAML or Excel plan file."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from kaoping.core.errors import ApplicationError
from kaoping.plans.importing import (
    FORMATS,
    detect_format,
    find_plan,
    plan_export,
    plan_export_record,
    render_plan_file,
)


class Command(BaseCommand):
    help = "Export a plan as a plan file (.yaml or .xlsx) that importplan reads back."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--cycle", type=int, required=True, help="the cycle's year")
        parser.add_argument("--plan", default="", help="the plan's code (if the cycle has several)")
        parser.add_argument("--owner", default="", help="the owner unit's code")
        parser.add_argument(
            "-o",
            "--output",
            default="-",
            help="the file to write (.yaml, .yml or .xlsx); - for YAML on stdout",
        )
        parser.add_argument(
            "--format", choices=FORMATS, help="the file's format (default: from its extension)"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        output = options["output"]
        try:
            fmt = options["format"] or ("yaml" if output == "-" else detect_format(output))
            if output == "-" and fmt != "yaml":
                raise CommandError(_("Only YAML can be written to standard output."))
            plan = find_plan(year=options["cycle"], code=options["plan"], owner=options["owner"])
            data = render_plan_file(document=plan_export(plan=plan), fmt=fmt)
        except ApplicationError as exc:
            raise CommandError(str(exc.message)) from exc
        if output == "-":
            self.stdout.write(data.decode("utf-8"), ending="")
        else:
            Path(output).write_bytes(data)
        sha256 = hashlib.sha256(data).hexdigest()
        plan_export_record(actor=None, plan=plan, fmt=fmt, sha256=sha256)
        if output != "-":
            self.stdout.write(
                _("Wrote the plan “%(plan)s” to %(path)s (SHA-256 %(sha)s).")
                % {"plan": plan.name, "path": output, "sha": sha256}
            )
