"""The plan file format (`kaoping-plan`, version 1): document model, validation, YAML.

A plan file describes one Plan of a cycle completely: its settings and rules, unit groups,
the indicator tree with per-unit targets, and the assignments. docs/plan-format.md is the
reference. This module is pure (no database, no settings; it only borrows the models'
choices and the scoring-parameter specs): it turns text into a `PlanDocument`
and back, and collects every problem it finds as a located `Problem` rather than stopping at
the first. Unit codes and person names are only checked for form here; whether they exist
is for `kaoping.plans.importing`, which has the database.

Numbers are `Decimal` throughout, read from the text the file wrote (never through float),
so a plan round-trips exactly.
"""

from __future__ import annotations

import difflib
import itertools
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

import yaml
from django.utils.translation import gettext as _

from kaoping.plans.models import Indicator, Plan
from kaoping.plans.scoring_params import validate_params

FORMAT_NAME = "kaoping-plan"
FORMAT_VERSION = 1
SUPPORTED_VERSIONS = frozenset({1})
MAX_DEPTH = 4
CODE_MAX_LENGTH = 40
UNIT_CODE_MAX_LENGTH = 32

# Allowed values: the choices of the models, so file and database cannot drift apart.
PLAN_KINDS = tuple(Plan.Kind.values)
MISSING_COMPONENT = tuple(Plan.MissingComponent.values)
CATEGORIES = tuple(Indicator.Category.values)
INDICATOR_KINDS = tuple(Indicator.Kind.values)
DIRECTIONS = tuple(Indicator.Direction.values)
ACCUMULATIONS = tuple(Indicator.Accumulation.values)
SOURCE_LEVELS = tuple(Indicator.SourceLevel.values)
FREQUENCIES = tuple(Indicator.Frequency.values)
SCORING_RULES = tuple(Indicator.ScoringRule.values)
STATUS_PRESETS = ("default", "yinchuan", "sanya", "growth_peer", "custom")
EXPECTED_PROGRESS = ("seasonal", "linear")

# The Chinese category names of the glossary are accepted for `category` (files only ever
# get the English codes written back).
CATEGORY_ALIASES = {
    "经济建设": "economic",
    "社会建设": "social",
    "生态建设": "ecological",
    "特色工作": "special",
    "临时性重大工作": "temporary",
    "党的建设": "party",
    "效能建设": "executive",
    "机关执行力": "executive",
    "业务工作": "business",
}
TRUE_WORDS = frozenset({"true", "yes", "y", "on", "1", "是"})
FALSE_WORDS = frozenset({"false", "no", "n", "off", "0", "否"})

SLUG_RE = re.compile(r"^[-a-zA-Z0-9_]+$")
CODE_RE = re.compile(r"^\w[\w.-]*$")
LIST_SPLIT_RE = re.compile(r"[,，、;；\s]+")
PERSON_RE = re.compile(
    r"^(?P<name>[^@（(）)]+?)\s*(?:[（(](?P<title>[^）)]*)[）)])?\s*(?:@\s*(?P<unit>\S+))?$"
)


# --- problems ------------------------------------------------------------------------------
@dataclass(frozen=True)
class Loc:
    """Where something is in a file: YAML line or sheet and row, and the field or column."""

    line: int | None = None
    field: str = ""
    sheet: str = ""

    def with_field(self, name: str) -> Loc:
        return Loc(self.line, name, self.sheet)


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a plan file, located so a person can find and fix it."""

    line: int | None
    field: str
    message: str
    sheet: str = ""

    @classmethod
    def at(cls, loc: Loc, message: str) -> Problem:
        return cls(loc.line, loc.field, message, loc.sheet)

    def location(self) -> str:
        """'line 12' for YAML, 'sheet “指标”, row 7' for Excel, 'the file' when unknown."""
        if self.sheet and self.line:
            return _("sheet “%(sheet)s”, row %(row)d") % {"sheet": self.sheet, "row": self.line}
        if self.sheet:
            return _("sheet “%(sheet)s”") % {"sheet": self.sheet}
        if self.line:
            return _("line %(line)d") % {"line": self.line}
        return _("the file")

    def __str__(self) -> str:
        if self.field:
            return _("%(location)s, %(field)s: %(message)s") % {
                "location": self.location(),
                "field": self.field,
                "message": self.message,
            }
        return _("%(location)s: %(message)s") % {
            "location": self.location(),
            "message": self.message,
        }


class Problems(list[Problem]):
    """The problems found so far; readers and validators append to one of these."""

    def add(self, loc: Loc, message: str) -> None:
        self.append(Problem.at(loc, message))


def sorted_problems(problems: Sequence[Problem], sheet_order: Sequence[str] = ()) -> list[Problem]:
    """Problems in file order: by sheet (in the template's order), then line or row."""
    rank = {name: i for i, name in enumerate(sheet_order)}
    return sorted(
        problems, key=lambda p: (rank.get(p.sheet, len(rank)) if p.sheet else -1, p.line or 0)
    )


# --- the document model --------------------------------------------------------------------
@dataclass
class Weights:
    """Component weights of the composite score; they add up to 1 (None: unreadable)."""

    indicators: Decimal | None = Decimal("0.6")
    public: Decimal | None = Decimal("0.3")
    leader: Decimal | None = Decimal("0.1")
    where: dict[str, Loc] = field(default_factory=dict, compare=False, repr=False)


@dataclass
class GradeRule:
    """A grade (等次) reached at `min_score`, with an optional quota (share of the group)."""

    grade: str
    min_score: Decimal
    quota: Decimal | None = None
    where: dict[str, Loc] = field(default_factory=dict, compare=False, repr=False)


@dataclass
class VetoRule:
    """A veto condition (一票否决) and the highest grade a vetoed unit may get."""

    code: str
    name: str
    cap_grade: str = ""  # empty: the plan's lowest grade
    min_points_lost: Decimal | None = None
    description: str = ""
    where: dict[str, Loc] = field(default_factory=dict, compare=False, repr=False)


STATUS_PRESET_THRESHOLDS: dict[str, tuple[Decimal | None, Decimal | None, Decimal | None]] = {
    # preset: (green_within_pp, yellow_within_pp, yellow_within_share) — DOMAIN.md
    "default": (Decimal("0"), Decimal("10"), None),
    "yinchuan": (Decimal("10"), Decimal("30"), None),
    "sanya": (Decimal("0"), None, Decimal("0.5")),
    "growth_peer": (None, None, None),
    "custom": (None, None, None),
}


@dataclass
class StatusRule:
    """The early-warning rule: a preset, its thresholds, escalation and explanation time."""

    preset: str = "default"
    green_within_pp: Decimal | None = Decimal("0")
    yellow_within_pp: Decimal | None = Decimal("10")
    yellow_within_share: Decimal | None = None
    expected_progress: str = "seasonal"
    escalation_periods: list[int] = field(default_factory=lambda: [1, 2, 3])
    explanation_days: int = 5
    where: dict[str, Loc] = field(default_factory=dict, compare=False, repr=False)


@dataclass
class Group:
    """A unit group (考评组别) and the codes of its units."""

    code: str
    name: str
    units: list[str] = field(default_factory=list)
    where: dict[str, Loc] = field(default_factory=dict, compare=False, repr=False)


@dataclass
class UnitTarget:
    """A unit's own target and baseline for an indicator."""

    unit: str
    target: Decimal | None = None
    baseline: Decimal | None = None
    where: dict[str, Loc] = field(default_factory=dict, compare=False, repr=False)


@dataclass
class AssignmentDoc:
    """Who answers for an indicator; persons are written `姓名`, `姓名@单位代码` or
    `姓名（职务）@单位代码` (without a unit: a person of the lead unit)."""

    lead_unit: str
    supporting_units: list[str] = field(default_factory=list)
    responsible_leader: str = ""
    responsible_person: str = ""
    key_project: bool = False
    work_team: str = ""
    share: Decimal = Decimal("1")
    note: str = ""
    where: dict[str, Loc] = field(default_factory=dict, compare=False, repr=False)


@dataclass
class IndicatorDoc:
    """A node of the indicator tree with every attribute of kaoping.plans.models.Indicator."""

    code: str
    name: str
    category: str = ""  # empty in a file: the parent's (required at the top level)
    kind: str = "quantitative"
    unit_of_measure: str = ""
    direction: str = "higher"
    accumulation: str = "cumulative"
    target: Decimal | None = None
    target_text: str = ""
    baseline: Decimal | None = None
    points: Decimal = Decimal("0")
    source_level: str = "county"
    scoring_rule: str = ""  # empty in a file: sum_children with children, else target_completion
    scoring_params: dict[str, Decimal] = field(default_factory=dict)
    frequency: str = "quarterly"
    evidence_requirement: str = ""
    description: str = ""
    is_public: bool = False
    groups: list[str] = field(default_factory=list)
    unit_targets: list[UnitTarget] = field(default_factory=list)
    assignments: list[AssignmentDoc] = field(default_factory=list)
    children: list[IndicatorDoc] = field(default_factory=list)
    where: dict[str, Loc] = field(default_factory=dict, compare=False, repr=False)


def default_grade_rules() -> list[GradeRule]:
    """DOMAIN.md: 优秀 ≥ 90 (at most 30% of a group), 良好 ≥ 80, 一般 ≥ 60, else 较差."""
    return [
        GradeRule("优秀", Decimal("90"), Decimal("0.3")),
        GradeRule("良好", Decimal("80")),
        GradeRule("一般", Decimal("60")),
        GradeRule("较差", Decimal("0")),
    ]


@dataclass
class PlanDocument:
    """A whole plan as a file holds it; equal documents describe the same plan."""

    cycle: int
    code: str
    name: str
    kind: str
    owner: str
    format: str = FORMAT_NAME
    version: int = FORMAT_VERSION
    cycle_name: str = ""
    description: str = ""
    weights: Weights = field(default_factory=Weights)
    missing_component: str = "renormalise"
    points_total: Decimal | None = None
    grade_rules: list[GradeRule] = field(default_factory=default_grade_rules)
    veto_rules: list[VetoRule] = field(default_factory=list)
    status_rule: StatusRule = field(default_factory=StatusRule)
    groups: list[Group] = field(default_factory=list)
    indicators: list[IndicatorDoc] = field(default_factory=list)
    source_sha256: str = field(default="", compare=False)
    where: dict[str, Loc] = field(default_factory=dict, compare=False, repr=False)

    def walk(self) -> Iterator[tuple[IndicatorDoc, IndicatorDoc | None, int]]:
        """Every indicator in file order (pre-order) with its parent and level (1 = top)."""
        stack: list[tuple[IndicatorDoc, IndicatorDoc | None, int]] = [
            (node, None, 1) for node in reversed(self.indicators)
        ]
        while stack:
            node, parent, level = stack.pop()
            yield node, parent, level
            stack.extend((child, node, level + 1) for child in reversed(node.children))


def at(obj: Any, name: str = "") -> Loc:
    """The location of a field of a document object (or of the object itself)."""
    where: dict[str, Loc] = getattr(obj, "where", {})
    return where.get(name) or where.get("") or Loc(field=name)


_ZERO, _ONE = Decimal("0"), Decimal("1")


# --- raw values and their conversion -----------------------------------------------------------
@dataclass(frozen=True)
class Raw:
    """One value as the file wrote it (a YAML scalar or a spreadsheet cell).

    `kind` is text, number, bool or null; `text` is what was written (numbers keep their
    digits, so decimals are exact); `error`, when set, says why the value cannot be used at all
    (a formula, a list where one value belongs, a YAML tag).
    """

    kind: str
    text: str = ""
    flag: bool | None = None
    error: str = ""

    @property
    def is_empty(self) -> bool:
        return not self.error and (
            self.kind == "null" or (self.kind == "text" and not self.text.strip())
        )


NULL = Raw("null")


def format_decimal(value: Decimal) -> str:
    """A decimal as plain digits without trailing zeros or exponent: 100, 0.35, -2.5."""
    text = format(value.normalize(), "f")
    return "0" if text in {"-0", ""} else text


def canonical_decimal(value: Decimal) -> Decimal:
    """The value with trailing zeros dropped (Decimal('10.00') → Decimal('10'))."""
    return Decimal(format_decimal(value))


class FieldReader:
    """Typed conversion of raw values, appending a located problem for each bad one."""

    def __init__(self, problems: Problems) -> None:
        self.problems = problems

    def _usable(self, raw: Raw, loc: Loc) -> bool:
        if raw.error:
            self.problems.add(loc, raw.error)
            return False
        return True

    def _missing(self, loc: Loc) -> None:
        self.problems.add(loc, _("This field is required."))

    def text(
        self, raw: Raw, loc: Loc, *, required: bool = False, max_length: int | None = None
    ) -> str:
        if not self._usable(raw, loc):
            return ""
        value = "" if raw.kind == "null" else raw.text.strip()
        if required and not value:
            self._missing(loc)
        if max_length is not None and len(value) > max_length:
            self.problems.add(
                loc,
                _("Too long: at most %(n)d characters (now %(len)d).")
                % {"n": max_length, "len": len(value)},
            )
        return value

    def code(
        self,
        raw: Raw,
        loc: Loc,
        *,
        required: bool = True,
        slug: bool = False,
        max_length: int = CODE_MAX_LENGTH,
    ) -> str:
        value = self.text(raw, loc, required=required, max_length=max_length)
        if value and not (SLUG_RE if slug else CODE_RE).match(value):
            if slug:
                self.problems.add(
                    loc,
                    _("“%(value)s” is not a valid code: use only letters, digits, “-” and “_”.")
                    % {"value": value},
                )
            else:
                self.problems.add(
                    loc,
                    _(
                        "“%(value)s” is not a valid code: use letters, "
                        "digits, “.”, “-” and “_”, without spaces."
                    )
                    % {"value": value},
                )
        return value

    def decimal(
        self,
        raw: Raw,
        loc: Loc,
        *,
        required: bool = False,
        max_digits: int = 20,
        places: int = 4,
        minimum: Decimal | None = None,
        maximum: Decimal | None = None,
        exclusive_minimum: bool = False,
    ) -> Decimal | None:
        if not self._usable(raw, loc):
            return None
        if raw.is_empty:
            if required:
                self._missing(loc)
            return None
        if raw.kind == "bool":
            self.problems.add(loc, _("“%(value)s” is not a number.") % {"value": raw.text})
            return None
        text = raw.text.strip()
        lowered = text.lower().lstrip("+-")
        if lowered in {".inf", "inf", "infinity", ".nan", "nan"}:
            self.problems.add(loc, _("“%(value)s” is not a finite number.") % {"value": text})
            return None
        try:
            value = Decimal(text)
        except InvalidOperation:
            self.problems.add(loc, _("“%(value)s” is not a number.") % {"value": text})
            return None
        if not value.is_finite():
            self.problems.add(loc, _("“%(value)s” is not a finite number.") % {"value": text})
            return None
        value = canonical_decimal(value)
        exponent = value.as_tuple().exponent
        decimals = -exponent if isinstance(exponent, int) and exponent < 0 else 0
        whole_digits = max(value.adjusted() + 1, 0)
        if decimals > places:
            self.problems.add(
                loc,
                _("%(value)s has too many decimal places: at most %(n)d.")
                % {"value": text, "n": places},
            )
            return None
        if whole_digits > max_digits - places:
            self.problems.add(loc, _("%(value)s is too large.") % {"value": text})
            return None
        if minimum is not None and (value < minimum or (exclusive_minimum and value == minimum)):
            message = (
                _("Must be greater than %(min)s (now %(value)s).")
                if exclusive_minimum
                else _("Must be at least %(min)s (now %(value)s).")
            )
            self.problems.add(loc, message % {"min": format_decimal(minimum), "value": text})
        if maximum is not None and value > maximum:
            self.problems.add(
                loc,
                _("Must be at most %(max)s (now %(value)s).")
                % {"max": format_decimal(maximum), "value": text},
            )
        return value

    def integer(
        self,
        raw: Raw,
        loc: Loc,
        *,
        required: bool = False,
        minimum: int | None = None,
        maximum: int | None = None,
    ) -> int | None:
        value = self.decimal(raw, loc, required=required, places=0, max_digits=9)
        if value is None:
            return None
        number = int(value)
        if (minimum is not None and number < minimum) or (maximum is not None and number > maximum):
            self.problems.add(
                loc,
                _("Must be a whole number from %(min)s to %(max)s (now %(value)s).")
                % {"min": minimum, "max": maximum, "value": number},
            )
        return number

    def boolean(self, raw: Raw, loc: Loc, *, default: bool = False) -> bool:
        if not self._usable(raw, loc) or raw.is_empty:
            return default
        if raw.kind == "bool" and raw.flag is not None:
            return raw.flag
        word = raw.text.strip().lower()
        if word in TRUE_WORDS:
            return True
        if word in FALSE_WORDS:
            return False
        self.problems.add(
            loc, _("“%(value)s” is not yes or no: write true or false.") % {"value": raw.text}
        )
        return default

    def choice(
        self,
        raw: Raw,
        loc: Loc,
        choices: Sequence[str],
        *,
        default: str = "",
        required: bool = False,
        aliases: dict[str, str] | None = None,
    ) -> str:
        value = self.text(raw, loc)
        if not value:
            if required:
                self._missing(loc)
            return default
        if aliases and value in aliases:
            return aliases[value]
        if value in choices:
            return value
        self.problems.add(
            loc,
            _("“%(value)s” is not allowed here; allowed: %(choices)s.")
            % {"value": value, "choices": ", ".join(choices)},
        )
        return default

    def share(self, raw: Raw, loc: Loc) -> Decimal:
        """A share of the points in [0, 1]; 1 when left empty."""
        if raw.is_empty:
            return _ONE
        value = self.decimal(raw, loc, max_digits=5, places=4, minimum=_ZERO, maximum=_ONE)
        return _ONE if value is None else value

    def codes(
        self, raws: Sequence[Raw], loc: Loc, *, max_length: int = UNIT_CODE_MAX_LENGTH
    ) -> list[str]:
        """A list of codes, given as a list or as one text separated by commas, 、 or spaces."""
        result: list[str] = []
        for raw in raws:
            text = self.text(raw, loc)
            for part in LIST_SPLIT_RE.split(text):
                if part:
                    result.append(self.code(Raw("text", part), loc, max_length=max_length))
        return [code for code in result if code]


def split_person(reference: str) -> tuple[str, str, str] | None:
    """`姓名`, `姓名@单位代码`, `姓名（职务）@单位代码` → (name, title, unit code) or None."""
    match = PERSON_RE.match(reference.strip())
    if not match:
        return None
    return match["name"].strip(), (match["title"] or "").strip(), (match["unit"] or "").strip()


def format_person(name: str, *, title: str = "", unit: str = "") -> str:
    """The reference `split_person` reads back."""
    text = f"{name}（{title}）" if title else name
    return f"{text}@{unit}" if unit else text


# --- completing and validating a document ------------------------------------------------------
def default_scoring_rule(node: IndicatorDoc) -> str:
    return "sum_children" if node.children else "target_completion"


def complete_document(doc: PlanDocument) -> None:
    """Fill what a file may leave out and put unordered lists in their canonical order.

    A child without a category takes its parent's; a node without a scoring rule gets
    sum_children (with children) or target_completion; a veto without a cap grade caps at the
    lowest grade. Units, groups, unit targets and assignments are sets: they are kept sorted
    by code, so equal plans give equal documents.
    """
    lowest = doc.grade_rules[-1].grade if doc.grade_rules else ""
    for veto in doc.veto_rules:
        veto.cap_grade = veto.cap_grade or lowest
    for group in doc.groups:
        group.units = sorted(set(group.units))
    for node, parent, _level in doc.walk():
        if not node.category and parent is not None:
            node.category = parent.category
        if not node.scoring_rule:
            node.scoring_rule = default_scoring_rule(node)
        node.groups = sorted(set(node.groups))
        node.unit_targets.sort(key=lambda t: t.unit)
        node.assignments.sort(key=lambda a: a.lead_unit)
        for assignment in node.assignments:
            assignment.supporting_units = sorted(set(assignment.supporting_units))


def status_rule_from(preset: str, given: dict[str, Any], where: dict[str, Loc]) -> StatusRule:
    """A status rule with the preset's thresholds wherever the file did not set one."""
    green, yellow_pp, yellow_share = STATUS_PRESET_THRESHOLDS.get(preset, (None, None, None))
    return StatusRule(
        preset=preset,
        green_within_pp=given.get("green_within_pp", green),
        yellow_within_pp=given.get("yellow_within_pp", yellow_pp),
        yellow_within_share=given.get("yellow_within_share", yellow_share),
        expected_progress=given.get("expected_progress") or "seasonal",
        escalation_periods=given.get("escalation_periods") or [1, 2, 3],
        explanation_days=given.get("explanation_days") or 5,
        where=where,
    )


def validate_document(doc: PlanDocument) -> Problems:
    """Rules that need the whole document: sums, uniqueness, references, tree shape."""
    problems = Problems()
    _validate_header(doc, problems)
    _validate_rules(doc, problems)
    group_codes = _validate_groups(doc, problems)
    if not doc.indicators:
        problems.add(at(doc, "indicators"), _("The plan has no indicators."))
    _validate_indicators(doc, problems, group_codes)
    return problems


def _validate_header(doc: PlanDocument, problems: Problems) -> None:
    if doc.format != FORMAT_NAME:
        problems.add(
            at(doc, "format"),
            _("This is not a Kaoping plan file: “format” must be %(name)s.")
            % {"name": FORMAT_NAME},
        )
    if doc.version not in SUPPORTED_VERSIONS:
        problems.add(
            at(doc, "version"),
            _("This file has format version %(version)s; this Kaoping reads version %(supported)s.")
            % {
                "version": doc.version,
                "supported": ", ".join(map(str, sorted(SUPPORTED_VERSIONS))),
            },
        )
    weights = (doc.weights.indicators, doc.weights.public, doc.weights.leader)
    total = sum((w for w in weights if w is not None), Decimal("0"))
    if None not in weights and total != 1:
        problems.add(
            at(doc.weights),
            _("The component weights must add up to 1 (now %(sum)s).")
            % {"sum": format_decimal(total)},
        )
    if doc.points_total is not None:
        top = sum((n.points for n in doc.indicators if n.kind != "bonus"), Decimal("0"))
        if top != doc.points_total:
            problems.add(
                at(doc, "points_total"),
                _(
                    "The top-level indicators add up to %(sum)s points, not the %(total)s the "
                    "plan states."
                )
                % {"sum": format_decimal(top), "total": format_decimal(doc.points_total)},
            )


def _validate_rules(doc: PlanDocument, problems: Problems) -> None:
    grades: set[str] = set()
    previous: Decimal | None = None
    for rule in doc.grade_rules:
        if rule.grade in grades:
            problems.add(
                at(rule, "grade"),
                _("The grade “%(grade)s” is listed twice.") % {"grade": rule.grade},
            )
        grades.add(rule.grade)
        if previous is not None and rule.min_score >= previous:
            problems.add(
                at(rule, "min_score"),
                _(
                    "Grades go from the best down: each minimum score must be lower than the one "
                    "before (%(prev)s)."
                )
                % {"prev": format_decimal(previous)},
            )
        previous = rule.min_score
    if not doc.grade_rules:
        problems.add(at(doc, "grade_rules"), _("The plan needs at least one grade."))
    elif doc.grade_rules[-1].min_score != 0:
        problems.add(
            at(doc.grade_rules[-1], "min_score"),
            _("The last (lowest) grade must start at 0 so that every score gets a grade."),
        )
    veto_codes: set[str] = set()
    for veto in doc.veto_rules:
        if veto.code in veto_codes:
            problems.add(
                at(veto, "code"), _("The code %(code)s is used twice.") % {"code": veto.code}
            )
        veto_codes.add(veto.code)
        if veto.cap_grade and veto.cap_grade not in grades:
            problems.add(
                at(veto, "cap_grade"),
                _("“%(grade)s” is not one of the plan's grades (%(grades)s).")
                % {"grade": veto.cap_grade, "grades": "、".join(r.grade for r in doc.grade_rules)},
            )
    status = doc.status_rule
    if status.preset != "growth_peer":
        if status.green_within_pp is None:
            problems.add(
                at(status, "green_within_pp"),
                _("This early-warning status needs “green_within_pp”."),
            )
        if (status.yellow_within_pp is None) == (status.yellow_within_share is None):
            problems.add(
                at(status, "yellow_within_pp"),
                _("Give exactly one of “yellow_within_pp” and “yellow_within_share”."),
            )
    if (
        status.green_within_pp is not None
        and status.yellow_within_pp is not None
        and status.yellow_within_pp < status.green_within_pp
    ):
        problems.add(
            at(status, "yellow_within_pp"),
            _("The yellow band must reach at least as far as the green one."),
        )
    periods = status.escalation_periods
    if len(periods) != 3 or any(b <= a for a, b in itertools.pairwise(periods)):
        problems.add(
            at(status, "escalation_periods"),
            _(
                "Give three growing numbers of periods for the blue, yellow and red notices, "
                "e.g. 1, 2, 3."
            ),
        )


def _validate_groups(doc: PlanDocument, problems: Problems) -> set[str]:
    codes: set[str] = set()
    member_of: dict[str, str] = {}
    for group in doc.groups:
        if group.code in codes:
            problems.add(
                at(group, "code"), _("The code %(code)s is used twice.") % {"code": group.code}
            )
        codes.add(group.code)
        for unit in group.units:
            if unit in member_of:
                problems.add(
                    at(group, "units"),
                    _(
                        "The unit %(unit)s is already in group %(group)s: a unit is ranked in one "
                        "group only."
                    )
                    % {"unit": unit, "group": member_of[unit]},
                )
            else:
                member_of[unit] = group.code
    return codes


def _validate_indicators(doc: PlanDocument, problems: Problems, group_codes: set[str]) -> None:
    seen: dict[str, Loc] = {}
    for node, parent, level in doc.walk():
        where = at(node, "code")
        if node.code in seen:
            first = seen[node.code]
            problems.add(
                where,
                _("The code %(code)s is used twice (first at %(first)s).")
                % {"code": node.code, "first": Problem.at(first, "").location()},
            )
        else:
            seen[node.code] = where
        if level > MAX_DEPTH:
            problems.add(
                where,
                _("Indicator trees go at most %(n)d levels deep; %(code)s is on level %(level)d.")
                % {"n": MAX_DEPTH, "code": node.code, "level": level},
            )
        if parent is None and not node.category:
            problems.add(at(node, "category"), _("A top-level indicator needs a category."))
        _validate_points(node, problems)
        _validate_params(node, problems)
        for code in node.groups:
            if code not in group_codes:
                problems.add(
                    at(node, "groups"),
                    _("There is no group %(code)s in this plan.") % {"code": code},
                )
        units: set[str] = set()
        for target in node.unit_targets:
            if target.unit in units:
                problems.add(
                    at(target, "unit"),
                    _("The unit %(unit)s has two targets for this indicator.")
                    % {"unit": target.unit},
                )
            units.add(target.unit)
        _validate_assignments(node, problems)


def _validate_points(node: IndicatorDoc, problems: Problems) -> None:
    # Rule: when a parent carries points, its children's points (bonus items aside) may add up
    # to at most the parent's; a parent with 0 points is a plain heading and is not checked.
    if node.points <= 0 or not node.children:
        return
    total = sum((c.points for c in node.children if c.kind != "bonus"), Decimal("0"))
    if total > node.points:
        problems.add(
            at(node, "points"),
            _("The sub-indicators of %(code)s carry %(sum)s points, more than its own %(points)s.")
            % {
                "code": node.code,
                "sum": format_decimal(total),
                "points": format_decimal(node.points),
            },
        )


def _validate_params(node: IndicatorDoc, problems: Problems) -> None:
    """Scoring parameters against the rule's specs (kaoping.plans.scoring_params)."""
    loc = at(node, "scoring_params")
    for message in validate_params(node.scoring_rule, node.scoring_params):
        problems.add(loc, message)
    params = node.scoring_params
    if "floor" in params and "cap" in params and params["floor"] > params["cap"]:
        problems.add(loc, _("The floor cannot be above the cap."))
    if node.scoring_rule == "sum_children" and not node.children:
        problems.add(
            at(node, "scoring_rule"),
            _("%(code)s has no sub-indicators to add up.") % {"code": node.code},
        )


def _validate_assignments(node: IndicatorDoc, problems: Problems) -> None:
    leads: set[str] = set()
    for assignment in node.assignments:
        if assignment.lead_unit in leads:
            problems.add(
                at(assignment, "lead_unit"),
                _("The unit %(unit)s already leads this indicator.")
                % {"unit": assignment.lead_unit},
            )
        leads.add(assignment.lead_unit)
        if assignment.lead_unit in assignment.supporting_units:
            problems.add(
                at(assignment, "supporting_units"),
                _("The lead unit %(unit)s cannot also be a supporting unit.")
                % {"unit": assignment.lead_unit},
            )
        for reference_field in ("responsible_leader", "responsible_person"):
            reference = getattr(assignment, reference_field)
            if reference and split_person(reference) is None:
                problems.add(
                    at(assignment, reference_field),
                    _(
                        "“%(value)s” is not a person: write 姓名, 姓名@单位代码 or "
                        "姓名（职务）@单位代码."
                    )
                    % {"value": reference},
                )
    if node.assignments:
        total = sum((a.share for a in node.assignments), Decimal("0"))
        if total != 1:
            problems.add(
                at(node.assignments[0], "share"),
                _("The shares of the lead units of %(code)s must add up to 1 (now %(sum)s).")
                % {"code": node.code, "sum": format_decimal(total)},
            )


# --- reading YAML --------------------------------------------------------------------------
class _AliasRefused(yaml.YAMLError):
    def __init__(self, mark: Any) -> None:
        super().__init__("alias")
        self.mark = mark


class _ComposeLoader(yaml.SafeLoader):
    """The safe loader, composing nodes only (nothing is constructed) and refusing aliases.

    A plan file never needs anchors and aliases; refusing them takes "billion laughs"
    expansion off the table, and the byte limit bounds everything else.
    """

    def compose_node(self, parent: Any, index: Any) -> Any:
        if self.check_event(yaml.AliasEvent):
            raise _AliasRefused(self.peek_event().start_mark)
        return super().compose_node(parent, index)


_TAG = "tag:yaml.org,2002:"
_KINDS = {
    _TAG + "str": "text",
    _TAG + "int": "number",
    _TAG + "float": "number",
    _TAG + "bool": "bool",
    _TAG + "null": "null",
    _TAG + "timestamp": "text",
}

TOP_KEYS = (
    "format",
    "version",
    "cycle",
    "cycle_name",
    "code",
    "name",
    "kind",
    "owner",
    "description",
    "weights",
    "missing_component",
    "points_total",
    "grade_rules",
    "veto_rules",
    "status_rule",
    "groups",
    "indicators",
)
WEIGHT_KEYS = ("indicators", "public", "leader")
GRADE_KEYS = ("grade", "min_score", "quota")
VETO_KEYS = ("code", "name", "cap_grade", "min_points_lost", "description")
STATUS_KEYS = (
    "preset",
    "green_within_pp",
    "yellow_within_pp",
    "yellow_within_share",
    "expected_progress",
    "escalation_periods",
    "explanation_days",
)
GROUP_KEYS = ("code", "name", "units")
INDICATOR_KEYS = (
    "code",
    "name",
    "category",
    "kind",
    "unit_of_measure",
    "direction",
    "accumulation",
    "target",
    "target_text",
    "baseline",
    "points",
    "source_level",
    "scoring_rule",
    "scoring_params",
    "frequency",
    "evidence_requirement",
    "description",
    "is_public",
    "groups",
    "unit_targets",
    "assignments",
    "children",
)
TARGET_KEYS = ("unit", "target", "baseline")
ASSIGNMENT_KEYS = (
    "lead_unit",
    "supporting_units",
    "responsible_leader",
    "responsible_person",
    "key_project",
    "work_team",
    "share",
    "note",
)


def _tag_refused(tag: str) -> str:
    return _("YAML tags such as %(tag)s are not allowed.") % {"tag": tag}


def _line(node: Any) -> int:
    return int(node.start_mark.line) + 1


def decode_text(data: bytes, problems: Problems) -> str | None:
    """UTF-8 text (a BOM is allowed); a GBK file or binary data gets a clear problem."""
    if data.startswith(b"PK\x03\x04"):
        problems.add(
            Loc(),
            _(
                "This is an Excel workbook (.xlsx), not a YAML file: name it "
                "….xlsx or choose the xlsx format."
            ),
        )
        return None
    if data.startswith(b"\xd0\xcf\x11\xe0"):
        problems.add(Loc(), _("This is an old binary Office file (.xls), not a YAML file."))
        return None
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        problems.add(Loc(), _("The file is UTF-16 encoded; save it as UTF-8."))
        return None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        try:
            data.decode("gb18030")
        except UnicodeDecodeError:
            message = _("The file is not UTF-8 text (bad byte at position %(pos)d).") % {
                "pos": exc.start
            }
        else:
            message = _(
                "The file seems to be encoded as GBK/GB18030; save it as UTF-8 and import it again."
            )
        problems.add(Loc(line=line), message)
        return None
    if "\x00" in text:
        problems.add(
            Loc(line=text[: text.index("\x00")].count("\n") + 1),
            _("The file contains NUL characters: it is not a text file."),
        )
        return None
    return text


def parse_yaml(
    data: bytes | str,
    *,
    max_bytes: int | None = None,
) -> tuple[PlanDocument | None, list[Problem]]:
    """Read a YAML plan file; the document is None when it cannot be read at all.

    Every problem is returned, located; a document is only usable when there are none.
    """
    problems = Problems()
    raw = data.encode("utf-8") if isinstance(data, str) else data
    if max_bytes is not None and len(raw) > max_bytes:
        problems.add(
            Loc(),
            _("The file is too large: %(size)d bytes, the limit is %(max)d.")
            % {"size": len(raw), "max": max_bytes},
        )
        return None, problems
    text = decode_text(raw, problems)
    if text is None:
        return None, problems
    try:
        root = yaml.compose(text, Loader=_ComposeLoader)  # a SafeLoader subclass
    except _AliasRefused as exc:
        problems.add(
            Loc(line=exc.mark.line + 1),
            _("YAML anchors and aliases (&, *) are not allowed in plan files."),
        )
        return None, problems
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        problems.add(
            Loc(line=mark.line + 1 if mark else None),
            _("This is not valid YAML: %(reason)s.") % {"reason": exc.problem or exc.context},
        )
        return None, problems
    except yaml.YAMLError as exc:
        problems.add(Loc(), _("This is not valid YAML: %(reason)s.") % {"reason": exc})
        return None, problems
    except RecursionError:
        problems.add(Loc(), _("The file is nested too deeply."))
        return None, problems
    if root is None:
        problems.add(Loc(), _("The file is empty."))
        return None, problems
    document = _YamlReader(problems).document(root)
    if document is not None:
        complete_document(document)
        problems.extend(validate_document(document))
    return document, sorted_problems(problems)


class _Entries(dict[str, tuple[Any, Loc]]):
    """The entries of a YAML mapping by key, with where the mapping starts (for absent keys)."""

    def __init__(self, line: int | None, path: str) -> None:
        super().__init__()
        self.line = line
        self.path = path


class _YamlReader:
    """Turns composed YAML nodes into a PlanDocument, recording lines for every field."""

    def __init__(self, problems: Problems) -> None:
        self.problems = problems
        self.fields = FieldReader(problems)

    # structure --------------------------------------------------------------------------
    def mapping(self, node: Any, path: str, known: Sequence[str]) -> _Entries | None:
        """The entries of a mapping node, with duplicate and unknown keys reported."""
        if not isinstance(node, yaml.MappingNode):
            self.problems.add(
                Loc(_line(node), path), _("Expected a mapping (lines of “field: value”) here.")
            )
            return None
        entries = _Entries(_line(node), path)
        if node.tag != _TAG + "map":
            self.problems.add(Loc(_line(node), path), _tag_refused(node.tag))
            return entries
        for key_node, value_node in node.value:
            key = str(key_node.value) if isinstance(key_node, yaml.ScalarNode) else ""
            loc = Loc(_line(key_node), f"{path}.{key}" if path else key)
            if key in entries:
                self.problems.add(
                    loc,
                    _("The field “%(key)s” is given twice (first on line %(line)d).")
                    % {"key": key, "line": entries[key][1].line},
                )
                continue
            if key not in known:
                close = difflib.get_close_matches(key, known, n=1)
                message = _("Unknown field “%(key)s”.") % {"key": key}
                if close:
                    message += " " + _("Did you mean “%(close)s”?") % {"close": close[0]}
                self.problems.add(loc, message)
                continue
            entries[key] = (value_node, loc)
        return entries

    def sequence(self, node: Any, loc: Loc) -> list[Any]:
        if isinstance(node, yaml.ScalarNode) and _KINDS.get(node.tag) == "null":
            return []
        if not isinstance(node, yaml.SequenceNode):
            self.problems.add(loc, _("Expected a list (lines starting with “- ”) here."))
            return []
        if node.tag != _TAG + "seq":
            self.problems.add(Loc(_line(node), loc.field), _tag_refused(node.tag))
            return []
        return list(node.value)

    @staticmethod
    def raw(node: Any) -> Raw:
        if node is None:
            return NULL
        if not isinstance(node, yaml.ScalarNode):
            return Raw("text", error=_("Expected a single value, not a list or mapping."))
        kind = _KINDS.get(node.tag)
        if kind is None:
            return Raw("text", node.value, error=_tag_refused(node.tag))
        if node.style in {"'", '"'}:
            kind = "text"  # quoted: the author meant text, whatever it looks like
        flag = node.value.strip().lower() in TRUE_WORDS if kind == "bool" else None
        return Raw(kind, node.value, flag)

    @staticmethod
    def get(entries: dict[str, tuple[Any, Loc]], key: str) -> tuple[Raw, Loc]:
        if key not in entries and isinstance(entries, _Entries):
            path = f"{entries.path}.{key}" if entries.path else key
            return NULL, Loc(entries.line, path)
        node, loc = entries.get(key, (None, Loc(field=key)))
        return _YamlReader.raw(node), loc

    def _text_list(self, node: Any, loc: Loc) -> list[Raw]:
        if node is None:
            return []
        if isinstance(node, yaml.SequenceNode):
            return [self.raw(item) for item in node.value]
        return [self.raw(node)]

    # the document -----------------------------------------------------------------------
    def document(self, root: Any) -> PlanDocument | None:
        top = self.mapping(root, "", TOP_KEYS)
        if top is None:
            return None
        f = self.fields
        doc_where: dict[str, Loc] = {key: loc for key, (_node, loc) in top.items()}
        doc_where[""] = Loc(_line(root))
        fmt = f.text(*self.get(top, "format"), required=True)
        version = f.integer(*self.get(top, "version"), required=True)
        if fmt and fmt != FORMAT_NAME:
            # Not a plan file at all: its other fields would only add noise.
            self.problems.add(
                doc_where["format"],
                _("This is not a Kaoping plan file: “format” must be %(name)s.")
                % {"name": FORMAT_NAME},
            )
            return None
        doc = PlanDocument(
            format=fmt or FORMAT_NAME,
            version=FORMAT_VERSION if version is None else version,
            cycle=f.integer(*self.get(top, "cycle"), required=True, minimum=2000, maximum=2200)
            or 0,
            cycle_name=f.text(*self.get(top, "cycle_name"), max_length=100),
            code=f.code(*self.get(top, "code"), slug=True),
            name=f.text(*self.get(top, "name"), required=True, max_length=200),
            kind=f.choice(*self.get(top, "kind"), PLAN_KINDS, required=True),
            owner=f.code(*self.get(top, "owner"), max_length=UNIT_CODE_MAX_LENGTH),
            description=f.text(*self.get(top, "description")),
            missing_component=f.choice(
                *self.get(top, "missing_component"), MISSING_COMPONENT, default="renormalise"
            ),
            points_total=f.decimal(
                *self.get(top, "points_total"), max_digits=8, places=2, minimum=_ZERO
            ),
            where=doc_where,
        )
        if "weights" in top:
            doc.weights = self.weights(*top["weights"])
        if "grade_rules" in top:
            doc.grade_rules = [self.grade(item) for item in self.sequence(*top["grade_rules"])]
        if "veto_rules" in top:
            doc.veto_rules = [
                v for v in (self.veto(item) for item in self.sequence(*top["veto_rules"])) if v
            ]
        if "status_rule" in top:
            doc.status_rule = self.status(*top["status_rule"])
        if "groups" in top:
            doc.groups = [
                g for g in (self.group(item) for item in self.sequence(*top["groups"])) if g
            ]
        if "indicators" in top:
            doc.indicators = self.indicator_list(*top["indicators"], path="indicators", level=1)
        return doc

    def weights(self, node: Any, loc: Loc) -> Weights:
        entries = self.mapping(node, "weights", WEIGHT_KEYS) or _Entries(loc.line, "weights")
        values = {
            key: self.fields.decimal(
                *self.get(entries, key),
                required=True,
                max_digits=5,
                places=4,
                minimum=_ZERO,
                maximum=_ONE,
            )
            for key in WEIGHT_KEYS
        }
        return Weights(**values, where={"": loc, **{k: e[1] for k, e in entries.items()}})

    def grade(self, node: Any) -> GradeRule:
        loc = Loc(_line(node), "grade_rules")
        entries = self.mapping(node, "grade_rules", GRADE_KEYS) or _Entries(loc.line, "grade_rules")
        f = self.fields
        return GradeRule(
            grade=f.text(*self.get(entries, "grade"), required=True, max_length=20),
            min_score=f.decimal(
                *self.get(entries, "min_score"),
                required=True,
                minimum=_ZERO,
                maximum=Decimal("100"),
            )
            or _ZERO,
            quota=f.decimal(
                *self.get(entries, "quota"), minimum=_ZERO, maximum=_ONE, exclusive_minimum=True
            ),
            where={"": loc, **{k: e[1] for k, e in entries.items()}},
        )

    def veto(self, node: Any) -> VetoRule | None:
        loc = Loc(_line(node), "veto_rules")
        entries = self.mapping(node, "veto_rules", VETO_KEYS)
        if entries is None:
            return None
        f = self.fields
        return VetoRule(
            code=f.code(*self.get(entries, "code"), slug=True),
            name=f.text(*self.get(entries, "name"), required=True, max_length=200),
            cap_grade=f.text(*self.get(entries, "cap_grade")),
            min_points_lost=f.decimal(
                *self.get(entries, "min_points_lost"), max_digits=10, places=2, minimum=_ZERO
            ),
            description=f.text(*self.get(entries, "description")),
            where={"": loc, **{k: e[1] for k, e in entries.items()}},
        )

    def status(self, node: Any, loc: Loc) -> StatusRule:
        entries = self.mapping(node, "status_rule", STATUS_KEYS) or _Entries(
            loc.line, "status_rule"
        )
        return read_status_rule(
            self.fields,
            {k: (self.raw(e[0]), e[1]) for k, e in entries.items() if k != "escalation_periods"},
            self._text_list(entries.get("escalation_periods", (None, loc))[0], loc),
            {"": loc, **{k: e[1] for k, e in entries.items()}},
        )

    def group(self, node: Any) -> Group | None:
        loc = Loc(_line(node), "groups")
        entries = self.mapping(node, "groups", GROUP_KEYS)
        if entries is None:
            return None
        f = self.fields
        units_node, units_loc = entries.get("units", (None, loc.with_field("groups.units")))
        return Group(
            code=f.code(*self.get(entries, "code"), slug=True),
            name=f.text(*self.get(entries, "name"), required=True, max_length=100),
            units=f.codes(self._text_list(units_node, units_loc), units_loc),
            where={"": loc, **{k: e[1] for k, e in entries.items()}},
        )

    def indicator_list(
        self,
        node: Any,
        loc: Loc,
        *,
        path: str,
        level: int,
    ) -> list[IndicatorDoc]:
        result = []
        for index, item in enumerate(self.sequence(node, loc)):
            indicator = self.indicator(item, f"{path}[{index}]", level)
            if indicator is not None:
                result.append(indicator)
        return result

    def indicator(self, node: Any, path: str, level: int) -> IndicatorDoc | None:
        if isinstance(node, yaml.MappingNode):
            # Name the indicator by its code in every problem, even those about its keys.
            written = next(
                (
                    v.value
                    for k, v in node.value
                    if isinstance(k, yaml.ScalarNode)
                    and k.value == "code"
                    and isinstance(v, yaml.ScalarNode)
                ),
                "",
            )
            path = f"indicators[{str(written).strip()}]" if str(written).strip() else path
        entries = self.mapping(node, path, INDICATOR_KEYS)
        if entries is None:
            return None
        f = self.fields
        code = f.code(*self.get(entries, "code"))

        def g(key: str) -> tuple[Raw, Loc]:
            raw, loc = self.get(entries, key)
            return raw, Loc(loc.line or _line(node), f"{path}.{key}")

        where = {
            "": Loc(_line(node), path),
            **{k: Loc(e[1].line, f"{path}.{k}") for k, e in entries.items()},
        }
        indicator = IndicatorDoc(
            code=code,
            name=f.text(*g("name"), required=True, max_length=200),
            category=f.choice(*g("category"), CATEGORIES, aliases=CATEGORY_ALIASES),
            kind=f.choice(*g("kind"), INDICATOR_KINDS, default="quantitative"),
            unit_of_measure=f.text(*g("unit_of_measure"), max_length=20),
            direction=f.choice(*g("direction"), DIRECTIONS, default="higher"),
            accumulation=f.choice(*g("accumulation"), ACCUMULATIONS, default="cumulative"),
            target=f.decimal(*g("target")),
            target_text=f.text(*g("target_text"), max_length=500),
            baseline=f.decimal(*g("baseline")),
            points=f.decimal(*g("points"), max_digits=8, places=2, minimum=_ZERO) or _ZERO,
            source_level=f.choice(*g("source_level"), SOURCE_LEVELS, default="county"),
            scoring_rule=f.choice(*g("scoring_rule"), SCORING_RULES),
            frequency=f.choice(*g("frequency"), FREQUENCIES, default="quarterly"),
            evidence_requirement=f.text(*g("evidence_requirement")),
            description=f.text(*g("description")),
            is_public=f.boolean(*g("is_public")),
            where=where,
        )
        if "scoring_params" in entries:
            params_node, params_loc = entries["scoring_params"]
            params_entries = self.mapping_any(
                params_node, Loc(params_loc.line, f"{path}.scoring_params")
            )
            indicator.scoring_params = read_params(f, params_entries)
        if "groups" in entries:
            groups_loc = where["groups"]
            indicator.groups = f.codes(
                self._text_list(entries["groups"][0], groups_loc),
                groups_loc,
                max_length=CODE_MAX_LENGTH,
            )
        if "unit_targets" in entries:
            indicator.unit_targets = [
                t
                for t in (
                    self.unit_target(item, path)
                    for item in self.sequence(entries["unit_targets"][0], where["unit_targets"])
                )
                if t
            ]
        if "assignments" in entries:
            indicator.assignments = [
                a
                for a in (
                    self.assignment(item, path)
                    for item in self.sequence(entries["assignments"][0], where["assignments"])
                )
                if a
            ]
        if "children" in entries:
            if level >= MAX_DEPTH:
                children_node = entries["children"][0]
                if self.sequence(children_node, where["children"]):
                    self.problems.add(
                        where["children"],
                        _(
                            "Indicator trees go at most %(n)d levels deep; %(code)s is on level "
                            "%(level)d and cannot have sub-indicators."
                        )
                        % {"n": MAX_DEPTH, "code": code, "level": level},
                    )
            else:
                indicator.children = self.indicator_list(
                    entries["children"][0],
                    where["children"],
                    path=f"{path}.children",
                    level=level + 1,
                )
        return indicator

    def mapping_any(self, node: Any, loc: Loc) -> list[tuple[str, Raw, Loc]]:
        """A free mapping of scalars (scoring parameters), duplicates reported."""
        if isinstance(node, yaml.ScalarNode) and _KINDS.get(node.tag) == "null":
            return []
        if not isinstance(node, yaml.MappingNode):
            self.problems.add(loc, _("Expected a mapping (lines of “field: value”) here."))
            return []
        if node.tag != _TAG + "map":
            self.problems.add(loc, _tag_refused(node.tag))
            return []
        items: list[tuple[str, Raw, Loc]] = []
        for key_node, value_node in node.value:
            key = str(key_node.value) if isinstance(key_node, yaml.ScalarNode) else ""
            items.append((key, self.raw(value_node), Loc(_line(key_node), f"{loc.field}.{key}")))
        return items

    def unit_target(self, node: Any, path: str) -> UnitTarget | None:
        entries = self.mapping(node, f"{path}.unit_targets", TARGET_KEYS)
        if entries is None:
            return None
        f = self.fields
        return UnitTarget(
            unit=f.code(*self.get(entries, "unit"), max_length=UNIT_CODE_MAX_LENGTH),
            target=f.decimal(*self.get(entries, "target")),
            baseline=f.decimal(*self.get(entries, "baseline")),
            where={
                "": Loc(_line(node), f"{path}.unit_targets"),
                **{k: e[1] for k, e in entries.items()},
            },
        )

    def assignment(self, node: Any, path: str) -> AssignmentDoc | None:
        entries = self.mapping(node, f"{path}.assignments", ASSIGNMENT_KEYS)
        if entries is None:
            return None
        f = self.fields
        support_node, support_loc = entries.get(
            "supporting_units", (None, Loc(_line(node), "supporting_units"))
        )
        return AssignmentDoc(
            lead_unit=f.code(*self.get(entries, "lead_unit"), max_length=UNIT_CODE_MAX_LENGTH),
            supporting_units=f.codes(self._text_list(support_node, support_loc), support_loc),
            responsible_leader=f.text(*self.get(entries, "responsible_leader"), max_length=200),
            responsible_person=f.text(*self.get(entries, "responsible_person"), max_length=200),
            key_project=f.boolean(*self.get(entries, "key_project")),
            work_team=f.text(*self.get(entries, "work_team"), max_length=200),
            share=f.share(*self.get(entries, "share")),
            note=f.text(*self.get(entries, "note")),
            where={
                "": Loc(_line(node), f"{path}.assignments"),
                **{k: e[1] for k, e in entries.items()},
            },
        )


def read_params(
    fields: FieldReader,
    items: Sequence[tuple[str, Raw, Loc]],
) -> dict[str, Decimal]:
    """Scoring parameters: every value a number; a key given twice is a problem."""
    params: dict[str, Decimal] = {}
    for key, raw, loc in items:
        if not key:
            continue
        if key in params:
            fields.problems.add(loc, _("The parameter “%(key)s” is given twice.") % {"key": key})
            continue
        value = fields.decimal(raw, loc, required=True, places=6, max_digits=15)
        if value is not None:
            params[key] = value
    return params


def read_status_rule(
    fields: FieldReader,
    raws: dict[str, tuple[Raw, Loc]],
    escalation: list[Raw],
    where: dict[str, Loc],
) -> StatusRule:
    """The status rule from its raw values (YAML mapping or the Excel plan sheet)."""

    def loc(key: str) -> Loc:
        if key in raws:
            return raws[key][1]
        return where.get(key) or where.get("", Loc()).with_field(key)

    preset = fields.choice(
        raws.get("preset", (NULL, Loc()))[0], loc("preset"), STATUS_PRESETS, default="default"
    )
    given: dict[str, Any] = {}
    for key in ("green_within_pp", "yellow_within_pp"):
        if key in raws:
            given[key] = fields.decimal(
                raws[key][0], loc(key), minimum=_ZERO, maximum=Decimal("100")
            )
    if "yellow_within_share" in raws:
        given["yellow_within_share"] = fields.decimal(
            raws["yellow_within_share"][0],
            loc("yellow_within_share"),
            minimum=_ZERO,
            maximum=_ONE,
            exclusive_minimum=True,
        )
    if "expected_progress" in raws:
        given["expected_progress"] = fields.choice(
            raws["expected_progress"][0],
            loc("expected_progress"),
            EXPECTED_PROGRESS,
            default="seasonal",
        )
    if escalation:
        periods = []
        for raw in escalation:
            for part in LIST_SPLIT_RE.split(raw.text.strip()) if not raw.error else [""]:
                number = fields.integer(
                    Raw("number", part) if not raw.error else raw,
                    loc("escalation_periods"),
                    required=True,
                    minimum=1,
                    maximum=12,
                )
                if number is not None:
                    periods.append(number)
        given["escalation_periods"] = periods
    if "explanation_days" in raws:
        given["explanation_days"] = fields.integer(
            raws["explanation_days"][0], loc("explanation_days"), minimum=1, maximum=60
        )
    return status_rule_from(preset, given, where)


# --- writing YAML ----------------------------------------------------------------------------
class _Dumper(yaml.SafeDumper):
    """Safe dumping with decimals as plain numbers and multi-line text as blocks."""


def _represent_decimal(dumper: yaml.SafeDumper, value: Decimal) -> yaml.ScalarNode:
    text = format_decimal(value)
    tag = "int" if re.fullmatch(r"-?\d+", text) else "float"
    return dumper.represent_scalar(_TAG + tag, text)


def _represent_text(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    value = str.__str__(value)  # plain text, also for str subclasses such as TextChoices
    if "\n" in value:
        return dumper.represent_scalar(_TAG + "str", value, style="|")
    return dumper.represent_scalar(_TAG + "str", value)


def _represent_list(dumper: yaml.SafeDumper, value: list[Any]) -> yaml.SequenceNode:
    flow = bool(value) and all(isinstance(v, (str, int, Decimal)) for v in value)
    return dumper.represent_sequence(_TAG + "seq", value, flow_style=flow)


_Dumper.add_representer(Decimal, _represent_decimal)
_Dumper.add_multi_representer(str, _represent_text)
_Dumper.add_representer(list, _represent_list)

YAML_HEADER = (
    "# Kaoping plan file (考评方案), format kaoping-plan version 1.\n"
    "# Reference: docs/plan-format.md. Encoding: UTF-8.\n"
)


def dump_yaml(doc: PlanDocument) -> str:
    """The document as YAML text that `parse_yaml` reads back to an equal document."""
    body = yaml.dump(
        document_to_data(doc),
        Dumper=_Dumper,
        allow_unicode=True,
        sort_keys=False,
        width=1000,
        default_flow_style=False,
    )
    return YAML_HEADER + body


def _put(data: dict[str, Any], key: str, value: Any, default: Any) -> None:
    if value != default:
        data[key] = value


def status_rule_to_data(rule: StatusRule) -> dict[str, Any]:
    """A status rule as plain data: the preset and every threshold it uses."""
    data: dict[str, Any] = {"preset": rule.preset}
    for key in ("green_within_pp", "yellow_within_pp", "yellow_within_share"):
        value = getattr(rule, key)
        if value is not None:
            data[key] = value
    data["expected_progress"] = rule.expected_progress
    data["escalation_periods"] = list(rule.escalation_periods)
    data["explanation_days"] = rule.explanation_days
    return data


def document_to_data(doc: PlanDocument) -> dict[str, Any]:
    """The document as plain dicts and lists in file order (Decimal values kept)."""
    data: dict[str, Any] = {"format": doc.format, "version": doc.version, "cycle": doc.cycle}
    _put(data, "cycle_name", doc.cycle_name, "")
    data.update({"code": doc.code, "name": doc.name, "kind": doc.kind, "owner": doc.owner})
    _put(data, "description", doc.description, "")
    data["weights"] = {
        "indicators": doc.weights.indicators,
        "public": doc.weights.public,
        "leader": doc.weights.leader,
    }
    data["missing_component"] = doc.missing_component
    _put(data, "points_total", doc.points_total, None)
    data["grade_rules"] = [
        {
            "grade": r.grade,
            "min_score": r.min_score,
            **({"quota": r.quota} if r.quota is not None else {}),
        }
        for r in doc.grade_rules
    ]
    data["veto_rules"] = [_veto_to_data(v) for v in doc.veto_rules]
    data["status_rule"] = status_rule_to_data(doc.status_rule)
    data["groups"] = [{"code": g.code, "name": g.name, "units": list(g.units)} for g in doc.groups]
    data["indicators"] = [indicator_to_data(n, parent_category="") for n in doc.indicators]
    return data


def _veto_to_data(veto: VetoRule) -> dict[str, Any]:
    data: dict[str, Any] = {"code": veto.code, "name": veto.name}
    _put(data, "cap_grade", veto.cap_grade, "")
    _put(data, "min_points_lost", veto.min_points_lost, None)
    _put(data, "description", veto.description, "")
    return data


_INDICATOR_DEFAULTS = IndicatorDoc(code="", name="")


def indicator_to_data(node: IndicatorDoc, *, parent_category: str) -> dict[str, Any]:
    """One indicator and its subtree, default values left out."""
    data: dict[str, Any] = {"code": node.code, "name": node.name}
    _put(data, "category", node.category, parent_category)
    for key in (
        "kind",
        "unit_of_measure",
        "direction",
        "accumulation",
        "target",
        "target_text",
        "baseline",
        "points",
        "source_level",
    ):
        _put(data, key, getattr(node, key), getattr(_INDICATOR_DEFAULTS, key))
    _put(data, "scoring_rule", node.scoring_rule, default_scoring_rule(node))
    _put(data, "scoring_params", dict(node.scoring_params), {})
    for key in ("frequency", "evidence_requirement", "description", "is_public"):
        _put(data, key, getattr(node, key), getattr(_INDICATOR_DEFAULTS, key))
    _put(data, "groups", list(node.groups), [])
    if node.unit_targets:
        data["unit_targets"] = [
            {
                "unit": t.unit,
                **({"target": t.target} if t.target is not None else {}),
                **({"baseline": t.baseline} if t.baseline is not None else {}),
            }
            for t in node.unit_targets
        ]
    if node.assignments:
        data["assignments"] = [assignment_to_data(a) for a in node.assignments]
    if node.children:
        data["children"] = [
            indicator_to_data(c, parent_category=node.category) for c in node.children
        ]
    return data


def assignment_to_data(assignment: AssignmentDoc) -> dict[str, Any]:
    data: dict[str, Any] = {"lead_unit": assignment.lead_unit}
    _put(data, "supporting_units", list(assignment.supporting_units), [])
    _put(data, "responsible_leader", assignment.responsible_leader, "")
    _put(data, "responsible_person", assignment.responsible_person, "")
    _put(data, "key_project", assignment.key_project, False)
    _put(data, "work_team", assignment.work_team, "")
    _put(data, "share", assignment.share, _ONE)
    _put(data, "note", assignment.note, "")
    return data
