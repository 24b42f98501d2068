"""Password rules beyond Django's: character classes and no reuse of recent passwords."""

from __future__ import annotations

import string
from typing import Any

from django.contrib.auth.hashers import check_password
from django.core.exceptions import ValidationError
from django.utils.translation import ngettext

CLASSES = (
    ("upper", lambda ch: ch.isascii() and ch.isupper()),
    ("lower", lambda ch: ch.isascii() and ch.islower()),
    ("digit", lambda ch: ch.isdigit()),
    ("symbol", lambda ch: ch in string.punctuation or (not ch.isalnum() and not ch.isspace())),
)


def character_classes(password: str) -> int:
    """How many of upper case, lower case, digits and symbols the password uses."""
    return sum(1 for _name, test in CLASSES if any(test(ch) for ch in password))


class CharacterClassValidator:
    """At least N of the four classes: upper case, lower case, digits, symbols (等保 2.0)."""

    def __init__(self, min_classes: int = 3) -> None:
        self.min_classes = min_classes

    def validate(self, password: str, user: Any = None) -> None:
        found = character_classes(password)
        if found < self.min_classes:
            raise ValidationError(
                ngettext(
                    "This password uses %(found)d kind of character; it needs at least "
                    "%(n)d among upper-case letters, lower-case letters, digits and symbols.",
                    "This password uses %(found)d kinds of character; it needs at least "
                    "%(n)d among upper-case letters, lower-case letters, digits and symbols.",
                    found,
                )
                % {"found": found, "n": self.min_classes},
                code="password_too_simple",
            )

    def get_help_text(self) -> str:
        return ngettext(
            "Your password must use at least %(n)d kind of character among upper-case letters, "
            "lower-case letters, digits and symbols.",
            "Your password must use at least %(n)d kinds of character among upper-case "
            "letters, lower-case letters, digits and symbols.",
            self.min_classes,
        ) % {"n": self.min_classes}


class PasswordHistoryValidator:
    """The new password may not be one of the account's last N passwords (the current one
    included); kaoping.org.services.user_set_password keeps the hashes of earlier ones."""

    def __init__(self, history: int = 5) -> None:
        self.history = history

    def validate(self, password: str, user: Any = None) -> None:
        if user is None or not self.history:
            return
        previous = list(getattr(user, "password_history", None) or [])
        if user.password:
            previous.append(user.password)
        if any(check_password(password, encoded) for encoded in previous[-self.history :]):
            raise ValidationError(
                ngettext(
                    "This password is the same as your current one.",
                    "This password is one of your last %(n)d passwords.",
                    self.history,
                )
                % {"n": self.history},
                code="password_reused",
            )

    def password_changed(self, password: str, user: Any = None) -> None:
        """Nothing here: services.user_set_password keeps the history."""

    def get_help_text(self) -> str:
        return ngettext(
            "Your password may not be your current one.",
            "Your password may not be one of your last %(n)d passwords.",
            self.history,
        ) % {"n": self.history}
