"""`kaoping survey draw|results|purge`: public appraisal surveys from the command line.

Each subcommand's work lives in kaoping.surveys.cli (one function per subcommand)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser


class Command(BaseCommand):
    help = "Public appraisal surveys: preview a draw, print results, purge personal data."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        draw = sub.add_parser("draw", help="Print the sample a seed would draw.")
        draw.add_argument("--survey", required=True, help="The survey project's code.")
        draw.add_argument("--seed", type=int, required=True)
        draw.add_argument("--total", type=int, help="Residents etc. to draw (default: sized).")
        draw.add_argument("--minimum", type=int, default=0, help="Minimum per stratum.")
        draw.add_argument("--reserve-ratio", type=float, default=1.0)
        draw.add_argument("--dry-run", action="store_true", help="Print only; save nothing.")
        draw.add_argument("--json", action="store_true")
        results = sub.add_parser("results", help="Print each unit's satisfaction results.")
        results.add_argument("--survey", required=True)
        results.add_argument("--json", action="store_true")
        purge = sub.add_parser("purge", help="Delete the personal data of finished surveys.")
        purge.add_argument("--survey", help="One project's code (default: every due one).")
        purge.add_argument("--dry-run", action="store_true")
        purge.add_argument("--json", action="store_true")

    def handle(self, *args: Any, **options: Any) -> None:
        from kaoping.surveys import cli

        getattr(cli, options["action"])(self, options)
