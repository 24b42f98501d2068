"""Personal data at rest (PIPL): respondents' names and phone numbers.

- `encrypt` / `decrypt`: Fernet (AES-128-CBC + HMAC-SHA256) under settings.KAOPING_PII_KEYS;
  the first key encrypts, every key decrypts (rotation: put the new key first and keep the
  old one after it until the data it encrypted is purged).
- `phone_fingerprint`: a keyed HMAC-SHA256 of the normalised number, so duplicates are found
  without decrypting and the fingerprint reveals nothing without the key.
- `normalise_phone`, `mask_phone`, `mask_name`: what is stored in clear for display.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from functools import cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings

MOBILE = re.compile(r"^1[3-9]\d{9}$")
LANDLINE = re.compile(r"^0\d{2,3}\d{7,8}$")


class InvalidPhone(ValueError):
    """A phone number that is neither a mainland mobile nor a landline with area code."""


@cache
def _fernet(keys: tuple[str, ...]) -> MultiFernet:
    return MultiFernet([Fernet(k.encode()) for k in keys])


def _current() -> MultiFernet:
    return _fernet(tuple(settings.KAOPING_PII_KEYS))


def encrypt(text: str) -> str:
    return _current().encrypt(text.encode()).decode() if text else ""


def decrypt(token: str) -> str:
    """The clear text; raises ValueError when no configured key opens it."""
    if not token:
        return ""
    try:
        return _current().decrypt(token.encode()).decode()
    except InvalidToken:
        raise ValueError("the personal data cannot be decrypted with the configured keys") from None


def normalise_phone(raw: str) -> str:
    """Digits only: drops spaces, dashes, brackets, a leading +86/0086; raises InvalidPhone."""
    digits = re.sub(r"[\s\-()（）]", "", str(raw or ""))
    if digits.startswith("+86"):
        digits = digits[3:]
    elif digits.startswith("0086"):
        digits = digits[4:]
    if not digits.isdigit() or not (MOBILE.match(digits) or LANDLINE.match(digits)):
        raise InvalidPhone(raw)
    return digits


def phone_fingerprint(normalised: str) -> str:
    key = hashlib.sha256(("kaoping-pii-fingerprint:" + settings.SECRET_KEY).encode()).digest()
    return hmac.new(key, normalised.encode(), hashlib.sha256).hexdigest()


def mask_phone(normalised: str) -> str:
    """138****1234 for a mobile; 0571****5678 for a landline (area code and last four)."""
    if MOBILE.match(normalised):
        return f"{normalised[:3]}****{normalised[-4:]}"
    head = 3 if normalised.startswith(("01", "02")) else 4  # 010, 02x; else 0571-style
    return f"{normalised[:head]}****{normalised[-4:]}"


def mask_name(name: str) -> str:
    """The first character and one * per other character (张*, 欧阳**)."""
    name = name.strip()
    if not name:
        return ""
    return name[0] + "*" * max(1, len(name) - 1)
