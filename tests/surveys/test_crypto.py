"""Phone normalisation, masking, fingerprints and encryption of respondents' data."""

from __future__ import annotations

import pytest
from django.test import override_settings

from kaoping.surveys import crypto


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("138 0013 8000", "13800138000"),
        ("+86 138-0013-8000", "13800138000"),
        ("0086 13800138000", "13800138000"),
        ("(0571) 8765 4321", "057187654321"),
        ("010-12345678", "01012345678"),
    ],
)
def test_normalise_phone(raw: str, expected: str) -> None:
    assert crypto.normalise_phone(raw) == expected


@pytest.mark.parametrize("raw", ["", "12345", "1380013800", "2380013800a", "23800138000", "abc"])
def test_malformed_phones_are_refused(raw: str) -> None:
    with pytest.raises(crypto.InvalidPhone):
        crypto.normalise_phone(raw)


def test_masks() -> None:
    assert crypto.mask_phone("13800138000") == "138****8000"
    assert crypto.mask_phone("057187654321") == "0571****4321"
    assert crypto.mask_phone("01012345678") == "010****5678"
    assert crypto.mask_name("张三") == "张*"
    assert crypto.mask_name("欧阳娜娜") == "欧***"


def test_encryption_round_trip_and_rotation() -> None:
    old = "x" * 43 + "="
    new = "y" * 43 + "="
    with override_settings(KAOPING_PII_KEYS=[old]):
        token = crypto.encrypt("13800138000")
    assert token != crypto.encrypt("13800138000")
    with override_settings(KAOPING_PII_KEYS=[new, old]):
        assert crypto.decrypt(token) == "13800138000"
    with override_settings(KAOPING_PII_KEYS=[new]), pytest.raises(ValueError):
        crypto.decrypt(token)


def test_fingerprint_is_stable_and_keyed() -> None:
    first = crypto.phone_fingerprint("13800138000")
    assert crypto.phone_fingerprint("13800138000") == first
    assert crypto.phone_fingerprint("13800138001") != first
    with override_settings(SECRET_KEY="another"):
        assert crypto.phone_fingerprint("13800138000") != first
