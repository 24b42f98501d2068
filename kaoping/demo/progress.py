"""The demo county's progress data for 2021 and 2022, faithful to the seed speech's picture at
the end of the third quarter of 2022 (`kaoping loaddemo`).

The speech, given at the county's mid-October meeting on the provincial evaluation, says:
of the 13 macro-economic indicators, six (税收收入, 第三产业增加值占GDP比重, 非公经济国税收入,
非公经济地税收入, 工业增加值占GDP比重 and one more — here 固定资产投资增速) grew faster than a
year before and seven slower, 外贸进出口总额 fell year on year; the 为民办实事 projects
(教育惠民工程, 农村安全饮水, 水库移民新村), 气象灾害防御 and 信息安全 are behind schedule.
The numbers below are invented to tell exactly that, and most other items are on schedule.

What is written, for both demo plans of each cycle (the provincial plan: county figures
reported by the lead departments; the county plan: towns and departments):

- a report per obligation (kaoping.tracking.obligations) and reporting period: 2021 all year,
  2022 up to September (monthly indicators up to 2022-09, quarterly up to 2022Q3, half-yearly
  2022Q2); cumulative figures with "the same period last year" (`last_year_value`: 2020's for
  2021's reports, so 2021 has its own growth and 2022 a growth a year before), or a narrative
  for qualitative and milestone indicators; approved by the office, each backed by an evidence
  PDF. A few 2022Q3 reports are still under review, one is returned with a reason and two were
  submitted after their deadline;
- the provincial milestone tasks (企业上市, 重大项目前期, 为民办实事, 气象灾害防御, 信息安全,
  督查落实) through the task services: planned backward (倒排) from their deadlines, milestones
  done with a generated PDF as evidence, some late, some overdue;
- the engine's figures (TrackingResult) as at each month of 2021 and 2022 up to 2022Q3, and the
  supervision sweep of the 2022 plans as of 2022-10-15 (alerts, blue and yellow supervision
  notices, explanations requested), then one explanation submitted and one accepted.

Reports are written in bulk (one audit event per cycle, `demo.progress_load`), tasks and
explanations through their services. Idempotent: a report is written only where the indicator,
unit and period has none, a task only for an assignment without tasks, and the figures, the
sweep and the explanations only when something was written, so a second run adds nothing and
records no audit events.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from kaoping.audit.services import audit_event
from kaoping.core.periods import Period
from kaoping.demo import data
from kaoping.org.models import Role, RoleGrant, Unit, User
from kaoping.plans.models import Assignment, Indicator, IndicatorTarget, Plan
from kaoping.tracking import evidence as evidence_files
from kaoping.tracking.calculations import Trend
from kaoping.tracking.models import (
    Alert,
    Evidence,
    Explanation,
    Milestone,
    ProgressReport,
    SupervisionNotice,
    Task,
    TrackingResult,
)
from kaoping.tracking.obligations import Obligation, obligations
from kaoping.tracking.report_selectors import VALUE_KINDS, reporting_deadline
from kaoping.tracking.selectors import at_period_q
from kaoping.tracking.services import public as public_services
from kaoping.tracking.services import supervision
from kaoping.tracking.services import tasks as task_services
from kaoping.tracking.services.results import recompute_plan, reporting_periods
from kaoping.tracking.task_selectors import work_calendar
from kaoping.tracking.workdays import PlannedStep, WorkCalendar

D = Decimal
Status = ProgressReport.Status

AS_OF = Period(2022, "quarter", 3)  # the figures stand at the end of the third quarter
SWEEP_DAY = date(2022, 10, 15)  # the supervision sweep before the county's meeting
SOURCE = "demo"
MACRO_PARENT = "A01"  # 宏观经济指标 in the provincial plan

PROGRESS_LABELS: dict[str, Promise] = {
    "reports": _("Progress reports"),
    "evidence": _("Evidence files"),
    "tasks": _("Tasks"),
    "milestones": _("Milestones"),
    "results": _("Tracking figures"),
    "alerts": _("Alerts"),
    "notices": _("Supervision notices"),
    "explanations": _("Explanations"),
}


@dataclass
class ProgressSummary:
    """What the demo's progress data holds after loading, and what this run added."""

    counts: dict[str, int] = field(default_factory=dict)
    created: dict[str, int] = field(default_factory=dict)
    period: str = str(AS_OF)
    sweep_day: date = SWEEP_DAY
    under_review: int = 0
    returned: int = 0
    late: int = 0
    macro_total: int = 0
    macro_improved: int = 0
    macro_declined: int = 0
    behind: int = 0  # yellow at AS_OF, both 2022 plans
    far_behind: int = 0  # red at AS_OF

    @property
    def created_total(self) -> int:
        return sum(self.created.values())


# --- numbers ---------------------------------------------------------------------------------
# A series: year → cumulative values (or levels) at the indicator's reporting periods, in order.
# 2020 is there for the "same period last year" of 2021's reports.
Series = dict[int, tuple[Decimal, ...]]


def _d(values: Sequence[Any]) -> tuple[Decimal, ...]:
    return tuple(D(str(v)) for v in values)


def _q(value: Decimal, places: int) -> Decimal:
    return value.quantize(D(1).scaleb(-places), rounding=ROUND_HALF_UP)


# Cumulative share of the year's total reached by the end of each month: a normal year, and
# 2020, whose first half the epidemic held back (2021's growth is high early in the year).
SHAPE_MONTHS = _d(
    (
        "0.07",
        "0.13",
        "0.215",
        "0.295",
        "0.375",
        "0.465",
        "0.545",
        "0.625",
        "0.715",
        "0.80",
        "0.89",
        1,
    )
)
SHAPE_2020_MONTHS = _d(
    (
        "0.058",
        "0.105",
        "0.185",
        "0.27",
        "0.355",
        "0.45",
        "0.533",
        "0.617",
        "0.708",
        "0.795",
        "0.887",
        1,
    )
)
SHAPE_2020_QUARTERS = _d(("0.205", "0.455", "0.715", 1))
SHAPE_2020_INCOME = _d(("0.262", "0.49", "0.745", 1))


def _quarters(shape: tuple[Decimal, ...]) -> tuple[Decimal, ...]:
    return shape[2::3]


def amounts(
    total_2020: Any,
    growth_2021: Sequence[Any],
    growth_2022: Sequence[Any],
    *,
    shape_2020: tuple[Decimal, ...],
    total_2021: Any = None,
    places: int = 2,
) -> Series:
    """Cumulative amounts: 2020 is its total spread by its shape; 2021 and 2022 follow from the
    year-on-year growth (%) at each reporting period. With `total_2021` (the plan's baseline,
    last year's total) 2021's last period is exactly that total."""
    v2020 = [D(str(total_2020)) * s for s in shape_2020]
    v2021 = [v * (1 + D(str(g)) / 100) for v, g in zip(v2020, growth_2021, strict=False)]
    if total_2021 is not None:
        v2021 = [*v2021[: len(v2020) - 1], D(str(total_2021))]
    v2022 = [v * (1 + D(str(g)) / 100) for v, g in zip(v2021, growth_2022, strict=False)]
    return {
        year: tuple(_q(v, places) for v in values)
        for year, values in ((2020, v2020), (2021, v2021), (2022, v2022))
    }


def levels(y2020: Sequence[Any], y2021: Sequence[Any], y2022: Sequence[Any]) -> Series:
    """Values given as they are (shares, rates, levels at the period's end, small counts)."""
    return {2020: _d(y2020), 2021: _d(y2021), 2022: _d(y2022)}


# The county figures of the provincial plan, reported by each indicator's lead department.
# Growth indicators report the underlying cumulative amount; the engine derives the growth.
PROVINCIAL_SERIES: dict[str, Series] = {
    # 地区生产总值 (万元), quarterly: +9.6 % at 2021Q3, +6.4 % at 2022Q3 (target 7): slower.
    "A0101": amounts(
        3_012_000, (16.8, 12.4, 9.6, 8.3), (5.9, 5.1, 6.4), shape_2020=SHAPE_2020_QUARTERS
    ),
    # 规模以上工业增加值 (万元): +10.8 % → +8.6 % in September (target 8): slower.
    "A0102": amounts(
        826_000,
        (28.5, 25.2, 21.4, 18.6, 16.2, 14.5, 13.1, 11.9, 10.8, 10.3, 9.9, 9.6),
        (7.2, 7.8, 8.4, 8.9, 9.3, 9.0, 8.8, 8.7, 8.6),
        shape_2020=SHAPE_2020_MONTHS,
    ),
    # 固定资产投资 (万元): +10.2 % → +12.5 % (target 9): the sixth indicator that grew faster.
    "A0103": amounts(
        1_356_000,
        (35.0, 30.2, 24.6, 19.8, 16.1, 13.4, 12.0, 10.9, 10.2, 10.8, 11.0, 11.2),
        (9.5, 10.1, 10.8, 11.4, 11.9, 12.2, 12.4, 12.3, 12.5),
        shape_2020=SHAPE_2020_MONTHS,
    ),
    # 社会消费品零售总额 (万元): +13.9 % → +6.1 % (target 8): slower, behind target.
    "A0104": amounts(
        1_118_000,
        (38.0, 33.6, 28.1, 24.0, 20.3, 17.6, 15.9, 14.7, 13.9, 12.8, 12.0, 11.5),
        (8.9, 8.1, 6.2, 5.0, 4.6, 5.3, 5.8, 6.0, 6.1),
        shape_2020=SHAPE_2020_MONTHS,
    ),
    # 一般公共预算收入 (万元): +8.2 % → +5.8 % (target 5.5): slower.
    "A0105": amounts(
        168_400,
        (15.2, 13.8, 12.1, 11.0, 10.2, 9.5, 8.9, 8.5, 8.2, 7.6, 7.2, 6.9),
        (6.8, 6.5, 6.1, 5.9, 5.7, 5.6, 5.6, 5.7, 5.8),
        shape_2020=SHAPE_2020_MONTHS,
    ),
    # 税收收入 (万元): 2020 172,500 and 2021 190,300 (the plans' baselines); faster in 2022.
    "A0106": amounts(
        172_500,
        (18.9, 16.5, 14.8, 13.6, 12.9, 12.2, 11.6, 11.2, 10.9, 10.7, 10.5),
        (10.6, 11.2, 11.9, 12.4, 12.6, 12.8, 12.7, 12.5, 12.4),
        shape_2020=SHAPE_2020_MONTHS,
        total_2021=190_300,
    ),
    # 第三产业增加值占GDP比重 (%), quarterly: +0.8 pp a year before, +1.1 pp now: faster.
    "A0107": levels((43.5, 43.8, 44.0, 44.2), (44.45, 44.6, 44.8, 45.3), (45.5, 45.7, 45.9)),
    # 非公经济国税收入 (万元): faster.
    "A0108": amounts(
        90_600,
        (19.5, 17.2, 15.6, 14.5, 13.7, 13.0, 12.5, 12.1, 11.8, 11.7, 11.6),
        (11.2, 11.9, 12.6, 13.1, 13.4, 13.6, 13.5, 13.4, 13.3),
        shape_2020=SHAPE_2020_MONTHS,
        total_2021=101_200,
    ),
    # 非公经济地税收入 (万元): faster.
    "A0109": amounts(
        48_100,
        (20.1, 17.8, 16.2, 15.0, 14.1, 13.4, 12.9, 12.5, 12.2, 12.1, 12.0),
        (11.5, 12.3, 12.9, 13.4, 13.8, 14.0, 13.9, 13.8, 13.6),
        shape_2020=SHAPE_2020_MONTHS,
        total_2021=53_900,
    ),
    # 工业增加值占GDP比重 (%): +0.4 pp a year before, +0.55 pp now: faster.
    "A0110": levels((34.2, 34.35, 34.5, 34.6), (34.7, 34.8, 34.9, 35.1), (35.25, 35.35, 35.45)),
    # 外贸进出口总额 (万美元): falls from April on, −13.6 % in September; far behind since
    # August (two months red in a row: a yellow supervision notice).
    "A0111": amounts(
        42_300,
        (22.0, 19.5, 18.2, 16.8, 15.5, 14.9, 14.2, 13.8, 13.5, 13.3, 13.1),
        (6.5, 4.2, 1.8, -0.6, -3.9, -6.8, -9.4, -12.8, -13.6),
        shape_2020=SHAPE_2020_MONTHS,
        total_2021=47_800,
    ),
    # 城镇居民人均可支配收入 (元), quarterly: +9.0 % → +7.2 % (target 7): slower.
    "A0112": amounts(
        36_850, (13.5, 11.2, 9.0, 8.4), (6.6, 6.9, 7.2), shape_2020=SHAPE_2020_INCOME, places=0
    ),
    # 农村居民人均可支配收入 (元): +11.2 % → +8.9 % (target 8.5): slower.
    "A0113": amounts(
        16_920, (16.2, 13.4, 11.2, 10.8), (8.2, 8.6, 8.9), shape_2020=SHAPE_2020_INCOME, places=0
    ),
    # 招商引资实际到位资金 (亿元)
    "A04": amounts(
        "78.6",
        (15.0, 14.2, 13.6, 13.1, 12.8, 12.6, 12.4, 12.3, 12.2, 12.1, 12.1),
        (5.8, 6.0, 6.2, 6.3, 6.5, 6.4, 6.3, 6.2, 6.1),
        shape_2020=SHAPE_2020_MONTHS,
        total_2021="88.1",
    ),
    # 城镇新增就业人数 (人)
    "B04": amounts(
        6_320,
        (9.0, 8.5, 8.0, 7.6, 7.3, 7.0, 6.8, 6.6, 6.5, 6.4, 6.3),
        (3.0, 2.8, 2.5, 2.4, 2.3, 2.2, 2.1, 2.0, 2.0),
        shape_2020=SHAPE_2020_MONTHS,
        total_2021=6_710,
        places=0,
    ),
    # 城镇登记失业率 (%), at the quarter's end, kept within the 4.0 % cap.
    "B05": levels((4.1, 3.95, 3.85, 3.7), (3.8, 3.85, 3.95, 3.6), (3.7, 3.8, 3.9)),
    # 生产安全事故死亡人数 (人), cumulative: 21 in 2020, 17 in 2021, within the target of 18.
    "B06": levels(
        (2, 3, 5, 6, 8, 10, 12, 13, 15, 17, 19, 21),
        (2, 3, 4, 5, 7, 8, 10, 11, 13, 14, 16, 17),
        (1, 2, 3, 4, 6, 7, 9, 10, 11),
    ),
    "C01": levels((3.4,), (3.3,), ()),  # 单位GDP能耗降低率 (%), yearly
    # 空气质量优良天数比例 (%), from January to the month's end
    "C02": levels(
        (92.9, 94.0, 95.1, 95.9, 96.4, 96.8, 97.0, 97.2, 97.3, 97.1, 96.9, 96.8),
        (93.5, 94.6, 95.7, 96.5, 97.0, 97.4, 97.6, 97.7, 97.8, 97.6, 97.4, 97.3),
        (94.2, 95.0, 95.9, 96.6, 97.1, 97.5, 97.8, 97.9, 98.0),
    ),
    "C03": levels((63.0,), (63.2,), ()),  # 森林覆盖率 (%), yearly
    "C04": levels((100,) * 12, (100,) * 12, (100,) * 9),  # 地表水考核断面水质达标率 (%)
    # 政务服务事项网上可办率 (%), at the quarter's end
    "E03": levels((82.0, 83.5, 84.2, 85.0), (86.5, 87.8, 89.0, 92.0), (93.0, 93.8, 94.6)),
}

# What a growth indicator's reported amount is, for the narratives.
AMOUNT_NAMES: dict[str, tuple[str, str]] = {
    "A0101": ("地区生产总值", "万元"),
    "A0102": ("规模以上工业增加值", "万元"),
    "A0103": ("固定资产投资", "万元"),
    "A0104": ("社会消费品零售总额", "万元"),
    "A0105": ("一般公共预算收入", "万元"),
    "A0112": ("城镇居民人均可支配收入", "元"),
    "A0113": ("农村居民人均可支配收入", "元"),
    "ZA04": ("农村居民人均可支配收入", "元"),
}


def jitter(*key: str, low: Any, high: Any, places: int = 1) -> Decimal:
    """A fixed pseudo-random number in [low, high], chosen by the key (stable across runs)."""
    digest = hashlib.sha256("|".join(key).encode()).digest()
    fraction = D(int.from_bytes(digest[:4], "big")) / D(2**32)
    low, high = D(str(low)), D(str(high))
    return _q(low + (high - low) * fraction, places)


# 2022 growth (%) of the towns that lag behind their targets (7 % above 2021 for the amounts);
# every other town grows 7.8–10.5 % on the year before.
TOWN_GROWTH_2022: dict[tuple[str, str], tuple[Any, ...]] = {
    ("ZA01", "SFX-HNZ"): (3.2, 3.0, 2.8, 2.7, 2.6, 2.5, 2.5, 2.4, 2.5),  # behind all year
    ("ZA01", "SFX-GFX"): (4.0, 3.0, 2.0, 0.0, -2.0, -4.0, -6.0, -8.0, -10.0),  # far behind in Sep
    ("ZA02", "SFX-SJZ"): (6.0, 5.2, 4.6, 4.0, 3.6, 3.2, 3.0, 2.9, 3.0),
    ("ZA02", "SFX-MLZ"): (4.5, 3.8, 3.0, 2.4, 2.0, 1.8, 1.6, 1.5, 1.5),
    ("ZA03", "SFX-YLX"): (-4.0, -12.0, -15.0),  # far behind at Q3
    ("ZA04", "SFX-DPX"): (7.6, 7.8, 7.9),  # income growth below the 8.5 % target
    ("ZA04", "SFX-CSX"): (8.0, 8.2, 8.3),
}
# 信访积案化解率 (%) of the towns below the 92 % target in 2022.
TOWN_PETITIONS_2022: dict[str, tuple[Any, ...]] = {
    "SFX-HXZ": (93.0, 91.8, 90.5),
    "SFX-BSZ": (92.6, 90.8, 89.0),
}
# 新增返贫致贫户 (户, cumulative at Q2 and Q4) of the towns where households fell back into
# poverty; every other town has none.
TOWN_RETURNED_TO_POVERTY: dict[tuple[str, int], tuple[Any, ...]] = {
    ("SFX-YLX", 2021): (0, 1),  # 因病
    ("SFX-FHZ", 2021): (1, 1),  # 因灾
    ("SFX-DPX", 2022): (1,),  # 因病
    ("SFX-CSX", 2022): (2,),  # 因灾
}
# 农村人居环境整治 scores of the county's quarterly inspections that are not by a hash:
# 青石镇's collection points were found with rubbish piling up in September.
TOWN_ENVIRONMENT_SCORES: dict[tuple[str, int], tuple[Any, ...]] = {
    ("SFX-QSZ", 2022): (90.5, 89.0, 82.5),
}
# 承担省绩效考评指标任务完成情况 (%) in 2022 of the departments that lead lagging provincial
# indicators (谁丢分、谁负责); every other department is at 100 %.
DEPARTMENT_SHARE_2022: dict[str, tuple[Any, ...]] = {
    "SFX-JMJ": (100, 96, 88),  # 外贸进出口总额
    "SFX-QXJ": (100, 86, 80),  # 气象灾害防御: far behind two quarters running
    "SFX-JYJ": (100, 100, 90),  # 教育惠民工程
    "SFX-SLJ": (100, 100, 95),  # 农村安全饮水
    "SFX-YMJ": (100, 100, 88),  # 水库移民新村
    "SFX-GAJ": (100, 100, 90),  # 信息安全等级保护备案
    "SFX-TJJ": (100, 98, 98),  # 地区生产总值增速
    "SFX-SHWJ": (100, 96, 96),  # 社会消费品零售总额增速
}


def town_series(
    code: str, town: data.TownSpec, targets: dict[int, tuple[Decimal | None, Decimal | None]]
) -> Series | None:
    """A town's figures for a county-plan indicator (None: a narrative indicator)."""
    if code in ("ZA01", "ZA02", "ZA03"):
        # 2020 and 2021 totals are the baselines of the town's targets (基数 = last year's).
        total_2020, total_2021 = targets[2021][1], targets[2022][1]
        if total_2020 is None or total_2021 is None:
            return None
        monthly = code != "ZA03"
        count = 12 if monthly else 4
        shape_2020 = SHAPE_2020_MONTHS if monthly else _quarters(SHAPE_2020_MONTHS)
        shape = SHAPE_MONTHS if monthly else _quarters(SHAPE_MONTHS)
        growth_2021 = [
            (total_2021 * shape[i]) / (total_2020 * shape_2020[i]) * 100 - 100 for i in range(count)
        ]
        growth_2022 = TOWN_GROWTH_2022.get((code, town.code)) or tuple(
            jitter(code, town.code, low="7.8", high="10.5")
            + jitter(code, town.code, str(i), low="-0.4", high="0.4")
            for i in range(count)
        )
        return amounts(
            total_2020,
            growth_2021,
            growth_2022[: 9 if monthly else 3],
            shape_2020=shape_2020,
            total_2021=total_2021,
        )
    if code == "ZA04":  # 农村居民人均可支配收入 (元), the engine judges its growth
        base = D(14_000) + D(1_800) * town.economy + jitter(code, town.code, low=-300, high=300)
        growth_2021 = [
            D(str(g)) + jitter(code, town.code, "2021", str(i), low=0, high="0.8")
            for i, g in enumerate((15.0, 12.8, 11.2, 10.6))
        ]
        growth_2022 = TOWN_GROWTH_2022.get((code, town.code)) or tuple(
            D(str(g)) + jitter(code, town.code, "2022", str(i), low="0.1", high="0.8")
            for i, g in enumerate((8.8, 8.9, 9.0))
        )
        return amounts(base, growth_2021, growth_2022, shape_2020=SHAPE_2020_INCOME, places=0)
    if code == "ZA05":  # 新增规模以上企业 (家), yearly
        added = 0 if town.code == "SFX-YLX" else (2 if town.economy >= D("1.2") else 1)
        return levels((1,), (added,), ())
    if code == "ZB03":  # 信访积案化解率 (%), at the quarter's end
        return levels(
            [jitter(code, town.code, "2020", str(i), low=88, high=95) for i in range(4)],
            [jitter(code, town.code, "2021", str(i), low="91.5", high=98) for i in range(4)],
            TOWN_PETITIONS_2022.get(town.code)
            or [jitter(code, town.code, "2022", str(i), low="92.5", high=99) for i in range(3)],
        )
    if code == "ZB04":  # 新增返贫致贫户 (户), cumulative, half-yearly
        return levels(
            (0, 0),
            TOWN_RETURNED_TO_POVERTY.get((town.code, 2021), (0, 0)),
            TOWN_RETURNED_TO_POVERTY.get((town.code, 2022), (0,)),
        )
    if code == "ZC01":  # 农村人居环境整治: the county's quarterly inspection score
        base = jitter(code, town.code, low=85, high=95)
        return levels(
            *(
                TOWN_ENVIRONMENT_SCORES.get((town.code, year))
                or [
                    min(D(99), base + jitter(code, town.code, str(year), str(i), low=-3, high=3))
                    for i in range(count)
                ]
                for year, count in ((2020, 4), (2021, 4), (2022, 3))
            )
        )
    return None


def department_series(code: str, unit_code: str) -> Series | None:
    """A department's figures for a county-plan indicator (None: a narrative indicator)."""
    if code == "BA01":
        return levels((100,) * 4, (100,) * 4, DEPARTMENT_SHARE_2022.get(unit_code, (100,) * 3))
    if code == "BA03":  # 争先进位: rank in the city's system, yearly
        return levels(
            (jitter(code, unit_code, "2020", low=1, high=15, places=0),),
            (jitter(code, unit_code, "2021", low=1, high=14, places=0),),
            (),
        )
    return None


# --- milestone tasks -----------------------------------------------------------------------
@dataclass(frozen=True)
class StepSpec:
    """A milestone: its due date (working days) and when it was started and done, if so."""

    name: str
    due: date
    done: date | None = None
    started: date | None = None


@dataclass(frozen=True)
class TaskSpec:
    """A task of a provincial milestone indicator in a year, planned backward (倒排)."""

    code: str
    year: int
    name: str
    steps: tuple[StepSpec, ...]
    description: str = ""

    @property
    def deadline(self) -> date:
        return self.steps[-1].due


def _day(text: str) -> date:
    return date.fromisoformat(text)


def _step(name: str, due: str, done: str | None = None, started: str | None = None) -> StepSpec:
    return StepSpec(
        name, _day(due), _day(done) if done else None, _day(started) if started else None
    )


TASKS: tuple[TaskSpec, ...] = (
    # --- 2021: everything done, a few steps late --------------------------------------------
    TaskSpec(
        "A02",
        2021,
        "2021年企业上市培育",
        (
            _step("梳理上市后备企业资源", "2021-03-31", "2021-03-26"),
            _step("动员2家条件成熟的企业启动股份制改造", "2021-06-30", "2021-06-25"),
            _step("完成股份制改造工商变更登记", "2021-09-30", "2021-10-12"),
            _step("新增1家企业进入上市后备资源库", "2021-12-15", "2021-12-10"),
        ),
    ),
    TaskSpec(
        "A03",
        2021,
        "2021年省重大项目前期工作",
        (
            _step("4个项目完成立项", "2021-03-31", "2021-03-30"),
            _step("完成规划选址和用地预审", "2021-06-30", "2021-06-24"),
            _step("完成环评和使用林地报批", "2021-09-30", "2021-09-28"),
            _step("前期工作全部完成", "2021-12-15", "2021-12-13"),
        ),
    ),
    TaskSpec(
        "B0101",
        2021,
        "2021年教育惠民工程（10所学校）",
        (
            _step("项目立项及资金下达", "2021-03-15", "2021-03-12"),
            _step("完成施工及监理招标", "2021-04-30", "2021-04-28"),
            _step("主体工程完工", "2021-09-15", "2021-09-14"),
            _step("竣工验收并投入使用", "2021-12-15", "2021-12-10"),
        ),
    ),
    TaskSpec(
        "B0102",
        2021,
        "2021年农村安全饮水工程",
        (
            _step("项目批复及资金下达", "2021-03-31", "2021-03-30"),
            _step("完成工程招标", "2021-05-31", "2021-05-28"),
            _step("主体工程施工完成", "2021-09-30", "2021-09-29"),
            _step("竣工验收及受益人口核定", "2021-11-30", "2021-11-26"),
        ),
    ),
    TaskSpec(
        "B0103",
        2021,
        "2021年水库移民新村建设（3个）",
        (
            _step("完成安置规划及选址", "2021-02-26", "2021-02-25"),
            _step("完成征地及场地平整", "2021-04-30", "2021-04-29"),
            _step("主体建设完成", "2021-08-31", "2021-09-03"),
            _step("竣工验收及移民入住", "2021-12-15", "2021-12-14"),
        ),
    ),
    TaskSpec(
        "B02",
        2021,
        "2021年气象灾害防御",
        (
            _step("完成气象信息服务站建设", "2021-06-30", "2021-06-29"),
            _step("完成区域自动气象站升级", "2021-10-29", "2021-10-27"),
            _step("通过上级气象部门验收", "2021-12-15", "2021-12-09"),
        ),
    ),
    TaskSpec(
        "B03",
        2021,
        "2021年信息系统安全等级保护定级备案",
        (
            _step("梳理全县重要信息系统", "2021-03-31", "2021-03-31"),
            _step("完成定级并填报备案表", "2021-06-30", "2021-06-29"),
            _step("向上级公安机关报送备案", "2021-09-30", "2021-09-29"),
            _step("取得备案证明", "2021-12-15", "2021-12-08"),
        ),
    ),
    TaskSpec(
        "E02",
        2021,
        "2021年省政府督查事项办理",
        (
            _step("一季度督查事项办结", "2021-03-31", "2021-03-30"),
            _step("二季度督查事项办结", "2021-06-30", "2021-06-29"),
            _step("三季度督查事项办结", "2021-09-30", "2021-09-29"),
            _step("四季度督查事项办结", "2021-12-30", "2021-12-28"),
        ),
    ),
    # --- 2022: the speech's picture at the end of September ----------------------------------
    TaskSpec(
        "A02",
        2022,
        "2022年企业上市培育（宏达皮件辅导备案）",
        (
            _step("在库企业跟踪服务，梳理后备企业", "2022-03-31", "2022-03-29"),
            _step("动员2家条件成熟的企业先行股改", "2022-06-30", "2022-06-28"),
            _step("宏达皮件辅导备案材料报送证监局", "2022-09-30", "2022-09-26"),
            _step("宏达皮件进入证监局辅导备案", "2022-12-15"),
        ),
    ),
    TaskSpec(
        "A03",
        2022,
        "2022年省重大项目前期工作（5个项目）",
        (
            _step("5个项目完成立项", "2022-03-31", "2022-03-30"),
            _step("完成规划选址和用地预审", "2022-06-15", "2022-06-10"),
            _step("完成环评和使用林地报批", "2022-09-15", "2022-09-20"),
            _step("完成水土保持等报批", "2022-11-30"),
        ),
    ),
    TaskSpec(
        "B0101",
        2022,
        "2022年教育惠民工程（12所学校）",
        (
            _step("项目立项及资金下达", "2022-03-15", "2022-03-10"),
            _step("完成施工及监理招标", "2022-04-29", "2022-05-06"),
            _step("12所学校主体工程完工", "2022-09-15", started="2022-05-16"),
            _step("竣工验收", "2022-11-30"),
            _step("投入使用", "2022-12-20"),
        ),
        "为民办实事项目：完成12所农村中小学、幼儿园新建改扩建。",
    ),
    TaskSpec(
        "B0102",
        2022,
        "2022年农村安全饮水解困工程",
        (
            _step("项目批复及资金下达", "2022-03-31", "2022-03-28"),
            _step("完成管网及水厂改造招标", "2022-05-31", "2022-06-20"),
            _step("主体工程施工完成", "2022-08-31", "2022-09-21"),
            _step("完成水质检测", "2022-09-30"),
            _step("竣工验收及受益人口核定", "2022-11-30"),
        ),
        "为民办实事项目：解决2.6万农村人口饮水安全问题。",
    ),
    TaskSpec(
        "B0103",
        2022,
        "2022年水库移民新村建设（4个）",
        (
            _step("完成安置规划及选址", "2022-02-28", "2022-02-25"),
            _step("完成征地及场地平整", "2022-04-29", "2022-05-20"),
            _step("4个移民新村主体建设完成", "2022-08-31", started="2022-05-23"),
            _step("配套道路、饮水、活动场所完工", "2022-10-31"),
            _step("竣工验收及移民入住", "2022-12-15"),
        ),
        "为民办实事项目：建成水库移民新村4个。",
    ),
    TaskSpec(
        "B02",
        2022,
        "2022年气象灾害防御",
        (
            _step("对接市气象局，明确应急准备认证标准", "2022-03-31", "2022-03-25"),
            _step("完成气象灾害监测预警设备采购招标", "2022-05-31", "2022-08-10"),
            _step("落实气象信息服务站运行经费", "2022-07-29", started="2022-07-05"),
            _step("完成气象信息服务站办公场所配套建设", "2022-10-31"),
            _step("通过气象灾害应急准备认证", "2022-12-15"),
        ),
        "气象局加强与上级气象部门对接，及时采购设备，落实服务站经费和办公场所。",
    ),
    TaskSpec(
        "B03",
        2022,
        "2022年信息系统安全等级保护备案",
        (
            _step("全县重要信息系统梳理定级", "2022-03-31", "2022-03-30"),
            _step("报送《信息系统安全等级保护备案表》", "2022-05-31", "2022-05-27"),
            _step("完善被退回的备案表并重新报送", "2022-08-31", started="2022-08-15"),
            _step("完成等级测评", "2022-11-15"),
            _step("完成整改并通过备案审核", "2022-12-15"),
        ),
        "备案表7月被上级公安机关退回，须及时完善后再上报。",
    ),
    TaskSpec(
        "E02",
        2022,
        "2022年省政府督查事项办理",
        (
            _step("一季度督查事项办结", "2022-03-31", "2022-03-30"),
            _step("二季度督查事项办结", "2022-06-30", "2022-06-29"),
            _step("三季度督查事项办结", "2022-09-30", "2022-09-28"),
            _step("四季度督查事项办结", "2022-12-30"),
        ),
    ),
)

# --- the county plan's milestone tasks (generated) ------------------------------------------
# Every town leads its own 为民办实事 projects (ZB01) and every department its key tasks from
# the county party committee and government (BA02): three projects a town and two tasks a
# department a year, each with four milestones planned back from the year's end. In 2021
# everything is done, a few milestones late; in 2022 the milestones due by September are
# done (a few late) and the rest are under way, except for a few units with one overdue.
COUNTY_MILESTONE_CODES = ("ZB01", "BA02")

# Step names and nominal due dates (month, day) of a task's four milestones, by kind of task.
STEP_TEMPLATES: dict[str, tuple[tuple[str, int, int], ...]] = {
    "project": (
        ("项目立项及资金落实", 3, 31),
        ("完成招标并开工建设", 5, 31),
        ("主体工程完工", 9, 15),
        ("竣工验收并交付使用", 11, 30),
    ),
    "water": (
        ("项目批复及资金下达", 3, 31),
        ("完成管网及水源工程招标", 5, 31),
        ("供水管网铺设完成", 9, 15),
        ("通水验收及受益人口核定", 11, 30),
    ),
    "reform": (
        ("制定印发实施方案", 3, 31),
        ("出台配套制度措施", 6, 30),
        ("全面组织实施", 9, 30),
        ("总结评估并报送成效", 12, 15),
    ),
    "campaign": (
        ("印发工作方案并动员部署", 3, 15),
        ("完成排查摸底并建立台账", 5, 31),
        ("完成问题整改销号", 9, 30),
        ("总结验收", 12, 10),
    ),
    "service": (
        ("完成调研摸底和方案设计", 4, 15),
        ("完成建设和设备采购", 7, 15),
        ("投入运行并组织培训", 9, 30),
        ("运行评估并总结", 12, 15),
    ),
}

# The towns' 为民办实事 projects: name ({n} a size in the range), kind of task.
TOWN_PROJECTS: tuple[tuple[str, str, int, int], ...] = (
    ("农村饮水安全巩固提升工程（{n}个村）", "water", 3, 8),
    ("乡镇卫生院改造提升", "project", 0, 0),
    ("通组道路硬化（{n}公里）", "project", 6, 18),
    ("农贸市场升级改造", "project", 0, 0),
    ("村卫生室标准化建设（{n}个）", "project", 3, 7),
    ("农村互助幸福院建设（{n}个）", "project", 2, 5),
    ("农村危房改造（{n}户）", "campaign", 15, 60),
    ("村庄亮化工程（太阳能路灯{n}盏）", "project", 200, 600),
    ("集镇污水收集管网建设", "project", 0, 0),
    ("农村生活垃圾收运体系建设", "service", 0, 0),
    ("便民服务中心标准化建设", "service", 0, 0),
    ("山塘水库除险加固（{n}座）", "project", 2, 5),
    ("村级文化活动广场建设（{n}个）", "project", 2, 6),
    ("中心小学运动场改造", "project", 0, 0),
    ("易地扶贫搬迁安置点配套设施完善", "project", 0, 0),
    ("高标准农田建设（{n}00亩）", "project", 10, 30),
)

# The departments' key tasks (县委县政府重点工作任务): 2021 takes the first two, 2022 the
# first and the third.
DEPARTMENT_TASKS: dict[str, tuple[tuple[str, str], ...]] = {
    "SFX-XWB": (
        ("县委重大决策部署督查落实", "campaign"),
        ("机关运转保障和文稿服务提质", "reform"),
        ("县委系统信息化平台建设", "service"),
    ),
    "SFX-ZFB": (
        ("政府工作报告重点任务分解督办", "campaign"),
        ("政务公开标准化规范化建设", "reform"),
        ("12345政务服务便民热线整合", "service"),
    ),
    "SFX-ZZB": (
        ("软弱涣散基层党组织整顿", "campaign"),
        ("村（社区）“两委”换届", "campaign"),
        ("年轻干部培养选拔", "reform"),
    ),
    "SFX-XCB": (
        ("新时代文明实践中心（所、站）建设", "service"),
        ("文明城市创建宣传", "campaign"),
        ("意识形态阵地管理", "reform"),
    ),
    "SFX-JWJ": (
        ("群众身边不正之风和腐败问题专项整治", "campaign"),
        ("清廉机关建设", "reform"),
        ("优化营商环境专项监督", "campaign"),
    ),
    "SFX-ZFW": (
        ("常态化扫黑除恶斗争", "campaign"),
        ("市域社会治理现代化试点", "reform"),
        ("县乡综治中心规范化建设", "service"),
    ),
    "SFX-FGJ": (
        ("重大项目谋划储备", "reform"),
        ("“十四五”规划重点项目推进", "project"),
        ("优化营商环境攻坚", "reform"),
    ),
    "SFX-JMJ": (
        ("规上工业企业培育入库", "campaign"),
        ("企业技术改造项目推进", "project"),
        ("稳外贸专项行动", "campaign"),
    ),
    "SFX-TJJ": (
        ("统计数据质量提升", "campaign"),
        ("“四上”企业入库培育", "campaign"),
        ("统计执法检查", "campaign"),
    ),
    "SFX-CZJ": (
        ("预算绩效管理改革", "reform"),
        ("财政收入组织", "campaign"),
        ("政府债务风险化解", "reform"),
    ),
    "SFX-SWJ": (
        ("减税降费政策落实", "campaign"),
        ("重点税源监控", "campaign"),
        ("智慧税务建设", "service"),
    ),
    "SFX-ZJJ": (
        ("城镇老旧小区改造", "project"),
        ("保障性安居工程建设", "project"),
        ("城镇燃气安全专项整治", "campaign"),
    ),
    "SFX-ZRJ": (
        ("国土空间总体规划编制", "reform"),
        ("重大项目用地保障", "campaign"),
        ("耕地保护和违法占地整治", "campaign"),
    ),
    "SFX-HBJ": (
        ("中央生态环境保护督察反馈问题整改", "campaign"),
        ("县城污水处理厂提标改造", "project"),
        ("大气污染防治攻坚", "campaign"),
    ),
    "SFX-LYJ": (
        ("林长制落实", "reform"),
        ("森林防火基础设施建设", "project"),
        ("国土绿化和森林质量精准提升", "project"),
    ),
    "SFX-SLJ": (
        ("中小河流治理", "project"),
        ("小型水库除险加固", "project"),
        ("河湖“清四乱”专项行动", "campaign"),
    ),
    "SFX-JTJ": (
        ("农村公路提质改造", "project"),
        ("城乡客运一体化", "reform"),
        ("县乡道安全生命防护工程", "project"),
    ),
    "SFX-NYJ": (
        ("高标准农田建设", "project"),
        ("农村人居环境整治提升", "campaign"),
        ("粮食生产稳产保供", "campaign"),
    ),
    "SFX-SHWJ": (
        ("招商引资“一号工程”", "campaign"),
        ("县域商业体系建设", "project"),
        ("促消费系列活动", "campaign"),
    ),
    "SFX-SCJ": (
        ("食品安全示范县创建", "campaign"),
        ("市场主体培育", "reform"),
        ("特种设备安全专项整治", "campaign"),
    ),
    "SFX-SJJ": (
        ("重大政策措施落实跟踪审计", "campaign"),
        ("经济责任审计", "campaign"),
        ("审计整改“回头看”", "campaign"),
    ),
    "SFX-XZJ": (
        ("防止返贫动态监测和帮扶", "campaign"),
        ("衔接资金项目建设", "project"),
        ("乡村振兴示范村创建", "project"),
    ),
    "SFX-CGJ": (
        ("城市精细化管理提升", "campaign"),
        ("生活垃圾分类", "service"),
        ("市政道路和公园建设", "project"),
    ),
    "SFX-GXS": (
        ("农村电商服务站点建设", "service"),
        ("基层供销社恢复重建", "project"),
        ("农资保供稳价", "campaign"),
    ),
    "SFX-YQW": (
        ("园区标准厂房建设", "project"),
        ("园区基础设施配套", "project"),
        ("园区“亩均论英雄”改革", "reform"),
    ),
    "SFX-KJJ": (
        ("高新技术企业培育", "campaign"),
        ("科技特派员服务", "service"),
        ("科技成果转化平台建设", "service"),
    ),
    "SFX-JYJ": (
        ("义务教育薄弱环节改善与能力提升", "project"),
        ("“双减”工作落实", "campaign"),
        ("县城学校扩容建设", "project"),
    ),
    "SFX-QXJ": (
        ("乡镇气象信息服务站建设", "service"),
        ("气象灾害预警发布体系建设", "service"),
        ("人工影响天气作业能力建设", "project"),
    ),
    "SFX-GAJ": (
        ("“智慧公安”建设", "service"),
        ("电信网络诈骗打击治理", "campaign"),
        ("道路交通安全整治", "campaign"),
    ),
    "SFX-MZJ": (
        ("乡镇养老服务中心建设", "project"),
        ("社会救助兜底保障", "campaign"),
        ("殡葬改革", "reform"),
    ),
    "SFX-RSJ": (
        ("稳就业促创业", "campaign"),
        ("根治欠薪", "campaign"),
        ("社会保障卡“一卡通”", "service"),
    ),
    "SFX-WJJ": (
        ("县人民医院提标扩能", "project"),
        ("紧密型县域医共体建设", "reform"),
        ("疫苗接种和疫情防控", "campaign"),
    ),
    "SFX-WLJ": (
        ("全域旅游示范区创建", "campaign"),
        ("公共文化服务体系建设", "service"),
        ("全民健身设施建设", "project"),
    ),
    "SFX-YJJ": (
        ("安全生产专项整治三年行动", "campaign"),
        ("自然灾害综合风险普查", "campaign"),
        ("应急救援能力建设", "service"),
    ),
    "SFX-YMJ": (
        ("水库移民后期扶持项目建设", "project"),
        ("移民美丽家园建设", "project"),
        ("移民信访矛盾化解", "campaign"),
    ),
    "SFX-YBJ": (
        ("医保基金监管专项治理", "campaign"),
        ("DRG付费方式改革", "reform"),
        ("医保经办服务下沉", "service"),
    ),
    "SFX-XFJ": (
        ("信访积案化解攻坚", "campaign"),
        ("信访信息化建设", "service"),
        ("领导干部接访下访", "campaign"),
    ),
    "SFX-SFJ": (
        ("法治政府建设示范创建", "reform"),
        ("“八五”普法", "campaign"),
        ("公共法律服务体系建设", "service"),
    ),
    "SFX-TYJ": (
        ("退役军人服务站规范化建设", "service"),
        ("退役军人就业创业", "campaign"),
        ("烈士纪念设施修缮", "project"),
    ),
    "SFX-ZWJ": (
        ("政务服务“一网通办”", "service"),
        ("政务服务事项标准化", "reform"),
        ("政务数据共享交换平台建设", "service"),
    ),
    "SFX-RMT": (
        ("融媒体技术平台升级", "service"),
        ("重大主题宣传", "campaign"),
        ("“移动优先”传播体系建设", "reform"),
    ),
    "SFX-DAG": (
        ("馆藏档案数字化", "service"),
        ("档案安全风险隐患排查", "campaign"),
        ("档案新馆建设", "project"),
    ),
    "SFX-JSJ": (
        ("公共机构节能", "campaign"),
        ("公务用车服务平台建设", "service"),
        ("党政机关办公用房清理", "campaign"),
    ),
}

# How many milestones a unit finished late in 2021 (else by a hash: mostly none or one), and
# how many of its last task's final milestones it carried over unfinished into 2022.
LATE_MILESTONES_2021: dict[str, int] = {
    "SFX-YLX": 3,
    "SFX-MLZ": 3,
    "SFX-FHZ": 3,
    "SFX-SLJ": 3,
    "SFX-ZWJ": 2,
    "SFX-RMT": 3,
    "SFX-XCB": 3,
}
UNFINISHED_MILESTONES_2021: dict[str, int] = {
    "SFX-YLX": 2,
    "SFX-MLZ": 2,
    "SFX-FHZ": 1,
    "SFX-SLJ": 2,
    "SFX-ZWJ": 2,
    "SFX-RMT": 1,
    "SFX-XCB": 3,
}
# 2022: units with a milestone overdue at the end of September (the first project-like task's
# third milestone; 城关镇's is the water supply the county's inspectors found behind).
OVERDUE_MILESTONES_2022: frozenset[str] = frozenset(
    {"SFX-CGZ", "SFX-HNZ", "SFX-SLZ", "SFX-ZJJ", "SFX-JTJ"}
)


def _pick(key: str, items: Sequence[Any], count: int) -> list[Any]:
    """`count` items chosen by a stable hash of the key, in their original order."""
    ranked = sorted(range(len(items)), key=lambda i: hashlib.sha256(f"{key}|{i}".encode()).digest())
    return [items[i] for i in sorted(ranked[:count])]


def _late_count(unit_code: str, year: int) -> int:
    """How many of a unit's milestones were done late in a year: mostly none or one."""
    if year < AS_OF.year and unit_code in LATE_MILESTONES_2021:
        return LATE_MILESTONES_2021[unit_code]
    roll = int(jitter("late", unit_code, str(year), low=0, high=99, places=0))
    return 0 if roll < 45 else 1 if roll < 85 else 2


def _working_before(calendar: WorkCalendar, day: date, days: int) -> date:
    return calendar.on_or_before(day - timedelta(days=days))


def county_tasks(
    code: str, unit_code: str, year: int, calendar: WorkCalendar
) -> tuple[TaskSpec, ...]:
    """The generated tasks of a town (ZB01) or department (BA02) in a year: names, milestones
    due on working days, and when they were started and done (as of SWEEP_DAY in 2022)."""
    if code == "ZB01":
        chosen = _pick(f"{unit_code}|{year}", TOWN_PROJECTS, 3)
        water = TOWN_PROJECTS[0]
        if unit_code == "SFX-CGZ" and year == AS_OF.year and water not in chosen:
            chosen = [water, *chosen[:2]]
        kinds = []
        for name, kind, low, high in chosen:
            size = jitter(unit_code, str(year), name, low=low, high=high, places=0)
            kinds.append((name.format(n=size), kind))
        description = "为民办实事项目：{name}。"
    else:
        candidates = DEPARTMENT_TASKS.get(unit_code, ())
        if not candidates:
            return ()
        kinds = list(candidates[:2] if year < AS_OF.year else (candidates[0], candidates[2]))
        description = "县委县政府年初下达的重点工作任务：{name}。"
    # Which milestones (task index, step index) were done late, and which are not done.
    slots = [(t, s) for t in range(len(kinds)) for s in range(4)]
    if year < AS_OF.year:
        last = len(kinds) - 1
        unfinished = {(last, 3 - i) for i in range(UNFINISHED_MILESTONES_2021.get(unit_code, 0))}
        late_slots = set(
            _pick(
                f"late|{unit_code}|{year}",
                [slot for slot in slots if slot not in unfinished],
                _late_count(unit_code, year),
            )
        )
    else:
        early = [(t, s) for t, s in slots if s < 2]  # due by July: done late by September
        late_slots = set(
            _pick(
                f"late|{unit_code}|{year}",
                early,
                _late_count(unit_code, year),
            )
        )
        unfinished = set()
        if unit_code in OVERDUE_MILESTONES_2022:
            task_index = next(
                (i for i, (_n, kind) in enumerate(kinds) if kind in ("project", "water")), 0
            )
            unfinished = {(task_index, 2)}
            late_slots -= unfinished
    specs = []
    for t, (name, kind) in enumerate(kinds):
        steps = []
        previous_done: date | None = None
        for s, (step_name, month, day) in enumerate(STEP_TEMPLATES[kind]):
            key = (unit_code, str(year), name, str(s))
            nominal = date(year, month, day)
            due = _working_before(
                calendar, nominal, int(jitter(*key, "due", low=0, high=9, places=0))
            )
            started = None
            if (t, s) in late_slots:
                done = calendar.on_or_before(
                    due + timedelta(days=int(jitter(*key, "late", low=4, high=24, places=0)))
                )
                if done <= due:
                    done = calendar.shift(due, 2)
                if done.year > year:  # finished before the year was out
                    done = calendar.on_or_before(date(year, 12, 31))
            else:
                done = _working_before(
                    calendar, due, int(jitter(*key, "done", low=0, high=8, places=0))
                )
            if previous_done is not None and done < previous_done:
                done = previous_done
            if (
                (t, s) in unfinished
                or (steps and steps[-1].done is None)
                or (year == AS_OF.year and done > AS_OF.end)
            ):
                # Not done (by the end of September in 2022): under way if the step before
                # is done.
                ready = not steps or steps[-1].done is not None
                start_from = steps[-1].done if steps and steps[-1].done else date(year, 9, 1)
                started = (
                    calendar.shift(start_from, int(jitter(*key, "start", low=1, high=5, places=0)))
                    if ready
                    else None
                )
                if started is not None and started > min(SWEEP_DAY, date(year, 12, 31)):
                    started = None
                done = None
            steps.append(StepSpec(step_name, due, done, started))
            previous_done = done
        specs.append(
            TaskSpec(code, year, f"{year}年{name}", tuple(steps), description.format(name=name))
        )
    return tuple(specs)


# 2022Q3 reports that are not (yet) approved: (plan kind, code, unit, period) → status.
PENDING_2022: dict[tuple[str, str, str, str], str] = {
    (Plan.Kind.COUNTY, "ZA01", "SFX-QSZ", "2022-09"): Status.SUBMITTED,
    (Plan.Kind.COUNTY, "ZA02", "SFX-QSZ", "2022-09"): Status.SUBMITTED,
    (Plan.Kind.COUNTY, "ZA03", "SFX-JJZ", "2022Q3"): Status.SUBMITTED,
    (Plan.Kind.COUNTY, "ZA02", "SFX-CGZ", "2022-09"): Status.UNIT_APPROVED,
    (Plan.Kind.COUNTY, "ZB03", "SFX-GXZ", "2022Q3"): Status.UNIT_APPROVED,
    (Plan.Kind.COUNTY, "ZB03", "SFX-CGZ", "2022Q3"): Status.RETURNED,
}
RETURNED_REASON = (
    "信访积案化解台账与县信访局统计口径不一致，且佐证材料未加盖公章，请核对后重新报送。"
)
# Approved, but first submitted after the deadline.
LATE_2022: frozenset[tuple[str, str, str, str]] = frozenset(
    {
        (Plan.Kind.PROVINCIAL, "B02", "SFX-QXJ", "2022Q3"),
        (Plan.Kind.PROVINCIAL, "B0103", "SFX-YMJ", "2022Q3"),
    }
)

NARRATIVES: dict[str, str] = {
    "ZB01": "{label}：辖区内为民办实事项目按倒排节点推进，项目进度台账已更新。",
    "ZD01": "{label}：落实基层党建工作责任制，“三会一课”按计划开展。",
    "BA02": "{label}：县委县政府下达的重点工作任务按节点推进，台账已更新。",
    "BB01": "{label}：落实机关党建工作责任制，按计划开展主题党日活动。",
    "BB03": "{label}：落实意识形态工作责任制，未发生意识形态领域重大问题。",
    "BC02": "{label}：未发生行政复议被撤销、行政诉讼败诉案件。",
    "BC03": "{label}：按要求完成政务公开，报送政务信息{count}条。",
    "D01": "{label}：按省委组织部考核细则推进基层党组织建设，软弱涣散党组织整顿按计划推进。",
    "D03": "{label}：落实意识形态工作责任制，按期开展意识形态领域风险研判。",
}

# Narratives of indicators whose figure is a count or a score, by whether it is zero.
VALUE_NARRATIVES: dict[str, tuple[str, str]] = {
    "ZB04": (
        "{label}：开展防返贫动态监测和帮扶，本年新增返贫致贫0户，未发生规模性返贫。",
        "{label}：开展防返贫动态监测和帮扶，本年因病、因灾新增返贫致贫{value}户，已纳入监测"
        "对象落实帮扶措施，未发生规模性返贫。",
    ),
    "ZC01": (
        "{label}：开展村庄清洁行动，县农业农村局季度检查得分{value}分。",
        "{label}：开展村庄清洁行动，县农业农村局季度检查得分{value}分。",
    ),
}

EXPLANATIONS = {
    "B02": (
        "设备采购招标因供应商资质审核延误，8月10日才完成；气象信息服务站运行经费尚待县财政局"
        "下达，办公场所配套建设随之推迟。",
        "已与县财政局对接，10月底前落实服务站经费；同步推进办公场所配套建设，加强与市气象局"
        "对接，确保12月中旬前通过气象灾害应急准备认证。",
        "情况属实，整改措施可行。请按倒排节点推进，每周向绩效办报送进度。",
    ),
    "A0111": (
        "受国际市场需求收缩和疫情影响，县内两家主要出口企业订单下降，前三季度外贸进出口总额"
        "同比下降。",
        "落实稳外贸政策，帮助企业开拓新市场、争取新订单；同时积极争取上级相关部门适当调整我县"
        "目标任务。",
        "",
    ),
}


# --- evidence files ------------------------------------------------------------------------
def demo_pdf(lines: Sequence[str]) -> bytes:
    """A small valid one-page PDF with the given lines (ASCII) in Helvetica."""

    def text(line: str) -> str:
        return line.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")

    stream = "BT /F1 12 Tf 72 770 Td 16 TL " + " ".join(f"({text(x)}) '" for x in lines) + " ET"
    objects = [
        "<< /Type /Catalog /Pages 2 0 R >>",
        "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] "
        "/Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>",
        "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        f"<< /Length {len(stream)} >>\nstream\n{stream}\nendstream",
    ]
    out = b"%PDF-1.4\n"
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n{body}\nendobj\n".encode("ascii")
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode("ascii")
    out += "".join(f"{offset:010d} 00000 n \n" for offset in offsets).encode("ascii")
    out += (
        f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n"
    ).encode("ascii")
    return out


def pdf_upload(name: str, lines: Sequence[str]) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, demo_pdf(lines), content_type="application/pdf")


# --- the loader ------------------------------------------------------------------------------
def load_progress() -> ProgressSummary:
    """Write whatever of the demo's progress data is missing; return what it holds."""
    with transaction.atomic():
        loader = _ProgressLoader()
        loader.run()
    return loader.summary()


def _aware(day: date, hour: int, minute: int = 0) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(hour, minute)))


def _fmt(value: Decimal) -> str:
    text = format(value, "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


def _growth(value: Decimal | None, last: Decimal | None) -> Decimal | None:
    if value is None or last is None or last <= 0:
        return None
    return (value / last - 1) * 100


class _ProgressLoader:
    """One run: the demo plans, who reports and reviews, and the rows this run writes."""

    def __init__(self) -> None:
        self.created: dict[str, int] = dict.fromkeys(PROGRESS_LABELS, 0)
        self.county = Unit.objects.filter(code=data.COUNTY).first()
        self.plans: dict[tuple[int, str], Plan] = {}
        if self.county is not None:
            for plan in Plan.objects.filter(
                owner=self.county,
                cycle__year__in=data.YEARS,
                code__in=[spec.code for year in data.YEARS for spec in data.plans_for(year)],
                status=Plan.Status.PUBLISHED,
            ).select_related("cycle"):
                self.plans[(plan.cycle.year, plan.kind)] = plan
        self.calendar: WorkCalendar = work_calendar()
        self.users: dict[tuple[str, str], User] = {}  # (unit code, role) → an account
        for grant in RoleGrant.objects.filter(
            user__username__in=[a.username for a in data.DEMO_ACCOUNTS], unit__isnull=False
        ).select_related("user", "unit"):
            assert grant.unit is not None
            self.users.setdefault((grant.unit.code, grant.role), grant.user)
        self.office = User.objects.filter(username="office").first()
        self.pdfs: dict[tuple[str, int], tuple[str, int, str]] = {}
        self.specs: dict[tuple[str, str, int], tuple[TaskSpec, ...]] = {}
        self.before = self.totals()

    @property
    def complete(self) -> bool:
        return len(self.plans) == 2 * len(data.YEARS)

    def run(self) -> None:
        if not self.complete:
            return
        self.load_tasks()
        for year in data.YEARS:
            self.load_county_tasks(year)
        for year in data.YEARS:
            self.load_reports(year)
        if self.created["reports"] or self.created["tasks"]:
            self.compute_figures()
            self.sweep()
            self.explain()
            self.publish()

    # --- tasks -------------------------------------------------------------------------------
    def load_tasks(self) -> None:
        assignments = {
            (a.indicator.plan.cycle.year, a.indicator.code): a
            for a in Assignment.objects.filter(
                indicator__plan__in=[self.plans[(y, Plan.Kind.PROVINCIAL)] for y in data.YEARS],
                indicator__code__in={spec.code for spec in TASKS},
            ).select_related("indicator__plan__cycle", "lead_unit", "responsible_person")
        }
        with_tasks = set(
            Task.objects.filter(assignment__in=list(assignments.values())).values_list(
                "assignment_id", flat=True
            )
        )
        for spec in TASKS:
            assignment = assignments.get((spec.year, spec.code))
            if assignment is None or assignment.pk in with_tasks:
                continue
            self.load_task(spec, assignment)

    def load_task(self, spec: TaskSpec, assignment: Assignment) -> None:
        owner = assignment.responsible_person
        task = task_services.task_create(
            actor=None,
            assignment=assignment,
            name=spec.name,
            deadline=spec.deadline,
            description=spec.description or assignment.indicator.target_text,
            owner=owner if owner is not None and owner.unit_id == assignment.lead_unit_id else None,
        )
        steps, previous = [], None
        for step in spec.steps:  # durations that put each milestone on its planned date
            days = (
                10 if previous is None else self.calendar.working_days_between(previous, step.due)
            )
            steps.append(PlannedStep(step.name, max(1, days)))
            previous = step.due
        milestones = task_services.task_plan_backward(actor=None, task=task, steps=steps)
        self.created["tasks"] += 1
        self.created["milestones"] += len(milestones)
        unit = assignment.lead_unit.code
        for order, (milestone, step) in enumerate(zip(milestones, spec.steps, strict=True), 1):
            if step.started is not None and step.done is None:
                task_services.milestone_start(
                    actor=None, milestone=milestone, started_on=step.started
                )
            if step.done is not None:
                upload = pdf_upload(
                    f"{spec.code}-{spec.year}-节点{order}-佐证材料.pdf",
                    [
                        "Kaoping demo evidence (fictional)",
                        f"Unit: {unit}   Indicator: {spec.code}   Year: {spec.year}",
                        f"Milestone {order} done on {step.done.isoformat()}",
                    ],
                )
                task_services.milestone_complete(
                    actor=None, milestone=milestone, done_on=step.done, files=[upload]
                )
                self.created["evidence"] += 1

    def county_specs(self, code: str, unit_code: str, year: int) -> tuple[TaskSpec, ...]:
        key = (code, unit_code, year)
        if key not in self.specs:
            self.specs[key] = county_tasks(code, unit_code, year, self.calendar)
        return self.specs[key]

    def load_county_tasks(self, year: int) -> None:
        """The towns' and departments' tasks of the county plan's milestone indicators, for
        every assignment without tasks: written in bulk, one audit event per cycle; done
        milestones are backed by the unit's evidence PDF of the year."""
        plan = self.plans[(year, Plan.Kind.COUNTY)]
        assignments = (
            Assignment.objects.filter(
                indicator__plan=plan,
                indicator__code__in=COUNTY_MILESTONE_CODES,
                tasks__isnull=True,
            )
            .select_related("indicator", "lead_unit", "responsible_person")
            .order_by("indicator__code", "lead_unit__path")
        )
        tasks: list[tuple[Task, TaskSpec]] = []
        for assignment in assignments:
            person = assignment.responsible_person
            owner = (
                person if person is not None and person.unit_id == assignment.lead_unit_id else None
            )
            for spec in self.county_specs(
                assignment.indicator.code, assignment.lead_unit.code, year
            ):
                steps = spec.steps
                if all(s.done is not None for s in steps):
                    status = Task.Status.DONE
                elif any(s.done is not None or s.started is not None for s in steps):
                    status = Task.Status.IN_PROGRESS
                else:
                    status = Task.Status.NOT_STARTED
                task = Task(
                    assignment=assignment,
                    unit=assignment.lead_unit,
                    name=spec.name,
                    description=spec.description,
                    deadline=spec.deadline,
                    owner=owner,
                    status=status,
                )
                tasks.append((task, spec))
        if not tasks:
            return
        Task.objects.bulk_create([task for task, _spec in tasks], batch_size=500)
        milestones: list[Milestone] = []
        for task, spec in tasks:
            previous: date | None = None
            for order, step in enumerate(spec.steps, start=1):
                days = (
                    10
                    if previous is None
                    else self.calendar.working_days_between(previous, step.due)
                )
                milestones.append(
                    Milestone(
                        task=task,
                        name=step.name,
                        order=order,
                        working_days=max(1, days),
                        due=step.due,
                        started_on=step.started or step.done,
                        done_on=step.done,
                    )
                )
                previous = step.due
        Milestone.objects.bulk_create(milestones, batch_size=1000)
        evidence: list[Evidence] = []
        for milestone in milestones:
            if milestone.done_on is None:
                continue
            unit = milestone.task.unit
            path, size, sha256 = self.unit_pdf(unit, year)
            evidence.append(
                Evidence(
                    milestone=milestone,
                    unit=unit,
                    file=path,
                    original_name=f"{milestone.task.name}-节点{milestone.order}-佐证材料.pdf"[
                        -200:
                    ],
                    content_type=evidence_files.PDF.content_type,
                    size=size,
                    sha256=sha256,
                    description=milestone.name,
                    uploaded_by=self.users.get((unit.code, Role.REPORTER)),
                )
            )
        Evidence.objects.bulk_create(evidence, batch_size=1000)
        self.created["tasks"] += len(tasks)
        self.created["milestones"] += len(milestones)
        self.created["evidence"] += len(evidence)
        audit_event(
            actor=None,
            action="demo.tasks_load",
            obj=plan,
            reason="demo data: the towns' and departments' tasks and milestones",
            after={
                "tasks": len(tasks),
                "milestones": len(milestones),
                "done": len(evidence),
                "late": sum(1 for m in milestones if m.done_on is not None and m.done_on > m.due),
                "indicators": list(COUNTY_MILESTONE_CODES),
                "source": SOURCE,
            },
        )

    # --- reports -------------------------------------------------------------------------------
    def load_reports(self, year: int) -> None:
        until = AS_OF.end if year == AS_OF.year else date(year, 12, 31)
        reports: list[ProgressReport] = []
        plans = [self.plans[(year, kind)] for kind in (Plan.Kind.PROVINCIAL, Plan.Kind.COUNTY)]
        existing = set(
            ProgressReport.objects.filter(indicator__plan__in=plans).values_list(
                "indicator_id", "unit_id", "period"
            )
        )
        targets: dict[tuple[str, str, int], tuple[Decimal | None, Decimal | None]] = {
            (code, unit, y): (target, baseline)
            for code, unit, y, target, baseline in IndicatorTarget.objects.filter(
                indicator__plan__owner=self.county, indicator__plan__cycle__year__in=data.YEARS
            ).values_list(
                "indicator__code",
                "unit__code",
                "indicator__plan__cycle__year",
                "target",
                "baseline",
            )
        }
        towns = {t.code: t for t in data.TOWNS}
        for plan in plans:
            for item in obligations(plan):
                indicator, unit = item.indicator, item.unit
                series = self.series_of(plan, item, towns, targets)
                if series is None and indicator.kind in VALUE_KINDS:
                    continue  # a figure nobody invented: leave it unreported
                periods = [p for p in reporting_periods(indicator, year) if p.end <= until]
                for index, period in enumerate(periods):
                    if (indicator.pk, unit.pk, str(period)) in existing:
                        continue
                    value = last_value = None
                    if series is not None:
                        values = series.get(year, ())
                        if index >= len(values):
                            continue
                        value = values[index]
                        before = series.get(year - 1, ())
                        last_value = before[index] if index < len(before) else None
                    reports.append(self.report(plan, item, period, value, last_value, targets))
        if not reports:
            return
        ProgressReport.objects.bulk_create(reports, batch_size=500)
        self.attach_evidence(reports, year)
        self.created["reports"] += len(reports)
        by_status = Counter(r.status for r in reports)
        audit_event(
            actor=None,
            action="demo.progress_load",
            obj=plans[0].cycle,
            reason="demo data: the demo county's progress reports",
            after={
                "reports": len(reports),
                "by_status": dict(sorted(by_status.items())),
                "late": sum(1 for r in reports if r.is_late),
                "plans": [p.code for p in plans],
                "source": SOURCE,
            },
        )

    def series_of(
        self,
        plan: Plan,
        item: Obligation,
        towns: dict[str, data.TownSpec],
        targets: dict[tuple[str, str, int], tuple[Decimal | None, Decimal | None]],
    ) -> Series | None:
        code, unit = item.indicator.code, item.unit.code
        if plan.kind == Plan.Kind.PROVINCIAL:
            return PROVINCIAL_SERIES.get(code)
        if unit in towns:
            own = {y: targets.get((code, unit, y), (None, None)) for y in data.YEARS}
            return town_series(code, towns[unit], own)
        return department_series(code, unit)

    def report(
        self,
        plan: Plan,
        item: Obligation,
        period: Period,
        value: Decimal | None,
        last_value: Decimal | None,
        targets: dict[tuple[str, str, int], tuple[Decimal | None, Decimal | None]],
    ) -> ProgressReport:
        indicator, unit = item.indicator, item.unit
        key = (plan.kind, indicator.code, unit.code, str(period))
        status = PENDING_2022.get(key, Status.APPROVED)
        late = key in LATE_2022
        deadline = reporting_deadline(plan, period, calendar=self.calendar)
        submitted = (
            _aware(deadline + timedelta(days=3), 9, 30)
            if late
            else _aware(deadline - timedelta(days=2), 10)
        )
        reporter = self.users.get((unit.code, Role.REPORTER))
        head = self.users.get((unit.code, Role.UNIT_HEAD))
        own_target = targets.get((indicator.code, unit.code, plan.cycle.year), (None, None))[0]
        target = own_target if own_target is not None else indicator.target
        report = ProgressReport(
            indicator=indicator,
            unit=unit,
            period=str(period),
            version=1,
            is_current=True,
            status=status,
            value=value,
            last_year_value=last_value,
            narrative=self.narrative(indicator, unit, period, value, last_value, target),
            deadline=deadline,
            is_late=late,
            created_by=reporter,
            submitted_by=reporter,
            submitted_at=submitted,
            source=SOURCE,
        )
        if status in (Status.UNIT_APPROVED, Status.APPROVED, Status.RETURNED):
            report.unit_approved_by = head
            report.unit_approved_at = submitted + timedelta(hours=26)
        if status == Status.APPROVED:
            report.approved_by = self.office
            report.approved_at = submitted + timedelta(days=2, hours=3)
        if status == Status.RETURNED:
            report.returned_reason = RETURNED_REASON
        return report

    def narrative(
        self,
        indicator: Indicator,
        unit: Unit,
        period: Period,
        value: Decimal | None,
        last: Decimal | None,
        target: Decimal | None,
    ) -> str:
        label = period.label()
        code = indicator.code
        if indicator.kind == Indicator.Kind.MILESTONE:
            spec = next((t for t in TASKS if t.code == code and t.year == period.year), None)
            if spec is not None:
                return self.milestone_narrative(spec, period)
            if code in COUNTY_MILESTONE_CODES:
                specs = self.county_specs(code, unit.code, period.year)
                if specs:
                    return self.county_milestone_narrative(specs, period)
        if value is not None and code in VALUE_NARRATIVES:
            zero, other = VALUE_NARRATIVES[code]
            return (zero if value == 0 else other).format(label=label, value=_fmt(value))
        if value is None:
            template = NARRATIVES.get(code, "{label}：按计划推进，相关台账已更新。")
            return template.format(
                label=label,
                count=jitter(code, unit.code, str(period), low=6, high=30, places=0),
            )
        uom = indicator.unit_of_measure
        growth = _growth(value, last)
        if indicator.kind == Indicator.Kind.GROWTH:
            name, amount_unit = AMOUNT_NAMES.get(code, (indicator.name, ""))
            text = f"{label}累计完成{name}{_fmt(value)}{amount_unit}"
            if growth is not None:
                text += f"，同比增长{growth:.1f}%"
            if target is not None:
                text += f"（目标增速{_fmt(target)}%）"
            return text + "。"
        if indicator.kind == Indicator.Kind.SHARE or indicator.accumulation == "point":
            text = f"{label}末为{_fmt(value)}{uom}"
            if last is not None:
                diff = value - last
                change = "持平" if diff == 0 else ("提高" if diff > 0 else "下降")
                text += f"，比上年同期{change}" + ("" if diff == 0 else f"{_fmt(abs(diff))}")
                text += "" if diff == 0 else ("个百分点" if uom == "%" else uom)
            return text + "。"
        text = f"{label}累计完成{_fmt(value)}{uom}"
        if target:
            if indicator.direction == Indicator.Direction.LOWER:
                text += f"，年度控制目标{_fmt(target)}{uom}"
            else:
                text += f"，为年度目标的{value / target * 100:.1f}%"
        if growth is not None:
            text += f"，同比{'增长' if growth >= 0 else '下降'}{abs(growth):.1f}%"
        return text + "。"

    @staticmethod
    def milestone_narrative(spec: TaskSpec, period: Period) -> str:
        end = period.end
        done = [s.name for s in spec.steps if s.done is not None and s.done <= end]
        overdue = [s for s in spec.steps if s.due < end and (s.done is None or s.done > end)]
        text = f"{period.label()}：" + (f"已完成“{'、'.join(done)}”" if done else "按计划推进")
        for step in overdue:
            text += f"；“{step.name}”计划{step.due.month}月{step.due.day}日完成，尚未完成"
        return text + "。"

    @staticmethod
    def county_milestone_narrative(specs: Sequence[TaskSpec], period: Period) -> str:
        """A town's or department's quarter across its tasks: milestones done, overdue ones."""
        end = period.end
        steps = [step for spec in specs for step in spec.steps]
        done = sum(1 for s in steps if s.done is not None and s.done <= end)
        names = "、".join(f"“{spec.name[5:]}”" for spec in specs)
        text = f"{period.label()}：{names}共{len(steps)}个节点，已完成{done}个"
        for spec in specs:
            for step in spec.steps:
                if step.due < end and (step.done is None or step.done > end):
                    text += (
                        f"；“{spec.name[5:]}”的“{step.name}”计划{step.due.month}月"
                        f"{step.due.day}日完成，尚未完成"
                    )
        return text + "。"

    def attach_evidence(self, reports: list[ProgressReport], year: int) -> None:
        """One evidence PDF per unit and year (stored once by its hash) backs its reports."""
        rows = []
        for report in reports:
            unit = report.unit
            path, size, sha256 = self.unit_pdf(unit, year)
            rows.append(
                Evidence(
                    report=report,
                    unit=unit,
                    file=path,
                    original_name=f"{report.period}-{report.indicator.code}-佐证材料.pdf",
                    content_type=evidence_files.PDF.content_type,
                    size=size,
                    sha256=sha256,
                    description=report.indicator.evidence_requirement[:200],
                    uploaded_by=report.submitted_by,
                )
            )
        Evidence.objects.bulk_create(rows, batch_size=500)
        self.created["evidence"] += len(rows)

    def unit_pdf(self, unit: Unit, year: int) -> tuple[str, int, str]:
        key = (unit.code, year)
        if key not in self.pdfs:
            upload = pdf_upload(
                f"{unit.code}-{year}.pdf",
                [
                    "Kaoping demo evidence (fictional)",
                    f"Unit: {unit.code}   Year: {year}",
                    "Progress ledgers backing the unit's reports",
                ],
            )
            checked = evidence_files.check_upload(upload)
            self.pdfs[key] = (evidence_files.store(upload, checked), checked.size, checked.sha256)
        return self.pdfs[key]

    # --- figures, sweep and explanations ---------------------------------------------------
    def compute_figures(self) -> None:
        """The engine's figures for every period: 2021 whole, 2022 as they stood at the end of
        AS_OF (each indicator at its latest period by then too, reported or not)."""
        for (year, _kind), plan in sorted(self.plans.items()):
            if year < AS_OF.year:
                stored = recompute_plan(plan=plan, today=SWEEP_DAY)
            else:
                stored = recompute_plan(plan=plan, today=AS_OF.end)
                stored += recompute_plan(plan=plan, period=AS_OF, today=SWEEP_DAY)
            audit_event(
                actor=None,
                action="tracking.recompute",
                obj=plan,
                after={"period": None if year < AS_OF.year else str(AS_OF), "results": stored},
            )

    def sweep(self) -> None:
        """The supervision sweep of the 2022 plans as of SWEEP_DAY, on the stored figures."""
        total = supervision.SweepSummary()
        for kind in (Plan.Kind.COUNTY, Plan.Kind.PROVINCIAL):
            plan = self.plans[(AS_OF.year, kind)]
            total.add(
                supervision.supervise_plan(
                    plan=plan, today=SWEEP_DAY, calendar=self.calendar, recompute=False
                )
            )
        audit_event(
            actor=None,
            action="supervision.sweep",
            object_type="tracking.sweep",
            object_id=SWEEP_DAY.isoformat(),
            object_repr=SWEEP_DAY.isoformat(),
            after=total.as_dict(),
        )

    def publish(self) -> None:
        """The office puts the 2022 为民办实事 projects on the public progress page."""
        if self.office is None:
            return
        specs = [s for s in TASKS if s.year == AS_OF.year and "为民办实事" in s.description]
        for spec in specs:
            for task in Task.objects.filter(
                name=spec.name, assignment__indicator__plan__cycle__year=spec.year
            ):
                public_services.task_set_public(
                    actor=self.office,
                    task=task,
                    is_public=True,
                    summary=spec.description.removeprefix("为民办实事项目："),
                )

    def explain(self) -> None:
        """气象局 explains its lag and the office accepts; 经贸局's explanation awaits review."""
        plan = self.plans[(AS_OF.year, Plan.Kind.PROVINCIAL)]
        for code, unit_code, period in (
            ("B02", "SFX-QXJ", "2022Q3"),
            ("A0111", "SFX-JMJ", "2022-09"),
        ):
            explanation = Explanation.objects.filter(
                indicator__plan=plan,
                indicator__code=code,
                unit__code=unit_code,
                period=period,
                status=Explanation.Status.REQUESTED,
            ).first()
            writer = self.users.get((unit_code, Role.REPORTER))
            if explanation is None or writer is None:
                continue
            text, measures, note = EXPLANATIONS[code]
            supervision.explanation_submit(
                actor=writer, explanation=explanation, text=text, measures=measures
            )
            if note and self.office is not None:
                supervision.explanation_accept(
                    actor=self.office, explanation=explanation, note=note
                )

    # --- summary ----------------------------------------------------------------------------
    def totals(self) -> dict[str, int]:
        """Rows of each kind the demo plans hold now."""
        plans = list(self.plans.values())
        tasks = Task.objects.filter(assignment__indicator__plan__in=plans)
        return {
            "reports": ProgressReport.objects.filter(indicator__plan__in=plans).count(),
            "evidence": Evidence.objects.filter(report__indicator__plan__in=plans).count()
            + Evidence.objects.filter(milestone__task__in=tasks).count(),
            "tasks": tasks.count(),
            "milestones": Milestone.objects.filter(task__in=tasks).count(),
            "results": TrackingResult.objects.filter(indicator__plan__in=plans).count(),
            "alerts": Alert.objects.filter(indicator__plan__in=plans).count(),
            "notices": SupervisionNotice.objects.filter(indicator__plan__in=plans).count(),
            "explanations": Explanation.objects.filter(indicator__plan__in=plans).count(),
        }

    def summary(self) -> ProgressSummary:
        counts = self.totals()
        summary = ProgressSummary(
            counts=counts,
            created={key: max(0, n - self.before.get(key, 0)) for key, n in counts.items()},
        )
        plans = list(self.plans.values())
        reports = ProgressReport.objects.filter(indicator__plan__in=plans, is_current=True)
        summary.under_review = reports.filter(
            status__in=[Status.SUBMITTED, Status.UNIT_APPROVED]
        ).count()
        summary.returned = reports.filter(status=Status.RETURNED).count()
        summary.late = reports.filter(is_late=True).count()
        if not self.complete:
            return summary
        current = [self.plans[(AS_OF.year, k)] for k in (Plan.Kind.PROVINCIAL, Plan.Kind.COUNTY)]
        at = TrackingResult.objects.filter(indicator__plan__in=current).filter(at_period_q(AS_OF))
        statuses = Counter(at.values_list("status", flat=True))
        summary.behind, summary.far_behind = statuses.get("yellow", 0), statuses.get("red", 0)
        trends = Counter(
            at.filter(indicator__plan=current[0], indicator__parent__code=MACRO_PARENT).values_list(
                "yoy_trend", flat=True
            )
        )
        summary.macro_total = sum(trends.values())
        summary.macro_improved = trends.get(Trend.IMPROVED, 0)
        summary.macro_declined = trends.get(Trend.DECLINED, 0)
        return summary
