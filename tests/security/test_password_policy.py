"""The password policy: length, character classes, history, common passwords (等保 level 3)."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.test import override_settings
from django.utils import translation

from kaoping.core.errors import ApplicationError
from kaoping.org import services
from kaoping.org.passwords import CharacterClassValidator, character_classes
from tests.factories import UserFactory

GOOD = "Kp-Evaluation-2024x"


def rejection(password: str, user: Any = None) -> ValidationError:
    with translation.override("en"), pytest.raises(ValidationError) as caught:
        validate_password(password, user)
    return caught.value


def codes(error: ValidationError) -> set[str]:
    return {e.code for e in error.error_list}


@pytest.mark.django_db
def test_a_password_shorter_than_the_minimum_is_rejected_with_its_message() -> None:
    # given a 9-character password with all four kinds of character
    # when it is validated
    error = rejection("Ab1!xyzQ9")
    # then it fails on length alone, saying the minimum
    assert codes(error) == {"password_too_short"}
    assert "at least 12 characters" in " ".join(error.messages)


@pytest.mark.django_db
def test_a_password_with_too_few_character_classes_is_rejected_with_its_message() -> None:
    # given a long password of lower-case letters and digits only (2 of 4 classes)
    error = rejection("kaopingsecret2024")
    # then the class rule rejects it and says how many kinds it needs
    assert codes(error) == {"password_too_simple"}
    assert "uses 2 kinds of character; it needs at least 3" in " ".join(error.messages)


@pytest.mark.django_db
def test_a_common_password_is_rejected_even_when_long_and_mixed() -> None:
    # given "Password1234": 12 characters, three classes, but on the common-password list
    error = rejection("Password1234")
    assert codes(error) == {"password_too_common"}
    assert "too common" in " ".join(error.messages)


@pytest.mark.django_db
def test_a_good_password_is_accepted() -> None:
    validate_password(GOOD)  # no exception
    assert character_classes(GOOD) == 4


def test_symbols_and_non_ascii_letters_are_counted_as_documented() -> None:
    assert character_classes("abc") == 1
    assert character_classes("aB3") == 3
    assert character_classes("aB3 ") == 3  # a space is allowed but is not a symbol
    assert character_classes("aB3！") == 4  # a full-width symbol is a symbol
    assert character_classes("考评考评") == 0  # Chinese characters count for no class
    with translation.override("en"), pytest.raises(ValidationError):
        CharacterClassValidator(min_classes=4).validate("aB3defghijkl")


@pytest.mark.django_db
@override_settings(
    KAOPING_PASSWORD_POLICY={"min_length": 12, "min_classes": 3, "max_age_days": 90, "history": 3}
)
def test_the_last_n_passwords_cannot_be_reused_but_older_ones_can() -> None:
    # given an account that went through four passwords (history kept: 3, current included)
    user = UserFactory(password="First-pass-0001")
    for password in ("Second-pass-0002", "Third-pass-0003", "Fourth-pass-0004"):
        services.user_set_password(actor=user, user=user, password=password)
    # when it tries the current one and the two before it, then each is refused as reused
    with override_settings(
        AUTH_PASSWORD_VALIDATORS=[
            {
                "NAME": "kaoping.org.passwords.PasswordHistoryValidator",
                "OPTIONS": {"history": 3},
            }
        ]
    ):
        for reused in ("Fourth-pass-0004", "Third-pass-0003", "Second-pass-0002"):
            with translation.override("en"), pytest.raises(ApplicationError) as caught:
                services.user_set_password(actor=user, user=user, password=reused)
            assert "one of your last 3 passwords" in str(caught.value.message)
        # and the fourth-last, beyond the history, is accepted again
        services.user_set_password(actor=user, user=user, password="First-pass-0001")
    user.refresh_from_db()
    assert user.check_password("First-pass-0001")
    assert len(user.password_history) == 3


@pytest.mark.django_db
def test_the_history_rule_is_in_the_default_policy() -> None:
    # given an account whose current password is GOOD
    user = UserFactory(password=GOOD)
    # then setting GOOD again through the default validators is refused as reuse
    assert "password_reused" in codes(rejection(GOOD, user))
