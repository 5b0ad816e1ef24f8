"""Pseudonyms for personal identifiers kept in tables: who owns an order, which phone or
e-mail sent a case.

A plain hash of a 12-digit ID number or a 10-digit phone number is reversed by trying
them all; an HMAC under a key from Secrets Manager is not, while staying equal for equal
input, which is all the tables need (to match an owner, to find a submitter's earlier
cases). ``purpose`` keeps one service's pseudonyms from matching another's.

>>> set_key_source(lambda: b"example key")
>>> pseudonym("owner", "079123456789") == pseudonym("owner", "079123456789")
True
>>> pseudonym("owner", "079123456789") == pseudonym("submitter", "079123456789")
False
>>> reset_key_cache()
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable

from services.core.secret_keys import SecretKey
from services.core.settings import get_settings

_key = SecretKey(lambda: get_settings().pseudonym_secret_name)


def set_key_source(source: Callable[[], bytes]) -> None:
    """Replace where the key comes from (tests that run without a secret)."""
    _key.set_source(source)


def reset_key_cache() -> None:
    _key.reset()


def pseudonym(purpose: str, value: str) -> str:
    message = f"{purpose}:{value}".encode()
    return hmac.new(_key.get(), message, hashlib.sha256).hexdigest()
