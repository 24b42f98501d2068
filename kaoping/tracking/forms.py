"""Forms of the progress-report pages: they parse input, the services decide.

Every form that changes a report carries the `row_version` it was read at, handed on to the
service as `expected_version`, so a concurrent change is refused instead of overwritten.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from kaoping.core.forms import BootstrapFormMixin
from kaoping.plans.models import Indicator
from kaoping.tracking.evidence import ACCEPT_ATTRIBUTE, accepted_types_text, max_upload_bytes
from kaoping.tracking.models import ProgressReport
from kaoping.tracking.report_selectors import VALUE_KINDS
from kaoping.tracking.services.reports import (
    MAX_DIGITS,
    MAX_PLACES,
    NARRATIVE_LENGTH,
    REASON_LENGTH,
    RETURN_STEPS,
)
from kaoping.tracking.task_forms import MultipleFileField


def _plain(value: Decimal | None) -> str | None:
    return None if value is None else format(value.normalize(), "f")


def _number_field(label: Any) -> forms.DecimalField:
    return forms.DecimalField(
        label=label,
        max_digits=MAX_DIGITS,
        decimal_places=MAX_PLACES,
        required=False,
        widget=forms.NumberInput(attrs={"step": "any", "inputmode": "decimal"}),
    )


class ProgressReportForm(BootstrapFormMixin, forms.Form):
    """A report's figures, narrative and new evidence files; save as a draft or submit."""

    ACTION_SAVE, ACTION_SUBMIT = "save", "submit"

    row_version = forms.IntegerField(widget=forms.HiddenInput, min_value=1, required=False)
    value = _number_field(_("Cumulative value"))
    last_year_value = _number_field(_("Same period last year"))
    narrative = forms.CharField(
        label=_("Progress narrative"),
        required=False,
        max_length=NARRATIVE_LENGTH,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("What was done, what is behind and why, what comes next."),
    )
    evidence = MultipleFileField(label=_("Add evidence files"), required=False)
    action = forms.ChoiceField(
        choices=[(ACTION_SAVE, ACTION_SAVE), (ACTION_SUBMIT, ACTION_SUBMIT)],
        required=False,
        widget=forms.HiddenInput,
    )

    def __init__(self, *args: Any, indicator: Indicator, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        measure = indicator.unit_of_measure
        point = indicator.accumulation == Indicator.Accumulation.POINT
        value_label = _("Value at the end of the period") if point else _("Cumulative value")
        last_label = _("Same period last year")
        if measure:
            value_label = f"{value_label}（{measure}）"
            last_label = f"{last_label}（{measure}）"
        self.fields["value"].label = value_label
        self.fields["last_year_value"].label = last_label
        if not point:
            self.fields["value"].help_text = _(
                "From the start of the year to the end of the period."
            )
        if indicator.kind not in VALUE_KINDS:
            self.fields["value"].help_text = _(
                "Optional for this indicator: describe the progress."
            )
            self.fields["narrative"].help_text = _("Required for this indicator before submitting.")
        evidence = self.fields["evidence"]
        evidence.widget.attrs["accept"] = ACCEPT_ATTRIBUTE
        mb = max_upload_bytes() // (1024 * 1024)
        evidence.help_text = _(
            "%(types)s; at most %(mb)s MB each. Files are checked by their content."
        ) % {"types": accepted_types_text(), "mb": mb}

    @staticmethod
    def initial_for(report: ProgressReport) -> dict[str, Any]:
        """The form's values from a report, numbers without trailing zeros (75.5000 → 75.5)."""
        return {
            "row_version": report.row_version,
            "value": _plain(report.value),
            "last_year_value": _plain(report.last_year_value),
            "narrative": report.narrative,
        }

    @property
    def wants_submit(self) -> bool:
        return self.cleaned_data.get("action") == self.ACTION_SUBMIT


class ReportActionForm(BootstrapFormMixin, forms.Form):
    """A workflow button (submit, approve): the version it was shown at, an optional note."""

    row_version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    note = forms.CharField(
        label=_("Note"), required=False, max_length=REASON_LENGTH, widget=forms.TextInput()
    )


class ReportReturnForm(BootstrapFormMixin, forms.Form):
    """Return a report to its unit, at the unit head's or the office's step, with a reason."""

    row_version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    step = forms.ChoiceField(choices=[(s, s) for s in RETURN_STEPS], widget=forms.HiddenInput)
    reason = forms.CharField(
        label=_("Reason for returning"),
        max_length=REASON_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("The unit sees this: say what to fix."),
    )


class ReportCorrectionForm(BootstrapFormMixin, forms.Form):
    """Open a correction of an approved report: a new version, with the reason."""

    row_version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    reason = forms.CharField(
        label=_("Reason for the correction"),
        max_length=REASON_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_(
            "The approved version stays readable and in force until the correction is approved."
        ),
    )
