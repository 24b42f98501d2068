"""The office's plan editor: weights, grades, indicators, assignments, publishing, conflicts."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import pytest
from django.urls import reverse

from kaoping.audit.models import AuditEvent
from kaoping.org.models import Person, Role
from kaoping.plans import services
from kaoping.plans.models import Assignment, Indicator, Plan
from tests.factories import PersonFactory


@pytest.fixture
def office(world):
    return world.client_for(Role.OFFICE)


def settings_data(plan: Plan, **changes: Any) -> dict[str, Any]:
    data = {
        "row_version": plan.row_version,
        "name": plan.name,
        "description": "",
        "weight_indicators": "0.6",
        "weight_public": "0.3",
        "weight_leader": "0.1",
        "missing_component": "renormalise",
        "points_total": "",
        "grade-TOTAL_FORMS": 0,
        "grade-INITIAL_FORMS": 0,
    }
    data.update(changes)
    return data


def grades(*rows: tuple[str, str, str]) -> dict[str, Any]:
    data: dict[str, Any] = {"grade-TOTAL_FORMS": len(rows), "grade-INITIAL_FORMS": 0}
    for i, (name, score, quota) in enumerate(rows):
        data.update(
            {f"grade-{i}-name": name, f"grade-{i}-min_score": score, f"grade-{i}-quota": quota}
        )
    return data


def indicator_data(**changes: Any) -> dict[str, Any]:
    data = {
        "code": "A03",
        "name": "一般公共预算收入",
        "category": "economic",
        "kind": "quantitative",
        "direction": "higher",
        "accumulation": "cumulative",
        "points": "5",
        "source_level": "county",
        "scoring_rule": "target_completion",
        "frequency": "monthly",
        "target": "1200",
        "unit_of_measure": "万元",
        "scoring_params": "",
        "order": "",
    }
    data.update(changes)
    return data


# --- plan settings ---------------------------------------------------------------------------
def test_weights_must_sum_to_one_error_in_form(world, office) -> None:
    url = reverse("plans:plan_edit", kwargs={"pk": world.plan.pk})
    response = office.post(url, settings_data(world.plan, weight_public="0.4"))
    assert response.status_code == 200
    assert "1.1" in " ".join(response.context["form"].non_field_errors())
    assert response.context["form"]["weight_public"].value() == "0.4"  # input kept
    world.plan.refresh_from_db()
    assert world.plan.weight_public == Decimal("0.3")


def test_grade_rules_are_saved_best_first(world, office) -> None:
    url = reverse("plans:plan_edit", kwargs={"pk": world.plan.pk})
    data = settings_data(world.plan, missing_component="fail")
    data.update(
        grades(
            ("优秀", "90", "0.3"),
            ("良好", "80", ""),
            ("一般", "60", ""),
            ("较差", "0", ""),
            ("", "", ""),
        )
    )
    response = office.post(url, data)
    assert response.status_code == 302
    world.plan.refresh_from_db()
    assert world.plan.missing_component == "fail"
    assert world.plan.grade_rules == [
        {"name": "优秀", "min_score": 90.0, "quota": 0.3},
        {"name": "良好", "min_score": 80.0},
        {"name": "一般", "min_score": 60.0},
        {"name": "较差", "min_score": 0.0},
    ]


@pytest.mark.parametrize(
    "rows",
    [
        (("优秀", "80", ""), ("良好", "90", ""), ("较差", "0", "")),  # not falling
        (("优秀", "90", ""), ("优秀", "80", ""), ("较差", "0", "")),  # duplicate name
        (("优秀", "90", ""), ("较差", "10", "")),  # last grade does not start at 0
        (("优秀", "", ""),),  # no score
        (("优秀", "90", "1.5"), ("较差", "0", "")),  # quota above 1
    ],
)
def test_bad_grade_rules_are_refused(world, office, rows) -> None:
    url = reverse("plans:plan_edit", kwargs={"pk": world.plan.pk})
    data = settings_data(world.plan)
    data.update(grades(*rows))
    response = office.post(url, data)
    assert response.status_code == 200
    assert response.context["grades"].total_error_count()
    world.plan.refresh_from_db()
    assert world.plan.row_version == 1


def test_plan_edit_conflict_keeps_input(world, office) -> None:
    url = reverse("plans:plan_edit", kwargs={"pk": world.plan.pk})
    page = office.get(url)
    version = page.context["form"]["row_version"].value()
    services.plan_update(
        actor=world.users[Role.OFFICE],
        plan=world.plan,
        expected_version=version,
        name="别人改过的名字",
    )
    response = office.post(url, settings_data(world.plan, row_version=version, name="我的名字"))
    assert response.status_code == 200
    form = response.context["form"]
    assert "Someone else" in " ".join(form.non_field_errors()) or form.non_field_errors()
    assert form["name"].value() == "我的名字"
    world.plan.refresh_from_db()
    assert world.plan.name == "别人改过的名字"


def test_published_plan_is_read_only(world, office) -> None:
    services.plan_publish(actor=world.users[Role.OFFICE], plan=world.plan, expected_version=1)
    detail = office.get(reverse("plans:plan_detail", kwargs={"pk": world.plan.pk}))
    assert detail.context["editable"] is False
    assert reverse("plans:plan_edit", kwargs={"pk": world.plan.pk}) not in detail.content.decode()
    for name, pk in [
        ("plans:plan_edit", world.plan.pk),
        ("plans:plan_publish", world.plan.pk),
        ("plans:indicator_create", world.plan.pk),
        ("plans:indicator_edit", world.indicator_a.pk),
        ("plans:indicator_delete", world.indicator_a.pk),
        ("plans:assignment_create", world.indicator_a.pk),
        ("plans:assignment_edit", world.assignment_a.pk),
        ("plans:assignment_delete", world.assignment_a.pk),
    ]:
        url = reverse(name, kwargs={"pk": pk})
        for response in (office.get(url), office.post(url, {"reason": "x"})):
            assert response.status_code == 302, name
            assert response["Location"] == reverse(
                "plans:plan_detail", kwargs={"pk": world.plan.pk}
            )
    assert Indicator.objects.filter(pk=world.indicator_a.pk).exists()


def test_publish_needs_confirmation(world, office) -> None:
    url = reverse("plans:plan_publish", kwargs={"pk": world.plan.pk})
    response = office.post(url, {"row_version": 1})
    assert response.status_code == 200
    assert Plan.objects.get(pk=world.plan.pk).status == Plan.Status.DRAFT
    response = office.post(url, {"row_version": 1, "confirm": "on"})
    assert response.status_code == 302
    assert Plan.objects.get(pk=world.plan.pk).status == Plan.Status.PUBLISHED
    assert AuditEvent.objects.filter(action="plan.publish").exists()


def test_publish_empty_plan_shows_the_services_refusal(world, office) -> None:
    empty = services.plan_draft_create(
        actor=world.users[Role.OFFICE],
        year=2023,
        owner=world.county,
        code="empty",
        name="空方案",
        kind="county",
    )
    response = office.post(
        reverse("plans:plan_publish", kwargs={"pk": empty.pk}),
        {"row_version": empty.row_version, "confirm": "on"},
    )
    assert response.status_code == 200
    assert response.context["form"].non_field_errors()


def test_plan_create_through_the_ui(world, office) -> None:
    response = office.post(
        reverse("plans:plan_create"),
        {
            "year": 2023,
            "owner": world.county.pk,
            "code": "county-2023",
            "name": "示范县2023年度方案",
            "kind": "county",
        },
    )
    plan = Plan.objects.get(code="county-2023")
    assert response["Location"] == reverse("plans:plan_detail", kwargs={"pk": plan.pk})
    assert plan.cycle.year == 2023 and plan.status == Plan.Status.DRAFT
    again = office.post(
        reverse("plans:plan_create"),
        {
            "year": 2023,
            "owner": world.county.pk,
            "code": "county-2023",
            "name": "重复",
            "kind": "county",
        },
    )
    assert again.status_code == 200 and again.context["form"].non_field_errors()


def test_plan_create_owner_limited_to_scope(world, other, office) -> None:
    response = office.post(
        reverse("plans:plan_create"),
        {
            "year": 2023,
            "owner": other.county.pk,
            "code": "sneaky",
            "name": "越权",
            "kind": "county",
        },
    )
    assert response.status_code == 200
    assert "owner" in response.context["form"].errors
    assert not Plan.objects.filter(code="sneaky").exists()


# --- indicators ------------------------------------------------------------------------------
def test_indicator_create_under_parent(world, office) -> None:
    url = reverse("plans:indicator_create", kwargs={"pk": world.plan.pk})
    page = office.get(url, {"parent": world.category.pk})
    assert page.context["form"]["parent"].value() == world.category.pk
    response = office.post(
        url, indicator_data(parent=world.category.pk, scoring_params='{"cap": 1.2}')
    )
    assert response.status_code == 302
    created = Indicator.objects.get(plan=world.plan, code="A03")
    assert created.parent == world.category and created.level == 2
    assert created.scoring_params == {"cap": 1.2}
    assert created.target == Decimal("1200")


@pytest.mark.parametrize(
    ("params", "fragment"),
    [
        ("{not json", "JSON"),
        ("[1, 2]", "object"),
        ('{"cap": "lots"}', "number"),
        ('{"ceiling": 1}', "ceiling"),
        ('{"floor": 3}', "at most"),
    ],
)
def test_scoring_params_are_validated(world, office, params, fragment) -> None:
    url = reverse("plans:indicator_create", kwargs={"pk": world.plan.pk})
    office.cookies["django_language"] = "en"  # English messages below
    response = office.post(
        url,
        indicator_data(parent=world.category.pk, scoring_params=params),
    )
    assert response.status_code == 200
    errors = " ".join(response.context["form"].errors["scoring_params"])
    assert fragment in errors
    assert response.context["form"]["scoring_params"].value() == params  # input kept
    assert not Indicator.objects.filter(code="A03").exists()


def test_efficacy_rule_requires_its_values(world, office) -> None:
    url = reverse("plans:indicator_create", kwargs={"pk": world.plan.pk})
    response = office.post(
        url, indicator_data(parent=world.category.pk, scoring_rule="efficacy", scoring_params="{}")
    )
    assert "satisfactory" in " ".join(response.context["form"].errors["scoring_params"])
    ok = office.post(
        url,
        indicator_data(
            parent=world.category.pk,
            scoring_rule="efficacy",
            scoring_params='{"satisfactory": 12, "not_allowed": 6}',
        ),
    )
    assert ok.status_code == 302


def test_parent_chooser_only_offers_the_plans_indicators(world, other, office) -> None:
    url = reverse("plans:indicator_create", kwargs={"pk": world.plan.pk})
    page = office.get(url)
    offered = set(page.context["form"].fields["parent"].queryset)
    assert offered == {world.category, world.indicator_a, world.indicator_b}
    response = office.post(url, indicator_data(parent=other.indicator.pk))
    assert "parent" in response.context["form"].errors


def test_indicator_edit_and_move(world, office) -> None:
    second = services.indicator_create(
        actor=world.users[Role.OFFICE],
        plan=world.plan,
        code="B",
        name="社会建设",
        category="social",
    )
    url = reverse("plans:indicator_edit", kwargs={"pk": world.indicator_a.pk})
    page = office.get(url)
    form = page.context["form"]
    data = {name: ("" if v is None else v) for name, v in form.initial.items()}
    data.update(name="税收收入（修订）", parent=second.pk, points="12", scoring_params="")
    data.pop("is_public")
    response = office.post(url, data)
    assert response.status_code == 302, response.context["form"].errors
    moved = Indicator.objects.get(pk=world.indicator_a.pk)
    assert moved.name == "税收收入（修订）" and moved.parent == second and moved.level == 2
    assert moved.points == Decimal("12") and moved.code == "A01"
    assert moved.row_version == 2


def test_indicator_edit_conflict_keeps_input(world, office) -> None:
    url = reverse("plans:indicator_edit", kwargs={"pk": world.indicator_a.pk})
    page = office.get(url)
    data = {k: ("" if v is None else v) for k, v in page.context["form"].initial.items()}
    data.pop("is_public")
    services.indicator_update(
        actor=world.users[Role.OFFICE],
        indicator=world.indicator_a,
        expected_version=1,
        name="别人的修改",
    )
    data["name"] = "我的修改"
    response = office.post(url, data)
    assert response.status_code == 200
    assert response.context["form"].non_field_errors()
    assert response.context["form"]["name"].value() == "我的修改"
    assert Indicator.objects.get(pk=world.indicator_a.pk).name == "别人的修改"


def test_indicator_cannot_move_under_its_own_child(world, office) -> None:
    url = reverse("plans:indicator_edit", kwargs={"pk": world.category.pk})
    data = {k: ("" if v is None else v) for k, v in office.get(url).context["form"].initial.items()}
    data.pop("is_public")
    data["parent"] = world.indicator_a.pk
    response = office.post(url, data)
    assert response.status_code == 200
    assert response.context["form"].non_field_errors()
    assert Indicator.objects.get(pk=world.category.pk).parent is None


def test_indicator_delete_takes_subtree(world, office) -> None:
    url = reverse("plans:indicator_delete", kwargs={"pk": world.category.pk})
    assert office.get(url).context["descendants"] == 2
    response = office.post(url, {"reason": "合并指标"})
    assert response.status_code == 302
    assert not world.plan.indicators.exists()
    event = AuditEvent.objects.get(action="indicator.delete")
    assert event.reason == "合并指标"


# --- assignments -----------------------------------------------------------------------------
def test_assignment_choices_limited_to_plan_owners_units(world, other, office) -> None:
    url = reverse("plans:assignment_create", kwargs={"pk": world.indicator_b.pk})
    form = office.get(url).context["form"]
    units = set(form.fields["lead_unit"].queryset)
    assert world.town_a in units and other.town not in units
    persons = set(form.fields["responsible_person"].queryset)
    assert other.person not in persons
    response = office.post(url, {"lead_unit": other.town.pk, "share": "1"})
    assert "lead_unit" in response.context["form"].errors
    response = office.post(
        url, {"lead_unit": world.dept_a.pk, "responsible_person": other.person.pk, "share": "1"}
    )
    assert "responsible_person" in response.context["form"].errors


def test_assignment_create_and_edit(world, office) -> None:
    leader = PersonFactory(unit=world.dept_a, name="发改局长", position=Person.Position.HEAD)
    url = reverse("plans:assignment_create", kwargs={"pk": world.indicator_b.pk})
    response = office.post(
        url,
        {
            "lead_unit": world.dept_a.pk,
            "supporting_units": [world.town_a.pk, world.town_b.pk],
            "responsible_leader": leader.pk,
            "is_key_project": "on",
            "work_team": "外贸专班",
            "share": "0.5",
        },
    )
    assert response.status_code == 302
    assignment = Assignment.objects.get(indicator=world.indicator_b, lead_unit=world.dept_a)
    assert assignment.is_key_project and assignment.share == Decimal("0.5")
    assert set(assignment.supporting_units.all()) == {world.town_a, world.town_b}

    # the same lead unit twice is refused in the form
    again = office.post(url, {"lead_unit": world.dept_a.pk, "share": "1"})
    assert "lead_unit" in again.context["form"].errors

    edit = reverse("plans:assignment_edit", kwargs={"pk": assignment.pk})
    response = office.post(
        edit,
        {
            "row_version": assignment.row_version,
            "lead_unit": world.dept_a.pk,
            "supporting_units": [world.town_a.pk],
            "share": "1",
        },
    )
    assert response.status_code == 302
    assignment.refresh_from_db()
    assert list(assignment.supporting_units.all()) == [world.town_a]
    assert not assignment.is_key_project and assignment.row_version == 2

    stale = office.post(edit, {"row_version": 1, "lead_unit": world.dept_a.pk, "share": "0.2"})
    assert stale.status_code == 200 and stale.context["form"].non_field_errors()
    assert stale.context["form"]["share"].value() == "0.2"


def test_assignment_lead_cannot_support_itself(world, office) -> None:
    url = reverse("plans:assignment_create", kwargs={"pk": world.indicator_b.pk})
    response = office.post(
        url, {"lead_unit": world.dept_a.pk, "supporting_units": [world.dept_a.pk], "share": "1"}
    )
    assert "supporting_units" in response.context["form"].errors


def test_assignment_delete(world, office) -> None:
    response = office.post(
        reverse("plans:assignment_delete", kwargs={"pk": world.assignment_a.pk}), {"reason": "调整"}
    )
    assert response.status_code == 302
    assert not Assignment.objects.filter(pk=world.assignment_a.pk).exists()
    assert AuditEvent.objects.get(action="assignment.delete").reason == "调整"


def test_plan_detail_tree_and_editor_budget(world, office, django_assert_max_num_queries) -> None:
    url = reverse("plans:plan_detail", kwargs={"pk": world.plan.pk})
    office.get(url)
    with django_assert_max_num_queries(12):
        response = office.get(url)
    assert [r["indicator"].code for r in response.context["tree"]] == ["A", "A01", "A02"]


def test_indicator_form_offers_rule_parameter_help(world, office) -> None:
    page = office.get(reverse("plans:indicator_create", kwargs={"pk": world.plan.pk}))
    params = page.context["rule_params"]
    assert [p["key"] for p in params["efficacy"]] == ["satisfactory", "not_allowed"]
    assert (
        json.loads(
            page.content.decode()
            .split('id="kp-rule-params" type="application/json">')[1]
            .split("</script>")[0]
        )["threshold"]
        == []
    )


def test_plan_edit_page_posted_as_shown_saves_the_default_grades(world, office) -> None:
    """What a browser sends back unchanged: the form's initial values and 6 grade rows."""
    url = reverse("plans:plan_edit", kwargs={"pk": world.plan.pk})
    page = office.get(url)
    form, grade_set = page.context["form"], page.context["grades"]
    data = {
        name: ("" if form[name].value() is None else form[name].value()) for name in form.fields
    }
    management = grade_set.management_form
    data.update({f"grade-{k}": management[k].value() for k in management.fields})
    for i, row in enumerate(grade_set.forms):
        for name in row.fields:
            value = row[name].value()
            data[f"grade-{i}-{name}"] = "" if value is None else value
    assert data["grade-INITIAL_FORMS"] == 6
    response = office.post(url, data)
    assert response.status_code == 302
    world.plan.refresh_from_db()
    assert [g["name"] for g in world.plan.grade_rules] == ["优秀", "良好", "一般", "较差"]
    assert world.plan.weight_indicators == Decimal("0.6")
