"""The content of a progress bulletin (进度通报): seven sections of Chinese text and tables.

The bulletin body is an official Chinese document, so its sentences are written here in
Chinese directly (a documented exception to English msgids: the document language is fixed;
the pages around it are translated as usual). Figures are read plan-wide, as the office's
document covers the whole plan, through the engines and selectors the pages use:

- tracking figures computed fresh from the approved reports at the period
  (kaoping.tracking.services.results.compute, as `kaoping status` prints them);
- explanations (说明情况) of the lagging units for their reporting period;
- inspection deductions that count and the rectification summary
  (kaoping.inspections.selectors);
- the plan's current published official score run: rankings within groups with their change,
  and the points lost by lead unit and responsible leader (kaoping.scoring.selectors).

A section is a dict {key, heading, text, tables}; a table is {title, columns, rows} with
numbers as JSON numbers (rounded half-up once, here) so the Excel workbook keeps them.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from kaoping.core.periods import Period
from kaoping.inspections.models import Deduction, Rectification
from kaoping.inspections.selectors import deductions_for_scoring, rectification_summary
from kaoping.plans.models import Plan
from kaoping.scoring.models import PointsLost, ScoreRun, UnitResult
from kaoping.scoring.selectors import accountability, ranking_tables
from kaoping.tracking.calculations import Status, Trend
from kaoping.tracking.models import Explanation
from kaoping.tracking.services.results import ItemResult, compute

Progress = Callable[[int, str], None]
Cell = str | int | float | None

SECTION_KEYS = (
    "overview",
    "year_on_year",
    "lagging",
    "inspections",
    "rankings",
    "accountability",
    "requirements",
)
HEADINGS = {
    "overview": "一、总体情况",
    "year_on_year": "二、同比进退",
    "lagging": "三、滞后指标和单位",
    "inspections": "四、察访核验扣分与整改",
    "rankings": "五、排名及变化",
    "accountability": "六、责任清单",
    "requirements": "七、下步要求",
}
STATUS_WORDS = {
    Status.GREEN: "正常",
    Status.YELLOW: "滞后",
    Status.RED: "严重滞后",
    Status.NOT_COMPARABLE: "暂不可比",
}
REQUIREMENTS_TEXT = (
    "（一）压实工作责任。各责任单位要对照年度目标任务，认真分析滞后原因，"
    "逐项制定追赶措施，确保序时进度。\n"
    "（二）抓好问题整改。对察访核验发现的问题，要建立台账、限期整改、按时销号，"
    "坚持谁丢分谁负责。\n"
    "（三）加强统计核查。各单位要如实、按时报送进度数据和佐证材料，"
    "县绩效办将定期通报进度情况。"
)
LIST_LIMIT = 20
TWO = Decimal("0.01")


def number(value: Decimal | None, places: int = 2) -> float | None:
    """A figure as a JSON number, rounded half-up once (None stays None)."""
    if value is None:
        return None
    return float(value.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP))


def percent(ratio: Decimal | None) -> float | None:
    """A ratio (0.755) as a percentage with one decimal (75.5)."""
    return None if ratio is None else number(ratio * 100, 1)


def _fmt(value: float | None, places: int = 1) -> str:
    return "—" if value is None else f"{value:.{places}f}"


def _table(title: str, columns: Sequence[str], rows: list[list[Cell]]) -> dict[str, Any]:
    return {"title": title, "columns": list(columns), "rows": rows}


def _section(key: str, text: str, tables: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    return {"key": key, "heading": HEADINGS[key], "text": text, "tables": tables or []}


# --- front matter ----------------------------------------------------------------------------
def chinese_date(day: date) -> str:
    """成文日期 in Arabic numerals (GB/T 9704-2012): 2022年10月5日."""
    return f"{day.year}年{day.month}月{day.day}日"


def default_title(period: Period) -> str:
    return f"关于{period.label()}绩效考评指标进度情况的通报"


def default_issuing_body(plan: Plan) -> str:
    return f"{plan.owner.name}绩效考评办公室"


def addressees(plan: Plan) -> str:
    return "各乡镇，县直各单位："


def opening(plan: Plan, period: Period) -> str:
    return (
        f"为加强考评指标任务的统计核查，根据《{plan.name}》，现将{period.label()}"
        "绩效考评指标进度情况通报如下。"
    )


# --- tracking ---------------------------------------------------------------------------------
def _overview(items: Sequence[ItemResult], period: Period) -> dict[str, Any]:
    counts = Counter(str(i.result.status) for i in items)
    indicators = {i.indicator.pk for i in items}
    comparable = [
        i
        for i in items
        if i.result.completion is not None and i.result.expected_progress is not None
    ]
    text = (
        f"截至{period.label()}末，纳入本次通报的考评指标{len(indicators)}项、"
        f"责任单位任务{len(items)}项。其中进度正常（绿色）{counts[Status.GREEN]}项，"
        f"滞后（黄色）{counts[Status.YELLOW]}项，严重滞后（红色）{counts[Status.RED]}项，"
        f"暂不可比{counts[Status.NOT_COMPARABLE]}项。"
    )
    if comparable:
        completion = sum((i.result.completion or Decimal(0) for i in comparable), Decimal(0))
        expected = sum((i.result.expected_progress or Decimal(0) for i in comparable), Decimal(0))
        mean_completion = percent(completion / len(comparable))
        mean_expected = percent(expected / len(comparable))
        gap = (mean_completion or 0) - (mean_expected or 0)
        direction = "快于" if gap >= 0 else "慢于"
        text += (
            f"可比任务平均完成率{_fmt(mean_completion)}%，序时进度{_fmt(mean_expected)}%，"
            f"整体进度{direction}序时进度{abs(gap):.1f}个百分点。"
        )
    else:
        text += "本期暂无可比的完成率数据。"
    table = _table(
        "指标进度分布",
        ["状态", "任务数"],
        [[STATUS_WORDS[s], counts[s]] for s in Status],
    )
    return _section("overview", text, [table])


def _who(item: ItemResult) -> str:
    return f"{item.unit.name}{item.indicator.name}"


def _yoy_change(item: ItemResult) -> Decimal:
    return (item.result.yoy_growth or Decimal(0)) - (item.result.yoy_growth_last_year or Decimal(0))


def _year_on_year(items: Sequence[ItemResult]) -> dict[str, Any]:
    figures = items
    improved = sorted(
        (i for i in figures if i.result.yoy_trend == Trend.IMPROVED),
        key=lambda i: -abs(_yoy_change(i)),
    )
    declined = sorted(
        (i for i in figures if i.result.yoy_trend == Trend.DECLINED),
        key=lambda i: -abs(_yoy_change(i)),
    )
    if not improved and not declined:
        text = "本期暂无可与去年同期比较增速的指标。"
    else:
        text = f"与去年同期相比，增速提高的任务{len(improved)}项，增速回落的任务{len(declined)}项。"
        if improved:
            text += "增速提高的有：" + "、".join(_who(i) for i in improved[:5]) + "。"
        if declined:
            text += "增速回落的有：" + "、".join(_who(i) for i in declined[:5]) + "。"
    columns = ["指标", "单位", "本期同比增速（%）", "去年同期增速（%）", "变化（百分点）", "趋势"]
    rows: list[list[Cell]] = [
        [
            i.indicator.name,
            i.unit.name,
            number(i.result.yoy_growth),
            number(i.result.yoy_growth_last_year),
            number(_yoy_change(i)),
            "提高" if i.result.yoy_trend == Trend.IMPROVED else "回落",
        ]
        for i in (improved + declined)[: LIST_LIMIT * 2]
    ]
    return _section("year_on_year", text, [_table("同比进退情况", columns, rows)] if rows else [])


def _explanations(plan: Plan, items: Sequence[ItemResult]) -> dict[tuple[int, int, str], str]:
    """The submitted or accepted explanation text of each lagging item, by its key."""
    wanted = {(i.indicator.pk, i.unit.pk, str(i.period)) for i in items}
    if not wanted:
        return {}
    found: dict[tuple[int, int, str], str] = {}
    rows = Explanation.objects.filter(
        indicator__plan=plan,
        period__in={key[2] for key in wanted},
        status__in=[Explanation.Status.SUBMITTED, Explanation.Status.ACCEPTED],
    ).values_list("indicator_id", "unit_id", "period", "text", "measures")
    for indicator_id, unit_id, period, text, measures in rows:
        key = (indicator_id, unit_id, period)
        if key in wanted:
            found[key] = "；".join(part.strip() for part in (text, measures) if part.strip())
    return found


def _lagging(items: Sequence[ItemResult], plan: Plan) -> dict[str, Any]:
    lagging = sorted(
        (i for i in items if i.result.status in (Status.RED, Status.YELLOW)),
        key=lambda i: (
            0 if i.result.status == Status.RED else 1,
            i.result.gap if i.result.gap is not None else Decimal(0),
            i.indicator.order,
            i.unit.path,
        ),
    )
    if not lagging:
        return _section("lagging", "本期各项考评指标均达到序时进度，暂无滞后指标。")
    explained = _explanations(plan, lagging)
    units = Counter(i.unit.name for i in lagging)
    worst = "、".join(name for name, _count in units.most_common(5))
    text = (
        f"本期滞后于序时进度的任务{len(lagging)}项，涉及{len(units)}个单位，"
        f"滞后任务较多的单位是：{worst}。"
    )
    missing = sum(1 for i in lagging if (i.indicator.pk, i.unit.pk, str(i.period)) not in explained)
    if missing:
        text += f"其中{missing}项任务的责任单位尚未报送说明情况。"
    rows: list[list[Cell]] = []
    for i in lagging[:LIST_LIMIT]:
        leader = i.assignment.responsible_leader if i.assignment else None
        rows.append(
            [
                i.indicator.name,
                i.unit.name,
                leader.name if leader else "—",
                percent(i.result.completion),
                percent(i.result.expected_progress),
                number(i.result.gap, 1),
                STATUS_WORDS[Status(i.result.status)],
                explained.get((i.indicator.pk, i.unit.pk, str(i.period)), "未报送说明"),
            ]
        )
    columns = [
        "指标",
        "责任单位",
        "责任领导",
        "完成率（%）",
        "序时进度（%）",
        "差距（百分点）",
        "状态",
        "说明情况",
    ]
    return _section("lagging", text, [_table("滞后指标和单位", columns, rows)])


# --- inspections -------------------------------------------------------------------------------
RECTIFICATION_WORDS = {
    Rectification.Status.OPEN: "待整改",
    Rectification.Status.IN_PROGRESS: "整改中",
    Rectification.Status.SUBMITTED: "待核验",
    Rectification.Status.RETURNED: "核验退回",
    Rectification.Status.VERIFIED: "已核验",
    Rectification.Status.CLOSED: "已销号",
}


def counted_deductions(plan: Plan, period: Period) -> list[Deduction]:
    """The plan's deductions that count, found by the end of the period, with their
    effective points after caps set on `effective_points`."""
    counted = {d.deduction_id: d for d in deductions_for_scoring(plan=plan) if d.points > 0}
    rows = list(
        Deduction.objects.filter(pk__in=counted, finding__found_on__lte=period.end)
        .select_related("finding", "unit", "responsible_unit", "responsible_leader")
        .order_by("finding__found_on", "pk")
    )
    for row in rows:
        row.effective_points = counted[row.pk].points
    return rows


def _inspections(
    plan: Plan, period: Period, today: date, deductions: Sequence[Deduction]
) -> dict[str, Any]:
    summary = rectification_summary(plan=plan, today=today)
    total = sum((d.effective_points for d in deductions), Decimal(0))
    units = {d.unit_id for d in deductions}
    if deductions:
        text = (
            f"截至{period.label()}末，察访核验共扣分{len(deductions)}项，"
            f"涉及{len(units)}个单位，合计扣{number(total)}分。"
        )
    else:
        text = f"截至{period.label()}末，察访核验暂无扣分。"
    if summary["total"]:
        done = summary[Rectification.Status.CLOSED] + summary[Rectification.Status.VERIFIED]
        text += (
            f"问题整改共{summary['total']}项，已核验或销号{done}项，"
            f"正在整改{summary['total'] - done}项，其中逾期未完成{summary['overdue']}项。"
        )
    else:
        text += "暂无需整改的问题。"
    tables = []
    if deductions:
        rows: list[list[Cell]] = [
            [
                d.finding.found_on.isoformat(),
                d.unit.name,
                d.finding.title,
                number(d.effective_points),
                d.responsible_unit.name if d.responsible_unit else "—",
            ]
            for d in deductions[: LIST_LIMIT * 2]
        ]
        tables.append(
            _table("察访核验扣分", ["发现日期", "被扣分单位", "问题", "扣分", "责任单位"], rows)
        )
    if summary["total"]:
        status_rows: list[list[Cell]] = [
            [RECTIFICATION_WORDS.get(Rectification.Status(s), s), summary[s]]
            for s in Rectification.Status.values
        ]
        status_rows.append(["逾期未完成", summary["overdue"]])
        tables.append(_table("整改情况", ["整改状态", "数量"], status_rows))
    return _section("inspections", text, tables)


# --- scoring ------------------------------------------------------------------------------------
def current_run(plan: Plan) -> ScoreRun | None:
    """The plan's official result in force (published, not superseded), if any."""
    return (
        ScoreRun.objects.filter(
            plan=plan,
            kind=ScoreRun.Kind.OFFICIAL,
            status=ScoreRun.Status.PUBLISHED,
            superseded_by__isnull=True,
        )
        .order_by("-published_at", "-pk")
        .first()
    )


def _change_words(change: int | None) -> str:
    if change is None:
        return "—"
    if change > 0:
        return f"上升{change}位"
    if change < 0:
        return f"下降{-change}位"
    return "持平"


def _rankings(run: ScoreRun | None) -> dict[str, Any]:
    if run is None:
        return _section("rankings", "本方案尚未发布正式考评结果，本期暂不通报排名。")
    results = list(
        UnitResult.objects.filter(run=run)
        .select_related("unit", "group")
        .order_by("group__order", "group_name", "rank", "unit__path")
    )
    tables = []
    rising = sum(1 for r in results if (r.rank_change or 0) > 0)
    falling = sum(1 for r in results if (r.rank_change or 0) < 0)
    for group in ranking_tables(results):
        rows: list[list[Cell]] = [
            [
                r.rank,
                r.unit.name,
                number(r.composite),
                r.grade or "—",
                number(r.score_change),
                _change_words(r.rank_change),
            ]
            for r in group.rows
        ]
        tables.append(
            _table(
                f"{group.name}排名",
                ["名次", "单位", "综合得分", "等次", "得分变化", "名次变化"],
                rows,
            )
        )
    text = (
        f"根据最新发布的正式考评结果（{run.as_of_period}），共{len(results)}个单位参加排名，"
        f"与上年相比名次上升{rising}个、下降{falling}个。"
    )
    return _section("rankings", text, tables)


def _accountability(run: ScoreRun | None, deductions: Sequence[Deduction]) -> dict[str, Any]:
    """Points lost by lead unit and responsible leader in the published run (谁丢分谁负责); a
    plan whose run attributes no points lost (a county's own plan) lists the inspection
    deductions by responsible unit and leader instead."""
    lost = (
        list(
            PointsLost.objects.filter(run=run)
            .select_related("indicator", "lead_unit", "leader")
            .order_by("-points", "indicator__order")
        )
        if run is not None
        else []
    )
    if not lost:
        return _deduction_accountability(deductions)
    by_unit, by_leader = accountability(lost)
    by_unit = [r for r in by_unit if r.points > 0]
    by_leader = [r for r in by_leader if r.points > 0]
    if not by_unit:
        return _section("accountability", "本期各单位未出现丢分情况。")
    total = sum((r.points for r in by_unit), Decimal(0))
    text = (
        f"按照谁丢分谁负责的原则，本期共有{len(by_unit)}个牵头单位丢分，合计{number(total)}分。"
        f"丢分较多的单位是：{'、'.join(r.name for r in by_unit[:5])}。"
    )
    unit_rows: list[list[Cell]] = [
        [
            r.name,
            number(r.points),
            "、".join(sorted({i.indicator.name if i.indicator else "—" for i in r.items})),
        ]
        for r in by_unit[:LIST_LIMIT]
    ]
    leader_rows: list[list[Cell]] = [
        [r.name, number(r.points), "、".join(sorted({i.lead_unit.name for i in r.items}))]
        for r in by_leader[:LIST_LIMIT]
    ]
    return _section(
        "accountability",
        text,
        [
            _table("丢分单位", ["牵头单位", "丢分", "涉及指标"], unit_rows),
            _table("责任领导", ["责任领导", "丢分", "涉及单位"], leader_rows),
        ],
    )


def _deduction_accountability(deductions: Sequence[Deduction]) -> dict[str, Any]:
    if not deductions:
        return _section("accountability", "本期各单位未出现丢分情况。")
    units: dict[str, Decimal] = {}
    leaders: dict[str, Decimal] = {}
    for d in deductions:
        unit = (d.responsible_unit or d.unit).name
        units[unit] = units.get(unit, Decimal(0)) + d.effective_points
        if d.responsible_leader is not None:
            name = d.responsible_leader.name
            leaders[name] = leaders.get(name, Decimal(0)) + d.effective_points
    ordered = sorted(units.items(), key=lambda kv: (-kv[1], kv[0]))
    text = (
        f"按照谁丢分谁负责的原则，本期察访核验扣分涉及{len(units)}个责任单位，"
        f"丢分较多的单位是：{'、'.join(name for name, _p in ordered[:5])}。"
    )
    tables = [
        _table(
            "丢分单位",
            ["责任单位", "扣分"],
            [[name, number(points)] for name, points in ordered[:LIST_LIMIT]],
        )
    ]
    if leaders:
        tables.append(
            _table(
                "责任领导",
                ["责任领导", "扣分"],
                [
                    [name, number(points)]
                    for name, points in sorted(leaders.items(), key=lambda kv: (-kv[1], kv[0]))
                ],
            )
        )
    return _section("accountability", text, tables)


# --- the whole bulletin ---------------------------------------------------------------------
def build_sections(
    *, plan: Plan, period: Period, today: date, progress: Progress | None = None
) -> list[dict[str, Any]]:
    """The seven sections of a plan's bulletin at a period; `progress(percent, message)`
    is told how far it got."""

    def step(percent_done: int, message: str) -> None:
        if progress is not None:
            progress(percent_done, message)

    step(5, "正在计算指标进度")
    items = compute(plan, at=period, today=today, blank_when_not_reached=True)
    sections = [_overview(items, period)]
    step(30, "正在比较同比进退")
    sections.append(_year_on_year(items))
    step(45, "正在汇总滞后指标和说明情况")
    sections.append(_lagging(items, plan))
    step(60, "正在汇总察访核验扣分与整改")
    deductions = counted_deductions(plan, period)
    sections.append(_inspections(plan, period, today, deductions))
    step(75, "正在读取排名及责任清单")
    run = current_run(plan)
    sections.append(_rankings(run))
    sections.append(_accountability(run, deductions))
    sections.append(_section("requirements", REQUIREMENTS_TEXT))
    step(95, "正在保存通报")
    return sections


@dataclass(frozen=True)
class Document:
    """What the renderers lay out: the front matter and the sections."""

    issuing_body: str
    document_number: str
    title: str
    addressees: str
    opening: str
    sections: list[dict[str, Any]]
    signature: str
    date_text: str

    def tables(self) -> list[dict[str, Any]]:
        """Every table of the document, in order."""
        return [table for section in self.sections for table in section.get("tables", [])]


def document(
    *,
    plan: Plan,
    period: Period,
    sections: list[dict[str, Any]],
    title: str = "",
    document_number: str = "",
    issuing_body: str = "",
    day: date,
) -> Document:
    """The document of a bulletin (or of the CLI), with the usual front matter."""
    body = issuing_body or default_issuing_body(plan)
    return Document(
        issuing_body=body,
        document_number=document_number,
        title=title or default_title(period),
        addressees=addressees(plan),
        opening=opening(plan, period),
        sections=sections,
        signature=body,
        date_text=chinese_date(day),
    )
