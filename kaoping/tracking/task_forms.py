"""Forms of the task pages and the working calendar: they parse input, services decide.

Edit forms carry the `row_version` they were read at, handed on as `expected_version`.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from kaoping.core.forms import BootstrapFormMixin
from kaoping.org.models import Person, Unit
from kaoping.plans.models import Assignment
from kaoping.tracking.models import Task
from kaoping.tracking.services.tasks import MAX_STEPS


def _date_widget() -> forms.DateInput:
    return forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class AssignmentChoiceField(forms.ModelChoiceField):
    """An assignment shown as its year, lead unit and indicator."""

    def label_from_instance(self, obj: Assignment) -> str:
        indicator = obj.indicator
        return (
            f"{indicator.plan.cycle.year} · {obj.lead_unit.name} · {indicator.code} "
            f"{indicator.name}"
        )


class UnitChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Unit) -> str:
        return f"{obj.code} {obj.name}"


class PersonChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Person) -> str:
        return f"{obj.name}（{obj.title or obj.get_position_display()} · {obj.unit.name}）"


class TaskForm(BootstrapFormMixin, forms.Form):
    """A task: its assignment (when new), unit, name, deadline and responsible person."""

    row_version = forms.IntegerField(widget=forms.HiddenInput, min_value=1, required=False)
    assignment = AssignmentChoiceField(label=_("Assignment"), queryset=Assignment.objects.none())
    unit = UnitChoiceField(
        label=_("Unit doing the task"),
        queryset=Unit.objects.none(),
        required=False,
        help_text=_(
            "Empty: the lead unit. A supporting unit of the assignment may also be chosen."
        ),
    )
    name = forms.CharField(label=_("Task"), max_length=200)
    description = forms.CharField(
        label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    deadline = forms.DateField(label=_("Deadline"), widget=_date_widget())
    owner = PersonChoiceField(
        label=_("Responsible person"),
        queryset=Person.objects.none(),
        required=False,
        help_text=_("A person of the unit doing the task."),
    )

    def __init__(
        self,
        *args: Any,
        assignments: QuerySet[Assignment] | None,
        units: QuerySet[Unit] | None,
        owners: QuerySet[Person],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        if assignments is None:  # editing: the assignment and unit stay
            del self.fields["assignment"]
        else:
            self._choice("assignment").queryset = assignments
        if units is None:
            del self.fields["unit"]
        else:
            self._choice("unit").queryset = units
        self._choice("owner").queryset = owners

    def service_fields(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {key: data[key] for key in ("name", "description", "deadline", "owner")}


class TaskStatusForm(BootstrapFormMixin, forms.Form):
    """Set a task's status; cancelling needs a reason."""

    row_version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    status = forms.ChoiceField(label=_("Status"), choices=Task.Status.choices)
    reason = forms.CharField(label=_("Reason"), required=False, max_length=500)


class MilestoneForm(BootstrapFormMixin, forms.Form):
    """One milestone entered by hand."""

    row_version = forms.IntegerField(widget=forms.HiddenInput, min_value=1, required=False)
    name = forms.CharField(label=_("Milestone"), max_length=200)
    due = forms.DateField(label=_("Due"), widget=_date_widget())
    working_days = forms.IntegerField(
        label=_("Working days needed"), min_value=1, max_value=250, initial=5
    )
    note = forms.CharField(
        label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class MilestoneStartForm(BootstrapFormMixin, forms.Form):
    row_version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    started_on = forms.DateField(label=_("Started on"), widget=_date_widget())


class MultipleFileInput(forms.FileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one input; cleans to a list (empty when none was chosen)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(*args, **kwargs)

    def clean(self, data: Any, initial: Any = None) -> Any:
        single = super().clean
        if isinstance(data, (list, tuple)):
            return [single(item, initial) for item in data if item]
        return [single(data, initial)] if data else []


class MilestoneCompleteForm(BootstrapFormMixin, forms.Form):
    """Mark a milestone done, with its evidence."""

    row_version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    done_on = forms.DateField(label=_("Done on"), widget=_date_widget())
    evidence = MultipleFileField(
        label=_("Evidence files"),
        required=False,
        help_text=_(
            "PDF, pictures or Office documents, checked by their content. Needed unless the "
            "milestone already has evidence."
        ),
    )
    note = forms.CharField(
        label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class MilestoneReopenForm(BootstrapFormMixin, forms.Form):
    row_version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    reason = forms.CharField(
        label=_("Reason"), max_length=500, widget=forms.Textarea(attrs={"rows": 2})
    )


class PlanForm(BootstrapFormMixin, forms.Form):
    """The deadline a task is planned back from."""

    row_version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    deadline = forms.DateField(label=_("Final deadline"), widget=_date_widget())


class PlanStepForm(BootstrapFormMixin, forms.Form):
    """One step of a backward plan: what is done and how many working days it takes."""

    name = forms.CharField(label=_("Step"), max_length=200, required=False)
    working_days = forms.IntegerField(
        label=_("Working days"), min_value=1, max_value=250, required=False
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("name") and not data.get("working_days"):
            self.add_error("working_days", _("How many working days does this step take?"))
        if data.get("working_days") and not data.get("name"):
            self.add_error("name", _("Name the step."))
        return data


class BasePlanStepFormSet(forms.BaseFormSet):
    def steps(self) -> list[tuple[str, int]]:
        """The filled rows, in order."""
        return [
            (f.cleaned_data["name"], f.cleaned_data["working_days"])
            for f in self.forms
            if f.cleaned_data.get("name")
        ]

    def clean(self) -> None:
        super().clean()
        if any(self.errors):
            return
        if not self.steps():
            raise forms.ValidationError(_("Give at least one step."))


PlanStepFormSet = forms.formset_factory(
    PlanStepForm, formset=BasePlanStepFormSet, extra=0, max_num=MAX_STEPS, validate_max=True
)


class HolidayForm(BootstrapFormMixin, forms.Form):
    """A day off on a weekday, or a worked weekend day (调休)."""

    KIND_CHOICES = (("off", _("Day off (holiday)")), ("work", _("Working day (调休)")))

    day = forms.DateField(label=_("Day"), widget=_date_widget())
    kind = forms.ChoiceField(label=_("Kind"), choices=KIND_CHOICES)
    name = forms.CharField(
        label=_("Name"), max_length=50, required=False, help_text=_("e.g. National Day")
    )


class HolidayDeleteForm(forms.Form):
    day = forms.DateField()


class HolidaySeedForm(forms.Form):
    year = forms.IntegerField(min_value=2000, max_value=2200)


def steps_initial(milestones: list[Any]) -> list[dict[str, Any]]:
    """Rows of the planning form from a task's present milestones (or a blank start)."""
    return [{"name": m.name, "working_days": m.working_days} for m in milestones]


class TaskPublicForm(BootstrapFormMixin, forms.Form):
    """The office's choice to show a task on the public progress page, with its summary."""

    is_public = forms.BooleanField(label=_("Show on the public progress page"), required=False)
    public_summary = forms.CharField(
        label=_("Public summary"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_(
            "What the public reads about the task: plain facts, no names, phone numbers or "
            "internal remarks."
        ),
    )
