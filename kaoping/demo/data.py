"""The demo county 示范县 as plain data: regions, units, people, plans and demo accounts.

Everything here is fictional. The county is modelled on the seed speech: the provincial
indicator set it names (13 macro-economic indicators, 企业上市, 省重大项目前期工作, 为民办实事,
气象灾害防御, 信息安全等级保护备案), the lead units it names (经贸局, 发改局, 气象局, 公安局…)
and the county's own evaluation of its towns and departments with the one-vote veto for units
that "drag the county down" in the provincial evaluation.

Natural keys (codes, unit + name + title, user names) make the loader idempotent, so names
and codes here must stay stable: changing one adds a row on the next `loaddemo`.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from kaoping.org.models import Person, Region, Role
from kaoping.plans.models import Indicator, Plan

YEARS = (2021, 2022)
COUNTY = "SFX"

Cat = Indicator.Category
Kind = Indicator.Kind
Dir = Indicator.Direction
Acc = Indicator.Accumulation
Freq = Indicator.Frequency
Rule = Indicator.ScoringRule


# --- regions -------------------------------------------------------------------------------
@dataclass(frozen=True)
class RegionSpec:
    """An administrative area; towns use 9-digit codes (GB/T 10114: 1xx 镇, 2xx 乡)."""

    code: str
    name: str
    level: str
    parent: str | None = None
    population: int | None = None


@dataclass(frozen=True)
class TownSpec:
    """A town (镇) or township (乡): its unit code, region code, population, leader in charge.

    `economy` scales the town's targets (城关镇 is the county seat; mountain townships are small).
    """

    code: str
    name: str
    region: str
    population: int
    economy: Decimal
    leader: str


TOWNS: tuple[TownSpec, ...] = (
    TownSpec("SFX-CGZ", "城关镇", "990123101", 136_000, Decimal("2.6"), "周晓峰"),
    TownSpec("SFX-GXZ", "桂溪镇", "990123102", 68_000, Decimal("1.3"), "郑海燕"),
    TownSpec("SFX-QSZ", "青石镇", "990123103", 59_000, Decimal("1.2"), "周晓峰"),
    TownSpec("SFX-LQZ", "龙泉镇", "990123104", 54_000, Decimal("1.0"), "覃永明"),
    TownSpec("SFX-BSZ", "白沙镇", "990123105", 47_000, Decimal("1.1"), "郑海燕"),
    TownSpec("SFX-HXZ", "河西镇", "990123106", 63_000, Decimal("1.4"), "吴国平"),
    TownSpec("SFX-SJZ", "三江镇", "990123107", 42_000, Decimal("0.9"), "覃永明"),
    TownSpec("SFX-SLZ", "松岭镇", "990123108", 38_000, Decimal("0.7"), "刘春梅"),
    TownSpec("SFX-JJZ", "金鸡镇", "990123109", 51_000, Decimal("1.2"), "周晓峰"),
    TownSpec("SFX-MLZ", "梅林镇", "990123110", 45_000, Decimal("0.9"), "李文华"),
    TownSpec("SFX-QXZ", "清溪镇", "990123111", 40_000, Decimal("0.8"), "刘春梅"),
    TownSpec("SFX-SMZ", "石门镇", "990123112", 49_000, Decimal("1.0"), "郑海燕"),
    TownSpec("SFX-FHZ", "凤凰镇", "990123113", 57_000, Decimal("1.1"), "李文华"),
    TownSpec("SFX-SQZ", "双桥镇", "990123114", 44_000, Decimal("0.9"), "吴国平"),
    TownSpec("SFX-XHZ", "新华镇", "990123115", 61_000, Decimal("1.3"), "吴国平"),
    TownSpec("SFX-HNZ", "黄泥镇", "990123116", 36_000, Decimal("0.7"), "杨振宇"),
    TownSpec("SFX-DPX", "大坪乡", "990123201", 24_000, Decimal("0.5"), "覃永明"),
    TownSpec("SFX-GFX", "高峰乡", "990123202", 21_000, Decimal("0.4"), "杨振宇"),
    TownSpec("SFX-CSX", "茶山瑶族乡", "990123203", 18_000, Decimal("0.4"), "刘春梅"),
    TownSpec("SFX-YLX", "云岭乡", "990123204", 16_000, Decimal("0.3"), "李文华"),
)

REGIONS: tuple[RegionSpec, ...] = (
    RegionSpec("990000", "示范省", Region.Level.PROVINCE, None, 50_260_000),
    RegionSpec("990100", "示范市", Region.Level.CITY, "990000", 5_790_000),
    RegionSpec(
        "990123", "示范县", Region.Level.COUNTY, "990100", sum(town.population for town in TOWNS)
    ),
    *(
        RegionSpec(town.region, town.name, Region.Level.TOWN, "990123", town.population)
        for town in TOWNS
    ),
)


# --- units ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class DepartmentSpec:
    """A county department: code, name, short name, evaluation group, leader in charge.

    `head` is the title of its 一把手; the deputy in charge is "副" + head unless given;
    `staff` is the title of the responsible person (责任人) who handles the indicators.
    """

    code: str
    name: str
    short_name: str
    group: str | None
    leader: str
    head: str = "局长"
    deputy: str = ""
    staff: str = "办公室主任"
    parent: str = COUNTY
    head_name: str = ""


ECON, SOCIAL, PARTY = "econ-depts", "social-depts", "party-depts"

DEPARTMENTS: tuple[DepartmentSpec, ...] = (
    # Party and general offices (党群部门组)
    DepartmentSpec("SFX-XWB", "县委办公室", "县委办", PARTY, "李文华", "主任", staff="秘书股股长"),
    DepartmentSpec(
        "SFX-ZFB", "县人民政府办公室", "县政府办", PARTY, "吴国平", "主任", staff="督查室主任"
    ),
    DepartmentSpec("SFX-ZZB", "县委组织部", "组织部", PARTY, "李文华", "部长", staff="组织股股长"),
    DepartmentSpec("SFX-XCB", "县委宣传部", "宣传部", PARTY, "李文华", "部长", staff="宣传股股长"),
    DepartmentSpec(
        "SFX-JWJ",
        "县纪委监委",
        "纪委监委",
        PARTY,
        "李文华",
        "书记",
        "副书记",
        staff="党风政风监督室主任",
    ),
    DepartmentSpec(
        "SFX-ZFW", "县委政法委员会", "政法委", PARTY, "李文华", "书记", "副书记", staff="综治股股长"
    ),
    # Economic departments (经济部门组)
    DepartmentSpec(
        "SFX-FGJ", "县发展和改革局", "发改局", ECON, "吴国平", staff="重大项目办公室主任"
    ),
    DepartmentSpec("SFX-JMJ", "县经济贸易局", "经贸局", ECON, "周晓峰", staff="外经贸股股长"),
    DepartmentSpec("SFX-TJJ", "县统计局", "统计局", ECON, "吴国平", staff="综合核算股股长"),
    DepartmentSpec("SFX-CZJ", "县财政局", "财政局", ECON, "吴国平", staff="预算股股长"),
    DepartmentSpec("SFX-SWJ", "县税务局", "税务局", ECON, "吴国平", staff="收入核算股股长"),
    DepartmentSpec("SFX-ZJJ", "县住房和城乡建设局", "住建局", ECON, "郑海燕"),
    DepartmentSpec(
        "SFX-ZRJ", "县自然资源局", "自然资源局", ECON, "郑海燕", staff="国土空间规划股股长"
    ),
    DepartmentSpec("SFX-HBJ", "县生态环境局", "生态环境局", ECON, "郑海燕", staff="环境监测站站长"),
    DepartmentSpec("SFX-LYJ", "县林业局", "林业局", ECON, "覃永明", staff="生态保护修复股股长"),
    DepartmentSpec("SFX-SLJ", "县水利局", "水利局", ECON, "覃永明", staff="农村水利水电股股长"),
    DepartmentSpec("SFX-JTJ", "县交通运输局", "交通运输局", ECON, "郑海燕"),
    DepartmentSpec("SFX-NYJ", "县农业农村局", "农业农村局", ECON, "覃永明"),
    DepartmentSpec("SFX-SHWJ", "县商务局", "商务局", ECON, "周晓峰", staff="招商引资股股长"),
    DepartmentSpec("SFX-SCJ", "县市场监督管理局", "市场监管局", ECON, "周晓峰"),
    DepartmentSpec("SFX-SJJ", "县审计局", "审计局", ECON, "吴国平"),
    DepartmentSpec("SFX-XZJ", "县乡村振兴局", "乡村振兴局", ECON, "覃永明"),
    DepartmentSpec("SFX-CGJ", "县城市管理局", "城管局", ECON, "郑海燕"),
    DepartmentSpec(
        "SFX-GXS", "县供销合作社联合社", "供销社", ECON, "周晓峰", "理事会主任", "理事会副主任"
    ),
    DepartmentSpec(
        "SFX-YQW",
        "县工业园区管理委员会",
        "工业园区管委会",
        ECON,
        "周晓峰",
        "主任",
        staff="招商服务局局长",
    ),
    DepartmentSpec("SFX-KJJ", "县科学技术局", "科技局", ECON, "周晓峰"),
    # Social development departments (社会事业部门组)
    DepartmentSpec("SFX-JYJ", "县教育局", "教育局", SOCIAL, "刘春梅", staff="计划财务股股长"),
    DepartmentSpec("SFX-QXJ", "县气象局", "气象局", SOCIAL, "覃永明", staff="防灾减灾股股长"),
    DepartmentSpec(
        "SFX-GAJ",
        "县公安局",
        "公安局",
        SOCIAL,
        "杨振宇",
        "局长",
        "副局长",
        staff="网络安全保卫大队大队长",
        head_name="杨振宇",
    ),
    DepartmentSpec("SFX-MZJ", "县民政局", "民政局", SOCIAL, "刘春梅"),
    DepartmentSpec(
        "SFX-RSJ", "县人力资源和社会保障局", "人社局", SOCIAL, "刘春梅", staff="就业促进股股长"
    ),
    DepartmentSpec("SFX-WJJ", "县卫生健康局", "卫生健康局", SOCIAL, "刘春梅"),
    DepartmentSpec("SFX-WLJ", "县文化广电体育和旅游局", "文广体旅局", SOCIAL, "刘春梅"),
    DepartmentSpec(
        "SFX-YJJ", "县应急管理局", "应急管理局", SOCIAL, "周晓峰", staff="安全生产综合协调股股长"
    ),
    DepartmentSpec("SFX-YMJ", "县移民管理局", "移民局", SOCIAL, "覃永明", staff="后期扶持股股长"),
    DepartmentSpec("SFX-YBJ", "县医疗保障局", "医保局", SOCIAL, "刘春梅"),
    DepartmentSpec("SFX-XFJ", "县信访局", "信访局", SOCIAL, "杨振宇"),
    DepartmentSpec("SFX-SFJ", "县司法局", "司法局", SOCIAL, "杨振宇"),
    DepartmentSpec("SFX-TYJ", "县退役军人事务局", "退役军人局", SOCIAL, "刘春梅"),
    DepartmentSpec(
        "SFX-ZWJ", "县政务服务和大数据管理局", "政务服务局", SOCIAL, "吴国平", staff="信息化股股长"
    ),
    DepartmentSpec("SFX-RMT", "县融媒体中心", "融媒体中心", SOCIAL, "李文华", "主任"),
    DepartmentSpec("SFX-DAG", "县档案馆", "档案馆", SOCIAL, "李文华", "馆长"),
    DepartmentSpec("SFX-JSJ", "县机关事务管理局", "机关事务局", SOCIAL, "吴国平"),
    # The performance office (绩效办) sits inside the government office and is not evaluated
    # as a unit of its own.
    DepartmentSpec(
        "SFX-ZFB-JXB",
        "县绩效考评办公室",
        "绩效办",
        None,
        "吴国平",
        "主任",
        staff="考评股股长",
        parent="SFX-ZFB",
    ),
)

COUNTY_UNIT = {"code": COUNTY, "name": "示范县", "short_name": "示范县", "region": "990123"}


# --- county leaders ------------------------------------------------------------------------
@dataclass(frozen=True)
class LeaderSpec:
    """A county leader (县领导) and what they are in charge of (分管, 挂点联系的乡镇)."""

    name: str
    title: str
    portfolio_all: bool = False  # the whole county (书记, 县长)


COUNTY_LEADERS: tuple[LeaderSpec, ...] = (
    LeaderSpec("黄志远", "县委书记", portfolio_all=True),
    LeaderSpec("陈立新", "县长", portfolio_all=True),
    LeaderSpec("李文华", "县委副书记"),
    LeaderSpec("吴国平", "常务副县长"),
    LeaderSpec("周晓峰", "副县长"),
    LeaderSpec("郑海燕", "副县长"),
    LeaderSpec("覃永明", "副县长"),
    LeaderSpec("刘春梅", "副县长"),
    LeaderSpec("杨振宇", "副县长、县公安局局长"),
)


def portfolio_of(leader: str) -> list[str]:
    """The unit codes a leader is in charge of: departments and the towns they link to."""
    spec = next(s for s in COUNTY_LEADERS if s.name == leader)
    if spec.portfolio_all:
        return [COUNTY]
    return [d.code for d in DEPARTMENTS if d.leader == leader and d.parent == COUNTY] + [
        t.code for t in TOWNS if t.leader == leader
    ]


def leader_of(unit_code: str) -> str:
    """The county leader in charge of a unit (a sub-unit answers to its parent's leader)."""
    for dept in DEPARTMENTS:
        if dept.code == unit_code:
            return dept.leader
    for town in TOWNS:
        if town.code == unit_code:
            return town.leader
    raise KeyError(unit_code)


# --- people of the units -------------------------------------------------------------------
_SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗郑梁谢宋唐韩冯邓曹彭曾肖田董潘蒋蔡余叶程苏魏"
    "吕丁沈姚卢钟谭陆韦覃莫蒙庞甘黎廖龙"
)
_GIVEN = (
    "建华",
    "志强",
    "海燕",
    "丽萍",
    "晓东",
    "文斌",
    "春燕",
    "国庆",
    "永辉",
    "立军",
    "秀兰",
    "伟明",
    "敏华",
    "静怡",
    "俊杰",
    "振华",
    "宏伟",
    "雪梅",
    "桂芳",
    "德明",
    "少波",
    "嘉欣",
    "思远",
    "明辉",
    "红梅",
    "玉兰",
    "金凤",
    "志华",
    "建军",
    "卫东",
    "晓燕",
    "丽娟",
    "雅琴",
    "春生",
    "冬梅",
    "新民",
    "学军",
    "英杰",
    "慧敏",
    "佳丽",
    "锦华",
    "瑞祥",
    "昌平",
    "永强",
    "国华",
    "世荣",
    "绍辉",
    "秋萍",
)


def person_name(unit_code: str, position: str) -> str:
    """A fictional name, fixed by the unit and position (stable whatever else changes)."""
    digest = hashlib.sha256(f"{unit_code}|{position}".encode()).digest()
    surname = _SURNAMES[int.from_bytes(digest[:4], "big") % len(_SURNAMES)]
    given = _GIVEN[int.from_bytes(digest[4:8], "big") % len(_GIVEN)]
    return surname + given


def office_phone(unit_code: str, position: str) -> str:
    """A fictional office number (area code 0000 is not allocated anywhere)."""
    digest = hashlib.sha256(f"phone|{unit_code}|{position}".encode()).digest()
    return f"0000-6{int.from_bytes(digest[:4], 'big') % 1_000_000:06d}"


@dataclass(frozen=True)
class PersonSpec:
    """One person of a unit, keyed by (unit code, name, title) like the Person model."""

    unit: str
    name: str
    position: str
    title: str
    phone: str = ""
    portfolio: tuple[str, ...] | None = None


def unit_people() -> list[PersonSpec]:
    """Every unit's 一把手 (head), 分管领导 (deputy in charge) and 责任人 (responsible person)."""
    people: list[PersonSpec] = []
    for leader in COUNTY_LEADERS:
        people.append(
            PersonSpec(
                COUNTY,
                leader.name,
                Person.Position.COUNTY_LEADER,
                leader.title,
                portfolio=tuple(portfolio_of(leader.name)),
            )
        )
    for dept in DEPARTMENTS:
        deputy = dept.deputy or f"副{dept.head}"
        people += [
            PersonSpec(
                dept.code,
                dept.head_name or person_name(dept.code, "head"),
                Person.Position.HEAD,
                dept.head,
                office_phone(dept.code, "head"),
            ),
            PersonSpec(
                dept.code,
                person_name(dept.code, "deputy"),
                Person.Position.DEPUTY,
                deputy,
                office_phone(dept.code, "deputy"),
            ),
            PersonSpec(
                dept.code,
                person_name(dept.code, "staff"),
                Person.Position.STAFF,
                dept.staff,
                office_phone(dept.code, "staff"),
            ),
        ]
    for town in TOWNS:
        seat = "乡" if town.name.endswith("乡") else "镇"
        people += [
            PersonSpec(
                town.code,
                person_name(town.code, "head"),
                Person.Position.HEAD,
                f"{seat}党委书记",
                office_phone(town.code, "head"),
            ),
            PersonSpec(
                town.code,
                person_name(town.code, "deputy"),
                Person.Position.DEPUTY,
                f"副{seat}长",
                office_phone(town.code, "deputy"),
            ),
            PersonSpec(
                town.code,
                person_name(town.code, "staff"),
                Person.Position.STAFF,
                "党政综合办公室主任",
                office_phone(town.code, "staff"),
            ),
        ]
    return people


# --- plans ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class IndicatorSpec:
    """A node of an indicator tree with per-year targets and, for leaves, who answers for it.

    `target`, `baseline` and `target_text` map a year to its value. `lead` is the lead unit's
    code (牵头单位); the responsible leader is the county leader in charge of it and the
    responsible person its 责任人. `key` marks a key project run by the 四个一 method.
    `member_leads`: every member of the indicator's groups leads an assignment of its own
    (each town its 为民办实事 projects, each department its key tasks), so its tasks and
    milestones hang on it.
    """

    code: str
    name: str
    points: str
    category: str = ""
    kind: str = Kind.QUANTITATIVE
    unit_of_measure: str = ""
    direction: str = Dir.HIGHER
    accumulation: str = Acc.CUMULATIVE
    target: dict[int, str] = field(default_factory=dict)
    baseline: dict[int, str] = field(default_factory=dict)
    target_text: dict[int, str] = field(default_factory=dict)
    scoring_rule: str = Rule.TARGET_COMPLETION
    scoring_params: dict[str, str] = field(default_factory=dict)
    frequency: str = Freq.QUARTERLY
    evidence: str = ""
    description: str = ""
    is_public: bool = False
    lead: str | None = None
    supporting: tuple[str, ...] = ()
    key: bool = False
    work_team: str = ""
    groups: tuple[str, ...] = ()
    unit_targets: str = ""
    member_leads: bool = False
    children: tuple[IndicatorSpec, ...] = ()


def _category(
    code: str,
    name: str,
    points: str,
    category: str,
    children: tuple[IndicatorSpec, ...],
    groups: tuple[str, ...] = (),
    description: str = "",
) -> IndicatorSpec:
    """A category or parent node: its points are the sum of its children's."""
    return IndicatorSpec(
        code=code,
        name=name,
        points=points,
        category=category,
        direction=Dir.NONE,
        scoring_rule=Rule.SUM_CHILDREN,
        frequency=Freq.YEARLY,
        groups=groups,
        description=description,
        children=children,
    )


def _growth(
    code: str,
    name: str,
    *,
    target: dict[int, str],
    baseline: dict[int, str],
    lead: str,
    supporting: tuple[str, ...] = (),
    frequency: str = Freq.MONTHLY,
    band: str = "5",
    evidence: str = "统计部门反馈的月度/季度统计数据（盖章）",
    description: str = "",
) -> IndicatorSpec:
    """A growth-rate indicator (增速): target and baseline are rates in percent."""
    return IndicatorSpec(
        code=code,
        name=name,
        points="2",
        kind=Kind.GROWTH,
        unit_of_measure="%",
        target=target,
        baseline=baseline,
        scoring_rule=Rule.GROWTH_RATE,
        scoring_params={"band": band},
        frequency=frequency,
        evidence=evidence,
        lead=lead,
        supporting=supporting,
        is_public=True,
        description=description or "基数为上年同口径增速；按同比增速与目标增速的差距计分。",
    )


_STATS_EVIDENCE = "统计部门反馈的月度/季度统计数据（盖章）"
_TAX_EVIDENCE = "税务部门税收收入月报表（盖章）"

MACRO_INDICATORS: tuple[IndicatorSpec, ...] = (
    _growth(
        "A0101",
        "地区生产总值增速",
        target={2021: "8.0", 2022: "7.0"},
        baseline={2021: "3.6", 2022: "8.3"},
        lead="SFX-TJJ",
        supporting=("SFX-FGJ",),
        frequency=Freq.QUARTERLY,
    ),
    _growth(
        "A0102",
        "规模以上工业增加值增速",
        target={2021: "9.0", 2022: "8.0"},
        baseline={2021: "2.1", 2022: "9.6"},
        lead="SFX-JMJ",
        supporting=("SFX-TJJ", "SFX-YQW"),
    ),
    _growth(
        "A0103",
        "固定资产投资增速",
        target={2021: "10.0", 2022: "9.0"},
        baseline={2021: "4.5", 2022: "11.2"},
        lead="SFX-FGJ",
        supporting=("SFX-TJJ", "SFX-ZJJ", "SFX-YQW"),
    ),
    _growth(
        "A0104",
        "社会消费品零售总额增速",
        target={2021: "10.0", 2022: "8.0"},
        baseline={2021: "-3.2", 2022: "11.5"},
        lead="SFX-SHWJ",
        supporting=("SFX-TJJ", "SFX-SCJ"),
    ),
    _growth(
        "A0105",
        "一般公共预算收入增速",
        target={2021: "6.0", 2022: "5.5"},
        baseline={2021: "1.8", 2022: "6.9"},
        lead="SFX-CZJ",
        supporting=("SFX-SWJ",),
        evidence="财政收入月报表（盖章）",
    ),
    IndicatorSpec(
        code="A0106",
        name="税收收入",
        points="2",
        unit_of_measure="万元",
        target={2021: "186000", 2022: "198000"},
        baseline={2021: "172500", 2022: "190300"},
        scoring_params={"cap": "1.0", "floor": "0.6"},
        frequency=Freq.MONTHLY,
        evidence=_TAX_EVIDENCE,
        lead="SFX-SWJ",
        supporting=("SFX-CZJ",),
        is_public=True,
        description="全口径税收收入，累计值；基数为上年完成数。",
    ),
    IndicatorSpec(
        code="A0107",
        name="第三产业增加值占GDP比重",
        points="2",
        kind=Kind.SHARE,
        unit_of_measure="%",
        accumulation=Acc.POINT,
        target={2021: "45.0", 2022: "46.0"},
        baseline={2021: "44.2", 2022: "45.3"},
        scoring_params={"cap": "1.0", "floor": "0.6"},
        evidence=_STATS_EVIDENCE,
        lead="SFX-TJJ",
        supporting=("SFX-FGJ", "SFX-SHWJ"),
        is_public=True,
        description="第三产业增加值占地区生产总值比重，期末时点值，按百分点比较。",
    ),
    IndicatorSpec(
        code="A0108",
        name="非公经济国税收入",
        points="2",
        unit_of_measure="万元",
        target={2021: "98000", 2022: "105000"},
        baseline={2021: "90600", 2022: "101200"},
        scoring_params={"cap": "1.0", "floor": "0.6"},
        frequency=Freq.MONTHLY,
        evidence=_TAX_EVIDENCE,
        lead="SFX-SWJ",
        supporting=("SFX-JMJ", "SFX-SCJ"),
        description="非公有制经济缴纳的原国税征管口径税收收入（国地税合并后按原口径统计）。",
    ),
    IndicatorSpec(
        code="A0109",
        name="非公经济地税收入",
        points="2",
        unit_of_measure="万元",
        target={2021: "52000", 2022: "56000"},
        baseline={2021: "48100", 2022: "53900"},
        scoring_params={"cap": "1.0", "floor": "0.6"},
        frequency=Freq.MONTHLY,
        evidence=_TAX_EVIDENCE,
        lead="SFX-SWJ",
        supporting=("SFX-JMJ", "SFX-SCJ"),
        description="非公有制经济缴纳的原地税征管口径税收收入（国地税合并后按原口径统计）。",
    ),
    IndicatorSpec(
        code="A0110",
        name="工业增加值占GDP比重",
        points="2",
        kind=Kind.SHARE,
        unit_of_measure="%",
        accumulation=Acc.POINT,
        target={2021: "35.0", 2022: "35.5"},
        baseline={2021: "34.6", 2022: "35.1"},
        scoring_params={"cap": "1.0", "floor": "0.6"},
        evidence=_STATS_EVIDENCE,
        lead="SFX-TJJ",
        supporting=("SFX-JMJ",),
        is_public=True,
        description="工业增加值占地区生产总值比重，期末时点值，按百分点比较。",
    ),
    IndicatorSpec(
        code="A0111",
        name="外贸进出口总额",
        points="2",
        unit_of_measure="万美元",
        target={2021: "46000", 2022: "50000"},
        baseline={2021: "42300", 2022: "47800"},
        scoring_params={"cap": "1.0", "floor": "0.6"},
        frequency=Freq.MONTHLY,
        evidence="海关进出口统计月报（经贸局盖章转报）",
        lead="SFX-JMJ",
        supporting=("SFX-SHWJ", "SFX-YQW"),
        is_public=True,
        description="经贸局全力抓好扩大进出口措施的落实，并积极争取上级部门适当调整目标任务。",
    ),
    _growth(
        "A0112",
        "城镇居民人均可支配收入增速",
        target={2021: "8.0", 2022: "7.0"},
        baseline={2021: "2.9", 2022: "8.4"},
        lead="SFX-TJJ",
        supporting=("SFX-RSJ",),
        frequency=Freq.QUARTERLY,
    ),
    _growth(
        "A0113",
        "农村居民人均可支配收入增速",
        target={2021: "10.0", 2022: "8.5"},
        baseline={2021: "7.6", 2022: "10.8"},
        lead="SFX-TJJ",
        supporting=("SFX-NYJ", "SFX-XZJ"),
        frequency=Freq.QUARTERLY,
    ),
)

_MAJOR_PROJECT_SUPPORT = ("SFX-ZJJ", "SFX-ZRJ", "SFX-HBJ", "SFX-LYJ", "SFX-SLJ")

PROVINCIAL_TREE: tuple[IndicatorSpec, ...] = (
    _category(
        "A",
        "经济建设",
        "40",
        Cat.ECONOMIC,
        (
            _category(
                "A01",
                "宏观经济指标",
                "26",
                Cat.ECONOMIC,
                MACRO_INDICATORS,
                description="13项宏观经济指标，按增速（比重）与目标及上年同期比较计分。",
            ),
            IndicatorSpec(
                code="A02",
                name="企业上市培育",
                points="4",
                kind=Kind.MILESTONE,
                unit_of_measure="家",
                target={2021: "1", 2022: "1"},
                baseline={2021: "0", 2022: "1"},
                target_text={
                    2021: "动员2家条件成熟的企业完成股份制改造，新增1家企业进入上市后备资源库",
                    2022: "新增1家企业进入证监局辅导备案（重点培育县宏达皮件有限公司为备案企业），"
                    "动员2家条件成熟的企业先行股改",
                },
                scoring_rule=Rule.MILESTONES,
                scoring_params={"late_credit": "0.5"},
                evidence="辅导备案受理通知、股改工商变更登记材料、在库企业跟踪服务台账",
                lead="SFX-JMJ",
                supporting=("SFX-CZJ", "SFX-SCJ", "SFX-SWJ"),
                key=True,
                work_team="企业上市培育工作专班",
                is_public=True,
                description="经贸局加强对辅导备案在库企业的跟踪服务，动员条件成熟的企业先行股改。",
            ),
            IndicatorSpec(
                code="A03",
                name="省重大项目前期工作",
                points="6",
                kind=Kind.MILESTONE,
                unit_of_measure="个",
                target={2021: "4", 2022: "5"},
                target_text={
                    2021: "列入省层面统筹推进的4个重大项目按期完成前期工作",
                    2022: "列入省层面统筹推进的5个重大项目按期完成立项、规划选址、用地预审、环评、"
                    "使用林地、水土保持等报批",
                },
                scoring_rule=Rule.MILESTONES,
                scoring_params={"late_credit": "0.5"},
                evidence="项目批复文件、前期工作进度台账、报批材料受理回执",
                lead="SFX-FGJ",
                supporting=_MAJOR_PROJECT_SUPPORT,
                key=True,
                work_team="重大项目前期工作专班",
                is_public=True,
                description="发改局指导和督促业主单位及时报批；住建、国土、环保、林业、水利等部门开通"
                "项目服务“绿色通道”，减少审批环节。",
            ),
            IndicatorSpec(
                code="A04",
                name="招商引资实际到位资金",
                points="4",
                unit_of_measure="亿元",
                target={2021: "85", 2022: "92"},
                baseline={2021: "78.6", 2022: "88.1"},
                scoring_params={"cap": "1.0", "floor": "0.6"},
                frequency=Freq.MONTHLY,
                evidence="招商引资项目资金到位凭证及统计台账",
                lead="SFX-SHWJ",
                supporting=("SFX-YQW", "SFX-JMJ"),
            ),
        ),
    ),
    _category(
        "B",
        "社会建设",
        "22",
        Cat.SOCIAL,
        (
            _category(
                "B01",
                "为民办实事",
                "9",
                Cat.SOCIAL,
                (
                    IndicatorSpec(
                        code="B0101",
                        name="教育惠民工程",
                        points="3",
                        kind=Kind.MILESTONE,
                        unit_of_measure="所",
                        target={2021: "10", 2022: "12"},
                        target_text={
                            2021: "完成10所农村中小学、幼儿园新建改扩建项目",
                            2022: "完成12所农村中小学、幼儿园新建改扩建项目，年底前竣工投入使用",
                        },
                        scoring_rule=Rule.MILESTONES,
                        evidence="项目开工、竣工验收资料及现场照片",
                        lead="SFX-JYJ",
                        supporting=("SFX-ZJJ", "SFX-CZJ", "SFX-ZRJ"),
                        key=True,
                        work_team="教育惠民工程项目工作组",
                        is_public=True,
                    ),
                    IndicatorSpec(
                        code="B0102",
                        name="农村安全饮水",
                        points="3",
                        kind=Kind.MILESTONE,
                        unit_of_measure="万人",
                        target={2021: "2.2", 2022: "2.6"},
                        target_text={
                            2021: "解决2.2万农村人口饮水安全问题",
                            2022: "实施农村安全饮水解困项目，解决2.6万农村人口饮水安全问题",
                        },
                        scoring_rule=Rule.MILESTONES,
                        evidence="项目批复、工程验收报告、水质检测报告、受益人口花名册",
                        lead="SFX-SLJ",
                        supporting=("SFX-WJJ", "SFX-CZJ", "SFX-XZJ"),
                        key=True,
                        work_team="农村安全饮水解困项目工作组",
                        is_public=True,
                    ),
                    IndicatorSpec(
                        code="B0103",
                        name="水库移民新村",
                        points="3",
                        kind=Kind.MILESTONE,
                        unit_of_measure="个",
                        target={2021: "3", 2022: "4"},
                        target_text={
                            2021: "建成水库移民新村3个",
                            2022: "建成水库移民新村4个，配套道路、饮水、活动场所同步完工",
                        },
                        scoring_rule=Rule.MILESTONES,
                        evidence="项目验收资料、移民安置花名册、现场照片",
                        lead="SFX-YMJ",
                        supporting=("SFX-ZRJ", "SFX-ZJJ", "SFX-LQZ", "SFX-SJZ"),
                        key=True,
                        work_team="水库移民新村建设工作组",
                        is_public=True,
                    ),
                ),
                description="各项目主管部门对照指标考核内容逐项梳理排查，针对薄弱环节抓好整改落实。",
            ),
            IndicatorSpec(
                code="B02",
                name="气象灾害防御",
                points="3",
                kind=Kind.MILESTONE,
                unit_of_measure="项",
                target={2021: "2", 2022: "3"},
                target_text={
                    2021: "完成气象信息服务站建设；完成区域自动气象站升级",
                    2022: "通过气象灾害应急准备认证；落实气象信息服务站经费和办公场所配套建设；"
                    "完成相关设备采购安装",
                },
                scoring_rule=Rule.MILESTONES,
                evidence="认证文件、经费下达文件、设备采购合同及验收单、服务站现场照片",
                lead="SFX-QXJ",
                supporting=("SFX-YJJ", "SFX-CZJ", "SFX-JSJ"),
                key=True,
                work_team="气象灾害防御工作专班",
                description="气象局加强与上级气象部门对接，明确工作要求和标准，及时采购相关设备。",
            ),
            IndicatorSpec(
                code="B03",
                name="信息安全等级保护备案",
                points="2",
                kind=Kind.MILESTONE,
                target_text={
                    2021: "全县重要信息系统完成等级保护定级备案",
                    2022: "完善被退回的《信息系统安全等级保护备案表》并重新报送，备案经审核通过，"
                    "按期完成等级测评和整改",
                },
                scoring_rule=Rule.MILESTONES,
                evidence="备案表及公安机关备案证明、等级测评报告",
                lead="SFX-GAJ",
                supporting=("SFX-ZWJ", "SFX-ZFB"),
                description="定级、备案、测评、整改按倒排节点推进；被退回的备案表由公安局及时完善后"
                "再上报。",
            ),
            IndicatorSpec(
                code="B04",
                name="城镇新增就业人数",
                points="3",
                unit_of_measure="人",
                target={2021: "6500", 2022: "6800"},
                baseline={2021: "6320", 2022: "6710"},
                scoring_params={"cap": "1.0", "floor": "0.6"},
                frequency=Freq.MONTHLY,
                evidence="就业实名制系统统计表",
                lead="SFX-RSJ",
            ),
            IndicatorSpec(
                code="B05",
                name="城镇登记失业率",
                points="2",
                kind=Kind.SHARE,
                unit_of_measure="%",
                direction=Dir.LOWER,
                accumulation=Acc.POINT,
                target={2021: "4.0", 2022: "4.0"},
                baseline={2021: "3.7", 2022: "3.6"},
                scoring_rule=Rule.LOWER_BETTER,
                scoring_params={"cap": "1.0", "floor": "0.6"},
                evidence="人社部门统计报表",
                lead="SFX-RSJ",
                description="控制在目标值以内得满分。",
            ),
            IndicatorSpec(
                code="B06",
                name="生产安全事故死亡人数",
                points="3",
                unit_of_measure="人",
                direction=Dir.LOWER,
                target={2021: "19", 2022: "18"},
                baseline={2021: "21", 2022: "17"},
                scoring_rule=Rule.LOWER_BETTER,
                scoring_params={"cap": "1.0", "floor": "0.6"},
                frequency=Freq.MONTHLY,
                evidence="应急管理部门事故统计月报",
                lead="SFX-YJJ",
                supporting=("SFX-JTJ", "SFX-ZJJ", "SFX-GAJ"),
            ),
        ),
    ),
    _category(
        "C",
        "生态建设",
        "14",
        Cat.ECOLOGICAL,
        (
            IndicatorSpec(
                code="C01",
                name="单位GDP能耗降低率",
                points="4",
                unit_of_measure="%",
                target={2021: "3.2", 2022: "3.0"},
                baseline={2021: "3.4", 2022: "3.3"},
                scoring_rule=Rule.THRESHOLD,
                frequency=Freq.YEARLY,
                evidence="统计部门能耗公报",
                lead="SFX-FGJ",
                supporting=("SFX-TJJ", "SFX-JMJ"),
            ),
            IndicatorSpec(
                code="C02",
                name="空气质量优良天数比例",
                points="4",
                kind=Kind.SHARE,
                unit_of_measure="%",
                target={2021: "95.0", 2022: "96.0"},
                baseline={2021: "96.8", 2022: "97.3"},
                frequency=Freq.MONTHLY,
                scoring_params={"cap": "1.0", "floor": "0.6"},
                evidence="环境空气质量监测月报",
                lead="SFX-HBJ",
                supporting=("SFX-ZJJ", "SFX-CGJ", "SFX-JTJ"),
            ),
            IndicatorSpec(
                code="C03",
                name="森林覆盖率",
                points="3",
                kind=Kind.SHARE,
                unit_of_measure="%",
                accumulation=Acc.POINT,
                target={2021: "63.2", 2022: "63.5"},
                baseline={2021: "63.0", 2022: "63.2"},
                scoring_rule=Rule.THRESHOLD,
                frequency=Freq.YEARLY,
                evidence="森林资源年度监测成果",
                lead="SFX-LYJ",
                supporting=("SFX-ZRJ",),
            ),
            IndicatorSpec(
                code="C04",
                name="地表水考核断面水质达标率",
                points="3",
                kind=Kind.SHARE,
                unit_of_measure="%",
                accumulation=Acc.POINT,
                target={2021: "100", 2022: "100"},
                baseline={2021: "100", 2022: "100"},
                scoring_rule=Rule.THRESHOLD,
                frequency=Freq.MONTHLY,
                evidence="地表水考核断面水质监测月报",
                lead="SFX-HBJ",
                supporting=("SFX-SLJ", "SFX-NYJ"),
            ),
        ),
    ),
    _category(
        "D",
        "党的建设",
        "12",
        Cat.PARTY,
        (
            IndicatorSpec(
                code="D01",
                name="基层党组织建设",
                points="4",
                kind=Kind.QUALITATIVE,
                target_text={2021: "按省委组织部考核细则完成", 2022: "按省委组织部考核细则完成"},
                scoring_rule=Rule.DEDUCTION_ONLY,
                frequency=Freq.HALF_YEARLY,
                evidence="党建工作台账及考核反馈",
                lead="SFX-ZZB",
            ),
            IndicatorSpec(
                code="D02",
                name="党风廉政建设",
                points="4",
                kind=Kind.DEDUCTION,
                scoring_rule=Rule.DEDUCTION_ONLY,
                frequency=Freq.HALF_YEARLY,
                evidence="纪检监察机关通报",
                lead="SFX-JWJ",
            ),
            IndicatorSpec(
                code="D03",
                name="意识形态工作",
                points="4",
                kind=Kind.QUALITATIVE,
                target_text={2021: "落实意识形态工作责任制", 2022: "落实意识形态工作责任制"},
                scoring_rule=Rule.DEDUCTION_ONLY,
                frequency=Freq.HALF_YEARLY,
                evidence="意识形态工作责任制落实情况报告",
                lead="SFX-XCB",
                supporting=("SFX-RMT",),
            ),
        ),
    ),
    _category(
        "E",
        "效能建设（机关执行力）",
        "12",
        Cat.EXECUTIVE,
        (
            IndicatorSpec(
                code="E01",
                name="察访核验",
                points="6",
                kind=Kind.DEDUCTION,
                scoring_rule=Rule.DEDUCTION_ONLY,
                frequency=Freq.QUARTERLY,
                evidence="察访核验反馈问题清单、整改报告及佐证材料",
                lead="SFX-ZFB-JXB",
                supporting=("SFX-ZFB", "SFX-XWB"),
                description="省、市察访核验发现的问题按规定扣分；上年实现全省察访核验“零扣分”。",
            ),
            IndicatorSpec(
                code="E02",
                name="重点工作督查落实",
                points="3",
                kind=Kind.MILESTONE,
                target_text={2021: "省政府督查事项按期办结", 2022: "省政府督查事项按期办结"},
                scoring_rule=Rule.MILESTONES,
                evidence="督查事项办理台账及办结报告",
                lead="SFX-ZFB",
                supporting=("SFX-XWB",),
            ),
            IndicatorSpec(
                code="E03",
                name="政务服务事项网上可办率",
                points="3",
                kind=Kind.SHARE,
                unit_of_measure="%",
                accumulation=Acc.POINT,
                target={2021: "90", 2022: "95"},
                baseline={2021: "85", 2022: "92"},
                scoring_rule=Rule.THRESHOLD,
                evidence="政务服务平台统计",
                lead="SFX-ZWJ",
            ),
        ),
    ),
)

# The county's own evaluation: towns by the county's categories, departments by
# 业务工作 / 党的建设 / 效能建设 (DOMAIN.md). Assessing departments are named in descriptions.
TOWN_GROUPS = ("towns",)
DEPT_GROUPS = (ECON, SOCIAL, PARTY)

COUNTY_TREE: tuple[IndicatorSpec, ...] = (
    _category(
        "ZA",
        "经济建设（乡镇）",
        "40",
        Cat.ECONOMIC,
        (
            IndicatorSpec(
                code="ZA01",
                name="财政税收收入",
                points="10",
                unit_of_measure="万元",
                target_text=dict.fromkeys(YEARS, "按县下达各乡镇目标任务"),
                unit_targets="tax",
                scoring_params={"cap": "1.2", "floor": "0.6"},
                frequency=Freq.MONTHLY,
                evidence="县财政局、县税务局提供的分乡镇收入月报",
                groups=TOWN_GROUPS,
                description="考核部门：县财政局、县税务局。超额完成部分最高按120%计分。",
            ),
            IndicatorSpec(
                code="ZA02",
                name="固定资产投资",
                points="10",
                unit_of_measure="万元",
                target_text=dict.fromkeys(YEARS, "按县下达各乡镇目标任务"),
                unit_targets="investment",
                scoring_params={"cap": "1.0", "floor": "0.6"},
                frequency=Freq.MONTHLY,
                evidence="县统计局固定资产投资分乡镇统计",
                groups=TOWN_GROUPS,
                description="考核部门：县统计局、县发展和改革局。",
            ),
            IndicatorSpec(
                code="ZA03",
                name="招商引资到位资金",
                points="8",
                unit_of_measure="万元",
                target_text=dict.fromkeys(YEARS, "按县下达各乡镇目标任务"),
                unit_targets="investment_in",
                scoring_rule=Rule.RATIO_TO_BEST,
                scoring_params={"difficulty": "1.0"},
                frequency=Freq.QUARTERLY,
                evidence="到位资金凭证",
                groups=TOWN_GROUPS,
                description="考核部门：县商务局。与完成最好的乡镇相比计分。",
            ),
            IndicatorSpec(
                code="ZA04",
                name="农村居民人均可支配收入增速",
                points="6",
                kind=Kind.GROWTH,
                unit_of_measure="%",
                target={2021: "10.0", 2022: "8.5"},
                scoring_rule=Rule.GROWTH_RATE,
                scoring_params={"band": "5"},
                evidence="县统计局住户调查数据",
                groups=TOWN_GROUPS,
                description="考核部门：县统计局。",
            ),
            IndicatorSpec(
                code="ZA05",
                name="新增规模以上企业",
                points="6",
                unit_of_measure="家",
                target={2021: "1", 2022: "1"},
                scoring_rule=Rule.THRESHOLD,
                frequency=Freq.YEARLY,
                evidence="县统计局入库名单",
                groups=TOWN_GROUPS,
                description="考核部门：县经济贸易局、县统计局。",
            ),
        ),
        groups=TOWN_GROUPS,
    ),
    _category(
        "ZB",
        "社会建设（乡镇）",
        "25",
        Cat.SOCIAL,
        (
            IndicatorSpec(
                code="ZB01",
                name="为民办实事项目推进",
                points="8",
                kind=Kind.MILESTONE,
                target_text=dict.fromkeys(YEARS, "辖区内为民办实事项目按倒排节点推进"),
                scoring_rule=Rule.MILESTONES,
                evidence="项目进度台账及现场照片",
                groups=TOWN_GROUPS,
                member_leads=True,
                description="考核部门：县绩效办会同各项目主管部门。按节点按时完成率计分，"
                "逾期完成的节点计一半。",
            ),
            IndicatorSpec(
                code="ZB02",
                name="安全生产",
                points="6",
                kind=Kind.DEDUCTION,
                scoring_rule=Rule.DEDUCTION_ONLY,
                evidence="县应急管理局事故通报",
                groups=TOWN_GROUPS,
                description="考核部门：县应急管理局。",
            ),
            IndicatorSpec(
                code="ZB03",
                name="信访积案化解率",
                points="6",
                kind=Kind.SHARE,
                unit_of_measure="%",
                accumulation=Acc.POINT,
                target={2021: "90", 2022: "92"},
                scoring_params={"cap": "1.0", "floor": "0.6"},
                evidence="县信访局积案化解台账",
                groups=TOWN_GROUPS,
                description="考核部门：县信访局。",
            ),
            IndicatorSpec(
                code="ZB04",
                name="巩固拓展脱贫攻坚成果",
                points="5",
                unit_of_measure="户",
                direction=Dir.LOWER,
                target=dict.fromkeys(YEARS, "0"),
                target_text=dict.fromkeys(YEARS, "不发生规模性返贫，全年新增返贫致贫户为0"),
                scoring_rule=Rule.THRESHOLD,
                frequency=Freq.HALF_YEARLY,
                evidence="县乡村振兴局防返贫监测帮扶台账",
                groups=TOWN_GROUPS,
                description="考核部门：县乡村振兴局。按防返贫监测信息系统中本年新增返贫致贫户数"
                "考核，全年未新增的得满分，新增1户及以上的不得分。",
            ),
        ),
        groups=TOWN_GROUPS,
    ),
    _category(
        "ZC",
        "生态建设（乡镇）",
        "10",
        Cat.ECOLOGICAL,
        (
            IndicatorSpec(
                code="ZC01",
                name="农村人居环境整治",
                points="5",
                unit_of_measure="分",
                accumulation=Acc.POINT,
                scoring_rule=Rule.RANKING,
                scoring_params={"step": "0.05"},
                evidence="县农业农村局季度检查评分表",
                groups=TOWN_GROUPS,
                description="考核部门：县农业农村局。按季度检查得分（百分制）在乡镇间排名计分，"
                "第1名得满分，每后移一位减5%。",
            ),
            IndicatorSpec(
                code="ZC02",
                name="河长制湖长制落实",
                points="5",
                kind=Kind.DEDUCTION,
                scoring_rule=Rule.DEDUCTION_ONLY,
                evidence="县水利局巡河督查通报",
                groups=TOWN_GROUPS,
                description="考核部门：县水利局。",
            ),
        ),
        groups=TOWN_GROUPS,
    ),
    _category(
        "ZD",
        "党的建设（乡镇）",
        "15",
        Cat.PARTY,
        (
            IndicatorSpec(
                code="ZD01",
                name="基层党组织建设",
                points="8",
                kind=Kind.QUALITATIVE,
                scoring_rule=Rule.DEDUCTION_ONLY,
                frequency=Freq.HALF_YEARLY,
                evidence="县委组织部考核反馈",
                groups=TOWN_GROUPS,
                description="考核部门：县委组织部。",
            ),
            IndicatorSpec(
                code="ZD02",
                name="党风廉政建设",
                points="7",
                kind=Kind.DEDUCTION,
                scoring_rule=Rule.DEDUCTION_ONLY,
                frequency=Freq.HALF_YEARLY,
                evidence="县纪委监委通报",
                groups=TOWN_GROUPS,
                description="考核部门：县纪委监委。",
            ),
        ),
        groups=TOWN_GROUPS,
    ),
    _category(
        "ZE",
        "效能建设（乡镇）",
        "10",
        Cat.EXECUTIVE,
        (
            IndicatorSpec(
                code="ZE01",
                name="机关执行力",
                points="10",
                kind=Kind.DEDUCTION,
                scoring_rule=Rule.DEDUCTION_ONLY,
                evidence="察访核验、督查督办通报",
                groups=TOWN_GROUPS,
                description="考核部门：县绩效办。察访核验、督查督办发现问题扣分；指标完成滞后的，"
                "主要负责人向县委、县政府说明情况。",
            ),
        ),
        groups=TOWN_GROUPS,
    ),
    _category(
        "BA",
        "业务工作（部门）",
        "60",
        Cat.BUSINESS,
        (
            IndicatorSpec(
                code="BA01",
                name="承担省绩效考评指标任务完成情况",
                points="30",
                kind=Kind.SHARE,
                unit_of_measure="%",
                accumulation=Acc.POINT,
                target=dict.fromkeys(YEARS, "100"),
                scoring_params={"cap": "1.0", "floor": "0"},
                frequency=Freq.QUARTERLY,
                evidence="省绩效考评指标得分及察访核验扣分情况",
                groups=DEPT_GROUPS,
                description="按牵头承担的省绩效考评指标得分率计分（谁丢分、谁负责）。考核部门：县绩效办。",
            ),
            IndicatorSpec(
                code="BA02",
                name="县委县政府重点工作任务",
                points="20",
                kind=Kind.MILESTONE,
                target_text=dict.fromkeys(YEARS, "年初下达的重点工作任务按倒排节点完成"),
                scoring_rule=Rule.MILESTONES,
                evidence="重点工作任务台账及完成佐证",
                groups=DEPT_GROUPS,
                member_leads=True,
                description="考核部门：县委办、县政府办（督查室）。按节点按时完成率计分，"
                "逾期完成的节点计一半。",
            ),
            IndicatorSpec(
                code="BA03",
                name="争先进位",
                points="10",
                unit_of_measure="名",
                direction=Dir.LOWER,
                accumulation=Acc.POINT,
                scoring_rule=Rule.RANKING,
                scoring_params={"step": "0.05"},
                frequency=Freq.YEARLY,
                evidence="上级主管部门的考核排名通报",
                groups=DEPT_GROUPS,
                description="在全市同系统考核中的位次，横向比较看位次，纵向比较看变化。",
            ),
        ),
        groups=DEPT_GROUPS,
    ),
    _category(
        "BB",
        "党的建设（部门）",
        "20",
        Cat.PARTY,
        (
            IndicatorSpec(
                code="BB01",
                name="机关党建工作",
                points="8",
                kind=Kind.QUALITATIVE,
                scoring_rule=Rule.DEDUCTION_ONLY,
                frequency=Freq.HALF_YEARLY,
                evidence="县直机关工委考核反馈",
                groups=DEPT_GROUPS,
            ),
            IndicatorSpec(
                code="BB02",
                name="党风廉政建设",
                points="8",
                kind=Kind.DEDUCTION,
                scoring_rule=Rule.DEDUCTION_ONLY,
                frequency=Freq.HALF_YEARLY,
                evidence="县纪委监委通报",
                groups=DEPT_GROUPS,
            ),
            IndicatorSpec(
                code="BB03",
                name="意识形态和宣传思想工作",
                points="4",
                kind=Kind.QUALITATIVE,
                scoring_rule=Rule.DEDUCTION_ONLY,
                frequency=Freq.HALF_YEARLY,
                evidence="县委宣传部考核反馈",
                groups=DEPT_GROUPS,
            ),
        ),
        groups=DEPT_GROUPS,
    ),
    _category(
        "BC",
        "效能建设（部门）",
        "20",
        Cat.EXECUTIVE,
        (
            IndicatorSpec(
                code="BC01",
                name="机关执行力",
                points="10",
                kind=Kind.DEDUCTION,
                scoring_rule=Rule.DEDUCTION_ONLY,
                evidence="察访核验、督查督办通报",
                groups=DEPT_GROUPS,
                description="考核部门：县绩效办。",
            ),
            IndicatorSpec(
                code="BC02",
                name="依法行政",
                points="5",
                kind=Kind.QUALITATIVE,
                scoring_rule=Rule.DEDUCTION_ONLY,
                frequency=Freq.YEARLY,
                evidence="行政复议、诉讼败诉及执法检查情况",
                groups=DEPT_GROUPS,
                description="考核部门：县司法局。",
            ),
            IndicatorSpec(
                code="BC03",
                name="政务公开和信息报送",
                points="5",
                kind=Kind.QUALITATIVE,
                scoring_rule=Rule.DEDUCTION_ONLY,
                evidence="政务公开检查及信息采用通报",
                groups=DEPT_GROUPS,
                description="考核部门：县政府办公室。",
            ),
        ),
        groups=DEPT_GROUPS,
    ),
)

# Per-town targets: each town's share follows its economy factor (万元, rounded to tens).
UNIT_TARGET_BASES = {  # per economy point, 2022
    "tax": Decimal("2400"),
    "investment": Decimal("18000"),
    "investment_in": Decimal("6500"),
}
UNIT_TARGET_GROWTH = Decimal("1.08")  # the 2021 target is the 2022 one divided by this


def town_target(kind: str, town: TownSpec, year: int) -> tuple[Decimal, Decimal]:
    """(target, baseline) of a town for a per-town indicator in a year, in 万元."""
    target = UNIT_TARGET_BASES[kind] * town.economy
    if year == 2021:
        target = target / UNIT_TARGET_GROWTH
    baseline = target / Decimal("1.07")
    return _tens(target), _tens(baseline)


def _tens(value: Decimal) -> Decimal:
    return (value / 10).quantize(Decimal("1")) * 10


GRADE_RULES: list[dict[str, Any]] = [  # DOMAIN.md defaults, best grade first
    {"name": "优秀", "min_score": 90.0, "quota": 0.3},
    {"name": "良好", "min_score": 80.0},
    {"name": "一般", "min_score": 60.0},
    {"name": "较差", "min_score": 0.0},
]

COUNTY_VETO_RULES: list[dict[str, Any]] = [
    {
        "code": "drag-down-province",
        "name": "在省绩效考评中拖全县后腿",
        "description": "承担省绩效考评指标任务的单位，因工作不力致使全县在省绩效考评中被扣分、"
        "拖全县后腿的，在县本级考评中实行“一票否决”（谁丢分、谁负责）。",
        "min_points_lost": 1.0,
        "cap_grade": "较差",
    },
    {
        "code": "major-safety-incident",
        "name": "发生重大安全生产责任事故",
        "description": "辖区或行业领域发生重大及以上安全生产责任事故的。",
        "cap_grade": "较差",
    },
    {
        "code": "serious-discipline-case",
        "name": "领导班子成员发生严重违纪违法案件",
        "description": "领导班子成员因严重违纪违法被立案审查调查、造成恶劣影响的。",
        "cap_grade": "较差",
    },
]

PROVINCIAL_VETO_RULES: list[dict[str, Any]] = [
    {
        "code": "major-safety-incident",
        "name": "发生重大安全生产责任事故",
        "description": "按省绩效考评办法，发生重大及以上安全生产责任事故的实行一票否决。",
        "cap_grade": "较差",
    },
]

# The province grades its counties by threshold and quota among all of them; the county sees
# only itself, so its copy of the provincial plan grades by the thresholds alone.
PROVINCIAL_GRADE_RULES: list[dict[str, Any]] = [
    {k: v for k, v in rule.items() if k != "quota"} for rule in GRADE_RULES
]

STATUS_RULE = {"preset": "default"}


@dataclass(frozen=True)
class PlanSpec:
    """One plan of a cycle, owned by the county."""

    kind: str
    code: str
    name: str
    description: str
    tree: tuple[IndicatorSpec, ...]
    grade_rules: list[dict[str, Any]]
    veto_rules: list[dict[str, Any]]
    points_total: Decimal | None
    groups: tuple[tuple[str, str], ...] = ()  # (code, name)


def plans_for(year: int) -> list[PlanSpec]:
    """The provincial indicators for the county and the county's own plan, for a year."""
    return [
        PlanSpec(
            kind=Plan.Kind.PROVINCIAL,
            code=f"provincial-{year}",
            name=f"示范省{year}年度县（市、区）绩效考评指标（示范县）",
            description="省对县绩效考评：指标考核、公众评议、领导评价相结合。涵盖经济建设、社会建设、"
            "生态建设、党的建设和效能建设（机关执行力）；承担指标任务的单位“一把手”为第一"
            "责任人，重点项目实行“四个一”工作方法。",
            tree=PROVINCIAL_TREE,
            grade_rules=PROVINCIAL_GRADE_RULES,
            veto_rules=PROVINCIAL_VETO_RULES,
            points_total=Decimal("100"),
        ),
        PlanSpec(
            kind=Plan.Kind.COUNTY,
            code=f"county-{year}",
            name=f"示范县{year}年度乡镇和县直部门绩效考评方案",
            description="县本级考评：乡镇组、经济部门组、社会事业部门组、党群部门组分组考评排名；"
            "凡在省绩效考评中拖全县后腿的单位，在县本级考评中实行“一票否决”。",
            tree=COUNTY_TREE,
            grade_rules=GRADE_RULES,
            veto_rules=COUNTY_VETO_RULES,
            points_total=None,
            groups=(
                ("towns", "乡镇组"),
                (ECON, "经济部门组"),
                (SOCIAL, "社会事业部门组"),
                (PARTY, "党群部门组"),
            ),
        ),
    ]


def group_members(group: str) -> list[str]:
    """The unit codes of a county evaluation group."""
    if group == "towns":
        return [town.code for town in TOWNS]
    return [dept.code for dept in DEPARTMENTS if dept.group == group]


# --- demo accounts -------------------------------------------------------------------------
@dataclass(frozen=True)
class AccountSpec:
    """A demo login: its role, anchor unit, the person behind it and what it sees."""

    username: str
    role: str
    role_zh: str
    unit: str | None
    person: tuple[str, str] | None  # (unit code, position) or (COUNTY, leader name)
    sees: str | Promise


def _unit_accounts(short: str, code: str, label: str) -> tuple[AccountSpec, AccountSpec]:
    return (
        AccountSpec(
            f"{short}_head",
            Role.UNIT_HEAD,
            f"{label}一把手",
            code,
            (code, "head"),
            _("Own unit only: its people and assignments; approves its reports"),
        ),
        AccountSpec(
            f"{short}_reporter",
            Role.REPORTER,
            f"{label}填报员",
            code,
            (code, "staff"),
            _("Own unit only: fills in its progress reports and evidence"),
        ),
    )


DEMO_ACCOUNTS: tuple[AccountSpec, ...] = (
    AccountSpec(
        "office",
        Role.OFFICE,
        "绩效办",
        COUNTY,
        ("SFX-ZFB-JXB", "staff"),
        _("The whole county: every plan, indicator, assignment and unit"),
    ),
    AccountSpec(
        "leader",
        Role.LEADER,
        "县领导（副县长）",
        COUNTY,
        (COUNTY, "周晓峰"),
        _("The units in the leader's portfolio and what they answer for"),
    ),
    *_unit_accounts("jmj", "SFX-JMJ", "经贸局"),
    *_unit_accounts("qxj", "SFX-QXJ", "气象局"),
    *_unit_accounts("jyj", "SFX-JYJ", "教育局"),
    *_unit_accounts("cgz", "SFX-CGZ", "城关镇"),
    *_unit_accounts("qsz", "SFX-QSZ", "青石镇"),
    AccountSpec(
        "inspector",
        Role.INSPECTOR,
        "督查（察访核验）",
        COUNTY,
        ("SFX-ZFB", "staff"),
        _("The whole county, to record findings and follow rectifications"),
    ),
    AccountSpec(
        "interviewer",
        Role.INTERVIEWER,
        "访问员（民调）",
        None,
        None,
        _("Only the respondents assigned to them (public appraisal)"),
    ),
    AccountSpec("auditor", Role.AUDITOR, "审计管理员", None, None, _("The audit trail, read only")),
    AccountSpec(
        "sysadmin",
        Role.SYSTEM_ADMIN,
        "系统管理员",
        None,
        None,
        _("Accounts: creates and deactivates them, resets passwords"),
    ),
    AccountSpec(
        "secadmin",
        Role.SECURITY_ADMIN,
        "安全管理员",
        None,
        None,
        _("Roles and lockouts: grants and revokes roles, unlocks accounts"),
    ),
)
