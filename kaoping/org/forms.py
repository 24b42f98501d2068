"""Sign-in and password forms."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.contrib.auth.password_validation import password_validators_help_text_html
from django.utils.translation import gettext_lazy as _

from kaoping.org.lockout import address_locked
from kaoping.org.services import client_ip, login_refused


class LoginForm(AuthenticationForm):
    """Django's sign-in form, refusing an address that failed too often."""

    error_messages = {
        **AuthenticationForm.error_messages,
        "address_locked": _(
            "Too many failed sign-ins from this address. Try again later or ask the security "
            "administrator."
        ),
    }

    def clean(self) -> dict[str, Any]:
        if self.request is not None and address_locked(client_ip(self.request)):
            login_refused(
                request=self.request,
                username=self.cleaned_data.get("username", ""),
                reason="address_locked",
            )
            # django-axes' middleware then answers with the locked-out page (403), as it
            # does for a locked account; the page tells the two apart by this flag.
            self.request.axes_locked_out = True  # type: ignore[attr-defined]
            self.request.kaoping_address_locked = True  # type: ignore[attr-defined]
            raise forms.ValidationError(
                self.error_messages["address_locked"], code="address_locked"
            )
        return super().clean()


class PasswordChangeForm(forms.Form):
    """Change one's own password: the current one, then the new one twice."""

    old_password = forms.CharField(
        label=_("Current password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )
    new_password1 = forms.CharField(
        label=_("New password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    new_password2 = forms.CharField(
        label=_("New password again"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def __init__(self, user: Any, *args: Any, **kwargs: Any) -> None:
        self.user = user
        super().__init__(*args, **kwargs)
        self.fields["new_password1"].help_text = password_validators_help_text_html()

    def clean_old_password(self) -> str:
        value = self.cleaned_data["old_password"]
        if not self.user.check_password(value):
            raise forms.ValidationError(_("The current password is wrong."))
        return value

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("new_password1") != data.get("new_password2"):
            self.add_error("new_password2", _("The two new passwords differ."))
        return data
