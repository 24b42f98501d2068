"""`kaoping score --cycle 2022 [--plan CODE] [--period P] [--what-if FILE] [--save] [--json]`.

Scores every plan of a cycle (or one) on the current inputs and prints one row per unit: a
JSON array for scripts (docs/score-json.md) or a table for people. Nothing is stored unless
`--save` is given: then an official draft run (or, with --what-if, a what-if run) is recorded
for the office to check and publish in the web UI.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import translation
from django.utils.translation import gettext as _

from kaoping.core.errors import ApplicationError
from kaoping.plans.models import Plan
from kaoping.scoring import services
from kaoping.scoring.models import ScoreRun
from kaoping.scoring.selectors import score_json_row, stored_json_rows
from kaoping.tracking.management.commands.status import display_width, pad


def _cell(value: Any) -> str:
    if value is None:
        return "—"
    if isinstance(value, float):
        return f"{value:,.2f}"
    if isinstance(value, bool):
        return _("Yes") if value else ""
    return str(value)


def table(rows: list[dict[str, Any]]) -> str:
    """The rows as an aligned plain-text table in the active language."""
    headers = [
        _("Plan"),
        _("Group"),
        _("Rank"),
        _("Unit"),
        _("Score"),
        _("Indicators"),
        _("Public"),
        _("Leaders"),
        _("Grade"),
        _("Vetoed"),
        _("Change"),
        _("Points lost"),
    ]
    lines = [
        [
            row["plan_code"],
            row["group"] or "",
            _cell(row["rank"]),
            row["unit_name"],
            _cell(row["score"]),
            _cell(row["components"]["indicators"]),
            _cell(row["components"]["public_appraisal"]),
            _cell(row["components"]["leader_evaluation"]),
            row["grade"] or "—",
            _cell(row["vetoed"]),
            _cell(row["score_change"]),
            _cell(row["points_lost"]),
        ]
        for row in rows
    ]
    numeric = {2, 4, 5, 6, 7, 10, 11}
    widths = [
        max([display_width(h)] + [display_width(line[i]) for line in lines])
        for i, h in enumerate(headers)
    ]
    out = [
        "  ".join(pad(h, widths[i]) for i, h in enumerate(headers)),
        "  ".join("-" * w for w in widths),
    ]
    out += [
        "  ".join(pad(cell, widths[i], right=i in numeric) for i, cell in enumerate(line))
        for line in lines
    ]
    return "\n".join(line.rstrip() for line in out)


class Command(BaseCommand):
    help = (
        "Score the plans of a cycle on the current inputs (approved figures, deductions, "
        "ratings, appraisal, vetoes, adjustments) and print one row per unit. Nothing is "
        "stored without --save. --json prints a JSON array (docs/score-json.md)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--cycle", type=int, required=True, help="the cycle's year")
        parser.add_argument("--plan", default="", help="only this plan (its code)")
        parser.add_argument(
            "--period", default="", help="figures up to this period (default: the whole year)"
        )
        parser.add_argument("--what-if", default="", help="a YAML or JSON file of changes")
        parser.add_argument(
            "--save",
            action="store_true",
            help="record an official draft run (or a what-if run) for the office",
        )
        parser.add_argument("--label", default="", help="the saved run's label")
        parser.add_argument("--json", action="store_true", help="print JSON for scripts")

    def handle(self, *args: Any, **options: Any) -> None:
        with translation.override(settings.LANGUAGE_CODE):
            plans = Plan.objects.filter(cycle__year=options["cycle"]).select_related(
                "cycle", "owner"
            )
            if options["plan"]:
                plans = plans.filter(code=options["plan"])
            plans = plans.exclude(status=Plan.Status.DRAFT).order_by("code")
            if not plans.exists():
                raise CommandError(
                    _("The %(year)d cycle has no published plan%(code)s.")
                    % {
                        "year": options["cycle"],
                        "code": f" {options['plan']}" if options["plan"] else "",
                    }
                )
            overrides: dict[str, Any] = {}
            if options["what_if"]:
                try:
                    text = Path(options["what_if"]).read_text(encoding="utf-8")
                except OSError as exc:
                    raise CommandError(str(exc)) from exc
                try:
                    overrides = services.load_overrides(text)
                except ApplicationError as exc:
                    raise CommandError(str(exc.message)) from exc
            rows: list[dict[str, Any]] = []
            try:
                for plan in plans:
                    rows.extend(self.score(plan, options, overrides))
            except ApplicationError as exc:
                raise CommandError(str(exc.message)) from exc
            if options["json"]:
                self.stdout.write(json.dumps(rows, ensure_ascii=False, indent=2))
            elif rows:
                self.stdout.write(table(rows))
            else:
                self.stdout.write(_("No unit is evaluated in this selection."))

    def score(
        self, plan: Plan, options: dict[str, Any], overrides: dict[str, Any]
    ) -> list[dict[str, Any]]:
        period = options["period"] or None
        if not options["save"]:
            computed = services.score_preview(plan=plan, as_of=period, overrides=overrides)
            return [score_json_row(u, plan_code=plan.code, run_id=None) for u in computed.units]
        if options["what_if"]:
            run = services.what_if_run(
                actor=None, plan=plan, overrides=overrides, as_of=period, label=options["label"]
            )
        else:
            run = services.score_run_start(
                actor=None, plan=plan, as_of=period, label=options["label"]
            )
        if run.status == ScoreRun.Status.FAILED:
            raise CommandError(_("The run failed: %(e)s") % {"e": run.error})
        self.stderr.write(
            _("Saved run #%(id)d (%(status)s).") % {"id": run.pk, "status": run.status}
        )
        return stored_json_rows(run)
