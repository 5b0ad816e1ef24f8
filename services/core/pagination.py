"""Opaque, tamper-evident list cursors.

A cursor is the position to resume from (a DynamoDB key or an offset) plus the list it
belongs to, signed with HMAC-SHA256 under a key from Secrets Manager. A cursor that was
altered, or reused for another list, is a 400, never a 500.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from collections.abc import Callable
from functools import cache
from typing import Any

from services.core.problems import Text, bad_request
from services.core.settings import get_settings

DEFAULT_LIMIT = 20
MAX_LIMIT = 100
_TAG_BYTES = 16

_BAD_CURSOR = Text(
    "Con trỏ phân trang không hợp lệ hoặc đã bị sửa đổi.",
    "The cursor is invalid or was altered.",
)


def _load_key() -> bytes:
    from aws_lambda_powertools.utilities import parameters

    secret = parameters.get_secret(get_settings().cursor_secret_name, max_age=300)
    return str(secret).encode()


_key_source: Callable[[], bytes] = cache(_load_key)


def set_key_source(source: Callable[[], bytes]) -> None:
    """Replace where the signing key comes from (tests that run without a secret)."""
    global _key_source
    _key_source = source


def reset_key_cache() -> None:
    global _key_source
    _key_source = cache(_load_key)


def _tag(scope: str, payload: bytes) -> bytes:
    mac = hmac.new(_key_source(), scope.encode() + b"\x00" + payload, hashlib.sha256)
    return mac.digest()[:_TAG_BYTES]


def encode_cursor(position: dict[str, Any], scope: str) -> str:
    """Sign ``position`` for the list named by ``scope`` (route plus filters)."""
    payload = json.dumps(position, separators=(",", ":"), sort_keys=True).encode()
    raw = _tag(scope, payload) + payload
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def decode_cursor(cursor: str, scope: str) -> dict[str, Any]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
    except (ValueError, TypeError):
        raise bad_request(_BAD_CURSOR) from None
    tag, payload = raw[:_TAG_BYTES], raw[_TAG_BYTES:]
    if len(tag) != _TAG_BYTES or not hmac.compare_digest(tag, _tag(scope, payload)):
        raise bad_request(_BAD_CURSOR)
    try:
        position = json.loads(payload)
    except ValueError:
        raise bad_request(_BAD_CURSOR) from None
    if not isinstance(position, dict):
        raise bad_request(_BAD_CURSOR)
    return position
