"""Personal data at rest (phone numbers of complainants and the like): encrypted, and findable without being
decrypted.

* :func:`encrypt` / :func:`decrypt` — Fernet (AES-128-CBC with HMAC-SHA256, from ``cryptography``) under
  ``settings.OQMS_DATA_KEYS`` (the first key encrypts, every key decrypts: rotation without a migration).
* :func:`blind_index` — HMAC-SHA256 of a normalised value under a key derived from the oldest data key (adding
  a key keeps every index): equal values give equal indexes (to merge repeated submissions by one phone), the
  value cannot be read back.
"""

from __future__ import annotations

import hashlib
import hmac
import re

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings

_SPACES = re.compile(r"[\s\-()（）]+")


def _box() -> MultiFernet:
    return MultiFernet([Fernet(key.encode()) for key in settings.OQMS_DATA_KEYS])


def normalise_phone(value: str) -> str:
    """Digits (and a leading +) only: "138 1234-5678" and "13812345678" are the same number."""
    text = _SPACES.sub("", value or "")
    if text.startswith("+86"):
        text = text[3:]
    return text


def encrypt(value: str) -> str:
    """The value encrypted (text, safe for a CharField/TextField); "" stays ""."""
    if not value:
        return ""
    return _box().encrypt(value.encode()).decode()


def decrypt(token: str) -> str:
    """The value back; "" for "" — and ValueError if the token was not made with one of the keys."""
    if not token:
        return ""
    try:
        return _box().decrypt(token.encode()).decode()
    except InvalidToken as exc:
        raise ValueError("the value cannot be decrypted with the configured OQMS_DATA_KEYS") from exc


def blind_index(value: str, purpose: str = "phone") -> str:
    """A keyed hash of the value for equality lookups ("" for "")."""
    if not value:
        return ""
    key = hmac.new(settings.OQMS_DATA_KEYS[-1].encode(), f"oqms-index:{purpose}".encode(), hashlib.sha256)
    return hmac.new(key.digest(), value.encode(), hashlib.sha256).hexdigest()
