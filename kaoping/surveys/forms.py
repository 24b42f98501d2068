"""Forms of the survey project pages (project settings, questionnaire, questions, option
sets). Input only; the services in kaoping.surveys.services.projects decide."""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import time
from decimal import Decimal
from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from kaoping.appraisal.survey_calculations import DEFAULT_GROUP_WEIGHTS
from kaoping.core.forms import BootstrapFormMixin
from kaoping.org.models import Unit
from kaoping.plans.models import Plan
from kaoping.surveys.models import (
    OptionSet,
    Question,
    Questionnaire,
    RespondentGroup,
    SurveyProject,
)
from kaoping.surveys.services.projects import ProjectSettings, QuestionInput

WEIGHT_LABELS = {
    "deputies_and_members": _("Weight of NPC deputies and CPPCC members"),
    "residents": _("Weight of residents"),
    "cadres_and_business_owners": _("Weight of cadres and business owners"),
}
CONFIDENCE_CHOICES = [("0.900", "90%"), ("0.950", "95%"), ("0.990", "99%")]
OPTION_ROWS = 8


def _lines(text: str) -> list[str]:
    """Entries typed one per line (commas and the Chinese list comma also separate)."""
    return [part.strip() for part in re.split(r"[\n\r,，、]+", text or "") if part.strip()]


class ProjectForm(BootstrapFormMixin, forms.Form):
    """A survey project's settings (a new project, or an existing one's)."""

    plan = forms.ModelChoiceField(label=_("Plan"), queryset=Plan.objects.none())
    code = forms.CharField(
        label=_("Code"),
        max_length=40,
        help_text=_("Unique, e.g. 2022-ZH; used by the command line."),
    )
    name = forms.CharField(label=_("Name"), max_length=200)
    kind = forms.ChoiceField(label=_("Kind"), choices=SurveyProject.Kind.choices)
    units = forms.MultipleChoiceField(
        label=_("Appraised units"),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 10}),
        help_text=_(
            "Hold Ctrl (⌘ on a Mac) to choose several; leave empty to appraise all the "
            "plan's towns and departments."
        ),
    )
    feeds_scoring = forms.BooleanField(
        label=_("Feeds the plan's public-appraisal score"),
        required=False,
        help_text=_("Only one survey of a plan can."),
    )
    weight_deputies_and_members = forms.DecimalField(
        label=WEIGHT_LABELS["deputies_and_members"], min_value=0, max_digits=6, decimal_places=3
    )
    weight_residents = forms.DecimalField(
        label=WEIGHT_LABELS["residents"], min_value=0, max_digits=6, decimal_places=3
    )
    weight_cadres_and_business_owners = forms.DecimalField(
        label=WEIGHT_LABELS["cadres_and_business_owners"],
        min_value=0,
        max_digits=6,
        decimal_places=3,
    )
    confidence = forms.ChoiceField(
        label=_("Confidence level"), choices=CONFIDENCE_CHOICES, initial="0.950"
    )
    margin_of_error = forms.DecimalField(
        label=_("Margin of error"),
        min_value=Decimal("0.01"),
        max_value=Decimal("0.2"),
        decimal_places=3,
        initial=Decimal("0.050"),
        help_text=_("E.g. 0.05 for ±5 percentage points."),
    )
    max_attempts = forms.IntegerField(
        label=_("Call attempts before a case is replaced"), min_value=1, max_value=20, initial=5
    )
    attempt_spacing_minutes = forms.IntegerField(
        label=_("Minutes between attempts"), min_value=0, max_value=10080, initial=60
    )
    calling_hours_start = forms.TimeField(
        label=_("Calls from"), initial=time(9, 0), widget=forms.TimeInput(attrs={"type": "time"})
    )
    calling_hours_end = forms.TimeField(
        label=_("Calls until"), initial=time(21, 0), widget=forms.TimeInput(attrs={"type": "time"})
    )
    retention_days = forms.IntegerField(
        label=_("Days personal data is kept after closing"),
        min_value=1,
        max_value=3650,
        initial=180,
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(
        self,
        *args: Any,
        plans: QuerySet[Plan],
        units: Iterable[Unit],
        project: SurveyProject | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self._choice("plan").queryset = plans
        units = list(units)
        self._units = {str(u.pk): u for u in units}
        groups: dict[str, list[tuple[str, str]]] = {}
        for unit in units:
            groups.setdefault(str(unit.get_kind_display()), []).append((str(unit.pk), unit.name))
        units_field = self.fields["units"]
        assert isinstance(units_field, forms.MultipleChoiceField)
        units_field.choices = list(groups.items())
        for group, weight in DEFAULT_GROUP_WEIGHTS.items():
            self.fields[f"weight_{group}"].initial = Decimal(str(weight))
        if project is not None:
            self.fields["plan"].disabled = True
            self.fields["plan"].required = False
            self.fields["code"].disabled = True
            self.fields["code"].required = False
            if project.status != SurveyProject.Status.DRAFT:
                for name in self.fields:
                    if name not in ("name", "retention_days", "version"):
                        self.fields[name].disabled = True

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("calling_hours_start"), data.get("calling_hours_end")
        if start and end and start >= end:
            self.add_error("calling_hours_end", _("Calling hours must end after they start."))
        weights = [data.get(f"weight_{g}") for g in DEFAULT_GROUP_WEIGHTS]
        if all(w is not None for w in weights) and not any(w and w > 0 for w in weights):
            self.add_error(None, _("At least one respondent group needs a positive weight."))
        return data

    def settings(self) -> ProjectSettings:
        data = self.cleaned_data
        return ProjectSettings(
            name=data["name"],
            kind=data["kind"],
            units=[self._units[pk] for pk in data["units"] if pk in self._units],
            feeds_scoring=data["feeds_scoring"],
            group_weights={g: data[f"weight_{g}"] for g in DEFAULT_GROUP_WEIGHTS},
            confidence=Decimal(data["confidence"]),
            margin_of_error=data["margin_of_error"],
            max_attempts=data["max_attempts"],
            attempt_spacing_minutes=data["attempt_spacing_minutes"],
            calling_hours_start=data["calling_hours_start"],
            calling_hours_end=data["calling_hours_end"],
            retention_days=data["retention_days"],
        )


def project_initial(project: SurveyProject) -> dict[str, Any]:
    """A project's settings as the form's initial values."""
    weights = {**DEFAULT_GROUP_WEIGHTS, **(project.group_weights or {})}
    return {
        "plan": project.plan_id,
        "code": project.code,
        "name": project.name,
        "kind": project.kind,
        "units": [str(pk) for pk in project.units.values_list("pk", flat=True)],
        "feeds_scoring": project.feeds_scoring,
        **{f"weight_{g}": Decimal(str(weights[g])) for g in DEFAULT_GROUP_WEIGHTS},
        "confidence": f"{project.confidence:.3f}",
        "margin_of_error": project.margin_of_error,
        "max_attempts": project.max_attempts,
        "attempt_spacing_minutes": project.attempt_spacing_minutes,
        "calling_hours_start": project.calling_hours_start,
        "calling_hours_end": project.calling_hours_end,
        "retention_days": project.retention_days,
        "version": project.row_version,
    }


class QuestionnaireForm(BootstrapFormMixin, forms.Form):
    """A questionnaire version's title and introduction."""

    title = forms.CharField(label=_("Title"), max_length=200)
    introduction = forms.CharField(
        label=_("Introduction read to the respondent"),
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)


class QuestionForm(BootstrapFormMixin, forms.Form):
    """One question: kind, text, answers, weight, who is asked and when it is shown."""

    kind = forms.ChoiceField(label=_("Kind"), choices=Question.Kind.choices)
    text = forms.CharField(
        label=_("Question"), max_length=1000, widget=forms.Textarea(attrs={"rows": 2})
    )
    option_set = forms.ModelChoiceField(
        label=_("Option set"),
        queryset=OptionSet.objects.none(),
        required=False,
        help_text=_("For rating questions: the answers and their scores."),
    )
    choices = forms.CharField(
        label=_("Choices"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("For single-choice questions: one choice per line."),
    )
    weight = forms.DecimalField(
        label=_("Weight in the unit index"),
        min_value=0,
        max_value=999,
        decimal_places=3,
        initial=Decimal(1),
    )
    groups = forms.MultipleChoiceField(
        label=_("Asked of"),
        choices=RespondentGroup.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("None ticked: everyone is asked."),
    )
    show_if_question = forms.ModelChoiceField(
        label=_("Shown only after question"),
        queryset=Question.objects.none(),
        required=False,
        help_text=_("Leave empty to always ask it."),
    )
    show_if_answers = forms.CharField(
        label=_("…when its answer is one of"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Answers of that question, one per line."),
    )
    required = forms.BooleanField(label=_("An answer is required"), required=False, initial=True)
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(
        self,
        *args: Any,
        questionnaire: Questionnaire,
        question: Question | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        option_sets = OptionSet.objects.order_by("code")
        self._choice("option_set").queryset = option_sets
        if question is None:  # a new rating question starts on the published five levels
            self.fields["option_set"].initial = (
                option_sets.filter(code="five_level").values_list("pk", flat=True).first()
            )
        earlier = questionnaire.questions.exclude(kind=Question.Kind.TEXT).order_by("number")
        if question is not None:
            earlier = earlier.filter(number__lt=question.number)
        self.earlier = list(earlier.select_related("option_set"))
        field = self._choice("show_if_question")
        field.queryset = earlier
        field.label_from_instance = lambda q: f"{q.number}. {q.text[:40]}"  # type: ignore[method-assign]
        groups = self.fields["groups"]
        groups.widget.attrs["class"] = "form-check-input"

    def question_input(self) -> QuestionInput:
        data = self.cleaned_data
        return QuestionInput(
            kind=data["kind"],
            text=data["text"],
            option_set=data["option_set"],
            choices=[c.strip() for c in (data["choices"] or "").splitlines() if c.strip()],
            weight=data["weight"],
            groups=data["groups"],
            show_if_question=data["show_if_question"],
            show_if_answers=_lines(data["show_if_answers"]),
            required=data["required"],
        )


def question_initial(question: Question) -> dict[str, Any]:
    """A question as the form's initial values."""
    return {
        "kind": question.kind,
        "text": question.text,
        "option_set": question.option_set_id,
        "choices": "\n".join(question.choices or []),
        "weight": question.weight,
        "groups": list(question.groups or []),
        "show_if_question": question.show_if_question_id,
        "show_if_answers": "\n".join(question.show_if_answers or []),
        "required": question.required,
        "version": question.row_version,
    }


class OptionSetForm(BootstrapFormMixin, forms.Form):
    """A custom option set: a name and up to eight rows of answer label and score."""

    name = forms.CharField(label=_("Name"), max_length=100)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for row in range(OPTION_ROWS):
            # added after the mixin styled the widgets, so styled here
            small = {"class": "form-control form-control-sm"}
            self.fields[f"label_{row}"] = forms.CharField(
                label=_("Answer"),
                max_length=60,
                required=False,
                widget=forms.TextInput(attrs=small),
            )
            self.fields[f"score_{row}"] = forms.DecimalField(
                label=_("Score"),
                required=False,
                min_value=0,
                max_value=1000,
                decimal_places=2,
                widget=forms.NumberInput(attrs={**small, "step": "any"}),
            )

    @property
    def rows(self) -> list[tuple[forms.BoundField, forms.BoundField]]:
        return [(self[f"label_{row}"], self[f"score_{row}"]) for row in range(OPTION_ROWS)]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        for row in range(OPTION_ROWS):
            if data.get(f"score_{row}") is not None and not (data.get(f"label_{row}") or ""):
                self.add_error(f"label_{row}", _("A score needs an answer label."))
        return data

    def options(self) -> list[tuple[str, float | None]]:
        data = self.cleaned_data
        rows: list[tuple[str, float | None]] = []
        for row in range(OPTION_ROWS):
            label = (data.get(f"label_{row}") or "").strip()
            if label:
                score = data.get(f"score_{row}")
                rows.append((label, float(score) if score is not None else None))
        return rows
