"""Forms of the supervision pages: answering and closing notices, writing and reviewing
explanations, recording 回头看 re-checks. Input only; the services decide."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kaoping.core.forms import BootstrapFormMixin
from kaoping.tracking.models import Alert, Explanation, Review, SupervisionNotice

TEXT_MAX = 10_000


class VersionedForm(BootstrapFormMixin, forms.Form):
    """Carries the version the object was read at (optimistic locking)."""

    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)


class NoticeAnswerForm(VersionedForm):
    response = forms.CharField(
        label=_("Response"),
        max_length=TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("What the unit has done and will do to catch up, with dates."),
    )


class NoticeCloseForm(VersionedForm):
    reason = forms.CharField(
        label=_("Reason"),
        max_length=TEXT_MAX,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Required when the notice has not been answered."),
    )


class ExplanationSubmitForm(VersionedForm):
    text = forms.CharField(
        label=_("Explanation"),
        max_length=TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("Why the unit is behind expected progress."),
    )
    measures = forms.CharField(
        label=_("Measures to catch up"),
        max_length=TEXT_MAX,
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
    )


class ExplanationReviewForm(VersionedForm):
    decision = forms.ChoiceField(
        label=_("Decision"),
        choices=[("accept", _("Accept")), ("return", _("Return for more detail"))],
        widget=forms.RadioSelect,
    )
    note = forms.CharField(
        label=_("Review note"),
        max_length=TEXT_MAX,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Required when returning: say what is missing."),
    )


class ReviewForm(BootstrapFormMixin, forms.Form):
    """A 回头看 re-check; `units`, `notices` and `explanations` are the choices in scope."""

    unit = forms.ModelChoiceField(label=_("Unit"), queryset=None)  # type: ignore[arg-type]
    notice = forms.ModelChoiceField(
        label=_("Supervision notice re-checked"),
        required=False,
        queryset=SupervisionNotice.objects.none(),
    )
    explanation = forms.ModelChoiceField(
        label=_("Explanation re-checked"), required=False, queryset=Explanation.objects.none()
    )
    reviewed_on = forms.DateField(
        label=_("Re-checked on"), widget=forms.DateInput(attrs={"type": "date"})
    )
    findings = forms.CharField(
        label=_("What was re-checked and found"),
        max_length=TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": 6}),
    )
    result = forms.ChoiceField(label=_("Result"), choices=Review.Result.choices)

    def __init__(
        self, *args: Any, units: Any, notices: Any, explanations: Any, **kwargs: Any
    ) -> None:
        kwargs.setdefault("initial", {}).setdefault("reviewed_on", timezone.localdate())
        super().__init__(*args, **kwargs)
        self._choice("unit").queryset = units
        self._choice("notice").queryset = notices
        self._choice("explanation").queryset = explanations
        self._choice("notice").label_from_instance = lambda n: (  # type: ignore[method-assign]
            f"{n.get_level_display()} · {n.indicator.name} · {n.period}"
        )
        self._choice("explanation").label_from_instance = lambda e: (  # type: ignore[method-assign]
            f"{e.indicator.name} · {e.period} · {e.get_status_display()}"
        )


class AlertFilterForm(forms.Form):
    kind = forms.ChoiceField(required=False, choices=[("", _("Any kind")), *Alert.Kind.choices])
    state = forms.ChoiceField(
        required=False, choices=[("open", _("Open")), ("all", _("Open and resolved"))]
    )
