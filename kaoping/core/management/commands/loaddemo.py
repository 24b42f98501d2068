"""`kaoping loaddemo`: load the fictional demo county 示范县 and print its logins."""

from __future__ import annotations

import unicodedata
from typing import Any

from django.core.management.base import BaseCommand
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kaoping.demo.loader import COUNT_LABELS, DemoSummary, load_demo
from kaoping.demo.progress import PROGRESS_LABELS
from kaoping.org.models import Role

PART_LABELS = {
    "inspections": gettext_lazy("Inspections, deductions and rectifications"),
    "leader_ratings": gettext_lazy("Leader evaluation"),
    "surveys": gettext_lazy("Public appraisal surveys and their results"),
    "scoring": gettext_lazy("Scoring runs, vetoes and adjustments"),
    "bulletins": gettext_lazy("Progress bulletins"),
}


def display_width(text: str) -> int:
    """Terminal columns a string takes: CJK characters take two."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def format_table(header: list[str], rows: list[list[str]]) -> list[str]:
    """Rows as aligned text columns (wide characters counted as two columns)."""
    widths = [
        max(display_width(str(row[i])) for row in [header, *rows]) for i in range(len(header))
    ]

    def line(cells: list[str]) -> str:
        padded = [
            str(cell) + " " * (width - display_width(str(cell)))
            for cell, width in zip(cells, widths, strict=True)
        ]
        return "  ".join(padded).rstrip()

    rule = "  ".join("-" * width for width in widths)
    return [line(header), rule, *(line(row) for row in rows)]


class Command(BaseCommand):
    help = "Load the demo county 示范县 (safe to run again) and print the demo logins."

    def handle(self, *args: Any, **options: Any) -> None:
        summary = load_demo()
        for text in self.report(summary):
            self.stdout.write(text)

    def report(self, summary: DemoSummary) -> list[str]:
        lines = [
            _("Demo county 示范县: %(n)d rows added in %(s).1f s.")
            % {"n": summary.created_total, "s": summary.seconds},
        ]
        if summary.kept_plans:
            lines.append(
                _("Plans already published, left as they are: %(plans)s")
                % {"plans": ", ".join(summary.kept_plans)}
            )
        lines.append("")
        rows = [
            [str(COUNT_LABELS[key]), str(total), str(summary.created.get(key, 0))]
            for key, total in summary.counts.items()
        ]
        progress = summary.progress
        if progress is not None:
            rows += [
                [str(PROGRESS_LABELS[key]), str(total), str(progress.created.get(key, 0))]
                for key, total in progress.counts.items()
            ]
        lines += format_table([_("What"), _("Total"), _("Added now")], rows)
        if summary.parts:
            lines.append("")
            lines += format_table(
                [_("Evaluation data"), _("Added now")],
                [
                    [str(PART_LABELS.get(name, name)), str(sum(created.values()))]
                    for name, created in summary.parts.items()
                ],
            )
        if progress is not None and progress.counts.get("reports"):
            lines += ["", *self.progress_report(summary)]
        lines += [
            "",
            _("Demo logins (password %(password)s):")
            % {"password": summary.logins[0].password if summary.logins else ""},
            "",
        ]
        rows = []
        for login in summary.logins:
            with translation.override("en"):
                role_en = str(Role(login.role).label)
            rows.append(
                [
                    login.role_zh,
                    role_en,
                    login.username,
                    login.password,
                    login.unit,
                    str(login.sees),
                ]
            )
        lines += format_table(
            [_("Role (Chinese)"), _("Role"), _("User name"), _("Password"), _("Unit"), _("Sees")],
            rows,
        )
        return lines

    def progress_report(self, summary: DemoSummary) -> list[str]:
        """What the progress data shows at the end of the third quarter of 2022."""
        progress = summary.progress
        assert progress is not None
        return [
            _(
                "Progress as at %(period)s (supervision sweep of %(day)s): of the "
                "%(macro)d macro-economic indicators, %(improved)d grew faster than a year "
                "before and %(declined)d slower; %(red)d items far behind and %(yellow)d "
                "behind schedule."
            )
            % {
                "period": progress.period,
                "day": progress.sweep_day.isoformat(),
                "macro": progress.macro_total,
                "improved": progress.macro_improved,
                "declined": progress.macro_declined,
                "red": progress.far_behind,
                "yellow": progress.behind,
            },
            _("Reports under review: %(review)d, returned: %(returned)d, late: %(late)d.")
            % {
                "review": progress.under_review,
                "returned": progress.returned,
                "late": progress.late,
            },
        ]
