"""Request and response shapes of the API (pydantic, via django-ninja).

Decimal figures of plans, indicators and reports travel as strings ("75.5000"), exactly as
stored; the tracking figures are JSON numbers rounded once, as `kaoping status --json`
prints them (docs/status-json.md).
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any, Literal

from django.utils.translation import gettext as _
from ninja import Field, Schema
from pydantic import AfterValidator, model_validator

from kaoping.core.periods import Period, PeriodError
from kaoping.tracking.models import ProgressReport

# Ids fit a signed 64-bit column on every database; larger numbers are refused by the
# schema rather than by the database.
MAX_ID = 2**53
Id = Annotated[int, Field(ge=1, le=MAX_ID)]


def _clean_text(value: str) -> str:
    """Refuse what no database column may hold (NUL, lone surrogates)."""
    if "\x00" in value:
        raise ValueError(_("The text contains a NUL character."))
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise ValueError(_("The text is not valid Unicode.")) from None
    return value


def _clean_period(value: str) -> str:
    _clean_text(value)
    try:
        return str(Period.parse(value))
    except PeriodError as exc:
        raise ValueError(str(exc.message)) from None


Text = Annotated[str, AfterValidator(_clean_text)]
PeriodText = Annotated[
    str,
    Field(max_length=8, examples=["2022Q3", "2022-09", "2022"]),
    AfterValidator(_clean_period),
]
ReportStatus = Literal["draft", "submitted", "unit_approved", "approved", "returned"]
TrackingStatus = Literal["green", "yellow", "red", "not_comparable"]
UnitKind = Literal["province", "city", "county", "town", "department"]
Figure = Annotated[
    Decimal, Field(max_digits=20, decimal_places=4, allow_inf_nan=False, examples=["75.5"])
]


# --- the caller --------------------------------------------------------------------------
class UnitOut(Schema):
    """An evaluated unit: the county, a town or a department."""

    id: int
    code: str
    name: str
    short_name: str
    kind: str
    parent_id: int | None = Field(None, alias="parent_pk")
    depth: int
    is_active: bool


class MeOut(Schema):
    """The caller: account, roles and the units whose data they see."""

    id: int
    username: str
    display_name: str
    roles: list[str]
    units: list[UnitOut]
    token: str | None = Field(None, description="The prefix of the API token in use, if any.")


# --- plans -------------------------------------------------------------------------------
class CycleOut(Schema):
    id: int
    year: int
    name: str
    status: str


class PlanOut(Schema):
    """A plan (考评方案) with its rules."""

    id: int
    cycle_id: int
    cycle_year: int = Field(..., alias="cycle.year")
    owner_id: int
    owner_code: str = Field(..., alias="owner.code")
    owner_name: str = Field(..., alias="owner.name")
    code: str
    name: str
    kind: str
    status: str
    description: str
    weight_indicators: Decimal
    weight_public: Decimal
    weight_leader: Decimal
    missing_component: str
    points_total: Decimal | None
    grade_rules: Any
    veto_rules: Any
    status_rule: Any
    created_at: datetime
    updated_at: datetime


class IndicatorOut(Schema):
    """A node of a plan's indicator tree, every attribute; `parent_id` null at the top."""

    id: int
    plan_id: int
    parent_id: int | None
    code: str
    name: str
    level: int
    order: int
    category: str
    kind: str
    unit_of_measure: str
    direction: str
    accumulation: str
    target: Decimal | None
    target_text: str
    baseline: Decimal | None
    points: Decimal
    source_level: str
    scoring_rule: str
    scoring_params: Any
    frequency: str
    evidence_requirement: str
    description: str
    is_public: bool
    group_codes: list[str]

    @staticmethod
    def resolve_group_codes(obj: Any) -> list[str]:
        return sorted(group.code for group in obj.groups.all())


class PersonRef(Schema):
    """A responsible leader or person (name and title only: no contact data)."""

    id: int
    name: str
    title: str


class AssignmentOut(Schema):
    """Who answers for an indicator (任务分解)."""

    id: int
    indicator_id: int
    indicator_code: str = Field(..., alias="indicator.code")
    lead_unit_id: int
    lead_unit_code: str = Field(..., alias="lead_unit.code")
    lead_unit_name: str = Field(..., alias="lead_unit.name")
    supporting_unit_ids: list[int]
    responsible_leader: PersonRef | None
    responsible_person: PersonRef | None
    is_key_project: bool
    work_team: str
    share: Decimal
    note: str

    @staticmethod
    def resolve_supporting_unit_ids(obj: Any) -> list[int]:
        return [unit.pk for unit in obj.supporting_units.all()]


# --- tracking figures ----------------------------------------------------------------------
class TrackingResultOut(Schema):
    """One figure, as in docs/status-json.md, with the ids of its plan, indicator and unit."""

    plan_id: int
    indicator_id: int
    unit_id: int
    plan_code: str
    indicator_code: str
    indicator_name: str
    indicator_kind: str
    category: str
    unit_of_measure: str
    unit_code: str
    unit_name: str
    period: str
    actual: float | None
    target: float | None
    completion: float | None
    expected_progress: float | None
    expected_method: str
    gap: float | None
    status: str
    yoy_growth: float | None
    yoy_growth_last_year: float | None
    yoy_trend: str
    projection: float | None
    projection_method: str
    will_meet_target: bool | None


class TrackingFilter(Schema):
    cycle: int = Field(..., ge=2000, le=2200, description="The cycle's year.")
    period: PeriodText = Field(..., description="A point in that year: 2022Q3, 2022-09, 2022.")
    plan: Id | None = None
    unit: Id | None = None
    indicator: Id | None = None
    status: TrackingStatus | None = None

    @model_validator(mode="after")
    def _period_in_cycle(self) -> TrackingFilter:
        if Period.parse(self.period).year != self.cycle:
            raise ValueError(
                _("The period %(period)s is not in the %(year)d cycle.")
                % {"period": self.period, "year": self.cycle}
            )
        return self


# --- progress reports ----------------------------------------------------------------------
class ReportActions(Schema):
    """What the caller may do with the report now."""

    edit: bool
    submit: bool
    unit_review: bool
    office_review: bool
    correct: bool


class ReportOut(Schema):
    """A progress report (进度报送), one version."""

    id: int
    plan_id: int = Field(..., alias="indicator.plan_id")
    indicator_id: int
    indicator_code: str = Field(..., alias="indicator.code")
    indicator_name: str = Field(..., alias="indicator.name")
    unit_id: int
    unit_code: str = Field(..., alias="unit.code")
    unit_name: str = Field(..., alias="unit.name")
    period: str
    version: int
    is_current: bool
    status: str
    value: Decimal | None
    last_year_value: Decimal | None
    narrative: str
    deadline: date | None
    is_late: bool
    correction_reason: str
    returned_reason: str
    submitted_at: datetime | None
    unit_approved_at: datetime | None
    approved_at: datetime | None
    created_at: datetime
    updated_at: datetime
    row_version: int = Field(..., description="Send it back to change or submit this version.")
    actions: ReportActions

    @staticmethod
    def resolve_actions(obj: ProgressReport, context: dict[str, Any]) -> dict[str, bool]:
        from kaoping.tracking.report_selectors import report_actions

        request = context["request"]
        return report_actions(request.auth, obj)


class ReportFilter(Schema):
    unit: Id | None = None
    indicator: Id | None = None
    plan: Id | None = None
    period: PeriodText | None = None
    status: ReportStatus | None = None
    all_versions: bool = Field(False, description="Also superseded versions (corrections).")


class ReportIn(Schema):
    """Start a draft, or change the current draft or returned report (send `row_version`)."""

    indicator: Id
    unit: Id
    period: PeriodText
    value: Figure | None = Field(None, description="The cumulative value (累计).")
    last_year_value: Figure | None = Field(None, description="Same period last year.")
    narrative: Text = Field("", max_length=10000)
    row_version: int | None = Field(
        None, ge=1, le=MAX_ID, description="Required to change an existing report."
    )


class SubmitIn(Schema):
    row_version: int = Field(..., ge=1, le=MAX_ID)


# --- notifications -----------------------------------------------------------------------
class NotificationOut(Schema):
    id: int
    title: str
    body: str
    url: str
    created_at: datetime
    read_at: datetime | None


class NotificationFilter(Schema):
    unread: bool = Field(False, description="Only the unread ones.")
