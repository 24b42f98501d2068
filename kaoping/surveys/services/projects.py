"""Survey projects, their questionnaires and option sets, and the start of fieldwork.

The performance office of the plan's owner builds a project (settings, appraised units,
group weights, call rules), its questionnaire (questions in order, skip logic, per-group
questions) and custom option sets, then starts fieldwork, which locks the questionnaire:
interviews keep the version they were asked with. Every write is audited.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import time
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Max, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from kaoping.appraisal import survey_calculations as calc
from kaoping.appraisal.selectors import is_office_for_plan
from kaoping.audit.services import audit_event, snapshot
from kaoping.core.errors import ApplicationError, ConflictError, PermissionDeniedError
from kaoping.org.models import Unit
from kaoping.plans.models import Plan
from kaoping.plans.selectors import plan_units
from kaoping.surveys.models import (
    OptionSet,
    ProjectStaff,
    Question,
    Questionnaire,
    RespondentGroup,
    SampleDraw,
    SurveyProject,
)

CONFIDENCE_LEVELS = (Decimal("0.900"), Decimal("0.950"), Decimal("0.990"))
"""The confidence levels a project may use (the z values of survey_calculations)."""

PRESET_OPTION_SETS = frozenset({calc.FIVE_LEVEL.code, calc.TWELVE340.code})
"""Option sets installed by migration: read-only."""

_CODE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")
RATING_KINDS = frozenset({Question.Kind.UNIT_RATING, Question.Kind.RATING})
APPRAISED_KINDS = (Unit.Kind.TOWN, Unit.Kind.DEPARTMENT)
LABEL_MAX = 60  # Answer.label


# --- shared checks ----------------------------------------------------------------------------
def _require_office(actor: Any, plan: Plan) -> None:
    """Only the performance office of the plan's owner (or the system) writes surveys."""
    if not is_office_for_plan(actor, plan):
        raise PermissionDeniedError(_("Only the performance office of the plan may do this."))


def _conflict() -> ConflictError:
    return ConflictError(
        _(
            "Someone else changed this in the meantime. Your input is still below: "
            "reload the page to see their change, then apply yours again."
        )
    )


def _plain(data: Mapping[str, Any]) -> dict[str, Any]:
    """Audit snapshot values in JSON form."""
    out: dict[str, Any] = {}
    for key, value in data.items():
        if isinstance(value, Decimal | time):
            out[key] = str(value)
        elif isinstance(value, list):
            out[key] = [v.pk if isinstance(v, Unit) else v for v in value]
        else:
            out[key] = value
    return out


def _project_snapshot(project: SurveyProject) -> dict[str, Any]:
    data = _plain(snapshot(project, exclude=("units",)))
    data["units"] = sorted(project.units.values_list("pk", flat=True))
    return data


# --- projects ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class ProjectSettings:
    """A project's settings as the office enters them (validated by `project_create`/_update)."""

    name: str
    kind: str = SurveyProject.Kind.COMPREHENSIVE
    units: Sequence[Unit] = ()
    feeds_scoring: bool = False
    group_weights: Mapping[str, float | Decimal] | None = None
    confidence: Decimal = Decimal("0.950")
    margin_of_error: Decimal = Decimal("0.050")
    max_attempts: int = 5
    attempt_spacing_minutes: int = 60
    calling_hours_start: time = time(9, 0)
    calling_hours_end: time = time(21, 0)
    retention_days: int = 180


def project_settings(project: SurveyProject) -> ProjectSettings:
    """A project's current settings."""
    return ProjectSettings(
        name=project.name,
        kind=project.kind,
        units=list(project.units.all()),
        feeds_scoring=project.feeds_scoring,
        group_weights=project.group_weights or None,
        confidence=project.confidence,
        margin_of_error=project.margin_of_error,
        max_attempts=project.max_attempts,
        attempt_spacing_minutes=project.attempt_spacing_minutes,
        calling_hours_start=project.calling_hours_start,
        calling_hours_end=project.calling_hours_end,
        retention_days=project.retention_days,
    )


def appraisable_units(*, plan: Plan) -> list[Unit]:
    """The plan's towns and departments: what a survey of the plan may appraise."""
    return list(plan_units(plan=plan).filter(kind__in=APPRAISED_KINDS))


def _validated_group_weights(weights: Mapping[str, float | Decimal] | None) -> dict[str, float]:
    if not weights:  # a project without its own weights uses DOMAIN.md's defaults
        return dict(calc.DEFAULT_GROUP_WEIGHTS)
    unknown = set(weights) - set(calc.DEFAULT_GROUP_WEIGHTS)
    if unknown:
        raise ApplicationError(
            _("Unknown respondent group weight: %s.") % ", ".join(sorted(unknown))
        )
    values = {group: float(weights.get(group, 0) or 0) for group in calc.DEFAULT_GROUP_WEIGHTS}
    if any(v < 0 or v != v for v in values.values()):
        raise ApplicationError(_("Group weights cannot be negative."))
    if not any(v > 0 for v in values.values()):
        raise ApplicationError(_("At least one respondent group needs a positive weight."))
    return values


def _validated_settings(plan: Plan, settings: ProjectSettings) -> dict[str, Any]:
    """The model fields of `settings`, or an ApplicationError naming what is wrong."""
    name = settings.name.strip()
    if not name:
        raise ApplicationError(_("The survey needs a name."))
    if settings.kind not in SurveyProject.Kind.values:
        raise ApplicationError(_("Unknown kind of survey."))
    confidence = Decimal(settings.confidence).quantize(Decimal("0.001"))
    if confidence not in CONFIDENCE_LEVELS:
        raise ApplicationError(_("The confidence level must be 90%, 95% or 99%."))
    margin = Decimal(settings.margin_of_error).quantize(Decimal("0.001"))
    if not Decimal("0.01") <= margin <= Decimal("0.2"):
        raise ApplicationError(_("The margin of error must be between 0.01 and 0.20."))
    if not 1 <= settings.max_attempts <= 20:
        raise ApplicationError(_("Call attempts per case must be between 1 and 20."))
    if not 0 <= settings.attempt_spacing_minutes <= 10080:
        raise ApplicationError(_("The spacing of attempts must be between 0 and 10080 minutes."))
    if settings.calling_hours_start >= settings.calling_hours_end:
        raise ApplicationError(_("Calling hours must start before they end."))
    if not 1 <= settings.retention_days <= 3650:
        raise ApplicationError(_("Personal data must be kept between 1 and 3650 days."))
    allowed = {u.pk: u for u in appraisable_units(plan=plan)}
    chosen = list(settings.units) or list(allowed.values())
    outside = [u for u in chosen if u.pk not in allowed]
    if outside:
        raise ApplicationError(
            _("These units are not towns or departments of the plan: %s.")
            % "、".join(u.name for u in outside)
        )
    if not chosen:
        raise ApplicationError(_("The survey needs at least one appraised unit."))
    return {
        "name": name,
        "kind": settings.kind,
        "units": chosen,
        "feeds_scoring": settings.feeds_scoring,
        "group_weights": _validated_group_weights(settings.group_weights),
        "confidence": confidence,
        "margin_of_error": margin,
        "max_attempts": settings.max_attempts,
        "attempt_spacing_minutes": settings.attempt_spacing_minutes,
        "calling_hours_start": settings.calling_hours_start,
        "calling_hours_end": settings.calling_hours_end,
        "retention_days": settings.retention_days,
    }


def _check_one_scoring_project(plan: Plan, *, exclude_pk: int | None = None) -> None:
    other = SurveyProject.objects.filter(plan=plan, feeds_scoring=True)
    if exclude_pk is not None:
        other = other.exclude(pk=exclude_pk)
    first = other.first()
    if first is not None:
        raise ApplicationError(
            _(
                "Survey %(code)s already feeds this plan's public-appraisal component; "
                "only one survey of a plan can. Untick it there first."
            )
            % {"code": first.code}
        )


@transaction.atomic
def project_create(
    *, actor: Any, plan: Plan, code: str, settings: ProjectSettings
) -> SurveyProject:
    """The office opens a survey of its plan, with an empty first questionnaire version."""
    _require_office(actor, plan)
    code = code.strip()
    if not code or len(code) > 40 or not _CODE.match(code):
        raise ApplicationError(
            _("The code is letters, digits, dots and dashes, e.g. 2022-ZH (at most 40).")
        )
    if SurveyProject.objects.filter(code__iexact=code).exists():
        raise ApplicationError(_("The code %s is already used by another survey.") % code)
    fields = _validated_settings(plan, settings)
    if fields["feeds_scoring"]:
        _check_one_scoring_project(plan)
    units = fields.pop("units")
    try:
        with transaction.atomic():
            project = SurveyProject.objects.create(
                plan=plan, code=code, created_by=actor if actor is not None else None, **fields
            )
    except IntegrityError:  # a concurrent create took the code or the scoring slot
        raise ApplicationError(
            _("Another survey with this code, or feeding this plan's score, was just created.")
        ) from None
    project.units.set(units)
    Questionnaire.objects.create(project=project, version=1, title=project.name)
    audit_event(
        actor=actor, action="survey.project_created", obj=project, after=_project_snapshot(project)
    )
    return project


# Fields that stay editable once fieldwork has started (the rest shaped the draw and calls).
EDITABLE_IN_FIELDWORK = ("name", "retention_days")


@transaction.atomic
def project_update(
    *,
    actor: Any,
    project: SurveyProject,
    settings: ProjectSettings,
    expected_version: int | None = None,
) -> SurveyProject:
    """Change a project's settings; once fieldwork started only its name and retention."""
    _require_office(actor, project.plan)
    fields = _validated_settings(project.plan, settings)
    before = _project_snapshot(project)
    version = project.row_version if expected_version is None else expected_version
    if project.status != SurveyProject.Status.DRAFT:
        current = _plain(_validated_settings(project.plan, project_settings(project)))
        changed = [
            key
            for key, value in _plain(fields).items()
            if key not in EDITABLE_IN_FIELDWORK
            and (sorted(value) != sorted(current[key]) if key == "units" else value != current[key])
        ]
        if changed:
            raise ApplicationError(
                _(
                    "Fieldwork has started: the sample was drawn and interviews are made with "
                    "these settings, so only the name and the retention period can change."
                )
            )
        fields = {key: fields[key] for key in EDITABLE_IN_FIELDWORK}
    elif fields["feeds_scoring"]:
        _check_one_scoring_project(project.plan, exclude_pk=project.pk)
    units = fields.pop("units", None)
    try:
        with transaction.atomic():
            updated = SurveyProject.objects.filter(
                pk=project.pk, row_version=version, status=project.status
            ).update(row_version=version + 1, updated_at=timezone.now(), **fields)
    except IntegrityError:
        raise ApplicationError(
            _("Another survey was just set to feed this plan's score.")
        ) from None
    if not updated:
        raise _conflict()
    for key, value in fields.items():
        setattr(project, key, value)
    project.row_version = version + 1
    if units is not None:
        project.units.set(units)
    audit_event(
        actor=actor,
        action="survey.project_updated",
        obj=project,
        before=before,
        after=_project_snapshot(project),
    )
    return project


# --- questionnaires ---------------------------------------------------------------------------
def questionnaire_current(project: SurveyProject) -> Questionnaire:
    """The project's newest questionnaire version (what new interviews are asked with)."""
    questionnaire = project.questionnaires.order_by("-version").first()
    if questionnaire is None:
        raise ApplicationError(_("This survey has no questionnaire yet."))
    return questionnaire


def _lock_questionnaire(questionnaire: Questionnaire) -> Questionnaire:
    """Re-read the questionnaire under a row lock; refuse if it is locked."""
    fresh = Questionnaire.objects.select_for_update().get(pk=questionnaire.pk)
    if fresh.locked_at is not None:
        raise ApplicationError(
            _(
                "Version %(version)s of the questionnaire is locked: fieldwork was started "
                "with it, so its questions cannot change."
            )
            % {"version": fresh.version}
        )
    return fresh


def _require_current(questionnaire: Questionnaire) -> None:
    newest = questionnaire.project.questionnaires.aggregate(v=Max("version"))["v"]
    if questionnaire.version != newest:
        raise ApplicationError(_("Only the newest questionnaire version can be changed."))


@transaction.atomic
def questionnaire_update(
    *,
    actor: Any,
    questionnaire: Questionnaire,
    title: str,
    introduction: str,
    expected_version: int | None = None,
) -> Questionnaire:
    """Change the title and introduction of an unlocked questionnaire."""
    _require_office(actor, questionnaire.project.plan)
    _require_current(questionnaire)
    fresh = _lock_questionnaire(questionnaire)
    title = title.strip()
    if not title:
        raise ApplicationError(_("The questionnaire needs a title."))
    if len(introduction) > 4000:
        raise ApplicationError(_("The introduction is at most 4000 characters."))
    if expected_version is not None and fresh.row_version != expected_version:
        raise _conflict()
    before = {"title": fresh.title, "introduction": fresh.introduction}
    fresh.title, fresh.introduction = title, introduction
    fresh.row_version += 1
    fresh.save(update_fields=["title", "introduction", "row_version", "updated_at"])
    audit_event(
        actor=actor,
        action="survey.questionnaire_updated",
        obj=fresh,
        before=before,
        after={"title": title, "introduction": introduction},
    )
    return fresh


@transaction.atomic
def questionnaire_new_version(*, project: SurveyProject, actor: Any) -> Questionnaire:
    """Copy the current questionnaire into version+1 (the copy keeps skip logic); allowed
    while the project is being prepared. The copied version is locked and kept as it was."""
    _require_office(actor, project.plan)
    project = SurveyProject.objects.select_for_update().get(pk=project.pk)
    if project.status != SurveyProject.Status.DRAFT:
        raise ApplicationError(
            _(
                "Fieldwork has started: the questionnaire stays as it was for all interviews "
                "of this survey."
            )
        )
    source = questionnaire_current(project)
    if source.locked_at is None:
        source.locked_at = timezone.now()
        source.save(update_fields=["locked_at", "updated_at"])
    copy = Questionnaire.objects.create(
        project=project,
        version=source.version + 1,
        title=source.title,
        introduction=source.introduction,
    )
    mapping: dict[int, Question] = {}
    for question in source.questions.order_by("number"):
        old_pk = question.pk
        show_if = question.show_if_question_id
        question.pk = None
        question.id = None
        question.questionnaire = copy
        question.show_if_question = mapping.get(show_if) if show_if else None
        question.row_version = 1
        question.save(force_insert=True)
        mapping[old_pk] = question
    audit_event(
        actor=actor,
        action="survey.questionnaire_version_created",
        obj=copy,
        before={"version": source.version},
        after={"version": copy.version, "questions": len(mapping)},
    )
    return copy


# --- questions --------------------------------------------------------------------------------
@dataclass(frozen=True)
class QuestionInput:
    """A question as the office enters it."""

    kind: str
    text: str
    option_set: OptionSet | None = None
    choices: Sequence[str] = ()
    weight: Decimal = Decimal(1)
    groups: Sequence[str] = ()
    show_if_question: Question | None = None
    show_if_answers: Sequence[str] = ()
    required: bool = True


def question_labels(question: Question) -> list[str]:
    """The answers a question offers (its option set's labels or its choices)."""
    if question.kind in RATING_KINDS and question.option_set is not None:
        return [str(label) for label, _score in question.option_set.options]
    if question.kind == Question.Kind.CHOICE:
        return [str(c) for c in question.choices]
    return []


def _validated_question(
    questionnaire: Questionnaire, data: QuestionInput, *, number: int
) -> dict[str, Any]:
    """The model fields of a question, or an ApplicationError naming what is wrong."""
    text = data.text.strip()
    if not text:
        raise ApplicationError(_("The question needs a text."))
    if len(text) > 1000:
        raise ApplicationError(_("The question text is at most 1000 characters."))
    if data.kind not in Question.Kind.values:
        raise ApplicationError(_("Unknown kind of question."))
    option_set: OptionSet | None = None
    choices: list[str] = []
    if data.kind in RATING_KINDS:
        if data.option_set is None:
            raise ApplicationError(_("A rating question needs an option set."))
        option_set = data.option_set
    elif data.kind == Question.Kind.CHOICE:
        choices = [c.strip() for c in data.choices if c.strip()]
        if len(choices) < 2:
            raise ApplicationError(_("A single-choice question needs at least two choices."))
        if len(set(choices)) != len(choices):
            raise ApplicationError(_("Each choice may appear only once."))
        if any(len(c) > LABEL_MAX for c in choices):
            raise ApplicationError(_("A choice is at most %d characters.") % LABEL_MAX)
    weight = Decimal(data.weight)
    if weight < 0 or weight >= 1000:
        raise ApplicationError(_("The weight must be between 0 and 999."))
    groups = list(dict.fromkeys(data.groups))
    if any(g not in RespondentGroup.values for g in groups):
        raise ApplicationError(_("Unknown respondent group."))
    answers = list(dict.fromkeys(a.strip() for a in data.show_if_answers if a.strip()))
    show_if = data.show_if_question
    if show_if is None and answers:
        raise ApplicationError(_("Choose the earlier question whose answers show this one."))
    if show_if is not None:
        if show_if.questionnaire_id != questionnaire.pk or show_if.number >= number:
            raise ApplicationError(
                _("A question can only depend on an earlier question of the same questionnaire.")
            )
        labels = question_labels(show_if)
        if not labels:
            raise ApplicationError(
                _("Question %d offers no answers to depend on (it is an open question).")
                % show_if.number
            )
        if not answers:
            raise ApplicationError(
                _("Choose which answers of question %d show this question.") % show_if.number
            )
        unknown = [a for a in answers if a not in labels]
        if unknown:
            raise ApplicationError(
                _("“%(answers)s” is not an answer of question %(number)d.")
                % {"answers": "、".join(unknown), "number": show_if.number}
            )
    return {
        "kind": data.kind,
        "text": text,
        "option_set": option_set,
        "choices": choices,
        "weight": weight,
        "groups": groups,
        "show_if_question": show_if,
        "show_if_answers": answers,
        "required": data.required,
    }


def _question_snapshot(question: Question) -> dict[str, Any]:
    return _plain(snapshot(question))


@transaction.atomic
def question_add(*, actor: Any, questionnaire: Questionnaire, data: QuestionInput) -> Question:
    """Append a question to an unlocked questionnaire."""
    _require_office(actor, questionnaire.project.plan)
    _require_current(questionnaire)
    questionnaire = _lock_questionnaire(questionnaire)
    number = (questionnaire.questions.aggregate(n=Max("number"))["n"] or 0) + 1
    fields = _validated_question(questionnaire, data, number=number)
    question = Question.objects.create(questionnaire=questionnaire, number=number, **fields)
    audit_event(
        actor=actor,
        action="survey.question_added",
        obj=question,
        after=_question_snapshot(question),
    )
    return question


def _dependents(question: Question) -> list[Question]:
    return list(Question.objects.filter(show_if_question=question).order_by("number"))


@transaction.atomic
def question_update(
    *,
    actor: Any,
    question: Question,
    data: QuestionInput,
    expected_version: int | None = None,
) -> Question:
    """Change a question of an unlocked questionnaire (later questions' skip logic checked)."""
    questionnaire = question.questionnaire
    _require_office(actor, questionnaire.project.plan)
    _require_current(questionnaire)
    questionnaire = _lock_questionnaire(questionnaire)
    fresh = Question.objects.select_for_update().get(pk=question.pk)
    version = fresh.row_version if expected_version is None else expected_version
    if fresh.row_version != version:
        raise _conflict()
    fields = _validated_question(questionnaire, data, number=fresh.number)
    before = _question_snapshot(fresh)
    for key, value in fields.items():
        setattr(fresh, key, value)
    labels = set(question_labels(fresh))
    for dependent in _dependents(fresh):
        if not set(dependent.show_if_answers) <= labels:
            raise ApplicationError(
                _(
                    "Question %(number)d is shown by answers of this question that would no "
                    "longer exist; change its skip logic first."
                )
                % {"number": dependent.number}
            )
    fresh.row_version = version + 1
    fresh.save()
    audit_event(
        actor=actor,
        action="survey.question_updated",
        obj=fresh,
        before=before,
        after=_question_snapshot(fresh),
    )
    return fresh


def _renumber(questionnaire: Questionnaire, ordered: Iterable[Question]) -> None:
    """Give the questions numbers 1…n in `ordered` order (two passes: numbers are unique)."""
    ordered = list(ordered)
    offset = 10000
    for question in ordered:
        Question.objects.filter(pk=question.pk).update(number=question.number + offset)
    for index, question in enumerate(ordered, start=1):
        Question.objects.filter(pk=question.pk).update(number=index)
        question.number = index


@transaction.atomic
def question_delete(*, actor: Any, question: Question) -> None:
    """Remove a question of an unlocked questionnaire and close the gap in the numbering."""
    questionnaire = question.questionnaire
    _require_office(actor, questionnaire.project.plan)
    _require_current(questionnaire)
    questionnaire = _lock_questionnaire(questionnaire)
    dependents = _dependents(question)
    if dependents:
        raise ApplicationError(
            _("Questions %s depend on this one (skip logic); change them first.")
            % ", ".join(str(q.number) for q in dependents)
        )
    before = _question_snapshot(question)
    question.delete()
    _renumber(questionnaire, questionnaire.questions.order_by("number"))
    audit_event(
        actor=actor,
        action="survey.question_deleted",
        object_type="surveys.question",
        object_id=str(before["id"]),
        object_repr=f"{before['number']}. {str(before['text'])[:40]}",
        before=before,
    )


@transaction.atomic
def question_move(*, actor: Any, question: Question, up: bool) -> Question:
    """Swap a question with the one before (`up`) or after it; skip logic must stay valid."""
    questionnaire = question.questionnaire
    _require_office(actor, questionnaire.project.plan)
    _require_current(questionnaire)
    questionnaire = _lock_questionnaire(questionnaire)
    ordered = list(questionnaire.questions.order_by("number"))
    index = next(i for i, q in enumerate(ordered) if q.pk == question.pk)
    other = index - 1 if up else index + 1
    if not 0 <= other < len(ordered):
        return ordered[index]
    first, second = sorted((index, other))
    earlier, later = ordered[first], ordered[second]
    if later.show_if_question_id == earlier.pk:
        raise ApplicationError(
            _("Question %(later)d depends on question %(earlier)d, so it must stay after it.")
            % {"later": later.number, "earlier": earlier.number}
        )
    ordered[first], ordered[second] = later, earlier
    before = {"number": ordered[other].number}
    _renumber(questionnaire, ordered)
    moved = ordered[other]
    audit_event(
        actor=actor,
        action="survey.question_moved",
        obj=moved,
        before=before,
        after={"number": moved.number},
    )
    return moved


# --- option sets ------------------------------------------------------------------------------
@transaction.atomic
def option_set_create(
    *, actor: Any, name: str, options: Sequence[tuple[str, float | None]]
) -> OptionSet:
    """A custom option set: labels from the best to the worst with scores (None: excluded)."""
    if actor is not None and not getattr(actor, "is_authenticated", False):
        raise PermissionDeniedError(_("Only the performance office may do this."))
    name = name.strip()
    if not name:
        raise ApplicationError(_("The option set needs a name."))
    rows = [(label.strip(), score) for label, score in options if label.strip()]
    labels = [label for label, _score in rows]
    if len(set(labels)) != len(labels):
        raise ApplicationError(_("Each answer label may appear only once."))
    if any(len(label) > LABEL_MAX for label in labels):
        raise ApplicationError(_("An answer label is at most %d characters.") % LABEL_MAX)
    if sum(1 for _label, score in rows if score is not None) < 2:
        raise ApplicationError(_("An option set needs at least two answers with a score."))
    if any(score is not None and not 0 <= score <= 1000 for _label, score in rows):
        raise ApplicationError(_("Scores must be between 0 and 1000."))
    code = f"custom-{secrets.token_hex(4)}"
    try:
        calc.OptionSet(code=code, options=tuple(rows))
    except ValueError as exc:  # the calculation module's own rules, as a last word
        raise ApplicationError(str(exc)) from None
    option_set = OptionSet.objects.create(
        code=code, name=name, options=[[label, score] for label, score in rows]
    )
    audit_event(
        actor=actor,
        action="survey.option_set_created",
        obj=option_set,
        after={"code": code, "name": name, "options": option_set.options},
    )
    return option_set


# --- fieldwork --------------------------------------------------------------------------------
def fieldwork_missing(project: SurveyProject) -> list[str]:
    """What still stops fieldwork from starting (empty: ready)."""
    missing: list[str] = []
    questionnaire = project.questionnaires.order_by("-version").first()
    questions = list(questionnaire.questions.all()) if questionnaire else []
    if not questions:
        missing.append(_("the questionnaire has no question"))
    elif project.feeds_scoring and not any(q.kind == Question.Kind.UNIT_RATING for q in questions):
        missing.append(
            _("the survey feeds the score but its questionnaire rates no unit (add a unit rating)")
        )
    draw = SampleDraw.objects.filter(project=project, superseded_at__isnull=True).first()
    if draw is None:
        missing.append(_("no sample has been drawn"))
    elif not draw.cases.exists():
        missing.append(_("the sample draw has no cases"))
    if not ProjectStaff.objects.filter(
        project=project, role=ProjectStaff.StaffRole.INTERVIEWER
    ).exists():
        missing.append(_("no interviewer is on the staff"))
    return missing


@transaction.atomic
def project_start_fieldwork(*, project: SurveyProject, actor: Any) -> SurveyProject:
    """Start the telephone interviews: locks the current questionnaire version."""
    _require_office(actor, project.plan)
    fresh = SurveyProject.objects.select_for_update().get(pk=project.pk)
    if fresh.status == SurveyProject.Status.FIELDWORK:
        raise ApplicationError(_("Fieldwork of this survey has already started."))
    if fresh.status != SurveyProject.Status.DRAFT:
        raise ApplicationError(_("This survey is closed."))
    missing = fieldwork_missing(fresh)
    if missing:
        raise ApplicationError(
            _("Fieldwork cannot start yet: %s.") % "; ".join(str(m) for m in missing)
        )
    now = timezone.now()
    questionnaire = questionnaire_current(fresh)
    if questionnaire.locked_at is None:
        questionnaire.locked_at = now
        questionnaire.save(update_fields=["locked_at", "updated_at"])
    updated = SurveyProject.objects.filter(
        Q(status=SurveyProject.Status.DRAFT), pk=fresh.pk
    ).update(
        status=SurveyProject.Status.FIELDWORK,
        fieldwork_started_at=now,
        row_version=fresh.row_version + 1,
        updated_at=now,
    )
    if not updated:  # pragma: no cover - the row lock above makes this unreachable
        raise ApplicationError(_("Fieldwork of this survey has already started."))
    project.status = SurveyProject.Status.FIELDWORK
    project.fieldwork_started_at = now
    project.row_version = fresh.row_version + 1
    audit_event(
        actor=actor,
        action="survey.fieldwork_started",
        obj=project,
        before={"status": SurveyProject.Status.DRAFT},
        after={
            "status": SurveyProject.Status.FIELDWORK,
            "questionnaire": questionnaire.pk,
            "questionnaire_version": questionnaire.version,
        },
    )
    return project
