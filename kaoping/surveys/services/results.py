"""Results of a public-appraisal survey (公众评议): each appraised unit's satisfaction index
with its interval, satisfied rate, completes, AAPOR rates and change on last year; closing a
project freezes them as SurveyResult rows.

The arithmetic is kaoping.appraisal.survey_calculations (docs/survey-statistics.md); this
module only gathers the answers and case dispositions from the database:

- **Valid answers**: answers of *complete* interviews to unit-rating questions; the score is
  the question's option set's score for the label (excluded options and no answer do not
  count).
- **A respondent's unit score**: the weighted mean (question weights) of their valid answers
  about the unit.
- **The unit index** and its interval: `stratified_index` over those respondent scores,
  strata = weighting groups (`models.WEIGHT_GROUP`), weights = the project's
  `group_weights` (a group it leaves out weighs 0) or DEFAULT_GROUP_WEIGHTS, N_h = the
  respondents of that group in the project's lists (finite population correction; a census
  group whose every member answered adds no variance), the project's confidence, bounds =
  the score range of the option sets used.
- **Satisfied rate**: top-two-level answers / valid answers over all the unit's answers, with
  a Wilson interval.
- **AAPOR rates** from the cases' final dispositions: completed, non-response and replaced
  cases by `AAPOR_CODE[last_outcome]`; cases still open or booked for a callback that were
  called at least once count as non-contact (NC); cases never called and reserves never
  released are not in the sample yet and are left out. When the unit is a stratum's unit
  (its residents are the respondents with `Respondent.unit` = the unit) the rates are over
  those cases, otherwise the whole project's (`detail["rates_basis"]`).
- **Year on year**: the index minus the index of the same unit in the previous cycle's
  closed project of the same kind whose plan has the same owner.

A closed project's results are read from its SurveyResult rows, never recomputed.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db import transaction
from django.db.models import Count
from django.utils import timezone
from django.utils.translation import gettext as _

from kaoping.appraisal import survey_calculations as calc
from kaoping.audit.services import audit_event
from kaoping.core.errors import ApplicationError
from kaoping.surveys.models import (
    AAPOR_CODE,
    WEIGHT_GROUP,
    Answer,
    Case,
    Interview,
    OptionSet,
    Question,
    Respondent,
    SurveyProject,
    SurveyResult,
)

INDEX_PLACES = Decimal("0.0001")
RATE_PLACES = Decimal("0.000001")
WEIGHT_GROUPS = tuple(calc.DEFAULT_GROUP_WEIGHTS)
UNIT_BASIS, PROJECT_BASIS = "unit", "project"


@dataclass(frozen=True)
class UnitSurveyResult:
    """One appraised unit's survey result (computed live, or read back from SurveyResult)."""

    unit_id: int
    unit_code: str
    unit_name: str
    index: float | None
    index_ci_low: float | None
    index_ci_high: float | None
    satisfied_rate: float | None
    satisfied_rate_ci_low: float | None
    satisfied_rate_ci_high: float | None
    completes: int
    rr1: float | None
    coop1: float | None
    ref1: float | None
    index_change: float | None
    detail: dict[str, Any] = field(default_factory=dict)

    @property
    def index_ci(self) -> tuple[float, float] | None:
        if self.index_ci_low is None or self.index_ci_high is None:
            return None
        return (self.index_ci_low, self.index_ci_high)

    @property
    def satisfied_rate_ci(self) -> tuple[float, float] | None:
        if self.satisfied_rate_ci_low is None or self.satisfied_rate_ci_high is None:
            return None
        return (self.satisfied_rate_ci_low, self.satisfied_rate_ci_high)


# --- inputs ---------------------------------------------------------------------------------
def group_weights(project: SurveyProject) -> dict[str, float]:
    """The weights of the three weighting groups: the project's, or DOMAIN.md's defaults."""
    chosen = project.group_weights or calc.DEFAULT_GROUP_WEIGHTS
    weights: dict[str, float] = {}
    for group in WEIGHT_GROUPS:
        try:
            value = float(chosen.get(group, 0) or 0)
        except (TypeError, ValueError):
            raise ApplicationError(
                _("The weight of %(group)s is not a number.") % {"group": group}
            ) from None
        if not math.isfinite(value) or value < 0:
            raise ApplicationError(
                _("The weight of %(group)s must be zero or more.") % {"group": group}
            )
        weights[group] = value
    return weights


def _option_set(option_set: OptionSet) -> calc.OptionSet:
    return calc.OptionSet(
        code=option_set.code,
        options=tuple(
            (str(label), None if score is None else float(score))
            for label, score in option_set.options
        ),
    )


@dataclass
class _QuestionInfo:
    number: int
    text: str
    weight: float
    options: calc.OptionSet


def _questions(project: SurveyProject) -> dict[int, _QuestionInfo]:
    """Unit-rating questions of every questionnaire version, with their option sets."""
    found: dict[int, _QuestionInfo] = {}
    sets: dict[int, calc.OptionSet] = {}
    for question in Question.objects.filter(
        questionnaire__project=project, kind=Question.Kind.UNIT_RATING, option_set__isnull=False
    ).select_related("option_set"):
        assert question.option_set is not None
        set_id = question.option_set.pk
        if set_id not in sets:
            sets[set_id] = _option_set(question.option_set)
        found[question.pk] = _QuestionInfo(
            number=question.number,
            text=question.text,
            weight=float(question.weight),
            options=sets[set_id],
        )
    return found


def _score(info: _QuestionInfo, label: str) -> float | None:
    try:
        return info.options.score(label or None)
    except ValueError:
        raise ApplicationError(
            _("Question %(number)s has an answer “%(label)s” its option set does not offer.")
            % {"number": info.number, "label": label}
        ) from None


def case_code(status: str, attempts: int, outcome: str) -> str | None:
    """A case's AAPOR code for the rates, or None when it is not counted (see the module
    docstring): open cases called at least once are non-contact; never-called ones and
    reserves are not in the sample yet; a final case counts by its last outcome."""
    if status in (Case.Status.OPEN, Case.Status.CALLBACK):
        return "NC" if attempts > 0 else None
    if status == Case.Status.COMPLETED:
        return AAPOR_CODE.get(outcome, "I") if outcome else "I"
    if status in (Case.Status.FINAL_NONRESPONSE, Case.Status.REPLACED):
        if outcome:
            return AAPOR_CODE.get(outcome)
        return "NC" if attempts > 0 else None
    return None


def _dispositions(project: SurveyProject) -> list[tuple[int | None, str]]:
    """Each counted case's AAPOR code with its respondent's unit."""
    rows = Case.objects.filter(project=project).values_list(
        "status", "attempts", "last_outcome", "respondent__unit_id"
    )
    counted = [
        (unit_id, case_code(status, attempts, outcome))
        for status, attempts, outcome, unit_id in rows
    ]
    return [(unit_id, code) for unit_id, code in counted if code is not None]


def previous_project(project: SurveyProject) -> SurveyProject | None:
    """The previous cycle's closed project of the same kind for the same plan owner."""
    candidates = SurveyProject.objects.filter(
        kind=project.kind,
        status=SurveyProject.Status.CLOSED,
        plan__owner_id=project.plan.owner_id,
        plan__cycle__year=project.plan.cycle.year - 1,
    ).exclude(pk=project.pk)
    ranked = sorted(candidates, key=lambda p: (p.feeds_scoring != project.feeds_scoring, p.code))
    return ranked[0] if ranked else None


def _previous_indices(project: SurveyProject) -> tuple[SurveyProject | None, dict[int, float]]:
    last = previous_project(project)
    if last is None:
        return None, {}
    return last, {
        unit_id: float(index)
        for unit_id, index in SurveyResult.objects.filter(
            project=last, index__isnull=False
        ).values_list("unit_id", "index")
        if index is not None
    }


# --- computation ----------------------------------------------------------------------------
def _rates(codes: list[str]) -> calc.AaporRates:
    return calc.aapor_rates(Counter(codes))


def compute_results(*, project: SurveyProject) -> list[UnitSurveyResult]:
    """Every appraised unit's result from the answers so far (live; see the module docstring),
    sorted by index, best first (units without an index last, by code)."""
    questions = _questions(project)
    weights = group_weights(project)
    confidence = float(project.confidence)
    population: dict[str, int] = dict.fromkeys(WEIGHT_GROUPS, 0)
    for group, count in (
        Respondent.objects.filter(project=project).values_list("group").annotate(n=Count("pk"))
    ):
        population[WEIGHT_GROUP[group]] += count

    # unit → interview → question → score (None: answered but not valid)
    answers: dict[int, dict[int, dict[int, float | None]]] = defaultdict(lambda: defaultdict(dict))
    satisfied: dict[int, list[int]] = defaultdict(lambda: [0, 0])  # unit → [top two, valid]
    per_question: dict[int, dict[int, list[float]]] = defaultdict(lambda: defaultdict(list))
    question_top: dict[int, dict[int, int]] = defaultdict(lambda: defaultdict(int))
    group_of: dict[int, str] = {}
    rows = Answer.objects.filter(
        interview__case__project=project,
        interview__status=Interview.Status.COMPLETE,
        question_id__in=list(questions),
        unit__isnull=False,
    ).values_list(
        "interview_id", "question_id", "unit_id", "label", "interview__case__respondent__group"
    )
    for interview_id, question_id, unit_id, label, group in rows:
        info = questions[question_id]
        score = _score(info, label)
        group_of[interview_id] = WEIGHT_GROUP[group]
        answers[unit_id][interview_id][question_id] = score
        if score is None:
            continue
        top = int(label in info.options.satisfied_labels)
        satisfied[unit_id][0] += top
        satisfied[unit_id][1] += 1
        per_question[unit_id][question_id].append(score)
        question_top[unit_id][question_id] += top

    codes = _dispositions(project)
    project_rates = _rates([code for _unit, code in codes])
    last, last_indices = _previous_indices(project)
    bounds: tuple[float, float] = (0.0, 100.0)
    if questions:
        bounds = (
            min(q.options.min_score for q in questions.values()),
            max(q.options.max_score for q in questions.values()),
        )

    results = []
    for unit in project.units.order_by("path", "code"):
        by_group: dict[str, list[float]] = {g: [] for g in WEIGHT_GROUPS}
        for interview_id, scored in answers.get(unit.pk, {}).items():
            valid = {q: s for q, s in scored.items() if s is not None}
            if not valid:
                continue
            mean = calc.unit_index(valid, {q: questions[q].weight for q in valid})
            if mean is not None:
                by_group[group_of[interview_id]].append(mean)
        estimate = calc.stratified_index(
            by_group,
            weights=weights,
            bounds=bounds,
            population=population,
            confidence=confidence,
        )
        top, valid_count = satisfied.get(unit.pk, [0, 0])
        rate = ci = None
        if valid_count:
            rate = top / valid_count
            ci = calc.wilson_interval(top, valid_count, confidence=confidence)
        unit_codes = [code for unit_id, code in codes if unit_id == unit.pk]
        basis = UNIT_BASIS if unit_codes else PROJECT_BASIS
        rates = _rates(unit_codes) if unit_codes else project_rates
        change = None
        if estimate.index is not None and unit.pk in last_indices:
            change = estimate.index - last_indices[unit.pk]
        detail = {
            "method": estimate.method,
            "confidence": confidence,
            "weights": weights,
            "weights_used": estimate.weights,
            "rates_basis": basis,
            "dispositions": dict(Counter(unit_codes if unit_codes else [c for _u, c in codes])),
            "groups": {
                g: {
                    "index": estimate.means.get(g),
                    "respondents": estimate.valid.get(g, 0),
                    "population": population[g],
                    "weight": estimate.weights.get(g),
                }
                for g in WEIGHT_GROUPS
            },
            "questions": [
                {
                    "number": questions[q].number,
                    "text": questions[q].text,
                    "weight": questions[q].weight,
                    "index": math.fsum(s) / len(s) if s else None,
                    "valid": len(s),
                    "satisfied_rate": question_top[unit.pk][q] / len(s) if s else None,
                }
                for q, s in sorted(
                    ((q, per_question[unit.pk].get(q, [])) for q in questions),
                    key=lambda item: questions[item[0]].number,
                )
            ],
            "previous": (
                {"survey": last.code, "index": last_indices.get(unit.pk)} if last else None
            ),
            "index_change": change,
        }
        results.append(
            UnitSurveyResult(
                unit_id=unit.pk,
                unit_code=unit.code,
                unit_name=unit.name,
                index=estimate.index,
                index_ci_low=estimate.ci_low,
                index_ci_high=estimate.ci_high,
                satisfied_rate=rate,
                satisfied_rate_ci_low=ci[0] if ci else None,
                satisfied_rate_ci_high=ci[1] if ci else None,
                completes=sum(
                    1
                    for scored in answers.get(unit.pk, {}).values()
                    if any(s is not None for s in scored.values())
                ),
                rr1=rates["rr1"],
                coop1=rates["coop1"],
                ref1=rates["ref1"],
                index_change=change,
                detail=detail,
            )
        )
    return sort_results(results)


def sort_results(results: list[UnitSurveyResult]) -> list[UnitSurveyResult]:
    """Best index first; units without an index last, by code."""
    return sorted(results, key=lambda r: (r.index is None, -(r.index or 0.0), r.unit_code))


# --- frozen results -------------------------------------------------------------------------
def _dec(value: float | None, places: Decimal) -> Decimal | None:
    if value is None:
        return None
    return Decimal(repr(value)).quantize(places, rounding=ROUND_HALF_UP)


def _float(value: Decimal | None) -> float | None:
    return None if value is None else float(value)


def stored_results(*, project: SurveyProject) -> list[UnitSurveyResult]:
    """A closed project's frozen results, read back from its SurveyResult rows."""
    rows = SurveyResult.objects.filter(project=project).select_related("unit")
    return sort_results(
        [
            UnitSurveyResult(
                unit_id=row.unit_id,
                unit_code=row.unit.code,
                unit_name=row.unit.name,
                index=_float(row.index),
                index_ci_low=_float(row.index_ci_low),
                index_ci_high=_float(row.index_ci_high),
                satisfied_rate=_float(row.satisfied_rate),
                satisfied_rate_ci_low=_float(row.satisfied_rate_ci_low),
                satisfied_rate_ci_high=_float(row.satisfied_rate_ci_high),
                completes=row.completes,
                rr1=_float(row.rr1),
                coop1=_float(row.coop1),
                ref1=_float(row.ref1),
                index_change=(row.detail or {}).get("index_change"),
                detail=row.detail or {},
            )
            for row in rows
        ]
    )


def project_results(*, project: SurveyProject) -> list[UnitSurveyResult]:
    """What the results page shows: frozen results once closed, live (provisional) before."""
    if project.status == SurveyProject.Status.CLOSED:
        return stored_results(project=project)
    return compute_results(project=project)


@transaction.atomic
def project_close(*, project: SurveyProject, actor: Any) -> list[SurveyResult]:
    """Close fieldwork: settle the open cases, compute and freeze each unit's result.

    Open or callback cases that were called become final non-response; never-called open cases
    are closed as they are (not in any rate); reserves never released stay in reserve.
    """
    locked = SurveyProject.objects.select_for_update().get(pk=project.pk)
    if locked.status == SurveyProject.Status.CLOSED:
        raise ApplicationError(_("This survey is already closed; its results are frozen."))
    if locked.status != SurveyProject.Status.FIELDWORK:
        raise ApplicationError(_("Only a survey in fieldwork can be closed."))
    now = timezone.now()
    pending = Case.objects.filter(
        project=locked, status__in=[Case.Status.OPEN, Case.Status.CALLBACK]
    )
    settled = pending.filter(attempts__gt=0).update(
        status=Case.Status.FINAL_NONRESPONSE, closed_at=now, next_call_after=None
    )
    never_called = pending.filter(attempts=0).update(closed_at=now, next_call_after=None)
    computed = compute_results(project=locked)
    SurveyResult.objects.filter(project=locked).delete()
    stored = SurveyResult.objects.bulk_create(
        [
            SurveyResult(
                project=locked,
                unit_id=r.unit_id,
                index=_dec(r.index, INDEX_PLACES),
                index_ci_low=_dec(r.index_ci_low, INDEX_PLACES),
                index_ci_high=_dec(r.index_ci_high, INDEX_PLACES),
                satisfied_rate=_dec(r.satisfied_rate, RATE_PLACES),
                satisfied_rate_ci_low=_dec(r.satisfied_rate_ci_low, RATE_PLACES),
                satisfied_rate_ci_high=_dec(r.satisfied_rate_ci_high, RATE_PLACES),
                completes=r.completes,
                rr1=_dec(r.rr1, RATE_PLACES),
                coop1=_dec(r.coop1, RATE_PLACES),
                ref1=_dec(r.ref1, RATE_PLACES),
                detail=r.detail,
            )
            for r in computed
        ]
    )
    locked.status = SurveyProject.Status.CLOSED
    locked.closed_at = now
    locked.save(update_fields=["status", "closed_at", "updated_at"])
    project.status, project.closed_at = locked.status, locked.closed_at
    audit_event(
        actor=actor,
        action="survey.project_close",
        obj=locked,
        before={"status": SurveyProject.Status.FIELDWORK},
        after={
            "status": SurveyProject.Status.CLOSED,
            "cases_nonresponse": settled,
            "cases_never_called": never_called,
            "units": len(stored),
            "completes": sum(r.completes for r in computed),
            "indices": {
                r.unit_code: (None if r.index is None else round(r.index, 4)) for r in computed
            },
        },
    )
    return stored
