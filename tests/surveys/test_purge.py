"""Purging a closed survey's personal data: by service, by the daily job, by command."""

from __future__ import annotations

import datetime as dt
import json
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from kaoping.audit.models import AuditEvent
from kaoping.core.errors import ApplicationError
from kaoping.surveys import jobs
from kaoping.surveys.models import (
    CallAttempt,
    Case,
    Outcome,
    Respondent,
    RespondentGroup,
    SampleDraw,
    SurveyProject,
)
from kaoping.surveys.services.privacy import (
    projects_due_for_purge,
    purge_project,
    reveal_respondent,
)
from tests.surveys.conftest import add_respondents

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2023, 9, 1, 12, 0, tzinfo=dt.UTC)


def close(project: SurveyProject, *, days_ago: int, retention: int = 180) -> SurveyProject:
    SurveyProject.objects.filter(pk=project.pk).update(
        status=SurveyProject.Status.CLOSED,
        closed_at=NOW - dt.timedelta(days=days_ago),
        retention_days=retention,
    )
    project.refresh_from_db()
    return project


def another_project(world: Any, code: str) -> SurveyProject:
    return SurveyProject.objects.create(plan=world.plan, code=code, name=f"专项评议 {code}")


@pytest.fixture
def fielded(project: SurveyProject, world: Any) -> SurveyProject:
    """A project with respondents, a case and a call attempt with a note."""
    people = add_respondents(project, RespondentGroup.RESIDENT, {"东城镇": 3})
    Respondent.objects.filter(pk=people[0].pk).update(external_ref="身份证号-略")
    draw = SampleDraw.objects.create(project=project, seed=7, frame_digest="d")
    case = Case.objects.create(
        draw=draw, project=project, respondent=people[0], stratum="resident:东城镇", position=1
    )
    CallAttempt.objects.create(
        case=case,
        interviewer=world.users["interviewer"],
        number=1,
        started_at=NOW,
        outcome=Outcome.CALLBACK,
        note="张先生说晚上八点再打 13900000000",
    )
    return project


def test_purge_clears_personal_data_and_audits(fielded: SurveyProject, world: Any) -> None:
    project = close(fielded, days_ago=10)
    assert purge_project(project=project, actor=world.users["office"]) == 3
    for r in Respondent.objects.filter(project=project):
        assert (r.name_encrypted, r.phone_encrypted, r.name_masked, r.phone_masked) == (
            "",
            "",
            "",
            "",
        )
        assert r.phone_hash == f"purged:{r.pk}"
        assert r.external_ref == ""
        assert r.stratum == "东城镇" and r.group == "resident"  # results still need these
    assert CallAttempt.objects.get().note == ""
    assert Case.objects.count() == 1
    project.refresh_from_db()
    assert project.purged_at is not None
    event = AuditEvent.objects.get(action="survey.personal_data_purged")
    assert event.after == {"project": "T-ZH", "respondents": 3, "call_notes": 1}


def test_purge_is_idempotent(fielded: SurveyProject, world: Any) -> None:
    project = close(fielded, days_ago=10)
    purge_project(project=project, actor=None)
    first = SurveyProject.objects.get(pk=project.pk).purged_at
    assert purge_project(project=project, actor=None) == 0
    assert SurveyProject.objects.get(pk=project.pk).purged_at == first
    assert AuditEvent.objects.filter(action="survey.personal_data_purged").count() == 1


def test_only_a_closed_project_is_purged(fielded: SurveyProject) -> None:
    with pytest.raises(ApplicationError, match="Only a closed survey"):
        purge_project(project=fielded, actor=None)
    assert Respondent.objects.exclude(phone_encrypted="").count() == 3


def test_reveal_is_refused_after_the_purge(fielded: SurveyProject, world: Any) -> None:
    project = close(fielded, days_ago=1)
    respondent = Respondent.objects.filter(project=project).first()
    assert respondent is not None
    assert reveal_respondent(user=world.users["office"], respondent=respondent, purpose="x")
    purge_project(project=project, actor=None)
    respondent.refresh_from_db()
    with pytest.raises(ApplicationError, match="has been purged"):
        reveal_respondent(user=world.users["office"], respondent=respondent, purpose="x")


def test_the_masks_show_a_dash_after_the_purge(fielded: SurveyProject, world: Any) -> None:
    from django.urls import reverse

    from tests.surveys.test_frames_views import english_client

    project = close(fielded, days_ago=1)
    purge_project(project=project, actor=None)
    client = english_client(world.users["office"])
    body = client.get(reverse("surveys:respondents", args=[project.pk])).content.decode()
    assert "Personal data purged on" in body
    assert body.count("<td>—</td>") == 3
    assert "respondents/" not in body.split("<tbody>")[1].split("</tbody>")[0]  # no reveal link


def test_due_projects(project: SurveyProject, world: Any) -> None:
    due = close(project, days_ago=181)
    not_yet = close(another_project(world, "T-FG"), days_ago=179)
    exactly = close(another_project(world, "T-EX"), days_ago=30, retention=30)
    another_project(world, "T-OPEN")  # draft: never due
    purged = close(another_project(world, "T-DONE"), days_ago=400)
    SurveyProject.objects.filter(pk=purged.pk).update(purged_at=NOW)
    assert [p.code for p in projects_due_for_purge(NOW)] == [due.code, exactly.code]
    assert not_yet not in projects_due_for_purge(NOW)


def test_the_daily_job_purges_only_due_projects(project: SurveyProject, world: Any) -> None:
    add_respondents(project, RespondentGroup.RESIDENT, {"东城镇": 2})
    close(project, days_ago=200)
    kept = another_project(world, "T-FG")
    add_respondents(kept, RespondentGroup.RESIDENT, {"东城镇": 2}, start=500)
    close(kept, days_ago=20)
    assert jobs.purge_due_projects(NOW) == {"T-ZH": 2}
    assert Respondent.objects.filter(project=project, phone_encrypted="").count() == 2
    assert Respondent.objects.filter(project=kept).exclude(phone_encrypted="").count() == 2
    assert jobs.purge_due_projects(NOW) == {}  # a second run purges nothing


def test_the_job_is_a_registered_periodic_task() -> None:
    from huey.contrib.djhuey import HUEY

    periodic = {task.name for task in HUEY._registry.periodic_tasks}
    assert jobs.survey_purge_job.task_class.__name__ in periodic


def run(*args: str) -> str:
    out = StringIO()
    call_command("survey", "purge", *args, stdout=out, stderr=StringIO())
    return out.getvalue()


def test_cli_purges_due_projects_with_json(project: SurveyProject, world: Any) -> None:
    add_respondents(project, RespondentGroup.RESIDENT, {"东城镇": 2})
    SurveyProject.objects.filter(pk=project.pk).update(
        status=SurveyProject.Status.CLOSED,
        closed_at=timezone.now() - dt.timedelta(days=365),
    )
    recent = another_project(world, "T-FG")
    add_respondents(recent, RespondentGroup.RESIDENT, {"东城镇": 1}, start=500)
    SurveyProject.objects.filter(pk=recent.pk).update(
        status=SurveyProject.Status.CLOSED, closed_at=timezone.now()
    )
    dry = json.loads(run("--dry-run", "--json"))
    assert dry == {"purged": [{"survey": "T-ZH", "respondents": 2}], "dry_run": True}
    assert not SurveyProject.objects.filter(purged_at__isnull=False).exists()
    done = json.loads(run("--json"))
    assert done == {"purged": [{"survey": "T-ZH", "respondents": 2}], "dry_run": False}
    assert SurveyProject.objects.get(pk=project.pk).purged_at is not None
    assert SurveyProject.objects.get(pk=recent.pk).purged_at is None
    assert json.loads(run("--json")) == {"purged": [], "dry_run": False}


def test_cli_purges_one_closed_survey_before_its_retention_ends(
    project: SurveyProject,
) -> None:
    add_respondents(project, RespondentGroup.RESIDENT, {"东城镇": 2})
    SurveyProject.objects.filter(pk=project.pk).update(
        status=SurveyProject.Status.CLOSED, closed_at=timezone.now()
    )
    assert "T-ZH: would purge 2 respondents" in run("--survey", "T-ZH", "--dry-run")
    assert SurveyProject.objects.get(pk=project.pk).purged_at is None
    assert "T-ZH: purged 2 respondents" in run("--survey", "T-ZH")
    assert "purged already" in run("--survey", "T-ZH")
    assert json.loads(run("--survey", "T-ZH", "--json"))["purged"] == []


def test_cli_refuses_an_open_or_unknown_survey(project: SurveyProject) -> None:
    with pytest.raises(CommandError, match="not closed"):
        run("--survey", "T-ZH")
    with pytest.raises(CommandError, match="No survey project"):
        run("--survey", "NOPE")
