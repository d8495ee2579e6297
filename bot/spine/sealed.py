"""Secrets kept in the database encrypted at rest (a website's application password; an office's
LINE channel secrets later): Fernet, with the key from PRAKAT_SECRET_KEY, never from the data.

Without the key nothing is sealed or opened: a copy of the database alone reveals no secret.
"""

from __future__ import annotations

import base64
import hashlib

from cryptography.fernet import Fernet, InvalidToken


class SealError(ValueError):
    """No key is set, or a sealed value does not open with this key (changed or damaged)."""


def _fernet(key: str) -> Fernet:
    if not key:
        raise SealError("PRAKAT_SECRET_KEY is not set, so secrets cannot be stored or read")
    # Any long random text will do as the setting; Fernet wants 32 bytes, url-safe base64.
    return Fernet(base64.urlsafe_b64encode(hashlib.sha256(key.encode()).digest()))


def seal(key: str, secret: str) -> str:
    """The secret encrypted and authenticated, as text for a database column."""
    return _fernet(key).encrypt(secret.encode()).decode("ascii")


def unseal(key: str, sealed: str) -> str:
    try:
        return _fernet(key).decrypt(sealed.encode("ascii")).decode()
    except (InvalidToken, ValueError, UnicodeError):
        raise SealError("a stored secret does not open with PRAKAT_SECRET_KEY "
                        "(was the key changed? store the secret again)") from None
