"""The demo county's inspections of 2022 (`kaoping loaddemo`), after its plans, people and
progress data are loaded.

The seed speech (mid-October 2022) asks the departments to rectify "the problems the
province's third-quarter 察访核验 fed back" and names the weak spots: 外贸进出口 (经贸局),
statistics that do not show the real growth (统计局), the 为民办实事 projects (教育惠民工程),
气象灾害防御 (气象局) and the 信息安全等级保护备案表 returned to the police (公安局). So:

- the province's third-quarter round on the county (closed): five findings on the county
  itself, each deduction attributed to the department and county leader answering for the
  indicator (谁丢分谁负责), with rectifications in progress, submitted, returned and closed;
- the county's own third-quarter round on its towns and departments (still open): findings
  on 城关镇, 青石镇, 气象局 and 经贸局, one deduction appealed and partly upheld, one still
  proposed, a rectification open, one verified and one overdue (escalated by the sweep as of
  2022-10-15);
- the plans' deduction rules (points per item and caps).

Everything goes through the inspection services, as the demo accounts (office, inspector,
unit heads and reporters) where the demo has one. Idempotent: a round that exists is left
as it is, so a second run creates nothing and records no audit events.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time
from typing import Any

from django.db import transaction
from django.utils import timezone

from kaoping.demo import data
from kaoping.demo.progress import SWEEP_DAY, pdf_upload
from kaoping.inspections import services
from kaoping.inspections.models import Finding, InspectionRound, Rectification
from kaoping.org.models import Role, RoleGrant, Unit, User
from kaoping.plans.models import Indicator, Plan

YEAR = 2022
PROVINCIAL_ROUND = "2022-province-q3"
COUNTY_ROUND = "2022-county-q3"
COUNT_KEYS = (
    "rounds",
    "rules",
    "findings",
    "evidence",
    "deductions",
    "appeals",
    "rectifications",
    "escalated",
)


@dataclass(frozen=True)
class FindingSpec:
    """One demo finding and what became of it."""

    unit: str  # the inspected unit's code
    indicator: str | None
    title: str
    description: str
    found_on: date
    severity: str = Finding.Severity.GENERAL
    points: str | None = None  # a deduction, confirmed unless `proposed`
    reason: str = ""
    proposed: bool = False
    appeal: tuple[str, str, str | None] | None = None  # reasons, ruling, points after
    rectification: str | None = None  # the state to take it to
    deadline: date | None = None
    plan_text: str = ""
    progress: tuple[tuple[date, str, int], ...] = ()
    check_note: str = ""
    evidence: bool = True


D = date
PROVINCIAL_FINDINGS: tuple[FindingSpec, ...] = (
    FindingSpec(
        unit=data.COUNTY,
        indicator="A0111",
        title="外贸进出口总额同比负增长，稳外贸措施落实不到位",
        description="前三季度外贸进出口总额同比下降；部分重点外贸企业订单流失，扩大进出口"
        "措施未逐项落实到企业。",
        found_on=D(2022, 9, 22),
        severity=Finding.Severity.SERIOUS,
        points="1.0",
        reason="省察访核验细则：重点指标措施落实不到位，每项扣1分。",
        rectification=Rectification.Status.IN_PROGRESS,
        deadline=D(2022, 11, 30),
        plan_text="逐企业梳理订单情况，落实稳外贸政策；积极争取上级部门适当调整目标任务。",
        progress=((D(2022, 10, 12), "已走访12家重点外贸企业，建立订单跟踪台账。", 40),),
    ),
    FindingSpec(
        unit=data.COUNTY,
        indicator="A0112",
        title="统计数据应统尽统不到位，调查样本户记账不规范",
        description="城镇居民人均可支配收入调查样本户记账不完整，部分收入未纳入统计，"
        "数据未真实反映实际增长。",
        found_on=D(2022, 9, 22),
        points="0.5",
        reason="省察访核验细则：统计数据质量问题，每项扣0.5分。",
        rectification=Rectification.Status.SUBMITTED,
        deadline=D(2022, 10, 31),
        plan_text="对样本户开展记账辅导，核查漏统收入，做到应统尽统。",
        progress=((D(2022, 10, 8), "完成全部样本户记账辅导和收入核查。", 100),),
    ),
    FindingSpec(
        unit=data.COUNTY,
        indicator="B0101",
        title="为民办实事：教育惠民工程项目整体推进偏慢",
        description="3所学校改扩建工程主体未按倒排节点完工，资金拨付进度滞后。",
        found_on=D(2022, 9, 23),
        points="1.0",
        reason="省察访核验细则：为民办实事项目进度滞后，每项扣1分。",
        rectification=Rectification.Status.IN_PROGRESS,
        deadline=D(2022, 12, 15),
        plan_text="倒排工期，实行“四个一”工作方法，每周调度一次，确保年底前主体完工。",
        progress=((D(2022, 10, 10), "2所学校主体封顶，1所正在加紧施工。", 60),),
    ),
    FindingSpec(
        unit=data.COUNTY,
        indicator="B02",
        title="气象灾害防御：应急准备认证和信息服务站建设进度缓慢",
        description="气象灾害应急准备认证未启动，气象信息服务站经费和办公场所未落实。",
        found_on=D(2022, 9, 23),
        points="0.5",
        reason="省察访核验细则：工作进度缓慢，扣0.5分。",
        rectification=Rectification.Status.RETURNED,
        deadline=D(2022, 11, 15),
        plan_text="加强与市气象局对接，及时采购设备，落实服务站经费和办公场所。",
        progress=((D(2022, 10, 9), "已提交设备采购申请，服务站经费报县财政审批。", 70),),
        check_note="复核：经费尚未落实到位，办公场所未配套，退回继续整改。",
    ),
    FindingSpec(
        unit=data.COUNTY,
        indicator="B03",
        title="信息安全：《信息系统安全等级保护备案表》被退回后未及时完善上报",
        description="上级退回的备案表缺少定级报告和专家评审意见，逾期未重新上报。",
        found_on=D(2022, 9, 23),
        points="0.5",
        reason="省察访核验细则：工作未完善，扣0.5分。",
        rectification=Rectification.Status.CLOSED,
        deadline=D(2022, 10, 20),
        plan_text="补齐定级报告和专家评审意见，完善备案表后重新上报。",
        progress=((D(2022, 10, 6), "备案表已完善并重新上报，上级已受理。", 100),),
        check_note="复核：备案表已受理，整改到位。",
    ),
)

COUNTY_FINDINGS: tuple[FindingSpec, ...] = (
    FindingSpec(
        unit="SFX-CGZ",
        indicator="ZB01",
        title="农村安全饮水项目进度滞后于倒排节点",
        description="2个村的供水管网铺设未按节点完成，群众反映强烈。",
        found_on=D(2022, 9, 27),
        points="1.0",
        reason="县考评细则：为民办实事项目进度滞后，每项扣1分。",
        appeal=(
            "其中1个村因雨季施工受阻，已向县水利局报备延期，附报备材料。",
            "partly_upheld",
            "0.5",
        ),
        rectification=Rectification.Status.OPEN,
        deadline=D(2022, 11, 30),
        plan_text="倒排管网铺设节点，11月底前全部通水。",
    ),
    FindingSpec(
        unit="SFX-QSZ",
        indicator="ZC01",
        title="农村人居环境整治：垃圾收运点清运不及时",
        description="3个垃圾收运点存在积存，清运台账记录不全。",
        found_on=D(2022, 9, 20),
        points="0.5",
        reason="县考评细则：发现问题每处扣0.5分。",
        rectification=Rectification.Status.IN_PROGRESS,
        deadline=D(2022, 9, 30),
        plan_text="落实日清日运，完善清运台账。",
        progress=((D(2022, 9, 28), "已清运积存垃圾，台账正在补录。", 50),),
    ),
    FindingSpec(
        unit="SFX-QXJ",
        indicator=None,
        title="气象信息服务站经费落实情况未按时报送",
        description="9月进度未按时报送绩效办，执行力不到位。",
        found_on=D(2022, 9, 21),
        severity=Finding.Severity.MINOR,
        points="0.2",
        reason="县考评细则：未按时报送，每次扣0.2分（机关执行力）。",
        rectification=Rectification.Status.VERIFIED,
        deadline=D(2022, 10, 15),
        plan_text="明确专人负责，按月按时报送。",
        progress=((D(2022, 10, 9), "已补报并明确专人负责报送。", 100),),
        check_note="复核：10月进度已按时报送。",
    ),
    FindingSpec(
        unit="SFX-JMJ",
        indicator=None,
        title="外贸工作月度调度会议纪要未存档",
        description="7、8月调度会议纪要缺失。",
        found_on=D(2022, 9, 26),
        severity=Finding.Severity.MINOR,
        points="0.2",
        reason="县考评细则：工作台账不全，扣0.2分（机关执行力）。",
        proposed=True,
        evidence=False,
    ),
)


@dataclass
class _Loader:
    """One run: the demo accounts to act as, and what was created."""

    created: dict[str, int] = field(default_factory=lambda: dict.fromkeys(COUNT_KEYS, 0))
    users: dict[tuple[str, str], User] = field(default_factory=dict)
    office: User | None = None
    inspector: User | None = None

    def __post_init__(self) -> None:
        for grant in RoleGrant.objects.filter(
            user__username__in=[a.username for a in data.DEMO_ACCOUNTS], unit__isnull=False
        ).select_related("user", "unit"):
            assert grant.unit is not None
            self.users.setdefault((grant.unit.code, grant.role), grant.user)
        self.office = User.objects.filter(username="office").first()
        self.inspector = User.objects.filter(username="inspector").first()

    def staff(self, unit: Unit, role: str) -> User | None:
        return self.users.get((unit.code, role))

    def run(self) -> bool:
        plans = {
            p.kind: p
            for p in Plan.objects.filter(
                owner__code=data.COUNTY, cycle__year=YEAR, status=Plan.Status.PUBLISHED
            ).select_related("owner")
        }
        if len(plans) < 2 or self.office is None or self.inspector is None:
            return False
        provincial, county = plans[Plan.Kind.PROVINCIAL], plans[Plan.Kind.COUNTY]
        made = False
        if not InspectionRound.objects.filter(plan=provincial, code=PROVINCIAL_ROUND).exists():
            self.rules(provincial, executive_cap="6", per_item="0.5")
            self.round(
                provincial,
                PROVINCIAL_ROUND,
                "2022年第三季度省察访核验（示范县）",
                InspectionRound.Level.PROVINCIAL,
                PROVINCIAL_FINDINGS,
                close=True,
            )
            made = True
        if not InspectionRound.objects.filter(plan=county, code=COUNTY_ROUND).exists():
            self.rules(county, executive_cap="3", per_item="0.2")
            self.round(
                county,
                COUNTY_ROUND,
                "2022年第三季度县察访核验（乡镇和县直部门）",
                InspectionRound.Level.COUNTY,
                COUNTY_FINDINGS,
                close=False,
            )
            made = True
        return made

    def rules(self, plan: Plan, *, executive_cap: str, per_item: str) -> None:
        services.deduction_rule_set(
            actor=self.office,
            plan=plan,
            category=Indicator.Category.EXECUTIVE,
            points_per_item=per_item,
            cap=executive_cap,
            name="效能建设（机关执行力）扣分上限",
        )
        self.created["rules"] += 1

    def round(
        self,
        plan: Plan,
        code: str,
        name: str,
        level: str,
        specs: tuple[FindingSpec, ...],
        *,
        close: bool,
    ) -> None:
        inspection_round = services.round_create(
            actor=self.inspector,
            plan=plan,
            code=code,
            name=name,
            level=level,
            period_start=date(YEAR, 7, 1),
            period_end=date(YEAR, 9, 30),
            appeal_days=7,
            description="察访核验采取听取汇报、查阅资料、实地察看、随机走访相结合的方式。",
        )
        services.round_open(actor=self.inspector, inspection_round=inspection_round)
        self.created["rounds"] += 1
        indicators = {i.code: i for i in Indicator.objects.filter(plan=plan)}
        units = {u.code: u for u in Unit.objects.filter(code__in={s.unit for s in specs})}
        for spec in specs:
            self.finding(inspection_round, spec, units[spec.unit], indicators)
        if close:
            services.round_close(actor=self.inspector, inspection_round=inspection_round)
        InspectionRound.objects.filter(pk=inspection_round.pk).update(
            opened_at=_at(date(YEAR, 9, 19)),
            closed_at=_at(date(YEAR, 9, 30)) if close else None,
        )

    def finding(
        self,
        inspection_round: InspectionRound,
        spec: FindingSpec,
        unit: Unit,
        indicators: dict[str, Indicator],
    ) -> None:
        finding = services.finding_record(
            actor=self.inspector,
            inspection_round=inspection_round,
            unit=unit,
            title=spec.title,
            description=spec.description,
            found_on=spec.found_on,
            severity=spec.severity,
            indicator=indicators[spec.indicator] if spec.indicator else None,
        )
        self.created["findings"] += 1
        if spec.evidence:
            services.finding_evidence_attach(
                actor=self.inspector,
                finding=finding,
                upload=pdf_upload(
                    f"察访核验-{inspection_round.code}-{finding.pk}-现场记录.pdf",
                    [
                        "Kaoping demo evidence (fictional)",
                        f"Inspection round {inspection_round.code}, finding {finding.pk}",
                        f"Found on {spec.found_on.isoformat()}",
                    ],
                ),
                description="察访核验现场记录",
            )
            self.created["evidence"] += 1
        if spec.points:
            self.deduction(finding, spec)
        if spec.rectification:
            self.rectification(finding, spec)

    def deduction(self, finding: Finding, spec: FindingSpec) -> None:
        deduction = services.deduction_record(
            actor=self.inspector, finding=finding, points=spec.points, reason=spec.reason
        )
        self.created["deductions"] += 1
        if spec.proposed:
            return
        confirmed_on = date(YEAR, 9, 30)
        services.deduction_confirm(actor=self.office, deduction=deduction, today=confirmed_on)
        if spec.appeal is None:
            return
        reasons, ruling, points_after = spec.appeal
        head = self.staff(deduction.unit, Role.UNIT_HEAD)
        appeal = services.appeal_file(
            actor=head,
            deduction=deduction,
            reasons=reasons,
            files=[
                pdf_upload(
                    f"申诉材料-{deduction.pk}.pdf",
                    ["Kaoping demo evidence (fictional)", f"Appeal of deduction {deduction.pk}"],
                )
            ],
            today=date(YEAR, 10, 5),
        )
        self.created["appeals"] += 1
        self.created["evidence"] += 1
        services.appeal_rule(
            actor=self.office,
            appeal=appeal,
            decision=ruling,
            reason="经核实，1个村延期施工已按程序报备，相应减半扣分；另1个村滞后属实。",
            points_after=points_after,
            today=date(YEAR, 10, 11),
        )

    def rectification(self, finding: Finding, spec: FindingSpec) -> None:
        assert spec.deadline is not None
        target = spec.rectification
        unit = finding.responsible_unit or finding.unit
        rectification = services.rectification_open(
            actor=self.inspector,
            finding=finding,
            deadline=spec.deadline,
            plan_text=spec.plan_text,
            today=spec.found_on,
        )
        self.created["rectifications"] += 1
        reporter = self.staff(unit, Role.REPORTER)
        head = self.staff(unit, Role.UNIT_HEAD)
        if target == Rectification.Status.OPEN:
            return
        for on, text, percent in spec.progress:
            services.rectification_update_progress(
                actor=reporter, rectification=rectification, on=on, text=text, percent=percent
            )
        if target == Rectification.Status.IN_PROGRESS:
            return
        services.rectification_submit(actor=head, rectification=rectification)
        stamps: dict[str, Any] = {"submitted_at": _at(spec.progress[-1][0], 16)}
        if target != Rectification.Status.SUBMITTED:
            checked_on = date(YEAR, 10, 12)
            check = (
                services.rectification_return
                if target == Rectification.Status.RETURNED
                else services.rectification_verify
            )
            check(
                actor=self.inspector,
                rectification=rectification,
                note=spec.check_note,
                checked_on=checked_on,
            )
            if target != Rectification.Status.RETURNED:
                stamps["verified_at"] = _at(checked_on, 15)
        if target == Rectification.Status.CLOSED:
            services.rectification_close(
                actor=self.office, rectification=rectification, note="整改到位，予以销号。"
            )
            stamps["closed_at"] = _at(date(YEAR, 10, 13), 10)
        # the demo's calendar is 2022: date the workflow's time stamps accordingly
        Rectification.objects.filter(pk=rectification.pk).update(**stamps)


def _at(day: date, hour: int = 9) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(hour, 0)))


def load_inspections() -> dict[str, int]:
    """Create whatever of the demo's 2022 inspections is missing; returns the counts
    created (all zero on a second run). Needs the demo county, plans and accounts."""
    loader = _Loader()
    with transaction.atomic():
        if loader.run():
            # the daily sweep as of the county's meeting: the overdue rectification escalates
            summary = services.rectification_escalate_overdue(today=SWEEP_DAY)
            loader.created["escalated"] += summary["escalated"]
    return loader.created
