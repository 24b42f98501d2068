"""Two counties for the URL crawl: the `world` county (A) and a second one (B) built the same
way, with an object of (almost) every kind that has a page of its own, and the marker strings
of B that must never reach a page shown to a user of A."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.utils import timezone

from kaoping.bulletins.models import Bulletin, BulletinSchedule
from kaoping.inspections.models import Appeal, FindingEvidence, Rectification
from kaoping.org.models import Person, Role, RoleGrant, Unit
from kaoping.plans.models import Plan
from kaoping.scoring.models import ScoreAdjustment, Veto
from kaoping.surveys import crypto
from kaoping.surveys.models import (
    Case,
    Frame,
    Interview,
    ProjectStaff,
    Question,
    Respondent,
    RespondentGroup,
    SampleDraw,
    SurveyProject,
)
from kaoping.tracking.models import (
    Alert,
    Evidence,
    Explanation,
    Milestone,
    Notification,
    ProgressReport,
    Review,
    SupervisionNotice,
    Task,
)
from tests.factories import (
    AssignmentFactory,
    IndicatorFactory,
    PersonFactory,
    PlanFactory,
    make_unit,
    user_with_role,
)

# County B's names: nothing of county A contains any of them.
B_COUNTY = "岭北县"
B_TOWN_A = "岭北甲镇"
B_TOWN_B = "岭北乙镇"
B_DEPT_A = "岭北县水务局"
B_DEPT_B = "岭北县林草局"
B_LEADER = "欧阳岭北"
B_HEAD = "司马岭北"
B_NOTE = "岭北进度说明标记"
B_TASK = "岭北督办任务标记"
B_PLAN = "岭北县2022年度绩效考评方案"
B_PHONE = "13957324681"


def _fixture_body(fixture: Any) -> Any:
    """The plain function behind a pytest fixture, to build the same data for county B."""
    return fixture._get_wrapped_function()


@dataclass
class County:
    """One county like `world`, with the users keyed by role and objects keyed by kind."""

    county: Unit
    town_a: Unit
    town_b: Unit
    dept_a: Unit
    dept_b: Unit
    leader_person: Person
    users: dict[str, Any]
    plan: Plan
    category: Any
    indicator_a: Any
    indicator_b: Any
    assignment_a: Any
    assignment_b: Any
    objects: dict[str, Any] = field(default_factory=dict)


def build_county_b() -> County:
    """County B, built like tests.conftest.world (other codes, names and user names)."""
    county = make_unit("B-C01", B_COUNTY, Unit.Kind.COUNTY)
    town_a = make_unit("B-T01", B_TOWN_A, Unit.Kind.TOWN, county)
    town_b = make_unit("B-T02", B_TOWN_B, Unit.Kind.TOWN, county)
    dept_a = make_unit("B-D01", B_DEPT_A, Unit.Kind.DEPARTMENT, county)
    dept_b = make_unit("B-D02", B_DEPT_B, Unit.Kind.DEPARTMENT, county)
    leader_person = PersonFactory(
        unit=county, name=B_LEADER, position=Person.Position.COUNTY_LEADER
    )
    leader_person.portfolio.set([town_a, dept_a])
    head_a = PersonFactory(unit=town_a, name=B_HEAD, position=Person.Position.HEAD)
    staff_a = PersonFactory(unit=town_a, name="岭北干事")
    users = {
        Role.OFFICE: user_with_role(Role.OFFICE, county, username="b_office"),
        Role.REPORTER: user_with_role(Role.REPORTER, town_a, username="b_reporter", person=staff_a),
        Role.UNIT_HEAD: user_with_role(Role.UNIT_HEAD, town_a, username="b_head", person=head_a),
        Role.LEADER: user_with_role(Role.LEADER, county, username="b_leader", person=leader_person),
        Role.INSPECTOR: user_with_role(Role.INSPECTOR, county, username="b_inspector"),
        Role.INTERVIEWER: user_with_role(Role.INTERVIEWER, None, username="b_interviewer"),
    }
    plan = PlanFactory(owner=county, code="county-2022", name=B_PLAN)
    category = IndicatorFactory(plan=plan, code="A", name="经济建设", target=None, points=40)
    indicator_a = IndicatorFactory(plan=plan, parent=category, code="A01", name="税收收入")
    indicator_b = IndicatorFactory(plan=plan, parent=category, code="A02", name="外贸进出口总额")
    assignment_a = AssignmentFactory(
        indicator=indicator_a,
        lead_unit=town_a,
        responsible_leader=head_a,
        responsible_person=staff_a,
    )
    assignment_b = AssignmentFactory(indicator=indicator_b, lead_unit=town_b)
    return County(
        county,
        town_a,
        town_b,
        dept_a,
        dept_b,
        leader_person,
        users,
        plan,
        category,
        indicator_a,
        indicator_b,
        assignment_a,
        assignment_b,
    )


def survey_project(world: Any, code: str) -> SurveyProject:
    """tests.surveys.conftest's project for `world`, under its own code."""
    from tests.surveys.conftest import project

    made: SurveyProject = _fixture_body(project)(world)
    made.code = code
    made.save(update_fields=["code"])
    return made


def populate_county_b(b: County) -> None:
    """Everything with a page of its own, in county B, through the other test packages'
    fixtures where one exists (bulletins' county, appraisal's open round, surveys' project)."""
    from tests.appraisal.conftest import open_round, rating
    from tests.bulletins.conftest import county as bulletin_county
    from tests.surveys.conftest import add_respondents

    _fixture_body(bulletin_county)(b)  # figures, explanation, finding, deduction, published run
    rated = _fixture_body(open_round)(_fixture_body(rating)(b))
    office, reporter = b.users[Role.OFFICE], b.users[Role.REPORTER]
    o = b.objects
    o["run"] = b.run  # type: ignore[attr-defined]
    o["deduction"] = b.deduction  # type: ignore[attr-defined]
    o["finding"] = o["deduction"].finding
    o["round"] = o["finding"].round
    o["leader_round"] = rated.round
    o["rater"] = rated.round.raters.first()
    o["grant"] = RoleGrant.objects.get(user=reporter)
    o["explanation"] = Explanation.objects.get(unit=b.town_b)
    o["report"] = ProgressReport.objects.create(
        indicator=b.indicator_a,
        unit=b.town_a,
        period="2022Q2",
        status=ProgressReport.Status.SUBMITTED,
        value=Decimal("12"),
        narrative=B_NOTE,
        created_by=reporter,
    )
    o["evidence"] = Evidence.objects.create(
        report=o["report"],
        unit=b.town_a,
        file="evidence/b.pdf",
        original_name="岭北佐证.pdf",
        content_type="application/pdf",
        size=10,
        sha256="0" * 64,
    )
    o["task"] = Task.objects.create(
        assignment=b.assignment_a,
        unit=b.town_a,
        name=B_TASK,
        deadline=date(2022, 12, 31),
    )
    o["milestone"] = Milestone.objects.create(task=o["task"], name="岭北节点", due=date(2022, 9, 1))
    o["milestone_evidence"] = Evidence.objects.create(
        milestone=o["milestone"],
        unit=b.town_a,
        file="evidence/m.pdf",
        original_name="岭北节点佐证.pdf",
        content_type="application/pdf",
        size=10,
        sha256="1" * 64,
    )
    o["notice"] = SupervisionNotice.objects.create(
        indicator=b.indicator_b,
        unit=b.town_b,
        period="2022Q3",
        level="yellow",
        consecutive_red=2,
    )
    o["notification"] = Notification.objects.create(user=reporter, title="岭北通知标记")
    Review.objects.create(
        unit=b.town_b,
        reviewed_on=date(2022, 10, 20),
        reviewer=office,
        findings="岭北回头看标记",
        result="unresolved",
    )
    Alert.objects.create(
        kind="late_report",
        unit=b.town_b,
        indicator=b.indicator_b,
        period="2022Q3",
        message="岭北预警标记",
        dedupe_key="b-alert",
    )
    o["appeal"] = Appeal.objects.create(
        deduction=o["deduction"],
        reasons="岭北申诉理由",
        filed_by=reporter,
        filed_on=date(2022, 8, 22),
    )
    o["rectification"], _ = Rectification.objects.update_or_create(
        finding=o["finding"],
        defaults={"unit": b.town_b, "plan_text": "岭北整改方案", "deadline": date(2022, 11, 30)},
    )
    o["finding_evidence"] = FindingEvidence.objects.create(
        finding=o["finding"],
        file="findings/b.pdf",
        original_name="岭北问题照片.pdf",
        content_type="application/pdf",
        size=10,
        sha256="2" * 64,
    )
    o["veto"] = Veto.objects.create(
        plan=b.plan, unit=b.town_b, condition="safety", reason="岭北否决理由", proposed_by=office
    )
    o["adjustment"] = ScoreAdjustment.objects.create(
        plan=b.plan, unit=b.town_a, kind="bonus", points=Decimal("1"), reason="岭北加分理由"
    )
    o["schedule"] = BulletinSchedule.objects.create(plan=b.plan, day_of_month=5, created_by=office)
    o["bulletin"] = Bulletin.objects.create(
        plan=b.plan,
        period="2022Q3",
        title="岭北县进度通报",
        issuing_body="岭北县绩效办",
        created_by=office,
    )
    project = survey_project(b, "B-ZH")
    o["project"] = project
    o["question"] = Question.objects.filter(questionnaire__project=project).first()
    (respondent,) = add_respondents(project, RespondentGroup.RESIDENT, {"岭北甲镇": 1})
    Respondent.objects.filter(pk=respondent.pk).update(
        phone_encrypted=crypto.encrypt(B_PHONE),
        phone_hash=crypto.phone_fingerprint(B_PHONE),
        phone_masked=crypto.mask_phone(B_PHONE),
    )
    o["respondent"] = respondent
    o["frame"] = Frame.objects.get(project=project)
    draw = SampleDraw.objects.create(project=project, seed=1, frame_digest="b" * 64)
    interviewer = b.users[Role.INTERVIEWER]
    ProjectStaff.objects.create(project=project, user=interviewer)
    o["case"] = Case.objects.create(
        draw=draw,
        project=project,
        respondent=respondent,
        stratum="岭北甲镇",
        position=1,
        status=Case.Status.OPEN,
        interviewer=interviewer,
    )
    o["interview"] = Interview.objects.create(
        case=o["case"],
        questionnaire=o["question"].questionnaire,
        interviewer=interviewer,
        started_at=timezone.now() - timedelta(minutes=5),
    )


def markers() -> list[str]:
    """County B's strings that no page shown to a user of county A may contain."""
    return [
        B_COUNTY,
        B_TOWN_A,
        B_TOWN_B,
        B_DEPT_A,
        B_DEPT_B,
        B_LEADER,
        B_HEAD,
        B_NOTE,
        B_TASK,
        B_PLAN,
        crypto.mask_phone(B_PHONE),
        "岭北申诉理由",
        "岭北整改方案",
        "岭北否决理由",
        "岭北加分理由",
        "岭北通知标记",
        "岭北预警标记",
        "岭北回头看标记",
        "受疫情影响外贸订单减少",  # B's explanation (tests.bulletins.conftest.county)
    ]


def grow_county_b(b: County, n: int) -> None:
    """`n` more of every kind of row in county B (towns, indicators, reports with evidence,
    tasks, findings, deductions, vetoes, accounts, notifications, respondents and cases,
    bulletins), then a new published score run over them all: the same pages, more rows.
    Run after populate_county_b; the query budgets compare a page before and after."""
    from kaoping.inspections import services as inspections
    from kaoping.plans.models import UnitGroup
    from kaoping.scoring import services as scoring
    from tests.surveys.conftest import add_respondents

    office, reporter = b.users[Role.OFFICE], b.users[Role.REPORTER]
    o = b.objects
    towns = UnitGroup.objects.get(plan=b.plan, code="towns")
    project = o["project"]
    draw = o["case"].draw
    for i in range(n):
        town = make_unit(f"B-T9{i}", f"岭北扩展{i}镇", Unit.Kind.TOWN, b.county)
        towns.units.add(town)
        head = PersonFactory(unit=town, name=f"岭北镇长{i}", position=Person.Position.HEAD)
        user_with_role(Role.REPORTER, town, username=f"b_reporter_{i}")
        user_with_role(Role.UNIT_HEAD, town, username=f"b_head_{i}", person=head)
        PersonFactory(unit=b.town_a, name=f"岭北干部{i}")
        b.leader_person.portfolio.add(town)
        indicator = IndicatorFactory(
            plan=b.plan, parent=b.category, code=f"A9{i}", name=f"岭北扩展指标{i}"
        )
        indicator.groups.set([towns])
        for unit in (b.town_a, town):
            assignment = AssignmentFactory(indicator=indicator, lead_unit=unit)
            task = Task.objects.create(
                assignment=assignment,
                unit=unit,
                name=f"岭北扩展任务{i}",
                deadline=date(2022, 12, 31),
            )
            Milestone.objects.create(task=task, name=f"岭北扩展节点{i}", due=date(2022, 9, 1))
        AssignmentFactory(indicator=b.indicator_a, lead_unit=town)
        # Town A's wait for its head, the new town's for the office (Q2) or are approved (Q3).
        waiting = ProgressReport.Status.SUBMITTED
        for unit, period, status in (
            (b.town_a, "2022Q2", waiting),
            (b.town_a, "2022Q3", waiting),
            (town, "2022Q2", ProgressReport.Status.UNIT_APPROVED),
            (town, "2022Q3", ProgressReport.Status.APPROVED),
        ):
            report = ProgressReport.objects.create(
                indicator=indicator,
                unit=unit,
                period=period,
                status=status,
                value=Decimal(10 + i),
                last_year_value=Decimal(8 + i),
                narrative=f"岭北扩展说明{i}",
                created_by=reporter,
                submitted_by=reporter,
                submitted_at=timezone.now(),
            )
            Evidence.objects.create(
                report=report,
                unit=unit,
                file=f"evidence/grow-{i}-{report.pk}.pdf",
                original_name=f"岭北扩展佐证{i}.pdf",
                content_type="application/pdf",
                size=10,
                sha256=f"{report.pk:064d}",
            )
        Explanation.objects.create(
            indicator=indicator, unit=town, period="2022Q3", due=date(2022, 10, 14), text="说明"
        )
        SupervisionNotice.objects.create(
            indicator=indicator, unit=town, period="2022Q3", level="red", consecutive_red=1
        )
        Alert.objects.create(
            kind="late_report",
            unit=town,
            indicator=indicator,
            period="2022Q3",
            message=f"岭北扩展预警{i}",
            dedupe_key=f"b-grow-{i}",
        )
        for user in (reporter, office):
            Notification.objects.create(user=user, title=f"岭北扩展通知{i}")
        office = type(office).objects.get(pk=office.pk)  # its cached scope lacks the town
        finding = inspections.finding_record(
            actor=office,
            inspection_round=o["round"],
            unit=town,
            title=f"岭北扩展问题{i}",
            found_on=date(2022, 8, 15),
            responsible_unit=town,
        )
        deduction = inspections.deduction_record(
            actor=office, finding=finding, reason="资料不全", points="0.5", indicator=indicator
        )
        inspections.deduction_confirm(actor=office, deduction=deduction, today=date(2022, 8, 20))
        Veto.objects.create(
            plan=b.plan, unit=town, condition="safety", reason="否决理由", proposed_by=office
        )
        ScoreAdjustment.objects.create(
            plan=b.plan, unit=town, kind="bonus", points=Decimal("0.5"), reason="加分理由"
        )
        Bulletin.objects.create(
            plan=b.plan,
            period="2022Q2",
            title=f"岭北县扩展通报{i}",
            issuing_body="岭北县绩效办",
            created_by=office,
        )
    interviewer = b.users[Role.INTERVIEWER]
    for position, respondent in enumerate(
        add_respondents(project, RespondentGroup.RESIDENT, {"岭北甲镇": n}, start=90000), 100
    ):
        Case.objects.create(
            draw=draw,
            project=project,
            respondent=respondent,
            stratum="岭北甲镇",
            position=position,
            status=Case.Status.OPEN,
            interviewer=interviewer,
        )
    run = scoring.score_run_start(actor=office, plan=b.plan, label="扩展")
    o["run"] = scoring.score_run_publish(actor=office, run=run, reason="扩展数据")
