"""Forms of the leader-evaluation pages. Input only; the services decide."""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from django import forms
from django.http import QueryDict
from django.utils.translation import gettext_lazy as _

from kaoping.appraisal.models import LeaderRatingRound
from kaoping.appraisal.services import BallotEntry
from kaoping.core.forms import BootstrapFormMixin
from kaoping.plans.models import Plan

LEVEL_FIELDS = ("good", "fairly_good", "average", "poor")


class VersionForm(BootstrapFormMixin, forms.Form):
    """Carries the version the object was read at (optimistic locking)."""

    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)


class RoundForm(BootstrapFormMixin, forms.Form):
    """A round's settings (a new round, or a draft's)."""

    plan = forms.ModelChoiceField(label=_("Plan"), queryset=Plan.objects.none())
    name = forms.CharField(label=_("Name"), max_length=200)
    method = forms.ChoiceField(
        label=_("Rating method"),
        choices=LeaderRatingRound.Method.choices,
        initial=LeaderRatingRound.Method.SCORE,
    )
    coverage = forms.ChoiceField(
        label=_("Units each leader rates"),
        choices=LeaderRatingRound.Coverage.choices,
        initial=LeaderRatingRound.Coverage.PLAN_UNITS,
    )
    trim = forms.BooleanField(
        label=_("Drop one highest and one lowest ballot of a unit"), required=False
    )
    trim_min_ballots = forms.IntegerField(
        label=_("…when the unit has at least this many ballots"),
        min_value=3,
        max_value=1000,
        initial=5,
    )
    score_good = forms.DecimalField(
        label=_("Score of “good”"), min_value=0, max_value=100, decimal_places=2, initial=100
    )
    score_fairly_good = forms.DecimalField(
        label=_("Score of “fairly good”"), min_value=0, max_value=100, decimal_places=2, initial=80
    )
    score_average = forms.DecimalField(
        label=_("Score of “average”"), min_value=0, max_value=100, decimal_places=2, initial=60
    )
    score_poor = forms.DecimalField(
        label=_("Score of “poor”"), min_value=0, max_value=100, decimal_places=2, initial=40
    )
    opens_on = forms.DateField(
        label=_("Opens on"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    closes_on = forms.DateField(
        label=_("Closes on"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args: Any, plans: Any, editing: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._choice("plan").queryset = plans
        if editing:
            self.fields["plan"].disabled = True

    @property
    def level_scores(self) -> dict[str, Decimal]:
        return {level: self.cleaned_data[f"score_{level}"] for level in LEVEL_FIELDS}

    def service_kwargs(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "name": data["name"],
            "method": data["method"],
            "coverage": data["coverage"],
            "trim": data["trim"],
            "trim_min_ballots": data["trim_min_ballots"],
            "opens_on": data["opens_on"],
            "closes_on": data["closes_on"],
            "level_scores": self.level_scores,
        }


def round_initial(round: LeaderRatingRound) -> dict[str, Any]:
    """A draft round's settings as the form's initial values."""
    return {
        "plan": round.plan_id,
        "name": round.name,
        "method": round.method,
        "coverage": round.coverage,
        "trim": round.trim,
        "trim_min_ballots": round.trim_min_ballots,
        "opens_on": round.opens_on,
        "closes_on": round.closes_on,
        "version": round.row_version,
        **{f"score_{level}": getattr(round, f"score_{level}") for level in LEVEL_FIELDS},
    }


class RaterAssignForm(BootstrapFormMixin, forms.Form):
    """Leader accounts to give a sheet in the round."""

    users = forms.ModelMultipleChoiceField(
        label=_("Leaders"),
        queryset=None,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Each gets a sheet with the units the round's rule gives them."),
    )

    def __init__(self, *args: Any, users: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["users"]
        assert isinstance(field, forms.ModelMultipleChoiceField)
        field.queryset = users
        field.widget.attrs["class"] = "form-check-input"
        field.label_from_instance = lambda user: (  # type: ignore[method-assign]
            f"{user} ({user.person.title})" if user.person_id and user.person.title else str(user)
        )


def parse_sheet(data: QueryDict, unit_ids: Iterable[int]) -> list[BallotEntry]:
    """The rows of a posted ballot sheet: `score-<unit>`, `level-<unit>`, `comment-<unit>`
    and `version-<unit>` (the version the ballot was read at; blank for a new one)."""
    entries = []
    for unit_id in unit_ids:
        version_text = (data.get(f"version-{unit_id}") or "").strip()
        entries.append(
            BallotEntry(
                unit_id=unit_id,
                score=(data.get(f"score-{unit_id}") or "").strip() or None,
                level=(data.get(f"level-{unit_id}") or "").strip(),
                comment=data.get(f"comment-{unit_id}") or "",
                version=int(version_text)
                if version_text.isdigit() and len(version_text) < 10
                else None,
            )
        )
    return entries
