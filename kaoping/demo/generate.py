"""A synthetic province for load and scale work (`kaoping generate --counties N --seed S`).

On an empty database only, builds: a province unit and N counties, each with its towns and
departments (the treebeard unit tree with paths computed here, as `kaoping.org` would store
them); persons and accounts (an office, a leader and an inspector per county, a head and a
reporter per town and department, one shared province office); the provincial plan (the
province evaluates its counties) and a county plan per county (towns and departments in two
groups), with indicator trees, assignments and per-town targets; milestone tasks; progress
reports for the past periods of the cycle (approved, unit-approved, submitted and draft);
the tracking engine's figures at the last period; a closed inspection round per county with
findings and confirmed deductions; and a public-appraisal survey per county with a resident
list whose names and phones are encrypted, masked and fingerprinted as the import does
(kaoping.surveys.crypto).

Deterministic: every figure comes from `random.Random` seeded with the seed (per county), so
the same seed gives the same row counts and the same figures (`figures_checksum`).

Fast: rows are written with `bulk_create` in batches, not through the services. Two things
follow and are accepted for generated data: `bulk_create` sends no signals, so there is no
django-auditlog change record per row (one `demo.generate` audit event records the run with
its counts; the append-only audit tables are only ever appended to), and every generated
account shares one password hashed once (`make_password` is deliberately slow, ~0.1 s with
Argon2: hashing it per user would dominate the run). The accounts do not have to change it.
"""

from __future__ import annotations

import hashlib
import random
import time
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from datetime import time as dtime
from decimal import Decimal
from typing import Any, TypeVar

from django.contrib.auth.hashers import make_password
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kaoping.audit.services import audit_event
from kaoping.core.errors import ApplicationError
from kaoping.core.periods import Period
from kaoping.inspections.models import Deduction, Finding, InspectionRound
from kaoping.org.models import Person, Region, Role, RoleGrant, Unit, User
from kaoping.plans.models import Assignment, Cycle, Indicator, IndicatorTarget, Plan, UnitGroup
from kaoping.surveys import crypto
from kaoping.surveys.models import Frame, Respondent, RespondentGroup, SurveyProject
from kaoping.tracking.models import Milestone, ProgressReport, Task, TrackingResult
from kaoping.tracking.obligations import obligations
from kaoping.tracking.report_selectors import reporting_deadline
from kaoping.tracking.services.results import recompute_plan, reporting_periods
from kaoping.tracking.task_selectors import work_calendar

BATCH = 1000
DEFAULT_PASSWORD = "Kaoping-Generated-2022"  # noqa: S105 - published, generated data only
SOURCE = "generated"
PROVINCE_CODE = "GP"
Rule = Indicator.ScoringRule
Cat = Indicator.Category
Status = ProgressReport.Status
M = TypeVar("M", bound=models.Model)

# (category, points, [(name, unit of measure, rule, kind, direction, base target)])
_LEAVES: tuple[tuple[str, str, str, str, str, str, int], ...] = (
    (Cat.ECONOMIC, "地区生产总值", "亿元", Rule.TARGET_COMPLETION, "quantitative", "higher", 120),
    (
        Cat.ECONOMIC,
        "一般公共预算收入",
        "亿元",
        Rule.TARGET_COMPLETION,
        "quantitative",
        "higher",
        12,
    ),
    (Cat.ECONOMIC, "固定资产投资增速", "%", Rule.GROWTH_RATE, "growth", "higher", 8),
    (Cat.ECONOMIC, "规模以上工业增加值", "亿元", Rule.RATIO_TO_BEST, "quantitative", "higher", 40),
    (Cat.ECONOMIC, "社会消费品零售总额", "亿元", Rule.RANKING, "quantitative", "higher", 55),
    (Cat.ECONOMIC, "招商引资到位资金", "亿元", Rule.THRESHOLD, "quantitative", "higher", 20),
    (Cat.SOCIAL, "城镇新增就业", "人", Rule.TARGET_COMPLETION, "quantitative", "higher", 3000),
    (Cat.SOCIAL, "城乡居民医保参保率", "%", Rule.THRESHOLD, "share", "higher", 95),
    (Cat.SOCIAL, "为民办实事项目", "", Rule.MILESTONES, "milestone", "none", 0),
    (Cat.SOCIAL, "信访积案化解率", "%", Rule.TARGET_COMPLETION, "share", "higher", 90),
    (Cat.ECOLOGICAL, "单位GDP能耗", "吨标煤/万元", Rule.LOWER_BETTER, "quantitative", "lower", 1),
    (Cat.ECOLOGICAL, "空气质量优良天数比例", "%", Rule.THRESHOLD, "share", "higher", 85),
    (Cat.ECOLOGICAL, "新增造林面积", "亩", Rule.TARGET_COMPLETION, "quantitative", "higher", 5000),
    (Cat.PARTY, "基层党组织建设", "", Rule.TARGET_COMPLETION, "qualitative", "none", 0),
    (Cat.PARTY, "党风廉政建设责任制", "", Rule.TARGET_COMPLETION, "qualitative", "none", 0),
    (Cat.EXECUTIVE, "重点工作落实", "", Rule.MILESTONES, "milestone", "none", 0),
    (Cat.EXECUTIVE, "机关效能", "", Rule.DEDUCTION_ONLY, "deduction", "none", 0),
)
_CATEGORY_NAMES = {
    Cat.ECONOMIC: "经济建设",
    Cat.SOCIAL: "社会建设",
    Cat.ECOLOGICAL: "生态建设",
    Cat.PARTY: "党的建设",
    Cat.EXECUTIVE: "效能建设",
}
_VALUE_KINDS = {"quantitative", "growth", "share"}
_SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程"
)
_GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华建国志强文军晓东红梅海燕"
_TOWN_SUFFIX = ("镇", "乡")
_DEPARTMENTS = (
    "发展和改革局", "经济和信息化局", "教育局", "科学技术局", "公安局", "民政局", "司法局",
    "财政局", "人力资源和社会保障局", "自然资源局", "生态环境局", "住房和城乡建设局",
    "交通运输局", "水利局", "农业农村局", "商务局", "文化广电旅游局", "卫生健康局",
    "退役军人事务局", "应急管理局", "审计局", "市场监督管理局", "统计局", "医疗保障局",
    "林业局", "信访局", "气象局", "税务局", "供电公司", "政务服务管理局",
)  # fmt: skip

COUNT_MODELS: tuple[tuple[str, type[models.Model]], ...] = (
    ("regions", Region),
    ("units", Unit),
    ("persons", Person),
    ("users", User),
    ("role_grants", RoleGrant),
    ("cycles", Cycle),
    ("plans", Plan),
    ("unit_groups", UnitGroup),
    ("indicators", Indicator),
    ("indicator_targets", IndicatorTarget),
    ("assignments", Assignment),
    ("tasks", Task),
    ("milestones", Milestone),
    ("progress_reports", ProgressReport),
    ("tracking_results", TrackingResult),
    ("inspection_rounds", InspectionRound),
    ("findings", Finding),
    ("deductions", Deduction),
    ("survey_projects", SurveyProject),
    ("survey_frames", Frame),
    ("respondents", Respondent),
)


@dataclass
class GenerateSummary:
    """What a run wrote: rows per table, seconds per step and in all, the shared password."""

    counties: int
    seed: int
    counts: dict[str, int] = field(default_factory=dict)
    steps: dict[str, float] = field(default_factory=dict)
    seconds: float = 0.0
    password: str = DEFAULT_PASSWORD
    checksum: str = ""

    def as_dict(self) -> dict[str, Any]:
        return {
            "counties": self.counties,
            "seed": self.seed,
            "counts": self.counts,
            "total_rows": sum(self.counts.values()),
            "steps": {k: round(v, 3) for k, v in self.steps.items()},
            "seconds": round(self.seconds, 3),
            "password": self.password,
            "checksum": self.checksum,
        }


def database_is_empty() -> bool:
    """No units, accounts or plans yet (a fresh, migrated database)."""
    return not (Unit.objects.exists() or User.objects.exists() or Plan.objects.exists())


def county_code(number: int) -> str:
    return f"C{number:03d}"


def office_username(number: int) -> str:
    """The office account of county `number` (1-based)."""
    return f"c{number:03d}_office"


def _bulk(model: type[M], rows: Sequence[M]) -> list[M]:
    return model.objects.bulk_create(rows, batch_size=BATCH)  # type: ignore[attr-defined]


def _aware(day: date, hour: int) -> datetime:
    return timezone.make_aware(datetime.combine(day, dtime(hour, 0)))


def _d(value: float, places: int = 2) -> Decimal:
    return Decimal(f"{value:.{places}f}")


class _Generator:
    """One run; `rng` per county so a county's figures do not depend on the others."""

    def __init__(self, *, counties: int, seed: int, towns: int, departments: int, cycle: int):
        self.n = counties
        self.seed = seed
        self.n_towns = towns
        self.n_departments = departments
        self.year = cycle
        self.as_of = Period(cycle, "quarter", 3)  # reports stand at the end of Q3
        self.today = self.as_of.end + timedelta(days=20)
        self.summary = GenerateSummary(counties=counties, seed=seed)
        self.password_hash = make_password(DEFAULT_PASSWORD)
        self.calendar = work_calendar()
        self.province: Unit | None = None
        self.counties: list[Unit] = []
        self.members: dict[int, dict[str, list[Unit]]] = {}  # county pk → towns / departments
        self.people: dict[tuple[int, str], Person] = {}  # (unit pk, position) → person
        self.users: dict[tuple[int, str], User] = {}  # (unit pk, role) → user
        self.deadlines: dict[tuple[int, str], date] = {}

    def rng(self, *key: object) -> random.Random:
        return random.Random(f"{self.seed}:" + ":".join(str(k) for k in key))

    def step(self, name: str, fn: Any) -> None:
        started = time.perf_counter()
        fn()
        self.summary.steps[name] = time.perf_counter() - started

    # --- organisation ----------------------------------------------------------------------
    def org(self) -> None:
        regions = [Region(code="990000", name="示范省", level=Region.Level.PROVINCE)]
        _bulk(Region, regions)
        province_region = regions[0]
        county_regions = _bulk(
            Region,
            [
                Region(
                    code=f"99{c:04d}",
                    name=f"第{c}县",
                    level=Region.Level.COUNTY,
                    parent=province_region,
                    population=self.rng("pop", c).randint(150_000, 900_000),
                )
                for c in range(1, self.n + 1)
            ],
        )
        town_regions = _bulk(
            Region,
            [
                Region(
                    code=f"99{c:04d}{t:03d}",
                    name=self._town_name(c, t),
                    level=Region.Level.TOWN,
                    parent=county_regions[c - 1],
                    population=self.rng("tpop", c, t).randint(8_000, 90_000),
                )
                for c in range(1, self.n + 1)
                for t in range(1, self.n_towns + 1)
            ],
        )
        key = Unit._get_path  # treebeard's path of the n-th child at a depth
        province = Unit(
            code=PROVINCE_CODE,
            name="示范省",
            short_name="示范省",
            kind=Unit.Kind.PROVINCE,
            region=province_region,
            path=key(None, 1, 1),
            depth=1,
            numchild=self.n,
        )
        units: list[Unit] = [province]
        tree: list[tuple[Unit, list[Unit], list[Unit]]] = []
        for c in range(1, self.n + 1):
            code = county_code(c)
            county = Unit(
                code=code,
                name=f"第{c}县人民政府",
                short_name=f"第{c}县",
                kind=Unit.Kind.COUNTY,
                region=county_regions[c - 1],
                path=key(province.path, 2, c),
                depth=2,
                numchild=self.n_towns + self.n_departments,
            )
            # Children in code order (node_order_by = code): departments D.. before towns T...
            departments = [
                Unit(
                    code=f"{code}-D{d:02d}",
                    name=f"第{c}县{self._department_name(d)}",
                    short_name=self._department_name(d),
                    kind=Unit.Kind.DEPARTMENT,
                    region=county_regions[c - 1],
                    path=key(county.path, 3, d),
                    depth=3,
                    numchild=0,
                )
                for d in range(1, self.n_departments + 1)
            ]
            towns = [
                Unit(
                    code=f"{code}-T{t:02d}",
                    name=self._town_name(c, t),
                    short_name=self._town_name(c, t),
                    kind=Unit.Kind.TOWN,
                    region=town_regions[(c - 1) * self.n_towns + t - 1],
                    path=key(county.path, 3, self.n_departments + t),
                    depth=3,
                    numchild=0,
                )
                for t in range(1, self.n_towns + 1)
            ]
            units += [county, *departments, *towns]
            tree.append((county, towns, departments))
        _bulk(Unit, units)
        self.province = province
        for county, towns, departments in tree:
            self.counties.append(county)
            self.members[county.pk] = {"towns": towns, "departments": departments}
        self.persons_and_accounts()

    def _town_name(self, c: int, t: int) -> str:
        first = _SURNAMES[(c * 7 + t * 3) % len(_SURNAMES)]
        second = _GIVEN[(c * 5 + t * 11) % len(_GIVEN)]
        return f"{first}{second}{_TOWN_SUFFIX[t % 2]}" if t > 1 else f"第{c}县城关镇"

    def _department_name(self, d: int) -> str:
        base = _DEPARTMENTS[(d - 1) % len(_DEPARTMENTS)]
        return base if d <= len(_DEPARTMENTS) else f"{base}（{(d - 1) // len(_DEPARTMENTS) + 1}）"

    def _person_name(self, rng: random.Random) -> str:
        return rng.choice(_SURNAMES) + "".join(rng.choice(_GIVEN) for _ in range(rng.randint(1, 2)))

    def persons_and_accounts(self) -> None:
        assert self.province is not None
        persons: list[tuple[Unit, str, Person]] = []
        rng = self.rng("people")
        phone = iter(range(10_000_000))

        def person(unit: Unit, position: str, title: str) -> None:
            persons.append(
                (
                    unit,
                    position,
                    Person(
                        unit=unit,
                        name=self._person_name(rng),
                        position=position,
                        title=title,
                        phone=f"0571{8_000_000 + next(phone) % 2_000_000:07d}",
                    ),
                )
            )

        person(self.province, Person.Position.STAFF, "省考评办工作人员")
        for county in self.counties:
            person(county, Person.Position.STAFF, "县考评办工作人员")
            person(county, Person.Position.COUNTY_LEADER, "副县长")
            person(county, Person.Position.DEPUTY, "县督查室主任")
            for unit in self.members[county.pk]["departments"] + self.members[county.pk]["towns"]:
                head_title = "局长" if unit.kind == Unit.Kind.DEPARTMENT else "党委书记"
                person(unit, Person.Position.HEAD, head_title)
                person(unit, Person.Position.STAFF, "综合科科员")
        _bulk(Person, [p for _u, _pos, p in persons])
        for unit, position, p in persons:
            self.people[(unit.pk, position)] = p
        now = timezone.now()
        users: list[tuple[User, str, Unit | None]] = []

        def account(username: str, role: str, unit: Unit | None, who: Person | None) -> None:
            users.append(
                (
                    User(
                        username=username,
                        password=self.password_hash,
                        display_name=who.name if who else username,
                        person=who,
                        password_changed_at=now,
                        must_change_password=False,
                    ),
                    role,
                    unit,
                )
            )

        province = self.province
        account("province_office", Role.OFFICE, province, self.people[(province.pk, "staff")])
        for number, county in enumerate(self.counties, start=1):
            prefix = f"c{number:03d}"
            account(office_username(number), Role.OFFICE, county, self.people[(county.pk, "staff")])
            leader = self.people[(county.pk, Person.Position.COUNTY_LEADER)]
            account(f"{prefix}_leader", Role.LEADER, county, leader)
            inspector = self.people[(county.pk, Person.Position.DEPUTY)]
            account(f"{prefix}_inspector", Role.INSPECTOR, county, inspector)
            for unit in self.members[county.pk]["departments"] + self.members[county.pk]["towns"]:
                short = unit.code.split("-")[1].lower()
                head = self.people[(unit.pk, Person.Position.HEAD)]
                staff = self.people[(unit.pk, Person.Position.STAFF)]
                account(f"{prefix}_{short}_head", Role.UNIT_HEAD, unit, head)
                account(f"{prefix}_{short}_reporter", Role.REPORTER, unit, staff)
        _bulk(User, [u for u, _r, _unit in users])
        _bulk(RoleGrant, [RoleGrant(user=u, role=r, unit=anchor) for u, r, anchor in users])
        for user, role, anchor in users:
            if anchor is not None:
                self.users[(anchor.pk, role)] = user
        # Each county leader is in charge of the county's first ten departments (分管).
        through = Person.portfolio.through
        _bulk(
            through,
            [
                through(
                    person_id=self.people[(c.pk, Person.Position.COUNTY_LEADER)].pk, unit_id=u.pk
                )
                for c in self.counties
                for u in self.members[c.pk]["departments"][:10]
            ],
        )

    # --- plans -----------------------------------------------------------------------------
    def plans(self) -> None:
        assert self.province is not None
        cycle = Cycle.objects.create(year=self.year, name=f"{self.year}年度")
        self.cycle = cycle
        grade_rules = [
            {"name": "优秀", "min_score": 90.0},
            {"name": "良好", "min_score": 80.0},
            {"name": "一般", "min_score": 60.0},
            {"name": "较差", "min_score": 0.0},
        ]
        plans = [
            Plan(
                cycle=cycle,
                owner=self.province,
                code=f"province-{self.year}",
                name=f"示范省{self.year}年度县（市、区）绩效考评指标",
                kind=Plan.Kind.PROVINCIAL,
                status=Plan.Status.PUBLISHED,
                grade_rules=grade_rules,
                status_rule={"preset": "default"},
                points_total=Decimal("100"),
            )
        ]
        plans += [
            Plan(
                cycle=cycle,
                owner=county,
                code=f"county-{self.year}",
                name=f"{county.short_name}{self.year}年度乡镇和县直部门绩效考评方案",
                kind=Plan.Kind.COUNTY,
                status=Plan.Status.PUBLISHED,
                grade_rules=grade_rules,
                status_rule={"preset": "default"},
            )
            for county in self.counties
        ]
        _bulk(Plan, plans)
        self.provincial = plans[0]
        self.county_plans = dict(zip([c.pk for c in self.counties], plans[1:], strict=True))
        groups: list[UnitGroup] = []
        for plan in plans[1:]:
            groups += [
                UnitGroup(plan=plan, code="towns", name="乡镇组", order=1),
                UnitGroup(plan=plan, code="departments", name="县直部门组", order=2),
            ]
        _bulk(UnitGroup, groups)
        group_units = UnitGroup.units.through
        group_rows = []
        self.groups: dict[int, dict[str, UnitGroup]] = {}
        for county, (towns_group, depts_group) in zip(
            self.counties, zip(groups[::2], groups[1::2], strict=True), strict=True
        ):
            self.groups[county.pk] = {"towns": towns_group, "departments": depts_group}
            for key, group in (("towns", towns_group), ("departments", depts_group)):
                group_rows += [
                    group_units(unitgroup_id=group.pk, unit_id=u.pk)
                    for u in self.members[county.pk][key]
                ]
        _bulk(group_units, group_rows)
        self.indicators()

    def _tree(self, plan: Plan, county: Unit | None) -> list[Indicator]:
        """Categories with their leaves; points sum to 100."""
        rows: list[Indicator] = []
        order = 0
        per_category = Counter(leaf[0] for leaf in _LEAVES)
        points = {Cat.ECONOMIC: 35, Cat.SOCIAL: 25, Cat.ECOLOGICAL: 15, Cat.PARTY: 10}
        points[Cat.EXECUTIVE] = 15
        source = Indicator.SourceLevel.PROVINCE if county is None else Indicator.SourceLevel.COUNTY
        for number, (category, name) in enumerate(_CATEGORY_NAMES.items(), start=1):
            order += 1
            top = Indicator(
                plan=plan,
                code=f"{number}",
                name=name,
                level=1,
                order=order,
                category=category,
                kind=Indicator.Kind.QUALITATIVE,
                points=Decimal(points[category]),
                scoring_rule=Rule.SUM_CHILDREN,
                source_level=source,
            )
            rows.append(top)
            share = Decimal(points[category]) / per_category[category]
            leaves = [leaf for leaf in _LEAVES if leaf[0] == category]
            for index, (_c, leaf_name, uom, rule, kind, direction, base) in enumerate(leaves, 1):
                order += 1
                scale = 1 if county is None else 20
                rows.append(
                    Indicator(
                        plan=plan,
                        parent=top,
                        code=f"{number}.{index}",
                        name=leaf_name,
                        level=2,
                        order=order,
                        category=category,
                        kind=kind,
                        unit_of_measure=uom,
                        direction=direction,
                        target=_d(base / scale, 2) if kind in _VALUE_KINDS else None,
                        baseline=_d(base / scale * 0.92, 2) if kind in _VALUE_KINDS else None,
                        target_text="" if kind in _VALUE_KINDS else f"全面完成{leaf_name}年度任务",
                        points=share.quantize(Decimal("0.01")),
                        source_level=source,
                        scoring_rule=rule,
                        frequency=Indicator.Frequency.QUARTERLY,
                        evidence_requirement="相关部门盖章的统计报表或工作台账",
                    )
                )
        return rows

    def indicators(self) -> None:
        trees = {self.provincial.pk: self._tree(self.provincial, None)}
        for county in self.counties:
            plan = self.county_plans[county.pk]
            trees[plan.pk] = self._tree(plan, county)
        _bulk(Indicator, [i for tree in trees.values() for i in tree if i.parent is None])
        for tree in trees.values():
            for indicator in tree:
                if indicator.parent is not None:
                    indicator.parent_id = indicator.parent.pk
        _bulk(Indicator, [i for tree in trees.values() for i in tree if i.parent is not None])
        self.leaves = {
            plan_pk: [i for i in tree if i.parent is not None] for plan_pk, tree in trees.items()
        }
        # Provincial plan: every county answers for every leaf (lead unit = the county).
        assignments = [
            Assignment(
                indicator=leaf,
                lead_unit=county,
                responsible_leader=self.people[(county.pk, Person.Position.COUNTY_LEADER)],
                responsible_person=self.people[(county.pk, Person.Position.STAFF)],
                is_key_project=leaf.kind == Indicator.Kind.MILESTONE,
            )
            for county in self.counties
            for leaf in self.leaves[self.provincial.pk]
        ]
        # County plans: towns report on every leaf as the towns group; the economic and
        # ecological leaves are also assigned to a lead department, the rest apply to the
        # departments group.
        group_links = Indicator.groups.through
        links = []
        targets = []
        for county in self.counties:
            plan = self.county_plans[county.pk]
            departments = self.members[county.pk]["departments"]
            groups = self.groups[county.pk]
            rng = self.rng("targets", county.code)
            for index, leaf in enumerate(self.leaves[plan.pk]):
                links.append(group_links(indicator_id=leaf.pk, unitgroup_id=groups["towns"].pk))
                if leaf.category in (Cat.ECONOMIC, Cat.ECOLOGICAL):
                    lead = departments[index % len(departments)]
                    assignments.append(
                        Assignment(
                            indicator=leaf,
                            lead_unit=lead,
                            responsible_leader=self.people[
                                (county.pk, Person.Position.COUNTY_LEADER)
                            ],
                            responsible_person=self.people[(lead.pk, Person.Position.STAFF)],
                            note="第一责任人：单位主要负责人",
                        )
                    )
                else:
                    links.append(
                        group_links(indicator_id=leaf.pk, unitgroup_id=groups["departments"].pk)
                    )
                if leaf.kind == Indicator.Kind.MILESTONE:  # each department's own share
                    assignments += [
                        Assignment(
                            indicator=leaf,
                            lead_unit=dept,
                            responsible_leader=self.people[
                                (county.pk, Person.Position.COUNTY_LEADER)
                            ],
                            responsible_person=self.people[(dept.pk, Person.Position.STAFF)],
                            is_key_project=True,
                        )
                        for dept in departments
                    ]
                if leaf.kind in _VALUE_KINDS and leaf.target is not None:
                    for town in self.members[county.pk]["towns"]:
                        factor = rng.uniform(0.6, 1.6)
                        targets.append(
                            IndicatorTarget(
                                indicator=leaf,
                                unit=town,
                                target=_d(float(leaf.target) * factor),
                                baseline=_d(float(leaf.target) * factor * 0.92),
                            )
                        )
        _bulk(Assignment, assignments)
        _bulk(group_links, links)
        _bulk(IndicatorTarget, targets)

    # --- tasks -----------------------------------------------------------------------------
    def tasks(self) -> None:
        steps = ("制定实施方案", "组织实施", "中期检查", "完成验收")
        tasks: list[Task] = []
        for assignment in (
            Assignment.objects.filter(
                indicator__plan__cycle__year=self.year, indicator__kind=Indicator.Kind.MILESTONE
            )
            .select_related("indicator", "lead_unit")
            .order_by("pk")
        ):
            tasks.append(
                Task(
                    assignment=assignment,
                    unit=assignment.lead_unit,
                    name=f"{assignment.indicator.name}（{assignment.lead_unit.short_name}）",
                    deadline=date(self.year, 12, 20),
                    owner=assignment.responsible_person,
                    status=Task.Status.IN_PROGRESS,
                )
            )
        _bulk(Task, tasks)
        milestones = []
        for task in tasks:
            rng = self.rng("task", task.unit.code, task.assignment.indicator.code)
            for order, name in enumerate(steps, start=1):
                due = date(self.year, 3 * order, 25)
                done = None
                if due <= self.as_of.end:
                    slip = rng.choice((-5, -2, 0, 0, 3, 12))
                    done = due + timedelta(days=slip) if rng.random() < 0.85 else None
                milestones.append(
                    Milestone(
                        task=task,
                        name=name,
                        order=order,
                        working_days=15,
                        due=due,
                        started_on=due - timedelta(days=20),
                        done_on=done,
                    )
                )
        _bulk(Milestone, milestones)

    # --- progress --------------------------------------------------------------------------
    def deadline(self, plan: Plan, period: Period) -> date:
        key = (plan.pk, str(period))
        if key not in self.deadlines:
            self.deadlines[key] = reporting_deadline(plan, period, calendar=self.calendar)
        return self.deadlines[key]

    def progress(self) -> None:
        office_of = {c.pk: self.users[(c.pk, Role.OFFICE)] for c in self.counties}
        assert self.province is not None
        province_office = self.users[(self.province.pk, Role.OFFICE)]
        county_of = {
            u.pk: c for c in self.counties for us in self.members[c.pk].values() for u in us
        }
        targets = {
            (t.indicator_id, t.unit_id): t.target
            for t in IndicatorTarget.objects.filter(indicator__plan__cycle=self.cycle)
        }
        plans = [self.provincial, *self.county_plans.values()]
        for plan in plans:
            reports: list[ProgressReport] = []
            for item in obligations(plan):
                indicator, unit = item.indicator, item.unit
                rng = self.rng("report", plan.code, indicator.code, unit.code)
                county = county_of.get(unit.pk, unit)
                office = province_office if plan.pk == self.provincial.pk else office_of[county.pk]
                target = targets.get((indicator.pk, unit.pk), indicator.target)
                pace = rng.uniform(0.72, 1.18)  # how well the unit is doing this year
                growth = rng.uniform(-0.04, 0.16)
                periods = [
                    p for p in reporting_periods(indicator, self.year) if p.end <= self.as_of.end
                ]
                for index, period in enumerate(periods, start=1):
                    last = index == len(periods)
                    roll = rng.random()
                    if not last or roll < 0.55:
                        status = Status.APPROVED
                    elif roll < 0.7:
                        status = Status.UNIT_APPROVED
                    elif roll < 0.85:
                        status = Status.SUBMITTED
                    else:
                        status = Status.DRAFT
                    value = last_value = None
                    narrative = ""
                    if indicator.kind in _VALUE_KINDS and target is not None:
                        share = index / 4 if indicator.accumulation == "cumulative" else 1
                        if indicator.kind != Indicator.Kind.QUANTITATIVE:
                            share = 1  # rates and shares are not cumulative amounts
                        noise = rng.uniform(0.97, 1.03)
                        value = _d(float(target) * share * pace * noise)
                        last_value = _d(float(value) / (1 + growth))
                    else:
                        narrative = (
                            f"{period.label()}：按计划推进{indicator.name}，完成阶段性任务。"
                        )
                    deadline = self.deadline(plan, period)
                    late = rng.random() < 0.06
                    submitted = _aware(deadline + timedelta(days=2 if late else -2), 10)
                    reporter = self.users.get((unit.pk, Role.REPORTER)) or office
                    head = self.users.get((unit.pk, Role.UNIT_HEAD))
                    report = ProgressReport(
                        indicator=indicator,
                        unit=unit,
                        period=str(period),
                        status=status,
                        value=value,
                        last_year_value=last_value,
                        narrative=narrative,
                        deadline=deadline,
                        is_late=late and status != Status.DRAFT,
                        created_by=reporter,
                        source=SOURCE,
                    )
                    if status != Status.DRAFT:
                        report.submitted_by = reporter
                        report.submitted_at = submitted
                    if status in (Status.UNIT_APPROVED, Status.APPROVED):
                        report.unit_approved_by = head
                        report.unit_approved_at = submitted + timedelta(hours=20)
                    if status == Status.APPROVED:
                        report.approved_by = office
                        report.approved_at = submitted + timedelta(days=2)
                    reports.append(report)
            _bulk(ProgressReport, reports)

    def figures(self) -> None:
        for plan in [self.provincial, *self.county_plans.values()]:
            recompute_plan(plan=plan, period=self.as_of, today=self.today)

    # --- inspections -----------------------------------------------------------------------
    def inspections(self) -> None:
        rounds = [
            InspectionRound(
                plan=self.county_plans[c.pk],
                code=f"{self.year}-h1",
                name=f"{c.short_name}{self.year}年上半年察访核验",
                level=InspectionRound.Level.COUNTY,
                period_start=date(self.year, 1, 1),
                period_end=date(self.year, 6, 30),
                status=InspectionRound.Status.CLOSED,
                opened_at=_aware(date(self.year, 7, 5), 9),
                closed_at=_aware(date(self.year, 7, 25), 17),
            )
            for c in self.counties
        ]
        _bulk(InspectionRound, rounds)
        findings: list[Finding] = []
        deductions: list[Deduction] = []
        for county, inspection in zip(self.counties, rounds, strict=True):
            rng = self.rng("inspect", county.code)
            inspector = self.users[(county.pk, Role.INSPECTOR)]
            office = self.users[(county.pk, Role.OFFICE)]
            units = self.members[county.pk]["towns"] + self.members[county.pk]["departments"]
            for unit in units:
                if rng.random() > 0.3:
                    continue
                for number in range(rng.randint(1, 3)):
                    finding = Finding(
                        round=inspection,
                        unit=unit,
                        title=rng.choice(
                            ("台账资料不完整", "整改落实不到位", "工作进度滞后", "数据报送不准确")
                        ),
                        description=f"察访核验发现问题{number + 1}，已要求限期整改。",
                        severity=rng.choice(list(Finding.Severity.values)),
                        found_on=date(self.year, 7, rng.randint(6, 24)),
                        responsible_unit=unit,
                        recorded_by=inspector,
                    )
                    findings.append(finding)
                    points = _d(rng.choice((0.5, 1.0, 1.0, 2.0)))
                    deductions.append(
                        Deduction(
                            finding=finding,
                            unit=unit,
                            category=Cat.EXECUTIVE,
                            points=points,
                            effective_points=points,
                            reason=f"{finding.title}，按考评办法扣{points}分。",
                            responsible_unit=unit,
                            status=Deduction.Status.CONFIRMED,
                            recorded_by=inspector,
                            confirmed_by=office,
                            confirmed_on=date(self.year, 7, 28),
                        )
                    )
        _bulk(Finding, findings)
        for deduction in deductions:
            deduction.finding_id = deduction.finding.pk
        _bulk(Deduction, deductions)

    # --- surveys ---------------------------------------------------------------------------
    def surveys(self, per_town: int = 15) -> None:
        projects = [
            SurveyProject(
                plan=self.county_plans[c.pk],
                code=f"{c.code}-{self.year}-public",
                name=f"{c.short_name}{self.year}年度群众满意度测评",
                status=SurveyProject.Status.FIELDWORK,
                feeds_scoring=True,
                created_by=self.users[(c.pk, Role.OFFICE)],
            )
            for c in self.counties
        ]
        _bulk(SurveyProject, projects)
        through = SurveyProject.units.through
        _bulk(
            through,
            [
                through(surveyproject_id=p.pk, unit_id=u.pk)
                for c, p in zip(self.counties, projects, strict=True)
                for us in self.members[c.pk].values()
                for u in us
            ],
        )
        frames = [
            Frame(
                project=p,
                group=RespondentGroup.RESIDENT,
                file_name=f"{p.code}-residents.xlsx",
                sha256=hashlib.sha256(p.code.encode()).hexdigest(),
                rows=per_town * self.n_towns,
                imported=per_town * self.n_towns,
                imported_by=p.created_by,
            )
            for p in projects
        ]
        _bulk(Frame, frames)
        respondents = []
        for county, project, frame in zip(self.counties, projects, frames, strict=True):
            rng = self.rng("respondents", county.code)
            seen: set[str] = set()
            for town in self.members[county.pk]["towns"]:
                for _number in range(per_town):
                    phone = f"1{rng.choice('3589')}{rng.randint(0, 999_999_999):09d}"
                    while phone in seen:
                        phone = f"1{rng.choice('3589')}{rng.randint(0, 999_999_999):09d}"
                    seen.add(phone)
                    name = self._person_name(rng)
                    respondents.append(
                        Respondent(
                            project=project,
                            frame=frame,
                            group=RespondentGroup.RESIDENT,
                            stratum=town.name,
                            unit=town,
                            name_encrypted=crypto.encrypt(name),
                            phone_encrypted=crypto.encrypt(phone),
                            phone_hash=crypto.phone_fingerprint(phone),
                            name_masked=crypto.mask_name(name),
                            phone_masked=crypto.mask_phone(phone),
                        )
                    )
        _bulk(Respondent, respondents)

    def run(self) -> GenerateSummary:
        started = time.perf_counter()
        self.step("organisation", self.org)
        self.step("plans", self.plans)
        self.step("tasks", self.tasks)
        self.step("progress", self.progress)
        self.step("figures", self.figures)
        self.step("inspections", self.inspections)
        self.step("surveys", self.surveys)
        counts = {name: model.objects.count() for name, model in COUNT_MODELS}  # type: ignore[attr-defined]
        self.summary.counts = counts
        self.summary.checksum = figures_checksum()
        audit_event(
            actor=None,
            action="demo.generate",
            obj=self.province,
            reason="generated province for load and scale work",
            after={"counties": self.n, "seed": self.seed, "counts": counts},
        )
        self.summary.seconds = time.perf_counter() - started
        return self.summary


def generate_province(
    *,
    counties: int,
    seed: int = 0,
    towns: int = 20,
    departments: int = 40,
    cycle: int = 2022,
) -> GenerateSummary:
    """Generate a province into an empty database (ApplicationError if it is not empty)."""
    if counties < 1 or towns < 1 or departments < 1:
        raise ApplicationError(_("Counties, towns and departments must each be at least 1."))
    if counties > 999 or towns > 99 or departments > 99:
        raise ApplicationError(_("At most 999 counties, 99 towns and 99 departments."))
    if not database_is_empty():
        raise ApplicationError(
            _(
                "The database is not empty: generate a province only into a new, migrated "
                "database (for example with KAOPING_DATABASE_URL pointing to a new one)."
            )
        )
    generator = _Generator(
        counties=counties, seed=seed, towns=towns, departments=departments, cycle=cycle
    )
    with transaction.atomic():
        return generator.run()


def _lines(rows: Iterable[Iterable[Any]]) -> Iterable[bytes]:
    for row in rows:
        yield ("|".join("" if v is None else str(v) for v in row) + "\n").encode()


def figures_checksum() -> str:
    """SHA-256 of the generated figures, independent of primary keys and timestamps: reports
    (unit, indicator, period, status, values), targets, milestones, deductions and the
    respondents' masks."""
    digest = hashlib.sha256()
    queries: list[Iterable[Iterable[Any]]] = [
        ProgressReport.objects.order_by(
            "indicator__plan__owner__code", "indicator__code", "unit__code", "period"
        ).values_list(
            "indicator__plan__owner__code",
            "indicator__code",
            "unit__code",
            "period",
            "status",
            "value",
            "last_year_value",
            "is_late",
        ),
        IndicatorTarget.objects.order_by(
            "indicator__plan__owner__code", "indicator__code", "unit__code"
        ).values_list("indicator__plan__owner__code", "indicator__code", "unit__code", "target"),
        Milestone.objects.order_by("task__unit__code", "task__name", "order").values_list(
            "task__unit__code", "task__name", "order", "due", "done_on"
        ),
        Deduction.objects.order_by("unit__code", "reason", "points").values_list(
            "unit__code", "reason", "points"
        ),
        Respondent.objects.order_by(
            "project__code", "stratum", "phone_masked", "name_masked"
        ).values_list("project__code", "stratum", "name_masked", "phone_masked"),
        Person.objects.order_by("unit__code", "position").values_list(
            "unit__code", "position", "name"
        ),
    ]
    for query in queries:
        for line in _lines(query):
            digest.update(line)
    return digest.hexdigest()
