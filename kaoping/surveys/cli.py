"""The `kaoping survey` subcommands (management/commands/survey.py parses the arguments)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError


def draw(command: BaseCommand, options: dict[str, Any]) -> None:
    """Print the sample a seed draws; record it (as the command line, audited) unless
    --dry-run. --json prints the survey, seed, total, allocation, census strata, per stratum
    the selected and reserve respondent ids in drawn order, the frame digest and "saved"."""
    import json

    from kaoping.core.errors import ApplicationError
    from kaoping.surveys.models import SurveyProject
    from kaoping.surveys.services import sampling

    code = options["survey"]
    project = SurveyProject.objects.filter(code=code).first()
    if project is None:
        raise CommandError(f"No survey project with the code {code!r}.")
    params: dict[str, Any] = {
        "seed": options["seed"],
        "total": options.get("total"),
        "minimum": options.get("minimum") or 0,
        "reserve_ratio": options.get("reserve_ratio", 1.0),
    }
    saved = not options.get("dry_run")
    try:
        plan = sampling.draw_plan(project=project, **params)
        if saved:
            recorded = sampling.sample_draw(project=project, actor=None, **params)
    except ApplicationError as exc:
        raise CommandError(f"{code}: {exc.message}") from exc
    computed = plan.draw
    if options.get("json"):
        command.stdout.write(
            json.dumps(
                {
                    "survey": project.code,
                    "seed": computed.seed,
                    "total": plan.total,
                    "allocation": computed.allocation,
                    "census": sorted(computed.census),
                    "strata": {
                        stratum: {
                            "selected": [int(i) for i in computed.selected[stratum]],
                            "reserves": [int(i) for i in computed.reserves[stratum]],
                        }
                        for stratum in sorted(computed.selected)
                    },
                    "frame_digest": plan.frame.digest,
                    "saved": saved,
                },
                ensure_ascii=False,
            )
        )
        return
    sizes = plan.frame.sizes
    rows = [("stratum", "respondents", "selected", "reserves", "taken")]
    for stratum in sorted(computed.selected):
        rows.append(
            (
                stratum,
                str(sizes.get(stratum, 0)),
                str(len(computed.selected[stratum])),
                str(len(computed.reserves[stratum])),
                "census" if stratum in computed.census else "random",
            )
        )
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    command.stdout.write(f"survey {project.code}, seed {computed.seed}")
    sized = " (recommended size)" if plan.recommended is not None else ""
    command.stdout.write(f"total to draw at random: {plan.total}{sized}")
    for row in rows:
        command.stdout.write(
            "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True))
        )
    command.stdout.write(
        f"selected {plan.selected_count}, reserves {plan.reserve_count}; "
        f"frame digest {plan.frame.digest}"
    )
    if saved:
        command.stdout.write(f"recorded as draw {recorded.pk}")
    else:
        command.stdout.write("dry run: nothing saved")


def results(command: BaseCommand, options: dict[str, Any]) -> None:
    """Print each unit's results: frozen once the survey is closed, provisional before.
    --json prints {"survey", "status", "provisional", "units": [...]} (floats rounded to 4
    decimals, null when undefined; units by code)."""
    import json

    from kaoping.core.errors import ApplicationError
    from kaoping.surveys.models import SurveyProject
    from kaoping.surveys.services.results import project_results

    code = options["survey"]
    project = SurveyProject.objects.select_related("plan__cycle").filter(code=code).first()
    if project is None:
        raise CommandError(f"No survey project with the code {code!r}.")
    try:
        rows = sorted(project_results(project=project), key=lambda r: r.unit_code)
    except ApplicationError as exc:
        raise CommandError(f"{code}: {exc.message}") from exc

    def four(value: float | None) -> float | None:
        return None if value is None else round(value, 4)

    def pair(low: float | None, high: float | None) -> list[float | None] | None:
        return None if low is None or high is None else [four(low), four(high)]

    units = [
        {
            "unit_code": r.unit_code,
            "unit_name": r.unit_name,
            "index": four(r.index),
            "index_ci": pair(r.index_ci_low, r.index_ci_high),
            "satisfied_rate": four(r.satisfied_rate),
            "satisfied_rate_ci": pair(r.satisfied_rate_ci_low, r.satisfied_rate_ci_high),
            "completes": r.completes,
            "rr1": four(r.rr1),
            "coop1": four(r.coop1),
            "ref1": four(r.ref1),
            "index_change": four(r.index_change),
        }
        for r in rows
    ]
    provisional = project.status != SurveyProject.Status.CLOSED
    if options.get("json"):
        command.stdout.write(
            json.dumps(
                {
                    "survey": project.code,
                    "status": project.status,
                    "provisional": provisional,
                    "units": units,
                },
                ensure_ascii=False,
            )
        )
        return

    def show(value: Any, percent: bool = False) -> str:
        if value is None:
            return "-"
        return f"{value * 100:.1f}%" if percent else f"{value:.2f}"

    state = "provisional (fieldwork)" if provisional else "frozen (closed)"
    command.stdout.write(f"survey {project.code}: {project.status}, {state}")
    table = [("unit", "index", "95% interval", "satisfied", "completes", "RR1", "COOP1", "REF1")]
    for u in units:
        ci = u["index_ci"]
        table.append(
            (
                str(u["unit_code"]),
                show(u["index"]),
                f"{ci[0]:.2f}-{ci[1]:.2f}" if ci else "-",
                show(u["satisfied_rate"], True),
                str(u["completes"]),
                show(u["rr1"], True),
                show(u["coop1"], True),
                show(u["ref1"], True),
            )
        )
    widths = [max(len(row[i]) for row in table) for i in range(len(table[0]))]
    for line in table:
        command.stdout.write(
            "  ".join(cell.ljust(width) for cell, width in zip(line, widths, strict=True))
        )


def purge(command: BaseCommand, options: dict[str, Any]) -> None:
    """Purge the personal data of every due project, or of one closed project (--survey) even
    before its retention ends; --dry-run lists what would be purged."""
    import json

    from django.utils import timezone

    from kaoping.core.errors import ApplicationError
    from kaoping.surveys.models import Respondent, SurveyProject
    from kaoping.surveys.services.privacy import projects_due_for_purge, purge_project

    dry_run = bool(options.get("dry_run"))
    code = options.get("survey")
    notes: list[str] = []
    if code:
        project = SurveyProject.objects.filter(code=code).first()
        if project is None:
            raise CommandError(f"No survey project with the code {code!r}.")
        if project.status != SurveyProject.Status.CLOSED:
            raise CommandError(
                f"The survey {code} is not closed ({project.status}); only a closed survey's "
                "personal data can be purged."
            )
        if project.purged_at is not None:
            notes.append(f"{code}: purged already on {project.purged_at:%Y-%m-%d}; nothing to do.")
            projects = []
        else:
            projects = [project]
    else:
        projects = projects_due_for_purge(timezone.now())
    purged: list[dict[str, Any]] = []
    for project in projects:
        if dry_run:
            count = Respondent.objects.filter(project=project).count()
        else:
            try:
                count = purge_project(project=project, actor=None)
            except ApplicationError as exc:
                raise CommandError(f"{project.code}: {exc.message}") from exc
        purged.append({"survey": project.code, "respondents": count})
    if options.get("json"):
        command.stdout.write(json.dumps({"purged": purged, "dry_run": dry_run}))
        for note in notes:
            command.stderr.write(note)
        return
    for note in notes:
        command.stdout.write(note)
    verb = "would purge" if dry_run else "purged"
    for item in purged:
        command.stdout.write(f"{item['survey']}: {verb} {item['respondents']} respondents")
    if not purged and not notes:
        command.stdout.write("No survey is due for purging.")
