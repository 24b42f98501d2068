"""Leader-evaluation pages: the permission matrix, the sheet, the office's pages, budgets."""

from __future__ import annotations

import re
from decimal import Decimal as D
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from kaoping.appraisal import services
from kaoping.appraisal.models import (
    LeaderBallot,
    LeaderRater,
    LeaderRatingResult,
    LeaderRatingRound,
)
from kaoping.org.models import Role
from tests.appraisal.conftest import english_client
from tests.appraisal.test_services import rate_all
from tests.factories import PersonFactory, make_unit, user_with_role


@pytest.fixture
def pages(rating) -> dict[str, Any]:
    """An open round rated by leaders 0–3 (leader 4 is not a rater), leader 1 submitted;
    a draft round; and a leader of another county."""
    r = rating
    services.raters_assign(actor=r.office, round=r.round, users=r.leaders[:4])
    services.round_open(actor=r.office, round=r.round)
    r.round.refresh_from_db()
    rate_all(r, r.leaders[1], [91, 81, 71, 61])
    draft = services.round_create(actor=r.office, plan=r.world.plan, name="草稿轮次")
    return {
        "open": r.round,
        "draft": draft,
        "rater": r.sheet(r.leaders[1]),
        "users": {
            "office": r.office,
            "leader": r.leaders[0],
            "other_leader": r.leaders[4],
            "reporter": r.world.users[Role.REPORTER],
            "unit_head": r.world.users[Role.UNIT_HEAD],
            "inspector": r.world.users[Role.INSPECTOR],
            "interviewer": r.world.users[Role.INTERVIEWER],
            "auditor": r.world.users[Role.AUDITOR],
            "system_admin": r.world.users[Role.SYSTEM_ADMIN],
            "security_admin": r.world.users[Role.SECURITY_ADMIN],
            "office_elsewhere": user_with_role(
                Role.OFFICE, make_unit("C02", "邻县", "county"), username="office_other"
            ),
        },
    }


def _client(pages: dict[str, Any], who: str) -> Client:
    return english_client(None if who == "anonymous" else pages["users"][who])


PAGES = {
    "my_sheets": lambda p: reverse("appraisal:my_sheets"),
    "sheet": lambda p: reverse("appraisal:sheet", args=[p["open"].pk]),
    "round_list": lambda p: reverse("appraisal:round_list"),
    "round_create": lambda p: reverse("appraisal:round_create"),
    "round_detail": lambda p: reverse("appraisal:round_detail", args=[p["open"].pk]),
    "round_edit": lambda p: reverse("appraisal:round_edit", args=[p["draft"].pk]),
    "rater_detail": lambda p: reverse("appraisal:rater_detail", args=[p["open"].pk, p["rater"].pk]),
}
# Who gets the page (200); everyone else 404 (anonymous: sent to sign in).
ALLOWED = {
    "my_sheets": {"leader", "other_leader"},
    "sheet": {"leader"},
    "round_list": {"office", "office_elsewhere"},
    "round_create": {"office", "office_elsewhere"},
    "round_detail": {"office"},
    "round_edit": {"office"},
    "rater_detail": {"office"},
}
WHO = [
    "office",
    "office_elsewhere",
    "leader",
    "other_leader",
    "reporter",
    "unit_head",
    "inspector",
    "interviewer",
    "auditor",
    "system_admin",
    "security_admin",
    "anonymous",
]


@pytest.mark.parametrize("page", sorted(PAGES))
@pytest.mark.parametrize("who", WHO)
def test_permission_matrix(pages, page, who) -> None:
    response = _client(pages, who).get(PAGES[page](pages))
    if who == "anonymous":
        assert response.status_code == 302 and "/login/" in response["Location"]
    else:
        assert response.status_code == (200 if who in ALLOWED[page] else 404), (page, who)


POSTS = {
    "round_open": lambda p: reverse("appraisal:round_open", args=[p["draft"].pk]),
    "round_close": lambda p: reverse("appraisal:round_close", args=[p["open"].pk]),
    "round_remind": lambda p: reverse("appraisal:round_remind", args=[p["open"].pk]),
    "rater_assign": lambda p: reverse("appraisal:rater_assign", args=[p["open"].pk]),
    "rater_remove": lambda p: reverse("appraisal:rater_remove", args=[p["open"].pk, p["rater"].pk]),
}


@pytest.mark.parametrize("action", sorted(POSTS))
@pytest.mark.parametrize(
    "who", ["leader", "other_leader", "reporter", "auditor", "office_elsewhere"]
)
def test_office_actions_are_404_for_everyone_else(pages, action, who) -> None:
    assert _client(pages, who).post(POSTS[action](pages)).status_code == 404
    assert LeaderRatingRound.objects.get(pk=pages["open"].pk).status == "open"


def test_a_leader_cannot_read_another_leaders_ballots_by_url(pages) -> None:
    client = _client(pages, "leader")
    theirs = pages["rater"]  # leader 1's sheet
    assert (
        client.get(
            reverse("appraisal:rater_detail", args=[pages["open"].pk, theirs.pk])
        ).status_code
        == 404
    )
    # the sheet URL names a round, never a rater: leader 0 gets their own (empty) sheet
    own = client.get(reverse("appraisal:sheet", args=[pages["open"].pk]))
    assert own.status_code == 200 and own.context["rater"].user == pages["users"]["leader"]
    assert not _shows_score(own.content.decode(), "91")
    # and a draft round's sheet is not reachable at all
    services.rater_assign(
        actor=pages["users"]["office"], round=pages["draft"], user=pages["users"]["leader"]
    )
    assert client.get(reverse("appraisal:sheet", args=[pages["draft"].pk])).status_code == 404


def test_posts_need_the_csrf_token(pages) -> None:
    client = english_client(pages["users"]["leader"], enforce_csrf_checks=True)
    url = reverse("appraisal:sheet", args=[pages["open"].pk])
    assert client.post(url, {"action": "save"}).status_code == 403
    office = english_client(pages["users"]["office"], enforce_csrf_checks=True)
    assert office.post(reverse("appraisal:round_close", args=[pages["open"].pk])).status_code == 403


def _shows_score(html: str, score: str) -> bool:
    """The page shows `score` as a number of its own (not inside a token, id or other figure)."""
    return re.search(rf"(?<![\w.]){re.escape(score)}(\.0+)?(?![\w.])", html) is not None


# --- the sheet ------------------------------------------------------------------------------
def _sheet_post(world: Any, values: dict[Any, str], action: str = "save", versions=None) -> dict:
    data: dict[str, str] = {"action": action}
    for unit, value in values.items():
        data[f"score-{unit.pk}"] = value
        data[f"version-{unit.pk}"] = str((versions or {}).get(unit, ""))
        data[f"comment-{unit.pk}"] = f"意见{unit.code}"
    return data


def test_saving_a_draft_and_submitting_through_the_sheet(pages, rating) -> None:
    w = rating.world
    client = _client(pages, "leader")
    url = reverse("appraisal:sheet", args=[pages["open"].pk])
    response = client.post(url, _sheet_post(w, {w.town_a: "88.5", w.town_b: ""}))
    assert response.status_code == 302
    ballot = LeaderBallot.objects.get(rater__user=pages["users"]["leader"], unit=w.town_a)
    assert ballot.score == D("88.5") and ballot.comment == "意见T01"
    # submitting with units missing: a clear error naming them, values kept
    data = _sheet_post(w, {w.town_a: "88.5", w.town_b: "77"}, "submit", {w.town_a: 1, w.town_b: 1})
    response = client.post(url, data)
    assert response.status_code == 400
    page = response.content.decode()
    assert "县发展和改革局" in response.context["error"] and 'value="77"' in page
    # a full sheet is submitted and locked
    values = {w.town_a: "88.5", w.town_b: "77", w.dept_a: "66", w.dept_b: "55"}
    response = client.post(url, _sheet_post(w, values, "submit", {w.town_a: 1, w.town_b: 1}))
    assert response.status_code == 302
    sheet = LeaderRater.objects.get(round=pages["open"], user=pages["users"]["leader"])
    assert sheet.is_submitted
    locked = client.get(url)
    assert not locked.context["editable"] and "disabled" in locked.content.decode()


def test_invalid_scores_are_shown_without_losing_the_entered_values(pages, rating) -> None:
    w = rating.world
    client = _client(pages, "leader")
    url = reverse("appraisal:sheet", args=[pages["open"].pk])
    response = client.post(url, _sheet_post(w, {w.town_a: "120", w.town_b: "75.5"}))
    assert response.status_code == 400
    rows = {row["unit"]: row for row in response.context["rows"]}
    assert rows[w.town_a]["error"] and rows[w.town_a]["score"] == "120"
    assert rows[w.town_b]["score"] == "75.5" and not rows[w.town_b]["error"]
    assert not LeaderBallot.objects.filter(rater__user=pages["users"]["leader"]).exists()


def test_a_stale_sheet_is_a_conflict(pages, rating) -> None:
    w = rating.world
    client = _client(pages, "leader")
    url = reverse("appraisal:sheet", args=[pages["open"].pk])
    client.post(url, _sheet_post(w, {w.town_a: "80"}))
    client.post(url, _sheet_post(w, {w.town_a: "85"}, versions={w.town_a: 1}))
    stale = client.post(url, _sheet_post(w, {w.town_a: "60"}, versions={w.town_a: 1}))
    assert stale.status_code == 409 and "Reload" in stale.context["error"]
    rows = {row["unit"]: row for row in stale.context["rows"]}
    assert rows[w.town_a]["score"] == "60"  # the entered value stays on the page
    assert LeaderBallot.objects.get(rater__user=pages["users"]["leader"], unit=w.town_a).score == 85


def test_a_vote_sheet_offers_the_four_levels(rating) -> None:
    r = rating
    round = services.round_create(actor=r.office, plan=r.world.plan, name="投票", method="vote")
    services.rater_assign(actor=r.office, round=round, user=r.leaders[0])
    services.round_open(actor=r.office, round=round)
    client = r.client_for(r.leaders[0])
    url = reverse("appraisal:sheet", args=[round.pk])
    page = client.get(url).content.decode()
    assert page.count('type="radio"') == 16
    data = {"action": "submit"}
    for unit in r.units:
        data[f"level-{unit.pk}"] = "fairly_good"
    assert client.post(url, data).status_code == 302
    assert set(LeaderBallot.objects.filter(rater__round=round).values_list("level", flat=True)) == {
        "fairly_good"
    }


# --- the office ------------------------------------------------------------------------------
def test_the_office_runs_a_round_through_the_pages(rating) -> None:
    r = rating
    client = r.client_for(r.office)
    response = client.post(
        reverse("appraisal:round_create"),
        {
            "plan": r.world.plan.pk,
            "name": "年终领导评价",
            "method": "score",
            "coverage": "plan_units",
            "trim": "on",
            "trim_min_ballots": "5",
            "score_good": "100",
            "score_fairly_good": "80",
            "score_average": "60",
            "score_poor": "40",
        },
    )
    assert response.status_code == 302
    round = LeaderRatingRound.objects.get(name="年终领导评价")
    detail = reverse("appraisal:round_detail", args=[round.pk])
    # opening without raters: a clear error on the page
    refused = client.post(reverse("appraisal:round_open", args=[round.pk]), {"version": 1})
    assert refused.status_code == 400 and "Add the leaders" in refused.context["error"]
    users = [u.pk for u in r.leaders]
    assert (
        client.post(
            reverse("appraisal:rater_assign", args=[round.pk]), {"users": users}
        ).status_code
        == 302
    )
    assert LeaderRater.objects.filter(round=round).count() == 5
    # another open round of the plan is in the way: close it first
    services.raters_assign(actor=r.office, round=r.round, users=r.leaders[:1])
    services.round_open(actor=r.office, round=r.round)
    services.round_close(actor=r.office, round=r.round)
    assert (
        client.post(reverse("appraisal:round_open", args=[round.pk]), {"version": 1}).status_code
        == 302
    )
    round.refresh_from_db()
    assert round.status == "open"
    for n, leader in enumerate(r.leaders[:4]):
        sheet = LeaderRater.objects.get(round=round, user=leader)
        services.sheet_save(
            actor=leader,
            rater=sheet,
            entries=[services.BallotEntry(u.pk, score=90 - n) for u in r.units],
            submit=True,
        )
    page = client.get(detail)
    assert page.context["submitted"] == 4 and page.context["waiting"] == 1
    reminded = client.post(
        reverse("appraisal:round_remind", args=[round.pk]), {"version": round.row_version}
    )
    assert reminded.status_code == 302
    stale = client.post(reverse("appraisal:round_close", args=[round.pk]), {"version": 1})
    assert stale.status_code == 409
    closed = client.post(
        reverse("appraisal:round_close", args=[round.pk]), {"version": round.row_version}
    )
    assert closed.status_code == 302
    results = client.get(detail)
    assert list(results.context["results"].values_list("score", flat=True)) == [D("88.5")] * 4
    assert "88.50" in results.content.decode()
    # after closing, the office sees each sheet's values
    rater = LeaderRater.objects.get(round=round, user=r.leaders[0])
    shown = client.get(reverse("appraisal:rater_detail", args=[round.pk, rater.pk]))
    assert shown.context["show_values"] and "90.00" in shown.content.decode()
    assert LeaderRatingResult.objects.filter(round=round).count() == 4


def test_the_office_does_not_see_values_while_the_round_is_open(pages) -> None:
    response = _client(pages, "office").get(PAGES["rater_detail"](pages))
    assert not response.context["show_values"] and not _shows_score(response.content.decode(), "91")


def test_a_leader_sees_portfolio_results_after_closing(pages, rating) -> None:
    services.round_close(actor=pages["users"]["office"], round=pages["open"])
    response = _client(pages, "leader").get(reverse("appraisal:sheet", args=[pages["open"].pk]))
    units = {r.unit for r in response.context["results"]}
    assert units == {rating.world.town_a, rating.world.dept_a}


# --- query budgets ---------------------------------------------------------------------------
@pytest.fixture
def big(rating) -> Any:
    """Thirty more units in the group, ten more leaders, all rating."""
    r = rating
    county = r.world.county
    extra = [make_unit(f"X{n:02d}", f"单位{n}", "department", county) for n in range(30)]
    r.group.units.add(*extra)
    leaders = list(r.leaders)
    for n in range(10):
        person = PersonFactory(unit=county, name=f"领导{n}", position="county_leader")
        leaders.append(user_with_role(Role.LEADER, county, username=f"lx{n}", person=person))
    services.raters_assign(actor=r.office, round=r.round, users=leaders)
    services.round_open(actor=r.office, round=r.round)
    for n, leader in enumerate(leaders[:8]):
        sheet = LeaderRater.objects.get(round=r.round, user=leader)
        services.sheet_save(
            actor=leader,
            rater=sheet,
            entries=[services.BallotEntry(u.pk, score=60 + n) for u in sheet.units.all()],
            submit=n % 2 == 0,
        )
    return r


def test_pages_have_a_query_budget(big, django_assert_max_num_queries) -> None:
    r = big
    office = r.client_for(r.office)
    leader = r.client_for(r.leaders[0])
    rater = LeaderRater.objects.get(round=r.round, user=r.leaders[0])
    for client, url in (
        (leader, reverse("appraisal:sheet", args=[r.round.pk])),
        (leader, reverse("appraisal:my_sheets")),
        (office, reverse("appraisal:round_list")),
        (office, reverse("appraisal:round_detail", args=[r.round.pk])),
        (office, reverse("appraisal:rater_detail", args=[r.round.pk, rater.pk])),
    ):
        with django_assert_max_num_queries(14):
            assert client.get(url).status_code == 200, url
    services.round_close(actor=r.office, round=r.round)
    for client, url in (
        (office, reverse("appraisal:round_detail", args=[r.round.pk])),
        (leader, reverse("appraisal:sheet", args=[r.round.pk])),
    ):
        with django_assert_max_num_queries(14):
            assert client.get(url).status_code == 200, url


def test_a_draft_is_changed_through_its_page_and_an_open_round_is_not(pages) -> None:
    client = _client(pages, "office")
    draft = pages["draft"]
    url = reverse("appraisal:round_edit", args=[draft.pk])
    form = client.get(url).context["form"]
    data = {k: v for k, v in form.initial.items() if v is not None and k != "plan"}
    data.update(name="改名后的轮次", method="vote", trim="on", version=draft.row_version)
    assert client.post(url, data).status_code == 302
    draft.refresh_from_db()
    assert (draft.name, draft.method, draft.trim, draft.row_version) == (
        "改名后的轮次",
        "vote",
        True,
        2,
    )
    stale = client.post(url, {**data, "name": "再改", "version": 1})
    assert stale.status_code == 400 and stale.context["form"].non_field_errors()
    opened = client.get(reverse("appraisal:round_edit", args=[pages["open"].pk]))
    assert opened.status_code == 302
