"""`kaoping loaddemo`: the demo county's contents, its logins, scope sanity and idempotence."""

from __future__ import annotations

from decimal import Decimal
from io import StringIO

import pytest
from auditlog.models import LogEntry
from django.apps import apps
from django.conf import settings
from django.core.management import call_command
from django.test import Client

from kaoping.audit.models import AuditEvent
from kaoping.demo import data
from kaoping.demo.loader import load_demo
from kaoping.org.models import Person, Role, RoleGrant, Unit, User
from kaoping.plans.models import Assignment, Cycle, Indicator, IndicatorTarget, Plan
from kaoping.plans.scoring_params import validate_params

pytestmark = pytest.mark.usefixtures("demo", "db")

MACRO_NAMED = (
    "税收收入",
    "第三产业增加值占GDP比重",
    "非公经济国税收入",
    "非公经济地税收入",
    "工业增加值占GDP比重",
    "外贸进出口总额",
)
# indicator name → (lead unit short name, supporting unit short names that must be there)
NAMED_LEADS = {
    "外贸进出口总额": ("经贸局", ()),
    "企业上市培育": ("经贸局", ()),
    "省重大项目前期工作": ("发改局", ("住建局", "自然资源局", "生态环境局", "林业局", "水利局")),
    "教育惠民工程": ("教育局", ()),
    "农村安全饮水": ("水利局", ()),
    "水库移民新村": ("移民局", ()),
    "气象灾害防御": ("气象局", ()),
    "信息安全等级保护备案": ("公安局", ()),
    "税收收入": ("税务局", ()),
    "地区生产总值增速": ("统计局", ()),
    "一般公共预算收入增速": ("财政局", ()),
}


def plan(kind: str, year: int = 2022) -> Plan:
    return Plan.objects.get(cycle__year=year, owner__code=data.COUNTY, kind=kind)


def login(username: str) -> Client:
    """Sign in through the login page, as a person would (django-axes needs the request)."""
    client = Client()
    response = client.post(
        "/login/", {"username": username, "password": settings.KAOPING_DEMO_PASSWORD}
    )
    assert response.status_code == 302, f"{username} could not sign in"
    assert client.session["_auth_user_id"] == str(User.objects.get(username=username).pk)
    return client


# --- contents ------------------------------------------------------------------------------
def test_the_county_has_about_20_towns_and_40_departments() -> None:
    county = Unit.objects.get(code=data.COUNTY)
    assert county.kind == Unit.Kind.COUNTY and county.is_root()
    assert county.region.parent.parent.name == "示范省"
    below = Unit.objects.filter(path__startswith=county.path)
    assert below.filter(kind=Unit.Kind.TOWN).count() == 20
    assert 38 <= below.filter(kind=Unit.Kind.DEPARTMENT).count() <= 46
    town = Unit.objects.get(code="SFX-CGZ")
    assert town.region.code == "990123101" and town.region.population > 0
    assert Unit.objects.get(name="县经济贸易局").short_name == "经贸局"


def test_every_unit_has_a_head_a_deputy_and_a_responsible_person() -> None:
    county = Unit.objects.get(code=data.COUNTY)
    for unit in Unit.objects.filter(path__startswith=county.path).exclude(pk=county.pk):
        positions = set(unit.persons.values_list("position", flat=True))
        assert positions == {Person.Position.HEAD, Person.Position.DEPUTY, Person.Position.STAFF}, (
            unit
        )


def test_county_leaders_have_portfolios_covering_every_unit() -> None:
    leaders = Person.objects.filter(unit__code=data.COUNTY, position=Person.Position.COUNTY_LEADER)
    assert {"县委书记", "县长", "常务副县长"} <= set(leaders.values_list("title", flat=True))
    vice = leaders.filter(title__startswith="副县长")
    assert vice.count() >= 4
    covered = set(vice.values_list("portfolio__code", flat=True)) | set(
        leaders.filter(title__in=["县委副书记", "常务副县长"]).values_list(
            "portfolio__code", flat=True
        )
    )
    evaluated = {d.code for d in data.DEPARTMENTS if d.parent == data.COUNTY} | {
        t.code for t in data.TOWNS
    }
    assert evaluated <= covered


def test_both_cycles_have_a_published_provincial_and_county_plan() -> None:
    assert set(Cycle.objects.values_list("year", flat=True)) >= {2021, 2022}
    for year in (2021, 2022):
        for kind in (Plan.Kind.PROVINCIAL, Plan.Kind.COUNTY):
            found = plan(kind, year)
            assert found.status == Plan.Status.PUBLISHED
            assert (found.weight_indicators, found.weight_public, found.weight_leader) == (
                Decimal("0.6"),
                Decimal("0.3"),
                Decimal("0.1"),
            )


def test_the_provincial_plan_has_the_13_macro_economic_indicators() -> None:
    macro = Indicator.objects.get(plan=plan(Plan.Kind.PROVINCIAL), name="宏观经济指标")
    names = set(macro.children.values_list("name", flat=True))
    assert len(names) == 13
    assert set(MACRO_NAMED) <= names
    assert {
        "地区生产总值增速",
        "规模以上工业增加值增速",
        "固定资产投资增速",
        "社会消费品零售总额增速",
    } <= names
    assert macro.points == Decimal("26")


@pytest.mark.parametrize("year", [2021, 2022])
def test_named_indicators_have_their_lead_units(year: int) -> None:
    provincial = plan(Plan.Kind.PROVINCIAL, year)
    for name, (lead, supporting) in NAMED_LEADS.items():
        indicator = Indicator.objects.get(plan=provincial, name=name)
        assert indicator.source_level == Indicator.SourceLevel.PROVINCE
        assignment = indicator.assignments.get()
        assert assignment.lead_unit.short_name == lead, name
        assert set(supporting) <= set(
            assignment.supporting_units.values_list("short_name", flat=True)
        ), name


def test_people_days_projects_sit_under_为民办实事_and_key_projects_use_四个一() -> None:
    provincial = plan(Plan.Kind.PROVINCIAL)
    parent = Indicator.objects.get(plan=provincial, name="为民办实事")
    assert set(parent.children.values_list("name", flat=True)) == {
        "教育惠民工程",
        "农村安全饮水",
        "水库移民新村",
    }
    keys = set(
        Assignment.objects.filter(indicator__plan=provincial, is_key_project=True).values_list(
            "indicator__name", flat=True
        )
    )
    assert {"企业上市培育", "省重大项目前期工作", "教育惠民工程", "气象灾害防御"} <= keys
    for assignment in Assignment.objects.filter(indicator__plan=provincial, is_key_project=True):
        assert assignment.work_team and assignment.responsible_leader is not None


def test_assignments_name_the_leader_in_charge_and_the_units_responsible_person() -> None:
    assignments = Assignment.objects.filter(indicator__plan__owner__code=data.COUNTY)
    assert assignments.count() > 30
    for assignment in assignments.select_related(
        "lead_unit", "responsible_leader", "responsible_person"
    ):
        lead = assignment.lead_unit
        in_charge = set(assignment.responsible_leader.portfolio.values_list("path", flat=True))
        assert any(lead.path.startswith(path) for path in in_charge), assignment
        assert assignment.responsible_person.unit_id == lead.pk
        assert assignment.responsible_person.position == Person.Position.STAFF
        assert "第一责任人" in assignment.note


def test_points_add_up_and_scoring_parameters_are_valid() -> None:
    for found in Plan.objects.filter(owner__code=data.COUNTY):
        indicators = list(found.indicators.prefetch_related("children"))
        for indicator in indicators:
            children = list(indicator.children.all())
            if children:
                assert indicator.points == sum(c.points for c in children), indicator
            assert validate_params(indicator.scoring_rule, indicator.scoring_params) == [], (
                indicator
            )
        top = [i for i in indicators if i.parent_id is None]
        if found.kind == Plan.Kind.PROVINCIAL:
            assert sum(i.points for i in top) == found.points_total == Decimal("100")
        else:
            for group in found.groups.all():
                assert sum(i.points for i in top if group in i.groups.all()) == Decimal("100")


def test_the_county_plan_groups_units_with_grades_veto_and_town_targets() -> None:
    county_plan = plan(Plan.Kind.COUNTY)
    groups = {g.code: g for g in county_plan.groups.all()}
    assert groups["towns"].name == "乡镇组" and groups["towns"].units.count() == 20
    assert {"经济部门组", "社会事业部门组", "党群部门组"} <= {g.name for g in groups.values()}
    assert "拖全县后腿" in county_plan.veto_rules[0]["name"]
    assert county_plan.grade_rules[0] == {"name": "优秀", "min_score": 90.0, "quota": 0.3}
    assert [g["name"] for g in county_plan.grade_rules] == ["优秀", "良好", "一般", "较差"]
    categories = set(
        Indicator.objects.filter(plan=county_plan, level=1).values_list("category", flat=True)
    )
    assert {
        Indicator.Category.BUSINESS,
        Indicator.Category.PARTY,
        Indicator.Category.EXECUTIVE,
    } <= categories
    tax = Indicator.objects.get(plan=county_plan, code="ZA01")
    targets = IndicatorTarget.objects.filter(indicator=tax)
    assert targets.count() == 20
    seat = targets.get(unit__code="SFX-CGZ")
    assert seat.target > targets.get(unit__code="SFX-YLX").target > 0
    assert seat.baseline < seat.target


# --- accounts and scope --------------------------------------------------------------------
def test_every_role_has_a_demo_account_that_signs_in_with_the_demo_password() -> None:
    for role in Role.values:
        grant = (
            RoleGrant.objects.filter(
                role=role, user__username__in=[a.username for a in data.DEMO_ACCOUNTS]
            )
            .select_related("user")
            .first()
        )
        assert grant is not None, f"no demo account for {role}"
        assert not grant.user.must_change_password
        login(grant.user.username)


def test_demo_accounts_are_anchored_where_their_role_needs() -> None:
    expected = {a.username: (a.role, a.unit) for a in data.DEMO_ACCOUNTS}
    grants = RoleGrant.objects.filter(user__username__in=expected).values_list(
        "user__username", "role", "unit__code"
    )
    assert {username: (role, unit) for username, role, unit in grants} == expected
    assert User.objects.get(username="jmj_head").person.unit.short_name == "经贸局"
    assert User.objects.get(username="qxj_reporter").person.unit.short_name == "气象局"


def test_a_town_reporter_sees_only_its_town() -> None:
    reporter = User.objects.get(username="cgz_reporter")
    assert list(Unit.objects.for_user(reporter).values_list("name", flat=True)) == ["城关镇"]


def test_the_leader_sees_the_portfolio_and_the_office_the_whole_county() -> None:
    leader = User.objects.get(username="leader")
    seen = set(Unit.objects.for_user(leader).values_list("code", flat=True))
    assert seen == set(data.portfolio_of("周晓峰"))
    assert {"SFX-JMJ", "SFX-CGZ"} <= seen and "SFX-QXJ" not in seen
    office = User.objects.get(username="office")
    assert (
        Unit.objects.for_user(office).count()
        == Unit.objects.filter(path__startswith=Unit.objects.get(code=data.COUNTY).path).count()
    )


# --- idempotence and the command ------------------------------------------------------------
def _row_counts() -> dict[str, int]:
    """Rows in every table the demo touches, M2M tables included."""
    counts = {}
    for label in ("org", "plans"):
        for model in apps.get_app_config(label).get_models():
            counts[model._meta.label] = model.objects.count()
            for m2m in model._meta.many_to_many:
                through = m2m.remote_field.through
                counts[through._meta.label] = through.objects.count()
    counts["audit events"] = AuditEvent.objects.count()
    counts["auditlog entries"] = LogEntry.objects.count()
    return counts


def test_loading_again_changes_nothing_and_audits_nothing() -> None:
    before = _row_counts()
    versions = dict(Plan.objects.values_list("code", "row_version"))
    summary = load_demo()
    assert summary.created_total == 0
    assert sorted(summary.kept_plans) == sorted(versions)
    assert _row_counts() == before
    assert dict(Plan.objects.values_list("code", "row_version")) == versions


def test_the_command_prints_the_counts_and_the_logins() -> None:
    out = StringIO()
    call_command("loaddemo", stdout=out)
    text = out.getvalue()
    assert settings.KAOPING_DEMO_PASSWORD in text
    for account in data.DEMO_ACCOUNTS:
        assert account.username in text and account.role_zh in text
    assert "Performance office" in text and "Security administrator" in text


def test_the_offices_2022q3_bulletin_is_issued_with_its_files() -> None:
    from kaoping.bulletins.models import Bulletin
    from kaoping.bulletins.services import archived_file

    bulletin = Bulletin.objects.get(plan=plan(Plan.Kind.COUNTY), period="2022Q3")
    assert bulletin.status == Bulletin.Status.ISSUED
    assert bulletin.issued_by == User.objects.get(username="office")
    assert len(bulletin.sections) == 7
    lagging = next(s for s in bulletin.sections if s["key"] == "lagging")
    assert lagging["tables"] and lagging["tables"][0]["rows"]  # the speech's lagging items
    assert set(bulletin.file_hashes) == {"docx", "pdf", "xlsx"}
    assert archived_file(bulletin, "pdf").startswith(b"%PDF")
    assert archived_file(bulletin, "docx").startswith(b"PK")
    # the office can open it
    page = login("office").get(f"/bulletins/{bulletin.pk}/")
    assert page.status_code == 200 and bulletin.title in page.content.decode()
