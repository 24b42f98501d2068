"""The demo county's public appraisal of 2022 (公众评议), finished and closed.

Two telephone surveys of the county plan `county-2022` by the provincial survey centre:

- `2022-ZH` 综合评议 (comprehensive, feeds the plan's public-appraisal component): every town
  and department the plan ranks, four unit-rating questions on the five-level preset (工作作风、
  服务效率、依法行政、为民办实事成效) and one 12340-style question on the county overall.
  Frames: NPC deputies and CPPCC members (taken whole), the resident directory (stratum: the
  town; weights by the town's population), cadres (stratum: their department) and business
  owners (stratum: their sector). Residents ~600 proportional by town with at least 10 a town.
- `2022-FG` 非公经济发展服务环境专项评议 (special, not scored): the economy-related departments,
  rated by business owners and cadres on 政策落实、审批服务、公平竞争.

For each: a recorded draw (`survey_calculations.draw_sample`, fixed seed, reserve ratio 1)
stored as the sampling service stores one (SampleDraw + Case rows, selected positions
0..k-1, reserves after), fieldwork in November 2022 during calling hours by four demo
interviewers (1–5 call attempts a case with realistic outcomes; a failed case is replaced by
the stratum's next reserve, as the calls service does), interviews and answers driven by a
fixed per-unit quality, then the results service closes the project (frozen SurveyResult
rows) as the `office` account, who supervises both projects.

People, phones and answers are fictional but stable: every random choice comes from a
`random.Random` seeded by the project's code. Rows are written with bulk_create (thousands
of respondents, cases, attempts and answers). Idempotent: a closed project is left alone.
"""

from __future__ import annotations

import hashlib
import random
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import transaction

from kaoping.appraisal import survey_calculations as calc
from kaoping.audit.services import audit_event
from kaoping.demo import data
from kaoping.org import services as org_services
from kaoping.org.models import Role, RoleGrant, Unit, User
from kaoping.plans.models import Plan
from kaoping.scoring.inputs import evaluated_units
from kaoping.surveys import crypto
from kaoping.surveys.models import (
    Answer,
    CallAttempt,
    Case,
    Frame,
    Interview,
    OptionSet,
    Outcome,
    ProjectStaff,
    Question,
    Questionnaire,
    Respondent,
    RespondentGroup,
    SampleDraw,
    SurveyProject,
)
from kaoping.surveys.services import sampling
from kaoping.surveys.services.results import project_close

YEAR = 2022
PLAN_CODE = f"county-{YEAR}"
ZH, FG = "2022-ZH", "2022-FG"
SUPERVISOR = "office"
# (user name, display name); `interviewer` is data.DEMO_ACCOUNTS' own demo login.
INTERVIEWERS = (
    ("interviewer", "访问员（民调）"),
    ("interviewer2", "韦丽娟"),
    ("interviewer3", "蒙志华"),
    ("interviewer4", "黎春燕"),
)
TZ = ZoneInfo("Asia/Shanghai")
FIELDWORK_START = date(YEAR, 11, 1)
FIRST_CALL_DAYS = 10  # first calls 1–10 November; replacements and callbacks follow
MAX_ATTEMPTS = 5
COUNT_KEYS = (
    "accounts",
    "projects",
    "respondents",
    "cases",
    "call_attempts",
    "interviews",
    "answers",
    "results",
)

# FG appraises the economy-related departments (those that exist in the plan).
FG_UNITS = (
    "SFX-FGJ",  # 发改局
    "SFX-JMJ",  # 经贸局
    "SFX-SCJ",  # 市场监管局
    "SFX-SWJ",  # 税务局
    "SFX-ZRJ",  # 自然资源局
    "SFX-ZJJ",  # 住建局
    "SFX-HBJ",  # 生态环境局
    "SFX-SHWJ",  # 商务局
    "SFX-YQW",  # 工业园区管委会
    "SFX-ZWJ",  # 政务服务局
)
SECTORS = ("工业企业", "商贸流通", "建筑房地产", "农业及农产品加工", "住宿餐饮及服务业")
DEPUTIES, MEMBERS = "县人大代表", "县政协委员"
MOBILE_PREFIXES = (
    "130", "131", "132", "133", "135", "136", "137", "138", "139", "150", "151", "152", "155",
    "156", "157", "158", "159", "166", "177", "178", "180", "181", "182", "183", "185", "186",
    "187", "188", "189", "198", "199",
)  # fmt: skip


@dataclass(frozen=True)
class QuestionSpec:
    text: str
    option_set: str
    per_unit: bool = True
    offset: float = 0.0  # how this aspect is rated compared with the unit's standing


@dataclass(frozen=True)
class ProjectSpec:
    code: str
    name: str
    kind: str
    feeds_scoring: bool
    seed: int
    title: str
    introduction: str
    questions: tuple[QuestionSpec, ...]
    # group → (frame file name, size, census, sample size (None: census), minimum a stratum)
    frames: tuple[tuple[str, str, int, bool, int | None, int], ...]
    group_weights: dict[str, float] = field(default_factory=dict)


ZH_SPEC = ProjectSpec(
    code=ZH,
    name="示范县2022年度乡镇和县直部门综合评议",
    kind=SurveyProject.Kind.COMPREHENSIVE,
    feeds_scoring=True,
    seed=20221101,
    title="示范县2022年度综合评议电话调查问卷",
    introduction="您好！我是省统计局民调中心的访问员，受示范县委托开展2022年度乡镇和县直部门"
    "综合评议，想听听您对有关单位工作的评价，大约需要8分钟，您的回答严格保密。",
    questions=(
        QuestionSpec("您对该单位的工作作风是否满意？", "five_level", offset=0.0),
        QuestionSpec("您对该单位的服务效率是否满意？", "five_level", offset=-2.5),
        QuestionSpec("您对该单位依法行政的情况是否满意？", "five_level", offset=1.5),
        QuestionSpec("您对该单位为民办实事的成效是否满意？", "five_level", offset=-1.0),
        QuestionSpec(
            "总体上，您对示范县党委政府今年的工作是否满意？",
            "twelve340",
            per_unit=False,
            offset=3.0,
        ),
    ),
    frames=(
        (RespondentGroup.DEPUTY, "示范县第十七届人大代表名单.xlsx", 82, True, None, 0),
        (RespondentGroup.MEMBER, "政协示范县第十一届委员会委员名单.xlsx", 71, True, None, 0),
        (RespondentGroup.RESIDENT, "示范县城乡居民电话名录（抽样框）.xlsx", 3000, False, 600, 10),
        (RespondentGroup.CADRE, "县直机关干部名单.xlsx", 200, False, 80, 1),
        (RespondentGroup.BUSINESS_OWNER, "企业主名单（县工商联提供）.xlsx", 120, False, 60, 1),
    ),
    group_weights=dict(calc.DEFAULT_GROUP_WEIGHTS),
)
FG_SPEC = ProjectSpec(
    code=FG,
    name="示范县2022年度非公经济发展服务环境专项评议",
    kind=SurveyProject.Kind.SPECIAL,
    feeds_scoring=False,
    seed=20221102,
    title="非公经济发展服务环境专项评议问卷",
    introduction="您好！我是省统计局民调中心的访问员，正在开展示范县非公经济发展服务环境专项"
    "评议，想请您评价有关部门为企业服务的情况，大约需要5分钟，您的回答严格保密。",
    questions=(
        QuestionSpec("您对该部门落实惠企政策的情况是否满意？", "five_level", offset=-1.0),
        QuestionSpec("您对该部门审批服务的便利程度是否满意？", "five_level", offset=-3.0),
        QuestionSpec("您对该部门维护公平竞争市场环境的情况是否满意？", "five_level", offset=0.5),
    ),
    frames=(
        (
            RespondentGroup.BUSINESS_OWNER,
            "非公企业负责人名单（县工商联提供）.xlsx",
            300,
            False,
            150,
            3,
        ),
        (RespondentGroup.CADRE, "县直经济部门干部名单.xlsx", 120, False, 40, 1),
    ),
)


# --- pure helpers -------------------------------------------------------------------------
def _hash(*parts: str) -> int:
    return int(hashlib.sha256("|".join(parts).encode()).hexdigest()[:12], 16)


def unit_quality(code: str) -> float:
    """A unit's standing with the public (≈70–92 on the index scale), fixed by its code: part
    the standing county leaders see (leader_ratings.ballot_score's), part its own."""
    leaders = _hash("unit", code) % 23  # 0–22, as in the leader evaluation
    own = _hash("public", code) % 1000 / 1000
    return 71.0 + 0.55 * leaders + 9.0 * own


FIVE_CUTS = ((88.0, "很满意"), (66.0, "满意"), (44.0, "基本满意"), (18.0, "不太满意"))
TWELVE_CUTS = ((84.0, "满意"), (58.0, "比较满意"), (25.0, "不太满意"))


def rating_label(option_set: str, latent: float) -> str:
    """The level a respondent's latent satisfaction (0–100 scale) falls in."""
    cuts, worst = (FIVE_CUTS, "不满意") if option_set == "five_level" else (TWELVE_CUTS, "不满意")
    for line, label in cuts:
        if latent >= line:
            return label
    return worst


def _calling_time(rng: random.Random, day: date) -> datetime:
    """A moment between 09:00 and 20:30 on `day`, Beijing time."""
    minutes = rng.randrange(9 * 60, 20 * 60 + 30)
    return datetime.combine(day, time(minutes // 60, minutes % 60), tzinfo=TZ)


def _into_hours(rng: random.Random, moment: datetime) -> datetime:
    """`moment`, or the next morning's calling hours when it falls outside 09:00–20:30."""
    if moment.time() < time(9):
        return datetime.combine(moment.date(), time(9, rng.randrange(60)), tzinfo=TZ)
    if moment.time() > time(20, 30):
        day = moment.date() + timedelta(days=1)
        return datetime.combine(day, time(9, rng.randrange(60)), tzinfo=TZ)
    return moment


def _later(rng: random.Random, moment: datetime) -> datetime:
    """The next attempt: one to 20 hours later, within calling hours."""
    return _into_hours(rng, moment + timedelta(minutes=rng.randrange(60, 20 * 60)))


@dataclass
class Dial:
    outcome: str
    started_at: datetime
    ended_at: datetime
    callback_at: datetime | None = None


def simulate_calls(rng: random.Random, start: datetime) -> list[Dial]:
    """A case's call attempts from `start`: about 40 % complete, 15 % refuse, 30 % never
    answer within the attempts allowed, 5 % wrong or dead numbers, the rest book a callback
    and complete then."""
    draw = rng.random()
    dials: list[Dial] = []
    moment = start

    def dial(outcome: str, seconds: int, callback: datetime | None = None) -> None:
        nonlocal moment
        if dials:
            moment = _later(rng, moment)
        dials.append(Dial(outcome, moment, moment + timedelta(seconds=seconds), callback))

    def misses(count: int) -> None:
        for _ in range(count):
            outcome = rng.choices(
                (Outcome.NO_ANSWER, Outcome.BUSY, Outcome.ANSWERING_MACHINE), (6, 3, 1)
            )[0]
            dial(outcome, rng.randrange(25, 60))

    if draw < 0.40:
        misses(rng.choices((0, 1, 2), (6, 3, 1))[0])
        dial(Outcome.COMPLETE, rng.randrange(300, 720))
    elif draw < 0.55:
        misses(rng.choices((0, 1), (3, 1))[0])
        dial(Outcome.REFUSAL, rng.randrange(15, 90))
    elif draw < 0.85:
        misses(MAX_ATTEMPTS)
    elif draw < 0.90:
        dial(rng.choice((Outcome.WRONG_NUMBER, Outcome.NOT_IN_SERVICE)), rng.randrange(5, 30))
    else:
        misses(rng.choices((0, 1), (3, 1))[0])
        callback = _into_hours(rng, moment + timedelta(minutes=rng.randrange(18 * 60, 28 * 60)))
        dial(Outcome.CALLBACK, rng.randrange(20, 60), callback)
        dials.append(
            Dial(
                Outcome.COMPLETE,
                callback,
                callback + timedelta(seconds=rng.randrange(300, 720)),
            )
        )
    return dials


# --- the loader ---------------------------------------------------------------------------
@transaction.atomic
def load_surveys(*, password: str | None = None) -> dict[str, int]:
    """Create and close 2022-ZH and 2022-FG if they are missing; returns what was created."""
    created = dict.fromkeys(COUNT_KEYS, 0)
    plan = Plan.objects.filter(cycle__year=YEAR, owner__code=data.COUNTY, code=PLAN_CODE).first()
    office = User.objects.filter(username=SUPERVISOR).first()
    if plan is None or office is None:
        return created
    existing = {p.code: p for p in SurveyProject.objects.filter(code__in=(ZH, FG))}
    if len(existing) == 2 and all(
        p.status != SurveyProject.Status.FIELDWORK for p in existing.values()
    ):
        return created  # closed (or, if someone made one by hand, left as it is)
    interviewers = _interviewers(password or settings.KAOPING_DEMO_PASSWORD, created)
    units = [unit for unit, _group in evaluated_units(plan)]
    for spec in (ZH_SPEC, FG_SPEC):
        project = existing.get(spec.code)
        if project is None:
            appraised = units if spec.feeds_scoring else [u for u in units if u.code in FG_UNITS]
            project = _Builder(spec, plan, office, interviewers, appraised, created).build()
        if project.status == SurveyProject.Status.FIELDWORK:
            created["results"] += _close(project, office)
    return created


def _close(project: SurveyProject, office: User) -> int:
    return len(project_close(project=project, actor=office))


def _interviewers(password: str, created: dict[str, int]) -> list[User]:
    """The demo interviewer and three colleagues (demo password, interviewer role)."""
    users = {u.username: u for u in User.objects.filter(username__in=[n for n, _ in INTERVIEWERS])}
    granted = set(
        RoleGrant.objects.filter(role=Role.INTERVIEWER, user__in=list(users.values())).values_list(
            "user__username", flat=True
        )
    )
    found: list[User] = []
    for username, display in INTERVIEWERS:
        user = users.get(username)
        if user is None:
            user = org_services.user_create(
                actor=None,
                username=username,
                password=password,
                display_name=display,
                must_change_password=False,
            )
            created["accounts"] += 1
        if username not in granted:
            org_services.role_grant(actor=None, user=user, role=Role.INTERVIEWER)
        found.append(user)
    return found


@dataclass
class _Person:
    group: str
    stratum: str
    unit: Unit | None
    weight: float
    name: str
    phone: str
    ref: str


class _Builder:
    """One project: frames, draw, fieldwork and answers, written with bulk_create."""

    def __init__(
        self,
        spec: ProjectSpec,
        plan: Plan,
        office: User,
        interviewers: list[User],
        units: list[Unit],
        created: dict[str, int],
    ) -> None:
        self.spec = spec
        self.plan = plan
        self.office = office
        self.interviewers = interviewers
        self.units = units
        self.created = created
        self.rng = random.Random(f"demo-survey:{spec.code}")
        self.phones: set[str] = set()
        self.started = datetime.combine(FIELDWORK_START, time(9), tzinfo=TZ)
        self.towns = [u for u in units if u.kind == Unit.Kind.TOWN]
        self.departments = [u for u in units if u.kind != Unit.Kind.TOWN]
        self.all_towns = list(
            Unit.objects.filter(code__in=[t.code for t in data.TOWNS]).order_by("code")
        )
        self.all_departments = list(
            Unit.objects.filter(
                code__in=[d.code for d in data.DEPARTMENTS if d.group is not None]
            ).order_by("code")
        )

    # -- project and questionnaire -----------------------------------------------------------
    def build(self) -> SurveyProject:
        spec = self.spec
        project = SurveyProject.objects.create(
            plan=self.plan,
            code=spec.code,
            name=spec.name,
            kind=spec.kind,
            status=SurveyProject.Status.FIELDWORK,
            feeds_scoring=spec.feeds_scoring,
            group_weights=spec.group_weights,
            max_attempts=MAX_ATTEMPTS,
            fieldwork_started_at=self.started,
            created_by=self.office,
        )
        project.units.set(self.units)
        ProjectStaff.objects.bulk_create(
            [
                ProjectStaff(
                    project=project, user=self.office, role=ProjectStaff.StaffRole.SUPERVISOR
                )
            ]
            + [
                ProjectStaff(project=project, user=u, role=ProjectStaff.StaffRole.INTERVIEWER)
                for u in self.interviewers
            ]
        )
        questionnaire = Questionnaire.objects.create(
            project=project,
            version=1,
            title=spec.title,
            introduction=spec.introduction,
            locked_at=self.started,
        )
        option_sets = {o.code: o for o in OptionSet.objects.all()}
        questions = Question.objects.bulk_create(
            [
                Question(
                    questionnaire=questionnaire,
                    number=number,
                    text=q.text,
                    kind=Question.Kind.UNIT_RATING if q.per_unit else Question.Kind.RATING,
                    option_set=option_sets[q.option_set],
                )
                for number, q in enumerate(spec.questions, start=1)
            ]
        )
        self.created["projects"] += 1
        respondents, census = self.frames(project)
        draw, cases = self.draw(project, respondents, census)
        self.fieldwork(project, questionnaire, questions, option_sets, draw, cases)
        audit_event(
            actor=None,
            action="survey.demo_loaded",
            obj=project,
            after={
                "respondents": len(respondents),
                "cases": len(cases),
                "seed": draw.seed,
            },
        )
        return project

    # -- frames ------------------------------------------------------------------------------
    def _name(self) -> str:
        surname = self.rng.choice(data._SURNAMES)
        given = self.rng.choice(data._GIVEN)
        return surname + (given[0] if self.rng.random() < 0.25 else given)

    def _phone(self) -> str:
        while True:
            phone = self.rng.choice(MOBILE_PREFIXES) + f"{self.rng.randrange(10**8):08d}"
            if phone not in self.phones:
                self.phones.add(phone)
                return phone

    def _people(self, group: str, size: int) -> list[_Person]:
        rng = self.rng
        people: list[_Person] = []
        if group in (RespondentGroup.DEPUTY, RespondentGroup.MEMBER):
            stratum = DEPUTIES if group == RespondentGroup.DEPUTY else MEMBERS
            for i in range(size):
                people.append(
                    _Person(group, stratum, None, 1.0, self._name(), self._phone(), f"{i + 1:03d}")
                )
        elif group == RespondentGroup.RESIDENT:
            population = {t.code: t.population for t in data.TOWNS}
            sizes = calc.proportional_allocation(
                {t.code: population[t.code] for t in self.all_towns},
                {t.code: size for t in self.all_towns},
                size,
            )
            n = 0
            for town in self.all_towns:
                count = max(sizes[town.code], 40)
                weight = population[town.code] / count
                for _ in range(count):
                    n += 1
                    people.append(
                        _Person(
                            group, town.name, town, weight, self._name(), self._phone(), f"J{n:05d}"
                        )
                    )
        elif group == RespondentGroup.CADRE:
            pool = (
                self.all_departments
                if self.spec.feeds_scoring
                else [d for d in self.all_departments if d.code in FG_UNITS] or self.all_departments
            )
            for i in range(size):
                dept = pool[i % len(pool)] if i < len(pool) else rng.choice(pool)
                people.append(
                    _Person(
                        group,
                        dept.short_name or dept.name,
                        None,
                        1.0,
                        self._name(),
                        self._phone(),
                        f"G{i + 1:04d}",
                    )
                )
        else:
            for i in range(size):
                sector = rng.choices(SECTORS, (4, 3, 2, 2, 3))[0]
                town = rng.choice(self.all_towns)
                people.append(
                    _Person(group, sector, town, 1.0, self._name(), self._phone(), f"Q{i + 1:04d}")
                )
        return people

    def frames(self, project: SurveyProject) -> tuple[list[Respondent], set[str]]:
        respondents: list[Respondent] = []
        census: set[str] = set()
        for group, file_name, size, is_census, _sample, _minimum in self.spec.frames:
            people = self._people(group, size)
            content = "\n".join(f"{p.ref},{p.name},{p.phone},{p.stratum}" for p in people)
            frame = Frame.objects.create(
                project=project,
                group=group,
                census=is_census,
                file_name=file_name,
                sha256=hashlib.sha256(content.encode()).hexdigest(),
                rows=len(people),
                imported=len(people),
                imported_by=self.office,
            )
            if is_census:
                census |= {f"{group}:{p.stratum}" for p in people}
            respondents += [
                Respondent(
                    project=project,
                    frame=frame,
                    group=group,
                    stratum=p.stratum,
                    unit=p.unit,
                    weight=round(p.weight, 4),
                    name_encrypted=crypto.encrypt(p.name),
                    phone_encrypted=crypto.encrypt(p.phone),
                    phone_hash=crypto.phone_fingerprint(p.phone),
                    name_masked=crypto.mask_name(p.name),
                    phone_masked=crypto.mask_phone(p.phone),
                    external_ref=p.ref,
                )
                for p in people
            ]
        made = Respondent.objects.bulk_create(respondents, batch_size=1000)
        self.created["respondents"] += len(made)
        return made, census

    # -- the draw ----------------------------------------------------------------------------
    def draw(
        self, project: SurveyProject, respondents: list[Respondent], census: set[str]
    ) -> tuple[calc.Draw, list[Case]]:
        """The sampling service's frame and digest; residents, cadres and business owners
        each get their group's sample size, proportional to the strata's Σ weight and raised
        to the group's minimum (an explicit allocation, recorded with the draw)."""
        frame = sampling.frame_entries(project)
        assert frame.census == census
        sizes: dict[str, float] = {}
        counts: dict[str, int] = {}
        for entry in frame.entries:
            sizes[entry.stratum] = sizes.get(entry.stratum, 0.0) + entry.weight
            counts[entry.stratum] = counts.get(entry.stratum, 0) + 1
        allocation: dict[str, int] = {}
        totals: dict[str, int] = {}
        minimums: dict[str, int] = {}
        for group, _file, _size, is_census, sample, group_minimum in self.spec.frames:
            if is_census or sample is None:
                continue
            strata = {h: s for h, s in sizes.items() if h.startswith(f"{group}:")}
            shares = calc.proportional_allocation(strata, counts, sample)
            allocation.update({h: min(counts[h], max(k, group_minimum)) for h, k in shares.items()})
            totals[str(group)] = sample
            minimums[str(group)] = group_minimum
        result = calc.draw_sample(
            frame.entries,
            seed=self.spec.seed,
            allocation=allocation,
            census=frame.census,
            reserve_ratio=1.0,
        )
        record = SampleDraw.objects.create(
            project=project,
            seed=self.spec.seed,
            parameters={
                "total": sum(totals.values()),
                "recommended": False,
                "minimum": max(minimums.values()),
                "reserve_ratio": 1.0,
                "census": sorted(result.census),
                "per_group": {"total": totals, "minimum": minimums},
            },
            allocation=result.allocation,
            frame_digest=frame.digest,
            drawn_by=self.office,
        )
        by_id = {str(r.pk): r for r in respondents}
        cases: list[Case] = []
        for stratum in sorted(result.selected):
            chosen = result.selected[stratum]
            for position, rid in enumerate(chosen + result.reserves[stratum]):
                reserve = position >= len(chosen)
                cases.append(
                    Case(
                        draw=record,
                        project=project,
                        respondent=by_id[rid],
                        stratum=stratum,
                        position=position,
                        is_reserve=reserve,
                        status=Case.Status.RESERVE if reserve else Case.Status.OPEN,
                    )
                )
        return result, cases

    # -- fieldwork ---------------------------------------------------------------------------
    def fieldwork(
        self,
        project: SurveyProject,
        questionnaire: Questionnaire,
        questions: list[Question],
        option_sets: dict[str, OptionSet],
        draw: calc.Draw,
        cases: list[Case],
    ) -> None:
        rng = self.rng
        by_stratum: dict[str, list[Case]] = {}
        for case in cases:
            by_stratum.setdefault(case.stratum, []).append(case)
        dials: dict[int, list[Dial]] = {}  # index in `cases` → attempts
        replaces: dict[int, int] = {}  # index of a released reserve → index it replaces
        index = {id(case): i for i, case in enumerate(cases)}
        for stratum in sorted(by_stratum):
            queue = [c for c in by_stratum[stratum] if not c.is_reserve]
            reserves = [c for c in by_stratum[stratum] if c.is_reserve]
            interviewer = self.interviewers[_hash(stratum) % len(self.interviewers)]
            while queue:
                case = queue.pop(0)
                if case.interviewer_id is None:
                    case.interviewer = interviewer
                    interviewer = self.interviewers[
                        (self.interviewers.index(interviewer) + 1) % len(self.interviewers)
                    ]
                if case.released_at is not None:
                    start = case.released_at + timedelta(minutes=rng.randrange(30, 240))
                else:
                    day = FIELDWORK_START + timedelta(days=rng.randrange(FIRST_CALL_DAYS))
                    start = _calling_time(rng, day)
                start = _into_hours(rng, start)
                attempts = simulate_calls(rng, start)
                dials[index[id(case)]] = attempts
                last = attempts[-1]
                case.attempts = len(attempts)
                case.last_outcome = last.outcome
                case.closed_at = last.ended_at
                if last.outcome == Outcome.COMPLETE:
                    case.status = Case.Status.COMPLETED
                    continue
                case.status = Case.Status.FINAL_NONRESPONSE
                if reserves:
                    nxt = reserves.pop(0)
                    case.status = Case.Status.REPLACED
                    nxt.status = Case.Status.OPEN
                    nxt.released_at = last.ended_at
                    nxt.interviewer = case.interviewer
                    replaces[index[id(nxt)]] = index[id(case)]
                    queue.append(nxt)
        made = Case.objects.bulk_create(cases, batch_size=1000)
        for i, j in replaces.items():
            made[i].replaces_id = made[j].pk
        Case.objects.bulk_update([made[i] for i in replaces], ["replaces"], batch_size=1000)
        self.created["cases"] += len(made)

        attempts_rows: list[CallAttempt] = []
        interviews: list[Interview] = []
        for i, attempts in dials.items():
            case = made[i]
            assert case.interviewer is not None
            for number, dial in enumerate(attempts, start=1):
                attempts_rows.append(
                    CallAttempt(
                        case=case,
                        interviewer=case.interviewer,
                        number=number,
                        started_at=dial.started_at,
                        ended_at=dial.ended_at,
                        outcome=dial.outcome,
                        callback_at=dial.callback_at,
                        note="约定次日回访" if dial.callback_at else "",
                    )
                )
            if case.status == Case.Status.COMPLETED:
                last = attempts[-1]
                interviews.append(
                    Interview(
                        case=case,
                        questionnaire=questionnaire,
                        interviewer=case.interviewer,
                        status=Interview.Status.COMPLETE,
                        started_at=last.started_at,
                        completed_at=last.ended_at,
                    )
                )
        CallAttempt.objects.bulk_create(attempts_rows, batch_size=2000)
        self.created["call_attempts"] += len(attempts_rows)
        Interview.objects.bulk_create(interviews, batch_size=1000)
        self.created["interviews"] += len(interviews)
        answers = self.answers(interviews, questions, option_sets)
        Answer.objects.bulk_create(answers, batch_size=2000)
        self.created["answers"] += len(answers)

    # -- answers -----------------------------------------------------------------------------
    def _known_units(self, respondent: Respondent) -> list[Unit]:
        """The appraised units a respondent knows well enough to rate."""
        rng = self.rng
        towns, depts = self.towns, self.departments
        group = respondent.group

        def some(pool: list[Unit], low: int, high: int) -> list[Unit]:
            return rng.sample(pool, min(len(pool), rng.randint(low, high))) if pool else []

        if group in (RespondentGroup.DEPUTY, RespondentGroup.MEMBER):
            return some(towns, 3, 6) + some(depts, 8, 14)
        if group == RespondentGroup.RESIDENT:
            own = [t for t in towns if t.pk == respondent.unit_id]
            return own + some(depts, 2, 4)
        if group == RespondentGroup.CADRE:
            pool = [d for d in depts if d.short_name != respondent.stratum]
            return some(pool, 4, 7) if self.spec.feeds_scoring else some(pool, 3, 6)
        own_town = [t for t in towns if t.pk == respondent.unit_id]
        return own_town + some(depts, 3, 5)

    def answers(
        self,
        interviews: list[Interview],
        questions: list[Question],
        option_sets: dict[str, OptionSet],
    ) -> list[Answer]:
        rng = self.rng
        scores = {code: dict(o.options) for code, o in option_sets.items()}
        specs = dict(zip(questions, self.spec.questions, strict=True))
        quality = {u.pk: unit_quality(u.code) for u in self.units}
        rows: list[Answer] = []
        for interview in interviews:
            respondent = interview.case.respondent
            leniency = rng.gauss(0, 5)
            known = self._known_units(respondent)
            for question, qspec in specs.items():
                sets = scores[qspec.option_set]
                targets: list[tuple[Unit | None, float]] = (
                    [(unit, quality[unit.pk]) for unit in known]
                    if qspec.per_unit
                    else [(None, 84.0)]
                )
                for unit, level in targets:
                    if qspec.per_unit and rng.random() < 0.10:
                        label = "不了解"
                    else:
                        latent = level + qspec.offset + leniency + rng.gauss(0, 17)
                        label = rating_label(qspec.option_set, latent)
                    score = sets.get(label)
                    rows.append(
                        Answer(
                            interview=interview,
                            question=question,
                            unit=unit,
                            label=label,
                            score=None if score is None else Decimal(str(score)),
                        )
                    )
        return rows
