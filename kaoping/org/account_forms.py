"""Forms of the administrators' account pages (三员分立: system and security administrators).

They only parse input; kaoping.org.services decides (password policy, separation of roles).
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from kaoping.core.forms import BootstrapFormMixin
from kaoping.org.models import Person, Role, Unit


class _PasswordPair(BootstrapFormMixin, forms.Form):
    password1 = forms.CharField(
        label=_("Initial password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    password2 = forms.CharField(
        label=_("Initial password again"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("password1") and data.get("password1") != data.get("password2"):
            self.add_error("password2", _("The two passwords differ."))
        return data


class AccountCreateForm(_PasswordPair):
    """A new account; its owner must change the initial password on first sign-in."""

    username = forms.CharField(label=_("User name"), max_length=150)
    display_name = forms.CharField(label=_("Display name"), max_length=50, required=False)
    person = forms.ModelChoiceField(
        label=_("Person"),
        queryset=Person.objects.none(),
        required=False,
        help_text=_("The official this account belongs to."),
    )

    field_order = ["username", "display_name", "person", "password1", "password2"]

    def __init__(self, *args: Any, persons: QuerySet[Person], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._choice("person").queryset = persons
        self.fields["person"].label_from_instance = (  # type: ignore[attr-defined]
            lambda p: f"{p.name}（{p.title or p.get_position_display()} · {p.unit.name}）"
        )


class PasswordResetForm(_PasswordPair):
    """A new initial password set by the system administrator (to be changed at sign-in)."""

    reason = forms.CharField(label=_("Reason"), max_length=300, required=False)


class ActiveForm(BootstrapFormMixin, forms.Form):
    """Deactivate or reactivate an account, with the reason."""

    active = forms.TypedChoiceField(
        choices=[("1", "1"), ("0", "0")], coerce=lambda v: v == "1", widget=forms.HiddenInput
    )
    reason = forms.CharField(label=_("Reason"), max_length=300)


class RoleGrantForm(BootstrapFormMixin, forms.Form):
    """Give an account a role anchored at a unit."""

    role = forms.ChoiceField(label=_("Role"), choices=Role.choices)
    unit = forms.ModelChoiceField(
        label=_("Unit"),
        queryset=Unit.objects.none(),
        required=False,
        help_text=_("Business roles need a unit; it fixes the data scope."),
    )

    def __init__(self, *args: Any, units: QuerySet[Unit], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._choice("unit").queryset = units
        self.fields["unit"].label_from_instance = (  # type: ignore[attr-defined]
            lambda u: f"{'　' * max(0, u.depth - 1)}{u.code} {u.name}"
        )


class ReasonForm(BootstrapFormMixin, forms.Form):
    """A reason for revoking a role or unlocking an account (kept in the audit trail)."""

    reason = forms.CharField(label=_("Reason"), max_length=300, required=False)
