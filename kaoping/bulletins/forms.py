"""Forms of the bulletin pages (input parsing only; the services decide)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from kaoping.bulletins.models import Bulletin, BulletinSchedule
from kaoping.plans.models import Plan


class GenerateForm(forms.Form):
    plan = forms.ModelChoiceField(
        label=_("Plan"),
        queryset=Plan.objects.none(),
        widget=forms.Select(attrs={"class": "form-select"}),
    )
    period = forms.CharField(
        label=_("Period"),
        max_length=8,
        help_text=_("A quarter or a month: 2022Q3 or 2022-10."),
        widget=forms.TextInput(attrs={"class": "form-control", "placeholder": "2022Q3"}),
    )

    def __init__(self, *args: Any, plans: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["plan"].queryset = plans  # type: ignore[attr-defined]


class EditForm(forms.Form):
    """The front matter and one textarea per section (named `section_<key>`)."""

    version = forms.IntegerField(widget=forms.HiddenInput)
    title = forms.CharField(
        label=_("Title"), max_length=200, widget=forms.TextInput(attrs={"class": "form-control"})
    )
    document_number = forms.CharField(
        label=_("Document number"),
        max_length=60,
        required=False,
        help_text=_("E.g. 示绩办〔2022〕12号."),
        widget=forms.TextInput(attrs={"class": "form-control"}),
    )
    issuing_body = forms.CharField(
        label=_("Issuing body"),
        max_length=60,
        widget=forms.TextInput(attrs={"class": "form-control"}),
    )

    def __init__(self, *args: Any, bulletin: Bulletin, **kwargs: Any) -> None:
        kwargs.setdefault(
            "initial",
            {
                "version": bulletin.row_version,
                "title": bulletin.title,
                "document_number": bulletin.document_number,
                "issuing_body": bulletin.issuing_body,
            },
        )
        super().__init__(*args, **kwargs)
        for part in bulletin.sections:
            self.fields[f"section_{part['key']}"] = forms.CharField(
                label=part["heading"],
                required=False,
                initial=part["text"],
                widget=forms.Textarea(attrs={"class": "form-control", "rows": 6}),
            )

    def section_texts(self) -> dict[str, str]:
        return {
            name.removeprefix("section_"): value
            for name, value in self.cleaned_data.items()
            if name.startswith("section_")
        }


class ScheduleForm(forms.ModelForm):
    class Meta:
        model = BulletinSchedule
        fields = ["plan", "period_kind", "day_of_month", "active"]
        widgets = {
            "plan": forms.Select(attrs={"class": "form-select"}),
            "period_kind": forms.Select(attrs={"class": "form-select"}),
            "day_of_month": forms.NumberInput(attrs={"class": "form-control", "min": 1, "max": 28}),
            "active": forms.CheckboxInput(attrs={"class": "form-check-input"}),
        }

    def __init__(self, *args: Any, plans: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["plan"].queryset = plans  # type: ignore[attr-defined]

    def validate_unique(self) -> None:
        """Uniqueness is the service's to check (with a clear message)."""
