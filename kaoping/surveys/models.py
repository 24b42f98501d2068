"""Public appraisal surveys (公众评议): projects, questionnaires, frames, draws, telephone cases,
call attempts, interviews and frozen results.

Personal data (PIPL): a respondent's name and phone number are stored encrypted
(`kaoping.surveys.crypto`), beside a keyed hash of the normalised phone number for duplicate
checks and the masked forms (`138****1234`, `张*`) that every page and export shows. Reading
the clear text goes through `services.reveal_respondent`, which audits each view.

Who reads what (scope_filter; deny by default):
- the performance office reads the projects (and everything under them) of plans owned by a
  unit in its scope;
- an interviewer reads no project through the data scope: their cases are fetched by
  assignment (`interviewer=user`, kaoping.surveys.selectors), so they never see another's;
  a project's supervisors (ProjectStaff.Role.SUPERVISOR) are likewise fetched by staffing;
- a closed project's frozen results (aggregates only) are read by leaders for the units in
  their portfolio and by units for themselves;
- every other role reads nothing.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from kaoping.core.models import TimestampedModel
from kaoping.core.scope import DataScope
from kaoping.org.models import Role, Unit
from kaoping.plans.models import Plan

NOTHING = Q(pk__in=[])


def _office_q(scope: DataScope, project_lookup: str) -> Q:
    """Rows of projects whose plan is owned by a unit in an office's scope."""
    prefix = f"{project_lookup}__" if project_lookup else ""
    if Role.OFFICE in scope.roles:
        return scope.units_q(f"{prefix}plan__owner")
    return NOTHING


class RespondentGroup(models.TextChoices):
    """The lists respondents come from (参评人员 and the resident directory)."""

    DEPUTY = "deputy", _("NPC deputies")
    MEMBER = "member", _("CPPCC members")
    RESIDENT = "resident", _("Residents")
    CADRE = "cadre", _("Cadres")
    BUSINESS_OWNER = "business_owner", _("Business owners")


# Each list belongs to one weighting group of DOMAIN.md (survey_calculations.DEFAULT_GROUP_WEIGHTS).
WEIGHT_GROUP: dict[str, str] = {
    RespondentGroup.DEPUTY: "deputies_and_members",
    RespondentGroup.MEMBER: "deputies_and_members",
    RespondentGroup.RESIDENT: "residents",
    RespondentGroup.CADRE: "cadres_and_business_owners",
    RespondentGroup.BUSINESS_OWNER: "cadres_and_business_owners",
}


def stratum_label(key: str) -> str:
    """A draw stratum key "resident:东城镇" as the user reads it: "Residents · 东城镇"."""
    group, _sep, stratum = key.partition(":")
    try:
        group_label = str(RespondentGroup(group).label)
    except ValueError:
        group_label = group
    return f"{group_label} · {stratum}" if stratum else group_label


class OptionSet(TimestampedModel):
    """Answers a question offers with their scores (data, not code): presets are the published
    five levels and the 12340 line's four; `options` is a list of [label, score or null]
    from the best to the worst, null meaning excluded from the denominator (不了解)."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=100)
    options = models.JSONField(_("options"))

    class Meta:
        verbose_name = _("option set")
        verbose_name_plural = _("option sets")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name

    @classmethod
    def scope_filter(cls, scope: DataScope) -> Q:
        # Reference data: the office (who builds questionnaires) reads them all.
        return Q() if Role.OFFICE in scope.roles else NOTHING


class SurveyProject(TimestampedModel):
    """A public-appraisal survey of a plan: comprehensive (综合评议) or special (专项评议)."""

    class Kind(models.TextChoices):
        COMPREHENSIVE = "comprehensive", _("Comprehensive appraisal")
        SPECIAL = "special", _("Special appraisal")

    class Status(models.TextChoices):
        DRAFT = "draft", _("Preparing")
        FIELDWORK = "fieldwork", _("Fieldwork")
        CLOSED = "closed", _("Closed")

    plan = models.ForeignKey(
        Plan, verbose_name=_("plan"), on_delete=models.PROTECT, related_name="survey_projects"
    )
    code = models.CharField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(
        _("kind"), max_length=16, choices=Kind.choices, default=Kind.COMPREHENSIVE
    )
    status = models.CharField(
        _("status"), max_length=12, choices=Status.choices, default=Status.DRAFT
    )
    units = models.ManyToManyField(
        Unit, verbose_name=_("appraised units"), related_name="survey_projects", blank=True
    )
    feeds_scoring = models.BooleanField(
        _("feeds the public-appraisal component"),
        default=False,
        help_text=_("The plan's composite score takes its public-appraisal component from here."),
    )
    group_weights = models.JSONField(
        _("respondent group weights"),
        default=dict,
        blank=True,
        help_text=_("Weights of deputies and members, residents, cadres and business owners."),
    )
    confidence = models.DecimalField(
        _("confidence level"), max_digits=4, decimal_places=3, default=Decimal("0.950")
    )
    margin_of_error = models.DecimalField(
        _("margin of error"), max_digits=4, decimal_places=3, default=Decimal("0.050")
    )
    max_attempts = models.PositiveSmallIntegerField(
        _("call attempts before a case is replaced"),
        default=5,
        validators=[MinValueValidator(1), MaxValueValidator(20)],
    )
    attempt_spacing_minutes = models.PositiveIntegerField(_("minutes between attempts"), default=60)
    calling_hours_start = models.TimeField(_("calls from"), default="09:00")
    calling_hours_end = models.TimeField(_("calls until"), default="21:00")
    retention_days = models.PositiveIntegerField(
        _("days personal data is kept after closing"), default=180
    )
    fieldwork_started_at = models.DateTimeField(_("fieldwork started at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    purged_at = models.DateTimeField(_("personal data purged at"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("survey project")
        verbose_name_plural = _("survey projects")
        ordering = ["-plan__cycle__year", "code"]
        constraints = [
            models.UniqueConstraint(
                fields=["plan"],
                condition=Q(feeds_scoring=True),
                name="survey_one_scoring_project_per_plan",
            )
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    @classmethod
    def scope_filter(cls, scope: DataScope) -> Q:
        return _office_q(scope, "")


class ProjectStaff(TimestampedModel):
    """An interviewer or supervisor working on a project (call-centre staff)."""

    class StaffRole(models.TextChoices):
        INTERVIEWER = "interviewer", _("Interviewer")
        SUPERVISOR = "supervisor", _("Supervisor")

    project = models.ForeignKey(
        SurveyProject, verbose_name=_("survey"), on_delete=models.CASCADE, related_name="staff"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.PROTECT,
        related_name="survey_staffing",
    )
    role = models.CharField(
        _("role"), max_length=12, choices=StaffRole.choices, default=StaffRole.INTERVIEWER
    )

    class Meta:
        verbose_name = _("survey staff")
        verbose_name_plural = _("survey staff")
        constraints = [
            models.UniqueConstraint(fields=["project", "user"], name="survey_staff_unique")
        ]

    @classmethod
    def scope_filter(cls, scope: DataScope) -> Q:
        return _office_q(scope, "project")


class Questionnaire(TimestampedModel):
    """A version of a project's questionnaire; locked when fieldwork starts (the interviews
    keep the version they were asked with)."""

    project = models.ForeignKey(
        SurveyProject,
        verbose_name=_("survey"),
        on_delete=models.CASCADE,
        related_name="questionnaires",
    )
    version = models.PositiveIntegerField(_("version"), default=1)
    title = models.CharField(_("title"), max_length=200)
    introduction = models.TextField(
        _("introduction read to the respondent"), blank=True, max_length=4000
    )
    locked_at = models.DateTimeField(_("locked at"), null=True, blank=True)

    class Meta:
        verbose_name = _("questionnaire")
        verbose_name_plural = _("questionnaires")
        ordering = ["project", "-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["project", "version"], name="survey_questionnaire_version_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.title} v{self.version}"

    @classmethod
    def scope_filter(cls, scope: DataScope) -> Q:
        return _office_q(scope, "project")


class Question(TimestampedModel):
    """One question. A per-unit rating question is asked about each appraised unit the
    respondent knows (“您对××局的工作是否满意”); skip logic shows a question only when an
    earlier question's answer is one of `show_if_answers`."""

    class Kind(models.TextChoices):
        UNIT_RATING = "unit_rating", _("Rating of each appraised unit")
        RATING = "rating", _("Rating")
        CHOICE = "choice", _("Single choice")
        TEXT = "text", _("Open answer")

    questionnaire = models.ForeignKey(
        Questionnaire,
        verbose_name=_("questionnaire"),
        on_delete=models.CASCADE,
        related_name="questions",
    )
    number = models.PositiveSmallIntegerField(_("number"))
    text = models.TextField(_("text"), max_length=1000)
    kind = models.CharField(
        _("kind"), max_length=12, choices=Kind.choices, default=Kind.UNIT_RATING
    )
    option_set = models.ForeignKey(
        OptionSet,
        verbose_name=_("option set"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="questions",
    )
    choices = models.JSONField(
        _("choices"),
        default=list,
        blank=True,
        help_text=_("The labels of a single-choice question."),
    )
    weight = models.DecimalField(
        _("weight in the unit index"), max_digits=6, decimal_places=3, default=Decimal(1)
    )
    groups = models.JSONField(
        _("asked of"),
        default=list,
        blank=True,
        help_text=_("Respondent groups asked this question; empty means everyone."),
    )
    show_if_question = models.ForeignKey(
        "self",
        verbose_name=_("shown only after question"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    show_if_answers = models.JSONField(
        _("shown only if that answer is one of"), default=list, blank=True
    )
    required = models.BooleanField(_("required"), default=True)

    class Meta:
        verbose_name = _("question")
        verbose_name_plural = _("questions")
        ordering = ["questionnaire", "number"]
        constraints = [
            models.UniqueConstraint(
                fields=["questionnaire", "number"], name="survey_question_number_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.number}. {self.text[:40]}"

    @classmethod
    def scope_filter(cls, scope: DataScope) -> Q:
        return _office_q(scope, "questionnaire__project")


class Frame(TimestampedModel):
    """One imported respondent list (a file), kept with what was wrong in it."""

    project = models.ForeignKey(
        SurveyProject, verbose_name=_("survey"), on_delete=models.CASCADE, related_name="frames"
    )
    group = models.CharField(_("respondent group"), max_length=16, choices=RespondentGroup.choices)
    census = models.BooleanField(
        _("take everyone"), default=False, help_text=_("Deputies and members are taken whole.")
    )
    file_name = models.CharField(_("file name"), max_length=255)
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    rows = models.PositiveIntegerField(_("rows read"), default=0)
    imported = models.PositiveIntegerField(_("respondents imported"), default=0)
    problems = models.JSONField(_("problems"), default=list, blank=True)
    imported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("imported by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("respondent list")
        verbose_name_plural = _("respondent lists")
        ordering = ["project", "group", "created_at"]
        constraints = [
            models.UniqueConstraint(fields=["project", "sha256"], name="survey_frame_file_once")
        ]

    @classmethod
    def scope_filter(cls, scope: DataScope) -> Q:
        return _office_q(scope, "project")


class Respondent(TimestampedModel):
    """A person in a frame. Name and phone are encrypted; the masks are what users see."""

    project = models.ForeignKey(
        SurveyProject,
        verbose_name=_("survey"),
        on_delete=models.CASCADE,
        related_name="respondents",
    )
    frame = models.ForeignKey(
        Frame, verbose_name=_("list"), on_delete=models.CASCADE, related_name="respondents"
    )
    group = models.CharField(_("respondent group"), max_length=16, choices=RespondentGroup.choices)
    stratum = models.CharField(
        _("stratum"), max_length=60, help_text=_("The town or unit the person is drawn within.")
    )
    unit = models.ForeignKey(
        Unit,
        verbose_name=_("town or unit"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    weight = models.FloatField(
        _("weight"), default=1.0, help_text=_("How many people the entry stands for.")
    )
    name_encrypted = models.TextField(_("name (encrypted)"), blank=True)
    phone_encrypted = models.TextField(_("phone (encrypted)"), blank=True)
    phone_hash = models.CharField(_("phone fingerprint"), max_length=64, db_index=True)
    name_masked = models.CharField(_("name"), max_length=40)
    phone_masked = models.CharField(_("phone"), max_length=20)
    external_ref = models.CharField(_("reference in the list"), max_length=60, blank=True)

    class Meta:
        verbose_name = _("respondent")
        verbose_name_plural = _("respondents")
        ordering = ["project", "group", "stratum", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["project", "phone_hash"], name="survey_respondent_phone_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.name_masked} {self.phone_masked}"

    @classmethod
    def scope_filter(cls, scope: DataScope) -> Q:
        return _office_q(scope, "project")


class SampleDraw(TimestampedModel):
    """A recorded draw of a project's respondents. At most one current draw per project; a
    redraw (before fieldwork only, with a reason) supersedes it and both stay on record."""

    project = models.ForeignKey(
        SurveyProject, verbose_name=_("survey"), on_delete=models.CASCADE, related_name="draws"
    )
    seed = models.BigIntegerField(_("seed"))
    parameters = models.JSONField(
        _("parameters"), default=dict, help_text=_("Total, minimum per stratum, reserve ratio.")
    )
    allocation = models.JSONField(_("allocation per stratum"), default=dict)
    frame_digest = models.CharField(
        _("frame fingerprint"), max_length=64, help_text=_("SHA-256 of the frame's ids and strata.")
    )
    drawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("drawn by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    superseded_at = models.DateTimeField(_("superseded at"), null=True, blank=True)
    superseded_reason = models.CharField(_("reason for the redraw"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("sample draw")
        verbose_name_plural = _("sample draws")
        ordering = ["project", "-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["project"],
                condition=Q(superseded_at__isnull=True),
                name="survey_one_current_draw",
            )
        ]

    @classmethod
    def scope_filter(cls, scope: DataScope) -> Q:
        return _office_q(scope, "project")


class Outcome(models.TextChoices):
    """Call-attempt outcomes (AAPOR-style dispositions); `AAPOR_CODE` maps a case's final one."""

    COMPLETE = "complete", _("Complete")
    PARTIAL = "partial", _("Partial interview")
    REFUSAL = "refusal", _("Refusal")
    BREAK_OFF = "break_off", _("Break-off")
    NO_ANSWER = "no_answer", _("No answer")
    BUSY = "busy", _("Busy")
    ANSWERING_MACHINE = "answering_machine", _("Voicemail")
    CALLBACK = "callback", _("Callback appointment")
    WRONG_NUMBER = "wrong_number", _("Wrong number")
    NOT_IN_SERVICE = "not_in_service", _("Number not in service")
    RESPONDENT_UNAVAILABLE = "unavailable", _("Respondent unavailable during fieldwork")
    LANGUAGE = "language", _("Language barrier")
    INELIGIBLE = "ineligible", _("Not eligible")


# The AAPOR disposition a case ends with, by its last outcome (survey_calculations.AAPOR_CODES);
# None: not counted (ineligible cases are out of every denominator).
AAPOR_CODE: dict[str, str | None] = {
    Outcome.COMPLETE: "I",
    Outcome.PARTIAL: "P",
    Outcome.REFUSAL: "R",
    Outcome.BREAK_OFF: "R",
    Outcome.NO_ANSWER: "NC",
    Outcome.BUSY: "NC",
    Outcome.ANSWERING_MACHINE: "NC",
    Outcome.CALLBACK: "NC",
    Outcome.RESPONDENT_UNAVAILABLE: "NC",
    Outcome.LANGUAGE: "O",
    Outcome.WRONG_NUMBER: "UO",
    Outcome.NOT_IN_SERVICE: "UH",
    Outcome.INELIGIBLE: None,
}


class Case(TimestampedModel):
    """A drawn respondent to call: a selected case, or a reserve released to replace one."""

    class Status(models.TextChoices):
        RESERVE = "reserve", _("In reserve")
        OPEN = "open", _("To call")
        CALLBACK = "callback", _("Callback booked")
        COMPLETED = "completed", _("Completed")
        FINAL_NONRESPONSE = "nonresponse", _("Final non-response")
        REPLACED = "replaced", _("Replaced from the reserve")

    draw = models.ForeignKey(
        SampleDraw, verbose_name=_("draw"), on_delete=models.CASCADE, related_name="cases"
    )
    project = models.ForeignKey(
        SurveyProject, verbose_name=_("survey"), on_delete=models.CASCADE, related_name="cases"
    )
    respondent = models.ForeignKey(
        Respondent, verbose_name=_("respondent"), on_delete=models.CASCADE, related_name="cases"
    )
    stratum = models.CharField(_("stratum"), max_length=80)  # group:stratum
    position = models.PositiveIntegerField(
        _("order drawn"), help_text=_("Position in the stratum's drawn order (reserves after).")
    )
    is_reserve = models.BooleanField(_("drawn as reserve"), default=False)
    status = models.CharField(
        _("status"), max_length=12, choices=Status.choices, default=Status.OPEN
    )
    interviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("interviewer"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="survey_cases",
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    last_outcome = models.CharField(
        _("last outcome"), max_length=20, choices=Outcome.choices, blank=True
    )
    next_call_after = models.DateTimeField(_("next call not before"), null=True, blank=True)
    callback_at = models.DateTimeField(_("callback at"), null=True, blank=True)
    replaces = models.OneToOneField(
        "self",
        verbose_name=_("replaces"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="replaced_by",
    )
    released_at = models.DateTimeField(_("released from reserve at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("case")
        verbose_name_plural = _("cases")
        ordering = ["project", "stratum", "position"]
        constraints = [
            models.UniqueConstraint(fields=["draw", "respondent"], name="survey_case_once"),
            models.UniqueConstraint(
                fields=["draw", "stratum", "position"], name="survey_case_position_unique"
            ),
        ]
        indexes = [models.Index(fields=["project", "interviewer", "status"])]

    @classmethod
    def scope_filter(cls, scope: DataScope) -> Q:
        return _office_q(scope, "project")


class CallAttempt(TimestampedModel):
    """One dial of a case, with its outcome (append-only)."""

    case = models.ForeignKey(
        Case, verbose_name=_("case"), on_delete=models.CASCADE, related_name="call_attempts"
    )
    interviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("interviewer"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    number = models.PositiveSmallIntegerField(_("attempt"))
    started_at = models.DateTimeField(_("dialled at"))
    ended_at = models.DateTimeField(_("ended at"), null=True, blank=True)
    outcome = models.CharField(_("outcome"), max_length=20, choices=Outcome.choices)
    callback_at = models.DateTimeField(_("callback at"), null=True, blank=True)
    note = models.CharField(_("note"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("call attempt")
        verbose_name_plural = _("call attempts")
        ordering = ["case", "number"]
        constraints = [
            models.UniqueConstraint(fields=["case", "number"], name="survey_attempt_number_unique")
        ]

    @classmethod
    def scope_filter(cls, scope: DataScope) -> Q:
        return _office_q(scope, "case__project")


class Interview(TimestampedModel):
    """The answers of one case, asked with one questionnaire version. A completed interview
    changes only through a supervisor's correction with a reason (audited)."""

    class Status(models.TextChoices):
        IN_PROGRESS = "in_progress", _("In progress")
        PARTIAL = "partial", _("Partial")
        COMPLETE = "complete", _("Complete")

    case = models.OneToOneField(
        Case, verbose_name=_("case"), on_delete=models.CASCADE, related_name="interview"
    )
    questionnaire = models.ForeignKey(
        Questionnaire,
        verbose_name=_("questionnaire"),
        on_delete=models.PROTECT,
        related_name="interviews",
    )
    interviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("interviewer"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    status = models.CharField(
        _("status"), max_length=12, choices=Status.choices, default=Status.IN_PROGRESS
    )
    started_at = models.DateTimeField(_("started at"))
    completed_at = models.DateTimeField(_("completed at"), null=True, blank=True)
    corrected_at = models.DateTimeField(_("corrected at"), null=True, blank=True)
    correction_reason = models.CharField(_("reason for the correction"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("interview")
        verbose_name_plural = _("interviews")
        ordering = ["case"]

    @classmethod
    def scope_filter(cls, scope: DataScope) -> Q:
        return _office_q(scope, "case__project")


class Answer(TimestampedModel):
    """One answer: an option's label (its score copied at answer time) or an open text; per
    appraised unit for unit-rating questions."""

    interview = models.ForeignKey(
        Interview, verbose_name=_("interview"), on_delete=models.CASCADE, related_name="answers"
    )
    question = models.ForeignKey(
        Question, verbose_name=_("question"), on_delete=models.PROTECT, related_name="answers"
    )
    unit = models.ForeignKey(
        Unit,
        verbose_name=_("appraised unit"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    label = models.CharField(_("answer"), max_length=60, blank=True)
    score = models.DecimalField(_("score"), max_digits=6, decimal_places=2, null=True, blank=True)
    text = models.TextField(_("open answer"), blank=True, max_length=2000)

    class Meta:
        verbose_name = _("answer")
        verbose_name_plural = _("answers")
        constraints = [
            models.UniqueConstraint(
                fields=["interview", "question", "unit"], name="survey_answer_unique"
            ),
            models.UniqueConstraint(
                fields=["interview", "question"],
                condition=Q(unit__isnull=True),
                name="survey_answer_unique_no_unit",
            ),
        ]

    @classmethod
    def scope_filter(cls, scope: DataScope) -> Q:
        return _office_q(scope, "interview__case__project")


class SurveyResult(TimestampedModel):
    """A unit's frozen result when a project closes (aggregates only, no personal data)."""

    project = models.ForeignKey(
        SurveyProject, verbose_name=_("survey"), on_delete=models.CASCADE, related_name="results"
    )
    unit = models.ForeignKey(
        Unit, verbose_name=_("unit"), on_delete=models.PROTECT, related_name="survey_results"
    )
    index = models.DecimalField(
        _("satisfaction index"), max_digits=7, decimal_places=4, null=True, blank=True
    )
    index_ci_low = models.DecimalField(max_digits=7, decimal_places=4, null=True, blank=True)
    index_ci_high = models.DecimalField(max_digits=7, decimal_places=4, null=True, blank=True)
    satisfied_rate = models.DecimalField(
        _("satisfied rate"), max_digits=7, decimal_places=6, null=True, blank=True
    )
    satisfied_rate_ci_low = models.DecimalField(
        max_digits=7, decimal_places=6, null=True, blank=True
    )
    satisfied_rate_ci_high = models.DecimalField(
        max_digits=7, decimal_places=6, null=True, blank=True
    )
    completes = models.PositiveIntegerField(_("completed interviews"), default=0)
    rr1 = models.DecimalField(_("response rate"), max_digits=7, decimal_places=6, null=True)
    coop1 = models.DecimalField(_("cooperation rate"), max_digits=7, decimal_places=6, null=True)
    ref1 = models.DecimalField(_("refusal rate"), max_digits=7, decimal_places=6, null=True)
    detail = models.JSONField(
        _("detail"), default=dict, blank=True, help_text=_("Per group and per question.")
    )

    class Meta:
        verbose_name = _("survey result")
        verbose_name_plural = _("survey results")
        ordering = ["project", "-index"]
        constraints = [
            models.UniqueConstraint(fields=["project", "unit"], name="survey_result_unique")
        ]

    @classmethod
    def scope_filter(cls, scope: DataScope) -> Q:
        closed = Q(project__status=SurveyProject.Status.CLOSED)
        q = _office_q(scope, "project")
        if scope.roles & {Role.LEADER, Role.UNIT_HEAD, Role.REPORTER, Role.INSPECTOR}:
            q |= closed & scope.units_q("unit")
        return q
