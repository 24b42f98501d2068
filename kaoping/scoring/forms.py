"""Forms of the scoring pages (thin: the services check the rules)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from kaoping.core.forms import BootstrapFormMixin
from kaoping.org.models import Unit
from kaoping.scoring.models import ScoreAdjustment, ScoreRun


class RunStartForm(BootstrapFormMixin, forms.Form):
    """Start an official draft run."""

    as_of = forms.CharField(
        label=_("Figures as of"),
        max_length=8,
        required=False,
        help_text=_("A period of the cycle (2022, 2022Q3, 2022-09); empty: the whole year."),
    )
    label = forms.CharField(label=_("Label"), max_length=200, required=False)


class PublishForm(BootstrapFormMixin, forms.Form):
    reason = forms.CharField(
        label=_("Reason (required when results are already published)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class WhatIfForm(BootstrapFormMixin, forms.Form):
    """A what-if: changed weights, deductions dropped or changed, component scores."""

    label = forms.CharField(label=_("Label"), max_length=200, required=False)
    based_on = forms.ModelChoiceField(
        label=_("Based on the run"),
        queryset=ScoreRun.objects.none(),
        required=False,
        help_text=_("Empty: the current inputs."),
    )
    weight_indicators = forms.DecimalField(
        label=_("Weight of indicator assessment"), required=False, min_value=0, max_value=1
    )
    weight_public = forms.DecimalField(
        label=_("Weight of public appraisal"), required=False, min_value=0, max_value=1
    )
    weight_leader = forms.DecimalField(
        label=_("Weight of leader evaluation"), required=False, min_value=0, max_value=1
    )
    drop_deductions = forms.CharField(
        label=_("Deductions to leave out (ids, comma-separated)"), required=False
    )
    settings = forms.CharField(
        label=_("More changes (YAML or JSON)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 5, "class": "font-monospace"}),
        help_text=_(
            "e.g. component_scores: {public_appraisal: {SFX-CGZ: 88.5}} or deductions: "
            "{change: {12: 0.5}} — see docs/scoring.md."
        ),
    )
    file = forms.FileField(label=_("Or a what-if file"), required=False)

    def __init__(self, *args: Any, runs: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if runs is not None:
            self._choice("based_on").queryset = runs


class VetoForm(BootstrapFormMixin, forms.Form):
    unit = forms.ModelChoiceField(label=_("Unit"), queryset=Unit.objects.none())
    condition = forms.ChoiceField(label=_("Veto condition"), choices=())
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 2}))
    evidence = forms.CharField(
        label=_("Evidence"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args: Any, units: Any, conditions: list[tuple[str, str]], **kw: Any):
        super().__init__(*args, **kw)
        self._choice("unit").queryset = units
        field = self.fields["condition"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = conditions


class ReasonForm(BootstrapFormMixin, forms.Form):
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 2}))


class AdjustmentForm(BootstrapFormMixin, forms.Form):
    unit = forms.ModelChoiceField(label=_("Unit"), queryset=Unit.objects.none())
    kind = forms.ChoiceField(label=_("Kind"), choices=ScoreAdjustment.Kind.choices)
    points = forms.DecimalField(
        label=_("Points"), min_value=Decimal("0.0001"), max_value=100, decimal_places=4
    )
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 2}))
    reference = forms.CharField(label=_("Evidence or reference"), max_length=300, required=False)

    def __init__(self, *args: Any, units: Any, **kw: Any) -> None:
        super().__init__(*args, **kw)
        self._choice("unit").queryset = units


class TieDecisionForm(BootstrapFormMixin, forms.Form):
    unit = forms.ModelChoiceField(label=_("Unit"), queryset=Unit.objects.none())
    order = forms.IntegerField(label=_("Order (1 ranks first)"), min_value=1, max_value=999)
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args: Any, units: Any, **kw: Any) -> None:
        super().__init__(*args, **kw)
        self._choice("unit").queryset = units


class ComponentScoreForm(BootstrapFormMixin, forms.Form):
    unit = forms.ModelChoiceField(label=_("Unit"), queryset=Unit.objects.none())
    score = forms.DecimalField(
        label=_("Public appraisal score (0–100)"), min_value=0, max_value=100, decimal_places=4
    )
    source = forms.CharField(
        label=_("Source"),
        max_length=200,
        help_text=_("e.g. the provincial survey centre's 2022 satisfaction appraisal"),
    )

    def __init__(self, *args: Any, units: Any, **kw: Any) -> None:
        super().__init__(*args, **kw)
        self._choice("unit").queryset = units


class ComponentImportForm(BootstrapFormMixin, forms.Form):
    file = forms.FileField(
        label=_("Workbook or CSV"),
        help_text=_("Two columns: unit code and score (a header row is allowed)."),
    )
    source = forms.CharField(label=_("Source"), max_length=200)
