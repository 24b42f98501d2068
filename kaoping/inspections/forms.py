"""Forms of the inspection pages. Input only; the services decide."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kaoping.core.forms import BootstrapFormMixin
from kaoping.inspections.models import Finding, InspectionRound, Rectification
from kaoping.plans.models import Indicator
from kaoping.tracking.evidence import ACCEPT_ATTRIBUTE

TEXT_MAX = 10_000
DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class VersionedForm(BootstrapFormMixin, forms.Form):
    """Carries the version the object was read at (optimistic locking)."""

    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several evidence files at once (each checked by the service)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault(
            "widget", MultipleFileInput(attrs={"accept": ACCEPT_ATTRIBUTE, "multiple": True})
        )
        super().__init__(*args, **kwargs)

    def clean(self, data: Any, initial: Any = None) -> Any:
        single = super().clean
        if isinstance(data, (list, tuple)):
            return [single(d, initial) for d in data if d]
        return [single(data, initial)] if data else []


class RoundForm(BootstrapFormMixin, forms.Form):
    plan = forms.ModelChoiceField(label=_("Plan"), queryset=None)  # type: ignore[arg-type]
    code = forms.SlugField(label=_("Code"), max_length=40, help_text=_("e.g. 2022-q3"))
    name = forms.CharField(label=_("Name"), max_length=200)
    level = forms.ChoiceField(label=_("Who inspects whom"), choices=InspectionRound.Level.choices)
    period_start = forms.DateField(label=_("Inspected from"), widget=DATE)
    period_end = forms.DateField(label=_("Inspected until"), widget=DATE)
    appeal_days = forms.IntegerField(
        label=_("Appeal window (calendar days)"),
        min_value=1,
        max_value=60,
        initial=7,
        help_text=_("Days after a deduction is confirmed in which the unit may appeal."),
    )
    description = forms.CharField(
        label=_("Description"),
        max_length=TEXT_MAX,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args: Any, plans: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._choice("plan").queryset = plans


class FindingForm(BootstrapFormMixin, forms.Form):
    """A finding; `units`, `indicators`, `responsible_units` and `leaders` are in scope."""

    unit = forms.ModelChoiceField(label=_("Inspected unit"), queryset=None)  # type: ignore[arg-type]
    indicator = forms.ModelChoiceField(
        label=_("Indicator"),
        queryset=Indicator.objects.none(),
        required=False,
        help_text=_("The responsible unit and leader default from its assignment."),
    )
    title = forms.CharField(label=_("Title"), max_length=200)
    description = forms.CharField(
        label=_("Description"),
        max_length=TEXT_MAX,
        required=False,
        widget=forms.Textarea(attrs={"rows": 5}),
    )
    severity = forms.ChoiceField(
        label=_("Severity"), choices=Finding.Severity.choices, initial=Finding.Severity.GENERAL
    )
    found_on = forms.DateField(label=_("Found on"), widget=DATE)
    responsible_unit = forms.ModelChoiceField(
        label=_("Responsible unit"),
        queryset=None,  # type: ignore[arg-type]
        required=False,
        help_text=_("Leave empty to take it from the indicator's assignment."),
    )
    responsible_leader = forms.ModelChoiceField(
        label=_("Responsible leader"),
        queryset=None,  # type: ignore[arg-type]
        required=False,
        help_text=_("Leave empty to take it from the indicator's assignment."),
    )
    files = MultipleFileField(label=_("Evidence files"), required=False)

    def __init__(
        self,
        *args: Any,
        units: Any,
        indicators: Any,
        responsible_units: Any,
        leaders: Any,
        editing: bool = False,
        **kwargs: Any,
    ) -> None:
        kwargs.setdefault("initial", {}).setdefault("found_on", timezone.localdate())
        super().__init__(*args, **kwargs)
        self._choice("unit").queryset = units
        self._choice("indicator").queryset = indicators
        self._choice("responsible_unit").queryset = responsible_units
        self._choice("responsible_leader").queryset = leaders
        if editing:
            del self.fields["unit"]
            del self.fields["files"]
            self.fields["version"] = forms.IntegerField(widget=forms.HiddenInput, min_value=1)


class EvidenceForm(BootstrapFormMixin, forms.Form):
    file = forms.FileField(
        label=_("File"), widget=forms.ClearableFileInput(attrs={"accept": ACCEPT_ATTRIBUTE})
    )
    description = forms.CharField(label=_("Description"), max_length=200, required=False)


class DeductionForm(BootstrapFormMixin, forms.Form):
    indicator = forms.ModelChoiceField(
        label=_("Indicator"),
        queryset=Indicator.objects.none(),
        required=False,
        help_text=_("Empty: the points come off the executive-capacity category."),
    )
    points = forms.DecimalField(
        label=_("Points"),
        max_digits=5,
        decimal_places=2,
        min_value=Decimal("0.01"),
        required=False,
        help_text=_("Empty: the rule's points per item."),
    )
    reason = forms.CharField(
        label=_("Rule and reason"), max_length=TEXT_MAX, widget=forms.Textarea(attrs={"rows": 4})
    )

    def __init__(self, *args: Any, indicators: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._choice("indicator").queryset = indicators


class DeductionRuleForm(BootstrapFormMixin, forms.Form):
    """A plan's rule for an indicator or, without one, a category (the service upserts)."""

    indicator = forms.ModelChoiceField(
        label=_("Indicator"),
        queryset=Indicator.objects.none(),
        required=False,
        help_text=_("Empty: the rule of a whole category (below)."),
    )
    category = forms.ChoiceField(
        label=_("Category"),
        choices=[("", "—"), *Indicator.Category.choices],
        required=False,
        help_text=_("For deductions not tied to an indicator, or any in the category."),
    )
    name = forms.CharField(label=_("Name"), max_length=200, required=False)
    points_per_item = forms.DecimalField(
        label=_("Points per item"),
        max_digits=8,
        decimal_places=2,
        min_value=Decimal("0"),
        required=False,
        help_text=_("Taken when a deduction gives no points of its own."),
    )
    cap = forms.DecimalField(
        label=_("Cap (most points deducted)"),
        max_digits=8,
        decimal_places=2,
        min_value=Decimal("0"),
        required=False,
        help_text=_("Per unit, over all its deductions under this rule; empty: no cap."),
    )

    def __init__(self, *args: Any, indicators: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._choice("indicator").queryset = indicators

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if not data.get("indicator") and not data.get("category"):
            raise forms.ValidationError(_("Choose an indicator or a category."))
        return data


class ConfirmForm(VersionedForm):
    pass


class AppealForm(VersionedForm):
    reasons = forms.CharField(
        label=_("Reasons"),
        max_length=TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("Why the deduction should be withdrawn or reduced, with the facts."),
    )
    files = MultipleFileField(label=_("Evidence files"), required=False)


class RulingForm(VersionedForm):
    decision = forms.ChoiceField(
        label=_("Ruling"),
        choices=[
            ("upheld", _("Upheld: withdraw the deduction")),
            ("partly_upheld", _("Partly upheld: reduce the points")),
            ("rejected", _("Rejected: the deduction stands")),
        ],
        widget=forms.RadioSelect,
    )
    points_after = forms.DecimalField(
        label=_("Points after the ruling"),
        max_digits=5,
        decimal_places=2,
        min_value=Decimal("0.01"),
        required=False,
        help_text=_("Only for a partial ruling."),
    )
    reason = forms.CharField(
        label=_("Reason for the ruling"),
        max_length=TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": 4}),
    )


class RectificationOpenForm(BootstrapFormMixin, forms.Form):
    plan_text = forms.CharField(
        label=_("What must be rectified"),
        max_length=TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    deadline = forms.DateField(label=_("Deadline"), widget=DATE)
    responsible_person = forms.ModelChoiceField(
        label=_("Responsible person"),
        queryset=None,  # type: ignore[arg-type]
        required=False,
        help_text=_("Empty: the responsible person of the indicator's assignment."),
    )

    def __init__(self, *args: Any, persons: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._choice("responsible_person").queryset = persons


class ProgressForm(VersionedForm):
    on = forms.DateField(label=_("Date"), widget=DATE)
    text = forms.CharField(
        label=_("Progress"), max_length=TEXT_MAX, widget=forms.Textarea(attrs={"rows": 4})
    )
    percent = forms.IntegerField(label=_("Percent done"), min_value=0, max_value=100)
    files = MultipleFileField(label=_("Evidence files"), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("initial", {}).setdefault("on", timezone.localdate())
        super().__init__(*args, **kwargs)


class SubmitForm(VersionedForm):
    note = forms.CharField(
        label=_("Note"),
        max_length=TEXT_MAX,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("What was done; the unit head submits for verification."),
    )


class VerifyForm(VersionedForm):
    decision = forms.ChoiceField(
        label=_("Result of the re-check"),
        choices=[("verify", _("Verified: rectified")), ("return", _("Returned: not rectified"))],
        widget=forms.RadioSelect,
    )
    note = forms.CharField(
        label=_("Verification note"),
        max_length=TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class CloseForm(VersionedForm):
    note = forms.CharField(
        label=_("Note"),
        max_length=TEXT_MAX,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


RECTIFICATION_STATUS_CHOICES = [("", _("Any status")), *Rectification.Status.choices]
