"""The scoring pages: who may open what (404 otherwise), data scope, drafts hidden from all
but the office, query budgets, and safe Excel exports."""

from __future__ import annotations

import io
from dataclasses import dataclass
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook

from kaoping.org.models import Unit
from kaoping.plans.models import Plan
from kaoping.scoring import services
from kaoping.scoring.exports import safe_cell
from kaoping.scoring.models import ScoreRun, Veto
from tests.factories import user_with_role

pytestmark = pytest.mark.django_db

ALL_ROLES = (
    "office",
    "reporter",
    "unit_head",
    "leader",
    "inspector",
    "interviewer",
    "auditor",
    "system_admin",
    "security_admin",
    "reporter_b",
)
READERS = {"office", "reporter", "unit_head", "leader", "inspector", "reporter_b"}
OFFICE = {"office"}


@dataclass
class Runs:
    world: Any
    published: ScoreRun
    draft: ScoreRun
    what_if: ScoreRun


@pytest.fixture
def runs(scored: Any) -> Runs:
    office = scored.users["office"]
    Plan.objects.filter(pk=scored.plan.pk).update(
        veto_rules=[{"code": "safety", "name": "安全事故", "cap_grade": "较差"}]
    )
    scored.plan.refresh_from_db()
    published = services.score_run_publish(
        actor=office, run=services.score_run_start(actor=office, plan=scored.plan)
    )
    draft = services.score_run_start(actor=office, plan=scored.plan, label="草稿")
    what_if = services.what_if_run(
        actor=office, plan=scored.plan, based_on=published, overrides={"label": "假设"}
    )
    return Runs(scored, published, draft, what_if)


def _client(world: Any, role: str) -> Client:
    client = Client()
    client.force_login(world.users[role])
    return client


def _matrix(world: Any, url: str, allowed: set[str], method: str = "get") -> None:
    for role in ALL_ROLES:
        response = getattr(_client(world, role), method)(url)
        expected_ok = role in allowed
        if expected_ok:
            assert response.status_code in (200, 302), (role, url, response.status_code)
        else:
            assert response.status_code == 404, (role, url, response.status_code)


def test_runs_list(runs: Runs) -> None:
    _matrix(runs.world, reverse("scoring:runs"), READERS)


def test_non_office_never_sees_drafts_or_what_ifs(runs: Runs) -> None:
    w = runs.world
    for role in READERS - OFFICE:
        body = _client(w, role).get(reverse("scoring:runs")).content.decode()
        assert f'data-run="{runs.published.pk}"' in body
        assert f'data-run="{runs.draft.pk}"' not in body
        assert f'data-run="{runs.what_if.pk}"' not in body
        assert "start-run" not in body
    body = _client(w, "office").get(reverse("scoring:runs")).content.decode()
    assert f'data-run="{runs.draft.pk}"' in body and "start-run" in body and "what-if" in body


def test_run_detail(runs: Runs) -> None:
    w = runs.world
    _matrix(w, reverse("scoring:run_detail", args=[runs.published.pk]), READERS)
    _matrix(w, reverse("scoring:run_detail", args=[runs.draft.pk]), OFFICE)
    _matrix(w, reverse("scoring:run_detail", args=[runs.what_if.pk]), OFFICE)


def test_run_detail_shows_only_units_in_scope(runs: Runs) -> None:
    w = runs.world
    url = reverse("scoring:run_detail", args=[runs.published.pk])
    head = _client(w, "unit_head").get(url).content.decode()
    assert 'data-unit="T01"' in head and 'data-unit="T02"' not in head
    leader = _client(w, "leader").get(url).content.decode()
    assert 'data-unit="T01"' in leader and 'data-unit="D01"' in leader
    assert 'data-unit="T02"' not in leader and 'data-unit="D02"' not in leader
    office = _client(w, "office").get(url).content.decode()
    assert all(f'data-unit="{c}"' in office for c in ("T01", "T02", "D01", "D02"))


def test_unit_scorecard_scope(runs: Runs) -> None:
    w = runs.world
    run = runs.published.pk
    _matrix(
        w,
        reverse("scoring:unit_scorecard", args=[run, w.town_a.pk]),
        {"office", "reporter", "unit_head", "leader", "inspector"},
    )
    _matrix(
        w,
        reverse("scoring:unit_scorecard", args=[run, w.town_b.pk]),
        {"office", "inspector", "reporter_b"},
    )
    _matrix(w, reverse("scoring:unit_scorecard", args=[runs.draft.pk, w.town_a.pk]), OFFICE)


def test_scorecard_explains_lines_and_links_reports(runs: Runs) -> None:
    w = runs.world
    url = reverse("scoring:unit_scorecard", args=[runs.published.pk, w.town_a.pk])
    client = _client(w, "unit_head")
    client.cookies["django_language"] = "en"
    body = client.get(url).content.decode()
    assert 'data-node="A01"' in body and "Why this score" in body
    assert "c = actual ÷ target" in body  # the engine's arithmetic, as written
    assert "/tracking/reports/" in body


def test_scorecard_shows_the_explanation_in_chinese_by_default(runs: Runs) -> None:
    w = runs.world
    url = reverse("scoring:unit_scorecard", args=[runs.published.pk, w.town_a.pk])
    body = _client(w, "unit_head").get(url).content.decode()
    assert "得分依据" in body
    assert "c = 完成值 ÷ 目标值" in body and "actual ÷ target" not in body


def test_indicator_scorecard_and_compare(runs: Runs) -> None:
    w = runs.world
    _matrix(
        w,
        reverse("scoring:indicator_scorecard", args=[runs.published.pk, w.indicator_a.pk]),
        READERS,
    )
    _matrix(
        w, reverse("scoring:indicator_scorecard", args=[runs.draft.pk, w.indicator_a.pk]), OFFICE
    )
    compare = reverse("scoring:compare")
    _matrix(w, f"{compare}?a={runs.published.pk}&b={runs.published.pk}", READERS)
    _matrix(w, f"{compare}?a={runs.published.pk}&b={runs.what_if.pk}", OFFICE)
    assert _client(w, "office").get(f"{compare}?a=x&b=1").status_code == 404


def test_exports(runs: Runs) -> None:
    w = runs.world
    _matrix(w, reverse("scoring:run_export", args=[runs.published.pk]), READERS)
    _matrix(w, reverse("scoring:run_export", args=[runs.draft.pk]), OFFICE)
    _matrix(
        w,
        reverse("scoring:scorecard_export", args=[runs.published.pk, w.town_b.pk]),
        {"office", "inspector", "reporter_b"},
    )


def test_office_pages(runs: Runs) -> None:
    w = runs.world
    for name in ("vetoes", "adjustments", "component_scores", "what_if"):
        _matrix(w, f"{reverse('scoring:' + name)}?plan={w.plan.pk}", OFFICE)


def test_accountability_page(runs: Runs) -> None:
    _matrix(
        runs.world,
        reverse("scoring:accountability"),
        {"office", "leader", "inspector", "unit_head"},
    )


def test_writes_are_the_offices(runs: Runs) -> None:
    w = runs.world
    veto = Veto.objects.create(plan=w.plan, unit=w.town_a, condition="safety", reason="r")
    posts = [
        reverse("scoring:run_start"),
        reverse("scoring:run_publish", args=[runs.draft.pk]),
        reverse("scoring:run_delete", args=[runs.what_if.pk]),
        reverse("scoring:veto_approve", args=[veto.pk]),
        reverse("scoring:veto_withdraw", args=[veto.pk]),
    ]
    for url in posts:
        for role in ALL_ROLES:
            if role == "office":
                continue
            assert _client(w, role).post(url, {"plan": w.plan.pk}).status_code == 404, (role, url)


def test_office_starts_publishes_and_vetoes_through_the_pages(runs: Runs) -> None:
    w = runs.world
    office = _client(w, "office")
    response = office.post(reverse("scoring:run_start"), {"plan": w.plan.pk, "label": "页面"})
    run = ScoreRun.objects.get(label="页面")
    assert response.status_code == 302 and run.status == ScoreRun.Status.DONE
    office.post(reverse("scoring:run_publish", args=[run.pk]), {"reason": "重新计算"})
    run.refresh_from_db()
    assert run.status == ScoreRun.Status.PUBLISHED
    office.post(
        reverse("scoring:vetoes") + f"?plan={w.plan.pk}",
        {"plan": w.plan.pk, "unit": w.town_b.pk, "condition": "safety", "reason": "事故"},
    )
    veto = Veto.objects.get(unit=w.town_b)
    office.post(reverse("scoring:veto_approve", args=[veto.pk]))
    veto.refresh_from_db()
    assert veto.status == Veto.Status.PROPOSED  # the proposer cannot approve
    second = user_with_role("office", w.county, username="office2")
    client2 = Client()
    client2.force_login(second)
    client2.post(reverse("scoring:veto_approve", args=[veto.pk]))
    veto.refresh_from_db()
    assert veto.status == Veto.Status.APPROVED


def test_vetoed_unit_shows_reason_on_ranking(runs: Runs) -> None:
    w = runs.world
    office = w.users["office"]
    veto = services.veto_propose(
        actor=office, plan=w.plan, unit=w.town_a, condition="safety", reason="重大事故"
    )
    services.veto_approve(actor=user_with_role("office", w.county, username="o2"), veto=veto)
    run = services.score_run_start(actor=office, plan=w.plan)
    body = _client(w, "office").get(reverse("scoring:run_detail", args=[run.pk])).content.decode()
    assert "data-veto" in body and "重大事故" in body and "较差" in body


def test_component_import_page_reports_row_errors(runs: Runs) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    w = runs.world
    upload = SimpleUploadedFile("s.csv", b"T01,90\nXX,80\n", content_type="text/csv")
    response = _client(w, "office").post(
        reverse("scoring:component_scores") + f"?plan={w.plan.pk}",
        {"plan": w.plan.pk, "form": "import", "source": "民调中心", "file": upload},
    )
    assert response.status_code == 200
    assert "data-row-errors" in response.content.decode()


def test_what_if_page_creates_a_what_if(runs: Runs) -> None:
    w = runs.world
    response = _client(w, "office").post(
        reverse("scoring:what_if") + f"?plan={w.plan.pk}",
        {
            "plan": w.plan.pk,
            "label": "页面假设",
            "based_on": runs.published.pk,
            "weight_indicators": "0.5",
            "weight_public": "0.4",
            "weight_leader": "0.1",
            "settings": "component_scores: {public_appraisal: {T01: 80}}",
        },
    )
    assert response.status_code == 302
    run = ScoreRun.objects.get(label="页面假设")
    assert run.kind == ScoreRun.Kind.WHAT_IF and run.overrides["weights"]["public"] == "0.4"


def test_query_budgets(runs: Runs, django_assert_max_num_queries: Any) -> None:
    w = runs.world
    from tests.factories import make_unit
    from tests.scoring.conftest import approved

    for n in range(15):
        town = make_unit(f"T5{n:02d}", f"镇{n}", Unit.Kind.TOWN, w.county)
        w.towns.units.add(town)
        approved(w.indicator_a, town, "2022Q4", str(60 + n))
    run = services.score_run_start(actor=w.users["office"], plan=w.plan)
    office = _client(w, "office")
    with django_assert_max_num_queries(16):
        assert office.get(reverse("scoring:run_detail", args=[run.pk])).status_code == 200
    with django_assert_max_num_queries(16):
        url = reverse("scoring:unit_scorecard", args=[run.pk, w.town_a.pk])
        assert office.get(url).status_code == 200
    with django_assert_max_num_queries(16):
        url = reverse("scoring:indicator_scorecard", args=[run.pk, w.indicator_a.pk])
        assert office.get(url).status_code == 200


def test_export_escapes_formulas(runs: Runs) -> None:
    w = runs.world
    Unit.objects.filter(pk=w.town_a.pk).update(name='=HYPERLINK("http://x")')
    response = _client(w, "office").get(reverse("scoring:run_export", args=[runs.published.pk]))
    book = load_workbook(
        io.BytesIO(
            b"".join(response.streaming_content if response.streaming else [response.content])
        )
    )
    values = [c.value for sheet in book.worksheets for row in sheet.iter_rows() for c in row]
    assert '\'=HYPERLINK("http://x")' in values
    assert not any(isinstance(v, str) and v.startswith("=") for v in values)
    assert safe_cell("+1") == "'+1" and safe_cell("-x") == "'-x" and safe_cell("@a") == "'@a"
    assert safe_cell(3) == 3 and safe_cell("示范") == "示范"
