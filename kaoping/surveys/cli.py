"""The `kaoping survey` subcommands (management/commands/survey.py parses the arguments)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError


def draw(command: BaseCommand, options: dict[str, Any]) -> None:
    raise CommandError("survey draw: not available yet")


def results(command: BaseCommand, options: dict[str, Any]) -> None:
    raise CommandError("survey results: not available yet")


def purge(command: BaseCommand, options: dict[str, Any]) -> None:
    raise CommandError("survey purge: not available yet")
