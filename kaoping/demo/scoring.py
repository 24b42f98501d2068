"""The demo county's scoring: public appraisal results, vetoes, adjustments and published runs.

Run after the inspections and leader-rating demo loaders (their deductions and ratings feed
the runs). For each demo cycle (2021, then 2022), through the scoring services:

- the provincial survey centre's public-appraisal index (70–95, fixed per unit and year) for
  every unit of the county plan and for the county in the provincial plan, entered by the
  office — except for a plan a closed survey feeds (the 2022 county plan: kaoping.demo.surveys'
  2022-ZH, read by public_appraisal_for_scoring);
- in 2022 a few approved bonus and penalty items, and an approved one-vote veto of 三江镇 for a
  major work-safety accident (重大安全生产责任事故);
- an official run of the provincial plan, published, then — after a veto of the department
  that lost the county the most provincial points, where it lost more than the plan's line
  ("拖全县后腿", 谁丢分谁负责) — an official run of the county plan, published. The 2021 runs
  give the 2022 ones their year-on-year changes.

Proposals are the loader's (actor None); approvals are the demo office account's, so the
four-eyes rule holds. Idempotent: natural keys are checked first, and a plan that already
has published results is not scored again.
"""

from __future__ import annotations

import hashlib
from decimal import Decimal
from typing import Any

from django.db import transaction

from kaoping.demo import data
from kaoping.org.models import Unit, User
from kaoping.plans.models import Plan
from kaoping.scoring import services
from kaoping.scoring.inputs import current_official_run, evaluated_units
from kaoping.scoring.models import ComponentScore, ScoreAdjustment, Veto
from kaoping.scoring.office_inputs import veto_conditions
from kaoping.scoring.selectors import points_lost_by_unit
from kaoping.surveys.models import SurveyProject

SURVEY_SOURCE = "省统计局民调中心 {year} 年度公众满意度测评"
SAFETY_TOWN = "SFX-SJZ"  # 三江镇
# Approved bonus and penalty items of the county plan, by year: (unit, kind, points, reason,
# reference).
ADJUSTMENTS_2021 = (
    (
        "SFX-MLZ",
        ScoreAdjustment.Kind.PENALTY,
        "3",
        "辖区河段发生非法采砂，河长巡河履职不到位，被市河长办通报批评并约谈",
        "市河长办通报〔2021〕7号",
    ),
    (
        "SFX-FHZ",
        ScoreAdjustment.Kind.PENALTY,
        "1.5",
        "秸秆露天焚烧问题被市大气污染防治办通报",
        "市大气污染防治办通报〔2021〕11号",
    ),
    (
        "SFX-SLJ",
        ScoreAdjustment.Kind.PENALTY,
        "2",
        "小型水库安全度汛检查发现问题整改不到位，被市水利局通报",
        "市水利局通报〔2021〕15号",
    ),
    (
        "SFX-ZWJ",
        ScoreAdjustment.Kind.PENALTY,
        "2.5",
        "政务服务“好差评”差评整改不及时，被市政务服务管理局通报",
        "市政务服务管理局通报〔2021〕6号",
    ),
    (
        "SFX-XCB",
        ScoreAdjustment.Kind.PENALTY,
        "2",
        "网络意识形态阵地管理检查发现问题，被市委宣传部通报",
        "市委宣传部通报〔2021〕4号",
    ),
    (
        "SFX-XCB",
        ScoreAdjustment.Kind.PENALTY,
        "1.5",
        "重大舆情应对处置不及时，被市委网信办通报",
        "市委网信办通报〔2021〕9号",
    ),
    (
        "SFX-CGZ",
        ScoreAdjustment.Kind.BONUS,
        "1",
        "城关镇农村人居环境整治经验被省农业农村厅推广",
        "省农业农村厅简报〔2021〕22期",
    ),
)
ADJUSTMENTS_2022 = (
    (
        "SFX-CGZ",
        ScoreAdjustment.Kind.BONUS,
        "2",
        "获评省级文明城镇，按方案加分",
        "省文明委通报〔2022〕5号",
    ),
    (
        "SFX-QXJ",
        ScoreAdjustment.Kind.BONUS,
        "1",
        "气象防灾减灾工作获市级表彰",
        "市政府办通报〔2022〕18号",
    ),
    (
        "SFX-HNZ",
        ScoreAdjustment.Kind.PENALTY,
        "1.5",
        "信访积案化解不力，被市通报批评",
        "市信访联席办通报〔2022〕9号",
    ),
)

ADJUSTMENTS = {2021: ADJUSTMENTS_2021, 2022: ADJUSTMENTS_2022}


def appraisal_score(code: str, year: int) -> Decimal:
    """A fixed, realistic satisfaction index in [70, 95) for a unit and year."""
    digest = hashlib.sha256(f"{code}:{year}:public".encode()).hexdigest()
    return Decimal(70) + Decimal(int(digest[:8], 16) % 2500) / 100


def load_scoring() -> dict[str, int]:
    """Create whatever of the demo's scoring is missing; returns what was created."""
    created = dict.fromkeys(("component_scores", "vetoes", "adjustments", "runs_published"), 0)
    office = User.objects.filter(username="office").first()
    with transaction.atomic():
        for year in data.YEARS:
            plans = {
                p.kind: p
                for p in Plan.objects.filter(
                    cycle__year=year, owner__code=data.COUNTY, code__endswith=str(year)
                )
                .exclude(status=Plan.Status.DRAFT)
                .select_related("cycle", "owner")
            }
            provincial, county = plans.get(Plan.Kind.PROVINCIAL), plans.get(Plan.Kind.COUNTY)
            for plan in (provincial, county):
                if plan is not None:
                    created["component_scores"] += _appraisal(plan, year)
            if county is not None:
                created["adjustments"] += _adjustments(county, office, ADJUSTMENTS.get(year, ()))
            if county is not None and year == 2022:
                created["vetoes"] += _safety_veto(county, office)
            if provincial is not None:
                created["runs_published"] += _publish(provincial, office, year)
            if county is not None:
                if provincial is not None:
                    created["vetoes"] += _drag_down_veto(county, provincial, office)
                created["runs_published"] += _publish(county, office, year)
    return created


def _appraisal(plan: Plan, year: int) -> int:
    """The survey centre's figures, entered by the office, for a plan no closed survey feeds
    (a closed feeds-scoring SurveyProject, kaoping.demo.surveys' 2022-ZH, is read instead)."""
    if SurveyProject.objects.filter(
        plan=plan, feeds_scoring=True, status=SurveyProject.Status.CLOSED
    ).exists():
        return 0
    existing = set(ComponentScore.objects.filter(plan=plan).values_list("unit_id", flat=True))
    count = 0
    for unit, _group in evaluated_units(plan):
        if unit.pk in existing:
            continue
        services.component_score_record(
            actor=None,
            plan=plan,
            unit=unit,
            score=appraisal_score(unit.code, year),
            source=SURVEY_SOURCE.format(year=year),
        )
        count += 1
    return count


def _adjustments(plan: Plan, office: Any, items: tuple[tuple[str, str, str, str, str], ...]) -> int:
    count = 0
    units = {u.code: u for u in Unit.objects.filter(code__in=[a[0] for a in items])}
    for code, kind, points, reason, reference in items:
        unit = units.get(code)
        if (
            unit is None
            or ScoreAdjustment.objects.filter(plan=plan, unit=unit, reason=reason).exists()
        ):
            continue
        item = services.adjustment_record(
            actor=None,
            plan=plan,
            unit=unit,
            kind=kind,
            points=Decimal(points),
            reason=reason,
            reference=reference,
        )
        services.adjustment_approve(actor=office, adjustment=item)
        count += 1
    return count


def _veto(plan: Plan, unit: Unit, condition: str, reason: str, evidence: str, office: Any) -> int:
    if condition not in veto_conditions(plan):
        return 0
    if Veto.objects.filter(plan=plan, unit=unit, condition=condition).exists():
        return 0
    veto = services.veto_propose(
        actor=None, plan=plan, unit=unit, condition=condition, reason=reason, evidence=evidence
    )
    services.veto_approve(actor=office, veto=veto)
    return 1


def _safety_veto(plan: Plan, office: Any) -> int:
    unit = Unit.objects.filter(code=SAFETY_TOWN).first()
    if unit is None:
        return 0
    return _veto(
        plan,
        unit,
        "major-safety-incident",
        "2022年8月辖区内一采石场发生边坡坍塌，造成3人死亡，经市应急管理局调查认定为"
        "重大安全生产责任事故。",
        "市应急管理局《事故调查报告》（2022年9月）；县安委会通报〔2022〕12号",
        office,
    )


def _drag_down_veto(county: Plan, provincial: Plan, office: Any) -> int:
    """Veto the county-plan unit that lost the most provincial points beyond the plan's line."""
    rule = next(
        (
            (code, r)
            for code, r in veto_conditions(county).items()
            if r.get("min_points_lost") is not None
        ),
        None,
    )
    run = current_official_run(provincial)
    if rule is None or run is None:
        return 0
    code, spec = rule
    line = Decimal(str(spec["min_points_lost"]))
    evaluated = {u.pk for u, _group in evaluated_units(county)}
    lost = [
        (points, unit_id)
        for unit_id, points in points_lost_by_unit(run).items()
        if unit_id in evaluated and points > line
    ]
    if not lost:
        return 0
    points, unit_id = max(lost)
    unit = Unit.objects.get(pk=unit_id)
    return _veto(
        county,
        unit,
        code,
        f"作为省绩效考评指标牵头单位，致使全县在{provincial.cycle.year}年度省绩效考评中丢分"
        f"{points.quantize(Decimal('0.01'))}分，超过方案规定的{line}分，拖全县后腿。",
        f"省绩效考评结果（运行 #{run.pk}）及“谁丢分谁负责”统计",
        office,
    )


def _publish(plan: Plan, office: Any, year: int) -> int:
    if current_official_run(plan) is not None:
        return 0
    run = services.score_run_start(actor=office, plan=plan, label=_label(year))
    if run.status != run.Status.DONE:
        return 0
    services.score_run_publish(actor=office, run=run)
    return 1


def _label(year: int) -> str:
    """The run's label: the demo's 2022 figures stand at the end of the third quarter."""
    if year == data.YEARS[-1]:
        return f"{year}年度考评结果（正式，数据截至第三季度）"
    return f"{year}年度考评结果（正式）"
