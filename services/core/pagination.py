"""Opaque, tamper-evident list cursors.

A cursor is the position to resume from (a DynamoDB key or an offset), encrypted and
authenticated with AES-GCM under a key from Secrets Manager, with the list it belongs to as
associated data: opaque to callers (no table key shows through), and a cursor that was
altered, or reused for another list, is a 400, never a 500.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
from collections.abc import Callable
from functools import cache
from typing import Any

from services.core.problems import Text, bad_request
from services.core.secret_keys import SecretKey
from services.core.settings import get_settings

DEFAULT_LIMIT = 20
MAX_LIMIT = 100

_BAD_CURSOR = Text(
    "Con trỏ phân trang không hợp lệ hoặc đã bị sửa đổi.",
    "The cursor is invalid or was altered.",
)


_key = SecretKey(lambda: get_settings().cursor_secret_name)


def set_key_source(source: Callable[[], bytes]) -> None:
    """Replace where the key comes from (tests that run without a secret)."""
    _key.set_source(source)


def reset_key_cache() -> None:
    _key.reset()


_NONCE_BYTES = 12
MAX_CURSOR_CHARS = 2048


@cache
def _cipher(key: bytes) -> Any:
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    # The secret is text of any length; AES-256 wants exactly 32 bytes of key.
    return AESGCM(hashlib.sha256(b"portal-cursor:" + key).digest())


def encode_cursor(position: dict[str, Any], scope: str) -> str:
    """Seal ``position`` for the list named by ``scope`` (route plus filters): encrypted
    (AES-GCM), so a caller learns nothing of the table's keys, and authenticated with the
    scope, so it is refused if altered or reused for another list."""
    payload = json.dumps(position, separators=(",", ":"), sort_keys=True).encode()
    nonce = os.urandom(_NONCE_BYTES)
    sealed = _cipher(_key.get()).encrypt(nonce, payload, scope.encode())
    return base64.urlsafe_b64encode(nonce + sealed).rstrip(b"=").decode()


def decode_cursor(cursor: str, scope: str) -> dict[str, Any]:
    from cryptography.exceptions import InvalidTag

    if len(cursor) > MAX_CURSOR_CHARS:
        raise bad_request(_BAD_CURSOR)
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
    except (ValueError, TypeError):
        raise bad_request(_BAD_CURSOR) from None
    nonce, sealed = raw[:_NONCE_BYTES], raw[_NONCE_BYTES:]
    if len(nonce) != _NONCE_BYTES:
        raise bad_request(_BAD_CURSOR)
    try:
        payload = _cipher(_key.get()).decrypt(nonce, sealed, scope.encode())
        position = json.loads(payload)
    except (InvalidTag, ValueError):
        raise bad_request(_BAD_CURSOR) from None
    if not isinstance(position, dict):
        raise bad_request(_BAD_CURSOR)
    return position
