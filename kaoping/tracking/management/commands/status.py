"""`kaoping status --cycle 2022 --period 2022Q3 [--unit CODE] [--plan CODE] [--json]`.

Prints the tracking figures of every plan of a cycle (or one), one row per indicator and
unit, computed fresh from the approved reports: a JSON array for scripts (docs/status-json.md)
or a table for people.
"""

from __future__ import annotations

import json
import unicodedata
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kaoping.core.errors import ApplicationError
from kaoping.tracking.selectors import tracking_rows

STATUS_LABELS = {
    "green": gettext_lazy("On schedule"),
    "yellow": gettext_lazy("Behind schedule"),
    "red": gettext_lazy("Far behind schedule"),
    "not_comparable": gettext_lazy("Not comparable"),
}
TREND_LABELS = {
    "improved": gettext_lazy("Improved"),
    "declined": gettext_lazy("Declined"),
    "unchanged": gettext_lazy("Unchanged"),
    "not_comparable": gettext_lazy("Not comparable"),
}


def display_width(text: str) -> int:
    """Columns a string takes in a terminal (Chinese characters take two)."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def pad(text: str, width: int, right: bool = False) -> str:
    fill = " " * max(0, width - display_width(text))
    return fill + text if right else text + fill


def _number(value: float | None, *, percent: bool = False, places: int = 2) -> str:
    if value is None:
        return "—"
    shown = value * 100 if percent else value
    return f"{shown:,.{places}f}" + ("%" if percent else "")


def table(rows: list[dict[str, Any]]) -> str:
    """The rows as an aligned plain-text table in the active language."""
    headers = [
        _("Plan"),
        _("Indicator"),
        _("Unit"),
        _("Period"),
        _("Actual"),
        _("Target"),
        _("Completion"),
        _("Expected progress"),
        _("Gap (pp)"),
        _("Status"),
        _("Growth (%)"),
        _("Growth a year before (%)"),
        _("Trend"),
        _("Projection"),
        _("Will meet target"),
    ]
    numeric = {4, 5, 6, 7, 8, 10, 11, 13}
    lines = []
    for row in rows:
        meets = row["will_meet_target"]
        lines.append(
            [
                row["plan_code"],
                f"{row['indicator_code']} {row['indicator_name']}",
                row["unit_name"],
                row["period"],
                _number(row["actual"]),
                _number(row["target"]),
                _number(row["completion"], percent=True, places=1),
                _number(row["expected_progress"], percent=True, places=1),
                _number(row["gap"], places=1),
                str(STATUS_LABELS.get(row["status"], row["status"])),
                _number(row["yoy_growth"]),
                _number(row["yoy_growth_last_year"]),
                str(TREND_LABELS.get(row["yoy_trend"], row["yoy_trend"])),
                _number(row["projection"]),
                "—" if meets is None else (_("Yes") if meets else _("No")),
            ]
        )
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
        "Print the tracking figures of a cycle at a period (completion, expected progress, "
        "gap, status, year on year, projection), one row per indicator and unit, computed "
        "from the approved reports. --json prints a JSON array (docs/status-json.md)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--cycle", type=int, required=True, help="the cycle's year")
        parser.add_argument(
            "--period", required=True, help="a period of that year: 2022Q3, 2022-09 or 2022"
        )
        parser.add_argument("--unit", default="", help="only this unit (its code)")
        parser.add_argument("--plan", default="", help="only this plan (its code)")
        parser.add_argument("--json", action="store_true", help="print JSON for scripts")

    def handle(self, *args: Any, **options: Any) -> None:
        with translation.override(settings.LANGUAGE_CODE):
            try:
                rows = tracking_rows(
                    cycle=options["cycle"],
                    period=options["period"],
                    unit_code=options["unit"],
                    plan_code=options["plan"],
                )
            except ApplicationError as exc:
                raise CommandError(str(exc.message)) from exc
            if options["json"]:
                self.stdout.write(json.dumps(rows, ensure_ascii=False, indent=2))
            elif rows:
                self.stdout.write(table(rows))
            else:
                self.stdout.write(_("No indicator owes reports in this selection."))
