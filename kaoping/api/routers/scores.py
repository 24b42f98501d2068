"""Score runs, their unit results and a unit's explained scorecard (read only).

Read through kaoping.scoring.selectors, so the scope is the scoring pages': the office sees
every run of its plans (drafts and what-ifs included); everyone else only published official
runs, and of those only the units in their scope (a unit head or reporter: their own unit).
Figures are JSON numbers rounded half-up to 2 decimals, as `kaoping score --json` prints them.
"""

from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, Literal

from django.db.models import QuerySet
from django.http import Http404, HttpRequest
from ninja import Field, Path, Query, Router, Schema
from ninja.pagination import paginate

from kaoping.api.errors import READ_ERRORS
from kaoping.api.pagination import Pages
from kaoping.api.routers.common import caller
from kaoping.api.schemas import MAX_ID
from kaoping.org.permissions import API_SCORE_ROLES
from kaoping.scoring import selectors as reads
from kaoping.scoring.explanation_text import node_status_label, translate_explanation
from kaoping.scoring.models import ScoreRun, UnitResult

router = Router(tags=["scores"])

RunKind = Literal["official", "what_if"]
RunStatus = Literal["computing", "done", "failed", "published"]


class ScoreRunOut(Schema):
    """A score run (考评结果): official or what-if; only the office sees drafts and what-ifs."""

    id: int
    plan_id: int
    plan_code: str = Field(..., alias="plan.code")
    plan_name: str = Field(..., alias="plan.name")
    cycle_year: int = Field(..., alias="plan.cycle.year")
    kind: RunKind
    status: RunStatus
    label: str
    as_of_period: str = Field(..., description="Which approved figures were used.")
    computed_at: datetime | None
    published_at: datetime | None
    is_current: bool = Field(..., description="Published, official and not superseded.")
    superseded_by_id: int | None
    based_on_id: int | None


class ScoreComponents(Schema):
    indicators: float | None
    public_appraisal: float | None
    leader_evaluation: float | None
    bonus: float | None
    penalty: float | None
    deductions: float | None


class UnitResultOut(Schema):
    """A unit's composite result in a run."""

    unit_id: int
    unit_code: str
    unit_name: str
    group: str | None
    score: float | None = Field(..., description="The composite score.")
    components: ScoreComponents
    indicator_points: float | None
    components_missing: list[str]
    failed: bool
    grade: str | None
    rank: int | None = Field(..., description="Rank within the unit's group.")
    rank_change: int | None = Field(..., description="Positive: moved up since last time.")
    score_change: float | None
    vetoed: bool
    veto_reason: str | None
    points_lost: float | None


class ScoreLineOut(Schema):
    """A node of a unit's scorecard with why it scored what it did."""

    indicator_id: int
    indicator_code: str
    indicator_name: str
    parent_id: int | None
    depth: int
    points: float | None
    score: float | None
    status: str
    status_label: str
    arithmetic: str = Field(..., description="The computation, in the reader's language.")
    reason: str


class ScorecardOut(Schema):
    run: ScoreRunOut
    result: UnitResultOut
    arithmetic: str
    lines: list[ScoreLineOut]


class RunFilter(Schema):
    plan: int | None = Field(None, ge=1, le=MAX_ID, description="A plan id.")
    cycle: int | None = Field(None, ge=2000, le=2200, description="The cycle's year.")
    kind: RunKind | None = None
    status: RunStatus | None = None
    current: bool | None = Field(None, description="true: only runs in force.")


class ScorecardFilter(Schema):
    run: int | None = Field(
        None, ge=1, le=MAX_ID, description="A run id; default: the newest run in force."
    )


def _two(value: Decimal | None) -> float | None:
    """Rounded half-up to 2 decimals, once, at the edge (as `kaoping score --json`)."""
    if value is None:
        return None
    return float(value.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))


def _result_row(result: UnitResult) -> dict[str, Any]:
    row = reads.score_json_row(result, plan_code="", run_id=result.run_id)
    row["unit_id"] = result.unit_id
    return row


@router.get("/score-runs", response={200: list[ScoreRunOut], **READ_ERRORS}, summary="Score runs")
@paginate(Pages)
def run_list(request: HttpRequest, filters: Query[RunFilter]) -> QuerySet[ScoreRun]:
    user = caller(request, API_SCORE_ROLES)
    qs = reads.runs_for_user(user=user)
    if filters.plan is not None:
        qs = qs.filter(plan_id=filters.plan)
    if filters.cycle is not None:
        qs = qs.filter(plan__cycle__year=filters.cycle)
    if filters.kind is not None:
        qs = qs.filter(kind=filters.kind)
    if filters.status is not None:
        qs = qs.filter(status=filters.status)
    if filters.current is not None:
        current = {
            "status": ScoreRun.Status.PUBLISHED,
            "kind": ScoreRun.Kind.OFFICIAL,
            "superseded_by__isnull": True,
        }
        qs = qs.filter(**current) if filters.current else qs.exclude(**current)
    return qs


@router.get(
    "/score-runs/{run_id}", response={200: ScoreRunOut, **READ_ERRORS}, summary="One score run"
)
def run_detail(request: HttpRequest, run_id: int = Path(..., ge=1, le=MAX_ID)) -> ScoreRun:
    user = caller(request, API_SCORE_ROLES)
    return reads.access_run(user=user, pk=run_id)


@router.get(
    "/score-runs/{run_id}/results",
    response={200: list[UnitResultOut], **READ_ERRORS},
    summary="A run's unit results in scope, by group and rank",
)
@paginate(Pages)
def run_results(
    request: HttpRequest, run_id: int = Path(..., ge=1, le=MAX_ID)
) -> list[dict[str, Any]]:
    user = caller(request, API_SCORE_ROLES)
    run = reads.access_run(user=user, pk=run_id)
    return [_result_row(r) for r in reads.results_for_user(user=user, run=run)]


def _default_run(user: Any, code: str) -> ScoreRun:
    """The newest run in force whose results hold the unit (in the user's scope)."""
    run = (
        reads.runs_for_user(user=user)
        .filter(
            status=ScoreRun.Status.PUBLISHED,
            kind=ScoreRun.Kind.OFFICIAL,
            superseded_by__isnull=True,
            results__unit__code=code,
        )
        .order_by("-plan__cycle__year", "-published_at", "-pk")
        .first()
    )
    if run is None:
        raise Http404
    return run


@router.get(
    "/units/{code}/scorecard",
    response={200: ScorecardOut, **READ_ERRORS},
    summary="A unit's explained scorecard in a run",
)
def unit_scorecard(
    request: HttpRequest,
    filters: Query[ScorecardFilter],
    code: str = Path(..., min_length=1, max_length=12, pattern=r"^[A-Za-z0-9_.-]+$"),
) -> dict[str, Any]:
    user = caller(request, API_SCORE_ROLES)
    if filters.run is None:
        run = _default_run(user, code)
    else:
        run = reads.access_run(user=user, pk=filters.run)
    result = reads.results_for_user(user=user, run=run).filter(unit__code=code).first()
    if result is None:
        raise Http404
    lines = []
    for item in reads.scorecard_lines(user=user, run=run, unit=result.unit):
        line = item.line
        explanation = (line.explanation or {}) if line else {}
        lines.append(
            {
                "indicator_id": item.indicator.pk,
                "indicator_code": item.indicator.code,
                "indicator_name": item.indicator.name,
                "parent_id": item.indicator.parent_id,
                "depth": item.depth,
                "points": _two(line.points) if line else None,
                "score": _two(line.score) if line else None,
                "status": line.status if line else "",
                "status_label": node_status_label(line.status) if line else "",
                "arithmetic": translate_explanation(explanation.get("arithmetic", "")),
                "reason": translate_explanation(explanation.get("reason", "")),
            }
        )
    return {
        "run": run,
        "result": _result_row(result),
        "arithmetic": translate_explanation((result.explanation or {}).get("arithmetic", "")),
        "lines": lines,
    }
