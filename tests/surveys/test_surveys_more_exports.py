"""Excel/CSV exports of the survey pages: projects, option sets, the sample (masked), the
supervise page's two tables and the interviewer's own cases (masked). Every row the page
shows, never a clear name or phone number, formula-like text neutralised."""

from __future__ import annotations

from typing import Any

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from kaoping.org.models import Role, Unit
from kaoping.surveys import call_selectors
from kaoping.surveys.models import Case, OptionSet, Respondent, SurveyProject
from kaoping.surveys.services import calls
from tests.exports import export_rows as _rows
from tests.factories import PlanFactory, make_unit
from tests.surveys.test_calls import MORNING, Fieldwork, build_fieldwork

pytestmark = pytest.mark.django_db

RISKY = "=1+2"
HIDDEN = "邻县评议"


def _get(user: Any, url: str, **params: str) -> Any:
    client = Client()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    client.force_login(user)
    return client.get(url, params)


def _flat(rows: list[list[Any]]) -> str:
    return " ".join(str(v) for r in rows for v in r if v is not None)


@pytest.fixture
def fw(world: Any, project: Any, monkeypatch: pytest.MonkeyPatch) -> Fieldwork:
    monkeypatch.setattr(timezone, "now", lambda: MORNING)
    fieldwork = build_fieldwork(world, project)
    calls.cases_assign(project=fieldwork.project, actor=fieldwork.office)
    return fieldwork


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_project_export_is_the_offices_projects(world: Any, project: Any, fmt: str) -> None:
    SurveyProject.objects.filter(pk=project.pk).update(name=RISKY)
    other = make_unit("C02", "邻县", Unit.Kind.COUNTY)
    SurveyProject.objects.create(plan=PlanFactory(owner=other, code="c02"), code="X", name=HIDDEN)
    rows = _rows(_get(world.users[Role.OFFICE], reverse("surveys:project_list"), export=fmt), fmt)
    assert rows[0][:2] == ["Code", "Survey"]
    assert [r[1] for r in rows[1:]] == ["'" + RISKY]


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_option_set_export_has_a_row_per_answer(world: Any, fmt: str) -> None:
    rows = _rows(_get(world.users[Role.OFFICE], reverse("surveys:option_sets"), export=fmt), fmt)
    assert rows[0][:4] == ["Option set", "Kind", "Answer", "Score"]
    assert len(rows) == 1 + sum(len(s.options) for s in OptionSet.objects.all())


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_sample_export_is_masked_and_complete(fw: Fieldwork, fmt: str) -> None:
    Respondent.objects.filter(pk=fw.case().respondent_id).update(name_masked=RISKY)
    url = reverse("surveys:sample", args=[fw.project.pk])
    rows = _rows(_get(fw.office, url, export=fmt), fmt)
    assert rows[0][:4] == ["Stratum", "#", "Name", "Phone"]
    assert len(rows) == 1 + Case.objects.filter(draw=fw.draw).count()
    assert "'" + RISKY in [r[2] for r in rows[1:]]
    flat = _flat(rows)
    assert "13900000000" not in flat and "测试0" not in flat
    assert fw.case().respondent.phone_masked in flat


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_supervise_exports_both_tables(fw: Fieldwork, fmt: str) -> None:
    url = reverse("surveys:supervise", args=[fw.project.pk])
    progress = call_selectors.progress(project=fw.project)
    strata = _rows(_get(fw.supervisor, url, export=fmt, table="strata"), fmt)
    assert strata[0][:2] == ["Stratum", "Allocated"]
    assert len(strata) == 1 + len(progress.strata)
    people = _rows(_get(fw.office, url, export=fmt, table="interviewers"), fmt)
    assert people[0][:2] == ["Interviewer", "Cases"]
    assert len(people) == 1 + len(progress.interviewers) == 3


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_my_cases_export_is_the_interviewers_own_masked(fw: Fieldwork, fmt: str) -> None:
    me, other = fw.interviewers
    mine = Case.objects.filter(interviewer=me).order_by("stratum", "position").first()
    theirs = Case.objects.filter(interviewer=other).first()
    assert mine is not None and theirs is not None
    Respondent.objects.filter(pk=mine.respondent_id).update(name_masked=RISKY)
    Respondent.objects.filter(pk=theirs.respondent_id).update(name_masked=HIDDEN)
    rows = _rows(_get(me, reverse("surveys:my_cases"), export=fmt), fmt)
    assert rows[0][:3] == ["Survey", "Respondent", "Phone"]
    shown = call_selectors.my_cases(user=me, now=MORNING)
    assert len(rows) == 1 + sum(len(e.rows) for e in shown)
    assert "'" + RISKY in [r[1] for r in rows[1:]]
    flat = _flat(rows)
    assert HIDDEN not in flat and "13900000000" not in flat


@pytest.mark.parametrize(
    ("name", "args", "who"),
    [
        ("surveys:project_list", [], "interviewer"),
        ("surveys:option_sets", [], "interviewer"),
        ("surveys:sample", ["project"], "supervisor"),
        ("surveys:supervise", ["project"], "interviewer"),
        ("surveys:my_cases", [], "office"),
    ],
)
def test_survey_exports_are_404_for_others(fw: Fieldwork, name: str, args: list, who: str) -> None:
    user = {"interviewer": fw.interviewers[1], "supervisor": fw.supervisor, "office": fw.office}
    url = reverse(name, args=[fw.project.pk for _ in args])
    assert _get(user[who], url, export="xlsx").status_code == 404


def test_supervise_page_offers_both_tables(fw: Fieldwork) -> None:
    html = _get(fw.office, reverse("surveys:supervise", args=[fw.project.pk])).content.decode()
    assert "table=strata" in html and "table=interviewers" in html
