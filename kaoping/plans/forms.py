"""Forms of the office's plan editor: plan settings, grade rules, indicators, assignments.

Forms only parse and check input; the views hand `cleaned_data` to plans.services. Each edit
form carries the `row_version` it was read at, passed on as `expected_version`.
"""

from __future__ import annotations

import json
from decimal import Decimal
from itertools import pairwise
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from kaoping.core.forms import BootstrapFormMixin
from kaoping.org.models import Person, Unit
from kaoping.plans.models import Assignment, Indicator, Plan
from kaoping.plans.scoring_params import validate_params

ONE = Decimal("1")


class VersionedForm(BootstrapFormMixin, forms.Form):
    """A form that remembers the version of the object it edits (optimistic locking)."""

    row_version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)


class UnitChoiceField(forms.ModelChoiceField):
    """Units shown with their code, indented by depth so the tree reads in a select."""

    def label_from_instance(self, obj: Unit) -> str:
        return f"{'　' * max(0, obj.depth - 1)}{obj.code} {obj.name}"


class UnitMultipleChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Unit) -> str:
        return f"{obj.code} {obj.name}"


class PersonChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Person) -> str:
        return f"{obj.name}（{obj.title or obj.get_position_display()} · {obj.unit.name}）"


class IndicatorChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Indicator) -> str:
        return f"{'　' * (obj.level - 1)}{obj.code} {obj.name}"


# --- plans ---------------------------------------------------------------------------------
class PlanCreateForm(BootstrapFormMixin, forms.Form):
    """A new draft plan: its year, owner, code, name and kind."""

    year = forms.IntegerField(label=_("Year"), min_value=2000, max_value=2200)
    owner = UnitChoiceField(
        label=_("Owner"),
        queryset=Unit.objects.none(),
        help_text=_("The unit whose plan this is (e.g. the county)."),
    )
    code = forms.SlugField(
        label=_("Code"),
        max_length=40,
        help_text=_("Letters, digits and hyphens, e.g. county-2023."),
    )
    name = forms.CharField(label=_("Name"), max_length=200)
    kind = forms.ChoiceField(label=_("Kind"), choices=Plan.Kind.choices)
    description = forms.CharField(
        label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args: Any, owners: QuerySet[Unit], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._choice("owner").queryset = owners


def _check_weight_sum(form: forms.Form, data: dict[str, Any]) -> None:
    weights = [data.get(k) for k in ("weight_indicators", "weight_public", "weight_leader")]
    if any(w is None for w in weights):
        return
    total: Decimal = sum((Decimal(w) for w in weights if w is not None), Decimal("0"))
    if total != ONE:
        form.add_error(
            None,
            ValidationError(
                _("The three weights must add up to 1; now they add up to %(sum)s."),
                params={"sum": total.normalize()},
                code="weights",
            ),
        )


class PlanSettingsForm(VersionedForm):
    """A draft plan's name, component weights, missing-component policy and total points."""

    name = forms.CharField(label=_("Name"), max_length=200)
    description = forms.CharField(
        label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    weight_indicators = forms.DecimalField(
        label=_("Weight of indicator assessment"),
        min_value=0,
        max_value=1,
        max_digits=5,
        decimal_places=4,
    )
    weight_public = forms.DecimalField(
        label=_("Weight of public appraisal"),
        min_value=0,
        max_value=1,
        max_digits=5,
        decimal_places=4,
    )
    weight_leader = forms.DecimalField(
        label=_("Weight of leader evaluation"),
        min_value=0,
        max_value=1,
        max_digits=5,
        decimal_places=4,
    )
    missing_component = forms.ChoiceField(
        label=_("When a component is missing"), choices=Plan.MissingComponent.choices
    )
    points_total = forms.DecimalField(
        label=_("Total points"),
        required=False,
        min_value=0,
        max_digits=8,
        decimal_places=2,
        help_text=_("If set, the top level must add up to it."),
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        _check_weight_sum(self, data)
        return data


class GradeRuleForm(BootstrapFormMixin, forms.Form):
    """One grade (等次): its name, the lowest score that earns it, and its quota."""

    name = forms.CharField(label=_("Grade"), max_length=20, required=False)
    min_score = forms.DecimalField(
        label=_("Lowest score"),
        required=False,
        min_value=0,
        max_value=1000,
        max_digits=7,
        decimal_places=2,
    )
    quota = forms.DecimalField(
        label=_("Largest share of units"),
        required=False,
        min_value=0,
        max_value=1,
        max_digits=5,
        decimal_places=4,
        help_text=_("e.g. 0.3 = at most 30%; empty = no quota"),
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("name") and data.get("min_score") is None:
            self.add_error("min_score", _("Give the lowest score for this grade."))
        if not data.get("name") and (
            data.get("min_score") is not None or data.get("quota") is not None
        ):
            self.add_error("name", _("Give the grade a name."))
        return data


class BaseGradeRuleFormSet(forms.BaseFormSet):
    """Grades from the best down: names unique, lowest scores strictly falling."""

    def clean(self) -> None:
        if any(form.errors for form in self.forms):
            return
        rows = [f.cleaned_data for f in self.forms if f.cleaned_data.get("name")]
        names = [r["name"] for r in rows]
        if len(set(names)) != len(names):
            raise ValidationError(_("Each grade needs its own name."))
        scores = [r["min_score"] for r in rows]
        if any(a <= b for a, b in pairwise(scores)):
            raise ValidationError(
                _("List the grades from the best down: each lowest score below the one above.")
            )
        if scores and scores[-1] != 0:
            raise ValidationError(
                _("The last grade must start at 0, so that every unit gets a grade.")
            )

    def rules(self) -> list[dict[str, Any]]:
        """The grade rules as stored in Plan.grade_rules (JSON numbers, best grade first)."""
        rules = []
        for form in self.forms:
            data = form.cleaned_data
            if not data.get("name"):
                continue
            rule: dict[str, Any] = {"name": data["name"], "min_score": float(data["min_score"])}
            if data.get("quota") is not None:
                rule["quota"] = float(data["quota"])
            rules.append(rule)
        return rules


GradeRuleFormSet = forms.formset_factory(
    GradeRuleForm, formset=BaseGradeRuleFormSet, extra=0, max_num=8, absolute_max=8
)


# DOMAIN.md's defaults, offered when a plan has no grade rules yet.
DEFAULT_GRADE_RULES: tuple[dict[str, Any], ...] = (
    {"name": "优秀", "min_score": 90, "quota": Decimal("0.3")},
    {"name": "良好", "min_score": 80},
    {"name": "一般", "min_score": 60},
    {"name": "较差", "min_score": 0},
)


def grade_rule_initial(plan: Plan, rows: int = 6) -> list[dict[str, Any]]:
    """The plan's grade rules (else the defaults) padded with empty rows for the formset."""
    stored = [r for r in (plan.grade_rules or []) if isinstance(r, dict)]
    initial = [
        {
            "name": r.get("name") or r.get("grade", ""),
            "min_score": r.get("min_score"),
            "quota": r.get("quota"),
        }
        for r in (stored or DEFAULT_GRADE_RULES)
    ]
    return initial + [{} for _ in range(max(0, rows - len(initial)))]


class PublishForm(VersionedForm):
    """Confirm publishing: the plan's rules freeze."""

    confirm = forms.BooleanField(
        label=_("I have checked the plan; freeze its rules."), required=True
    )


class DeleteForm(BootstrapFormMixin, forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=500, required=False)


# --- indicators ----------------------------------------------------------------------------
class IndicatorForm(VersionedForm):
    """Every attribute of an indicator; the parent chooser only offers the plan's indicators."""

    code = forms.CharField(label=_("Code"), max_length=40)
    name = forms.CharField(label=_("Name"), max_length=200)
    parent = IndicatorChoiceField(
        label=_("Parent"),
        queryset=Indicator.objects.none(),
        required=False,
        empty_label=_("(top level: a category)"),
    )
    order = forms.IntegerField(label=_("Order"), min_value=0, required=False)
    category = forms.ChoiceField(label=_("Category"), choices=Indicator.Category.choices)
    kind = forms.ChoiceField(label=_("Kind"), choices=Indicator.Kind.choices)
    unit_of_measure = forms.CharField(label=_("Unit of measure"), max_length=20, required=False)
    direction = forms.ChoiceField(label=_("Direction"), choices=Indicator.Direction.choices)
    accumulation = forms.ChoiceField(
        label=_("Accumulation"), choices=Indicator.Accumulation.choices
    )
    target = forms.DecimalField(label=_("Target"), required=False, max_digits=20, decimal_places=4)
    target_text = forms.CharField(
        label=_("Target (text)"),
        max_length=500,
        required=False,
        help_text=_("For targets that are not a number."),
    )
    baseline = forms.DecimalField(
        label=_("Baseline"),
        required=False,
        max_digits=20,
        decimal_places=4,
        help_text=_("Last year's value."),
    )
    points = forms.DecimalField(
        label=_("Points"), min_value=0, max_digits=8, decimal_places=2, initial=Decimal("0")
    )
    source_level = forms.ChoiceField(
        label=_("Source level"),
        choices=Indicator.SourceLevel.choices,
        initial=Indicator.SourceLevel.COUNTY,
    )
    scoring_rule = forms.ChoiceField(label=_("Scoring rule"), choices=Indicator.ScoringRule.choices)
    scoring_params = forms.CharField(
        label=_("Scoring parameters (JSON)"),
        required=False,
        widget=forms.Textarea(
            attrs={
                "rows": 2,
                "class": "font-monospace",
                "placeholder": '{"cap": 1.2, "floor": 0.6}',
            }
        ),
        help_text=_("A JSON object; leave empty to use the rule's defaults."),
    )
    frequency = forms.ChoiceField(
        label=_("Reporting frequency"),
        choices=Indicator.Frequency.choices,
        initial=Indicator.Frequency.QUARTERLY,
    )
    evidence_requirement = forms.CharField(
        label=_("Evidence required"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    description = forms.CharField(
        label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    is_public = forms.BooleanField(label=_("Shown on the public page"), required=False)

    SERVICE_FIELDS = (
        "name",
        "order",
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
    )

    def __init__(
        self, *args: Any, plan: Plan, instance: Indicator | None = None, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.plan = plan
        self.instance = instance
        parents = plan.indicators.filter(level__lt=4).order_by("order", "code")
        if instance is not None:
            self.fields["code"].disabled = True
            self.fields["code"].help_text = _("The code cannot change once created.")
            parents = parents.exclude(pk=instance.pk)
        else:
            self.fields["row_version"].required = False
        self._choice("parent").queryset = parents

    def clean_scoring_params(self) -> dict[str, Any]:
        text = (self.cleaned_data.get("scoring_params") or "").strip()
        if not text:
            return {}
        try:
            value = json.loads(text)
        except json.JSONDecodeError as exc:
            raise ValidationError(
                _("Not valid JSON: %(error)s"), params={"error": exc.msg}, code="json"
            ) from exc
        if not isinstance(value, dict):
            raise ValidationError(_("The scoring parameters must be a JSON object."))
        return value

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        rule = data.get("scoring_rule")
        params = data.get("scoring_params")
        if rule and isinstance(params, dict) and "scoring_params" not in self.errors:
            for message in validate_params(rule, params):
                self.add_error("scoring_params", message)
        return data

    def service_fields(self) -> dict[str, Any]:
        """The cleaned attributes plans.services takes (parent and code handled apart)."""
        data = {key: self.cleaned_data[key] for key in self.SERVICE_FIELDS}
        if data["order"] is None:
            data.pop("order")
        return data

    @staticmethod
    def initial_for(indicator: Indicator) -> dict[str, Any]:
        initial = {name: getattr(indicator, name) for name in IndicatorForm.SERVICE_FIELDS}
        initial.update(
            code=indicator.code,
            parent=indicator.parent_id,
            row_version=indicator.row_version,
            scoring_params=json.dumps(indicator.scoring_params, ensure_ascii=False)
            if indicator.scoring_params
            else "",
        )
        return initial


# --- assignments ---------------------------------------------------------------------------
class AssignmentForm(VersionedForm):
    """Who answers for an indicator; units and persons limited to the plan owner's units."""

    lead_unit = UnitChoiceField(label=_("Lead unit"), queryset=Unit.objects.none())
    supporting_units = UnitMultipleChoiceField(
        label=_("Supporting units"),
        queryset=Unit.objects.none(),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 6}),
    )
    responsible_leader = PersonChoiceField(
        label=_("Responsible leader"), queryset=Person.objects.none(), required=False
    )
    responsible_person = PersonChoiceField(
        label=_("Responsible person"), queryset=Person.objects.none(), required=False
    )
    is_key_project = forms.BooleanField(
        label=_("Key project (四个一: one project, one leader, one team, to the end)"),
        required=False,
    )
    work_team = forms.CharField(label=_("Working team"), max_length=200, required=False)
    share = forms.DecimalField(
        label=_("Share of the points"),
        min_value=0,
        max_value=1,
        max_digits=5,
        decimal_places=4,
        initial=ONE,
        help_text=_("1 = the lead unit answers for all lost points."),
    )
    note = forms.CharField(
        label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    SERVICE_FIELDS = (
        "lead_unit",
        "supporting_units",
        "responsible_leader",
        "responsible_person",
        "is_key_project",
        "work_team",
        "share",
        "note",
    )

    def __init__(
        self,
        *args: Any,
        units: QuerySet[Unit],
        persons: QuerySet[Person],
        indicator: Indicator,
        assignment: Assignment | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.indicator = indicator
        self.assignment = assignment
        for name in ("lead_unit", "supporting_units"):
            self._choice(name).queryset = units
        for name in ("responsible_leader", "responsible_person"):
            self._choice(name).queryset = persons
        if assignment is None:
            self.fields["row_version"].required = False

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        lead = data.get("lead_unit")
        if lead is not None and lead in (data.get("supporting_units") or []):
            self.add_error("supporting_units", _("The lead unit cannot also be a supporting unit."))
        if lead is not None:
            others = self.indicator.assignments.filter(lead_unit=lead)
            if self.assignment is not None:
                others = others.exclude(pk=self.assignment.pk)
            if others.exists():
                self.add_error(
                    "lead_unit",
                    _("This unit already leads the indicator; edit that assignment instead."),
                )
        return data

    def service_fields(self) -> dict[str, Any]:
        data = {key: self.cleaned_data[key] for key in self.SERVICE_FIELDS}
        data["supporting_units"] = list(data["supporting_units"])
        return data

    @staticmethod
    def initial_for(assignment: Assignment) -> dict[str, Any]:
        return {
            "lead_unit": assignment.lead_unit_id,
            "supporting_units": list(assignment.supporting_units.values_list("pk", flat=True)),
            "responsible_leader": assignment.responsible_leader_id,
            "responsible_person": assignment.responsible_person_id,
            "is_key_project": assignment.is_key_project,
            "work_team": assignment.work_team,
            "share": assignment.share,
            "note": assignment.note,
            "row_version": assignment.row_version,
        }
